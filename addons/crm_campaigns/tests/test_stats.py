"""The plain statistics module against references computed independently.

Reference values were computed with SciPy 1.17 (``scipy.stats.chi2_contingency`` without
continuity correction, whose chi-square is the square of the pooled z, ``scipy.stats.norm``,
``scipy.stats.ttest_ind(equal_var=False)``, ``scipy.optimize.root`` on the likelihood
equations) and are written out literally; closed forms are checked where they exist. Where
SciPy is importable the same references are also recomputed live.
"""
import doctest
import math
import unittest

from ..lib import draw, scoring, states
from ..lib.draw import seeded_uniform, stratified_split
from ..lib.stats import (decide, logistic, logistic_fit, mean_difference,
                         minimum_sample_problems, norm_ppf, two_proportion_ztest)

TOL = 1e-9
SAMPLE_A = [100.04, 108.96, 91.78, 73.28, 86.36, 70.25, 101.8, 140.21, 85.23, 81.39, 114.7,
            110.71, 103.16, 72.09, 99.12, 120.86, 59.67, 86.27, 42.96, 61.31, 44.75, 92.95,
            61.98, 108.14, 104.7, 94.39, 24.5, 83.84, 98.54, 103.4, 54.1, 85.67, 70.64, 75.73,
            131.83, 75.77, 99.02, 126.53, 82.49, 96.65]
SAMPLE_B = [82.76, 81.59, 49.37, 81.9, 113.97, 41.32, 101.48, 82.98, 63.96, 130.01, 99.06,
            50.02, 81.86, 94.42, 75.28, 97.07, 78.34, 96.68, 115.96, 63.11, 85.08, 68.42,
            83.18, 50.32, 65.52, 75.1, 102.47, 108.63, 46.91, 60.13, 96.17, 30.19, 68.42,
            77.57, 111.43]
LOGIT_X = [0.05, 0.12, 0.2, 0.27, 0.33, 0.41, 0.48, 0.52, 0.6, 0.66, 0.71, 0.78, 0.85, 0.9,
           0.97]
LOGIT_Y = [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1]


def _sufficient(values):
    return len(values), sum(values), sum(v * v for v in values)


class TestStats(unittest.TestCase):
    """The statistics, the draw and the state table (plain, no database)."""

    def test_normal_quantiles(self):
        self.assertAlmostEqual(norm_ppf(0.975), 1.959963984540054, delta=TOL)
        self.assertAlmostEqual(norm_ppf(0.8), 0.8416212335729143, delta=TOL)
        self.assertAlmostEqual(norm_ppf(0.0006871379379158471), -3.2, delta=1e-9)
        self.assertAlmostEqual(norm_ppf(0.5), 0.0, delta=1e-15)
        with self.assertRaises(ValueError):
            norm_ppf(1.0)

    def test_ztest_equal_groups(self):
        """60/500 against 40/500: chi-square 4.444..., p 0.035015 (scipy)."""
        result = two_proportion_ztest(60, 500, 40, 500)
        self.assertAlmostEqual(result.p1, 0.12, delta=TOL)
        self.assertAlmostEqual(result.p2, 0.08, delta=TOL)
        self.assertAlmostEqual(result.pooled, 0.1, delta=TOL)
        self.assertAlmostEqual(result.z ** 2, 4.444444444444445, delta=TOL)
        # closed form: z = 0.04 / sqrt(0.1 * 0.9 * (2 / 500))
        self.assertAlmostEqual(result.z, 0.04 / math.sqrt(0.09 * 0.004), delta=TOL)
        self.assertAlmostEqual(result.p_value, 0.03501498101966245, delta=TOL)
        self.assertAlmostEqual(result.ci_low, 0.0028950294254694864, delta=TOL)
        self.assertAlmostEqual(result.ci_high, 0.0771049705745305, delta=TOL)

    def test_ztest_unequal_groups_and_level(self):
        """132/1000 against 41/480: chi-square 6.817770622983108, p 0.0090255167228291."""
        result = two_proportion_ztest(132, 1000, 41, 480)
        self.assertAlmostEqual(result.z ** 2, 6.817770622983108, delta=TOL)
        self.assertGreater(result.z, 0)
        self.assertAlmostEqual(result.p_value, 0.0090255167228291, delta=TOL)
        self.assertAlmostEqual(result.ci_low, 0.013943760899083668, delta=TOL)
        self.assertAlmostEqual(result.ci_high, 0.07922290576758301, delta=TOL)
        ninety = two_proportion_ztest(132, 1000, 41, 480, level=0.90)
        self.assertAlmostEqual(ninety.ci_low, 0.019191340661988562, delta=TOL)
        self.assertAlmostEqual(ninety.ci_high, 0.07397532600467811, delta=TOL)
        self.assertEqual(ninety.p_value, result.p_value)

    def test_ztest_symmetry_and_degenerate(self):
        forward = two_proportion_ztest(30, 200, 20, 210)
        backward = two_proportion_ztest(20, 210, 30, 200)
        self.assertAlmostEqual(forward.z, -backward.z, delta=TOL)
        self.assertAlmostEqual(forward.p_value, backward.p_value, delta=TOL)
        nobody = two_proportion_ztest(0, 50, 0, 60)
        self.assertEqual((nobody.z, nobody.p_value, nobody.diff), (0.0, 1.0, 0.0))
        with self.assertRaises(ValueError):
            two_proportion_ztest(5, 0, 1, 10)
        with self.assertRaises(ValueError):
            two_proportion_ztest(11, 10, 1, 10)

    def test_live_scipy_cross_check(self):
        """The same references recomputed with SciPy on other numbers."""
        try:
            import numpy
            from scipy import stats as sps
        except ImportError:  # pragma: no cover - scipy ships with the suite's venv
            self.fail("SciPy is part of the suite's environment")
        for x1, n1, x2, n2 in ((17, 90, 9, 110), (250, 4000, 190, 3900), (3, 40, 1, 44)):
            chi2, p_value, _dof, _expected = sps.chi2_contingency(
                numpy.array([[x1, n1 - x1], [x2, n2 - x2]]), correction=False)
            result = two_proportion_ztest(x1, n1, x2, n2)
            self.assertAlmostEqual(result.z ** 2, chi2, delta=TOL)
            self.assertAlmostEqual(result.p_value, p_value, delta=TOL)
        welch = sps.ttest_ind(SAMPLE_A, SAMPLE_B, equal_var=False)
        diff = mean_difference(*(_sufficient(SAMPLE_A) + _sufficient(SAMPLE_B)))
        self.assertAlmostEqual(diff.z, welch.statistic, delta=TOL)

    def test_minimum_sample_guard(self):
        self.assertEqual(minimum_sample_problems(60, 500, 40, 500, 100), [])
        problems = minimum_sample_problems(3, 40, 1, 44, 50)
        self.assertEqual([p[:2] for p in problems], [
            ('size', 'test'), ('size', 'holdout'), ('expected', 'test'), ('expected', 'holdout')])
        self.assertEqual(problems[0][2:], (40, 50))
        # pooled 4/84: expected buyers 40 * 4/84 = 1.904...
        self.assertAlmostEqual(problems[2][2], 40 * 4 / 84, delta=TOL)

    def test_runnable_examples(self):
        """The examples in the docstrings of the draw, the scoring and the state table hold."""
        for module in (draw, scoring, states):
            result = doctest.testmod(module)
            self.assertGreater(result.attempted, 0)
            self.assertEqual(result.failed, 0)

    def test_state_table(self):
        """Every state has its row; the groups other checks rely on."""
        self.assertEqual(set(states.STATE_TABLE), {key for key, _label in states.STATES})
        self.assertEqual(states.states_where('deletable'), ('draft', 'scored', 'cancel'))
        self.assertEqual(states.states_where('planned'), ('testing', 'evaluated', 'rollout'))
        self.assertEqual(states.states_where('enrols'), ('testing', 'rollout'))
        self.assertEqual(states.states_where('learnt'), ('evaluated', 'rollout', 'done'))
        self.assertEqual([states.STATE_TABLE[s].get('contact_group', 'test')
                          for s in ('testing', 'rollout', 'done')], ['test', 'rollout', 'rollout'])

    def test_mean_difference_welch(self):
        """Welch t 1.4158332388241193 and standard error 5.536744672958577 (scipy)."""
        result = mean_difference(*(_sufficient(SAMPLE_A) + _sufficient(SAMPLE_B)))
        self.assertAlmostEqual(result.diff, 7.839107142857131, delta=TOL)
        self.assertAlmostEqual(result.se_diff, 5.536744672958577, delta=TOL)
        self.assertAlmostEqual(result.z, 1.4158332388241193, delta=TOL)
        self.assertAlmostEqual(result.p_value, 0.15682433526993952, delta=TOL)
        half = 1.959963984540054 * 5.536744672958577
        self.assertAlmostEqual(result.ci_low, 7.839107142857131 - half, delta=TOL)
        self.assertAlmostEqual(result.ci_high, 7.839107142857131 + half, delta=TOL)
        with self.assertRaises(ValueError):
            mean_difference(1, 5.0, 25.0, 10, 50.0, 300.0)

    def test_logistic_fit_reference(self):
        """MLE on 15 points: (-2.440161034380171, 4.3037402595570775), log-likelihood
        -8.324215062111236 (scipy.optimize.root on the score equations)."""
        fit = logistic_fit(LOGIT_X, LOGIT_Y)
        self.assertAlmostEqual(fit.intercept, -2.440161034380171, delta=TOL)
        self.assertAlmostEqual(fit.slope, 4.3037402595570775, delta=TOL)
        self.assertAlmostEqual(fit.log_likelihood, -8.324215062111236, delta=TOL)

    def test_logistic_fit_closed_form_and_weights(self):
        """With x in {0, 1} the MLE is logit(rate at 0) and the log odds ratio; grouped rows
        with weights give the same fit as the rows repeated."""
        x = [0.0] * 40 + [1.0] * 60
        y = [1] * 10 + [0] * 30 + [1] * 33 + [0] * 27
        fit = logistic_fit(x, y)
        logit = lambda p: math.log(p / (1 - p))  # noqa: E731
        self.assertAlmostEqual(fit.intercept, logit(10 / 40), delta=TOL)
        self.assertAlmostEqual(fit.slope, logit(33 / 60) - logit(10 / 40), delta=TOL)
        grouped = logistic_fit([0.0, 0.0, 1.0, 1.0], [1, 0, 1, 0], [10, 30, 33, 27])
        self.assertAlmostEqual(grouped.intercept, fit.intercept, delta=TOL)
        self.assertAlmostEqual(grouped.slope, fit.slope, delta=TOL)
        self.assertAlmostEqual(logistic(fit.intercept, fit.slope, 1.0), 33 / 60, delta=TOL)

    def test_logistic_fit_refuses(self):
        with self.assertRaisesRegex(ValueError, 'All outcomes are the same'):
            logistic_fit([0.1, 0.5, 0.9], [0, 0, 0])
        with self.assertRaisesRegex(ValueError, 'All scores are the same'):
            logistic_fit([0.5, 0.5, 0.5], [0, 1, 0])
        with self.assertRaisesRegex(ValueError, 'perfectly separated'):
            logistic_fit([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])

    def test_stratified_split(self):
        strata = {1: list(range(0, 40)), 2: list(range(100, 140)), 3: list(range(200, 221))}
        groups = stratified_split(strata, 0.05, 0.10, seed=42)
        self.assertEqual(groups, stratified_split(strata, 0.05, 0.10, seed=42))
        count = lambda stratum, group: sum(  # noqa: E731
            1 for item in strata[stratum] if groups[item] == group)
        # holdout: 40*.05=2, 40*.05=2, 21*.05=1.05 -> 2, 2, 1 (total round(5.05)=5)
        self.assertEqual([count(s, 'holdout') for s in (1, 2, 3)], [2, 2, 1])
        # test: 4, 4, 2.1 -> total round(10.1) = 10
        self.assertEqual([count(s, 'test') for s in (1, 2, 3)], [4, 4, 2])
        other = stratified_split(strata, 0.05, 0.10, seed=43)
        self.assertNotEqual(groups, other)
        # order of the input does not matter, only the seed
        shuffled = {key: list(reversed(ids)) for key, ids in strata.items()}
        self.assertEqual(groups, stratified_split(shuffled, 0.05, 0.10, seed=42))

    def test_stratified_split_rounding(self):
        """Three strata of 3 at 50 %: the largest remainders (ties in stratum order) get the
        ceiling; the test takes what the holdout left."""
        strata = {1: [1, 2, 3], 2: [4, 5, 6], 3: [7, 8, 9]}
        groups = stratified_split(strata, 0.5, 0.5, seed=1)
        holdout = [sum(1 for i in strata[s] if groups[i] == 'holdout') for s in (1, 2, 3)]
        test = [sum(1 for i in strata[s] if groups[i] == 'test') for s in (1, 2, 3)]
        self.assertEqual(holdout, [2, 2, 1])
        self.assertEqual(sum(test), 4)
        self.assertTrue(all(h + t <= 3 for h, t in zip(holdout, test)))

    def test_seeded_uniform(self):
        value = seeded_uniform(7, 1234)
        self.assertEqual(value, seeded_uniform(7, 1234))
        self.assertNotEqual(value, seeded_uniform(8, 1234))
        self.assertTrue(0.0 <= value < 1.0)

    def test_decide(self):
        significant = two_proportion_ztest(132, 1000, 41, 480)
        flat = two_proportion_ztest(60, 500, 58, 500)
        worse = two_proportion_ztest(41, 480, 132, 1000)
        self.assertEqual(decide(significant, [('size', 'test', 5, 10)], 10.0, 1.0),
                         ('inconclusive', 'sample'))
        self.assertEqual(decide(flat, [], 10.0, 1.0), ('inconclusive', 'not_significant'))
        self.assertEqual(decide(worse, [], 10.0, 1.0), ('no_go', 'negative'))
        self.assertEqual(decide(significant, [], 0.5, 1.0), ('no_go', 'unprofitable'))
        self.assertEqual(decide(significant, [], 10.0, 1.0), ('go', 'profitable'))
