import csv
import os

import numpy as np
from scipy import integrate, special, stats

from odoo.tests.common import TransactionCase

from ..lib import bgnbd, clv, gamma_gamma

PUBLISHED_BGNBD = {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
PUBLISHED_GG = {'p': 6.25, 'q': 3.74, 'gamma': 15.44}


def _cdnow():
    path = os.path.join(os.path.dirname(__file__), 'data', 'cdnow_customers_summary.csv')
    with open(path) as src:
        rows = list(csv.DictReader(src))
    return tuple(np.array([float(row[key]) for row in rows]) for key in ('x', 't_x', 'T', 'zbar'))


class TestClvModel(TransactionCase):
    """BG/NBD and Gamma-Gamma against Fader, Hardie & Lee (2005) on the CDNOW sample."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.x, cls.t_x, cls.T, cls.zbar = _cdnow()
        cls.bg = bgnbd.fit(cls.x, cls.t_x, cls.T)
        repeat = cls.x > 0
        cls.gg = gamma_gamma.fit(cls.x[repeat], cls.zbar[repeat])

    def test_cdnow_sample(self):
        self.assertEqual(len(self.x), 2357)
        self.assertEqual(int((self.x > 0).sum()), 946)
        self.assertEqual(int(self.x.sum()), 2457)

    def test_bgnbd_reproduces_published_estimates(self):
        for (name, published), fitted in zip(PUBLISHED_BGNBD.items(), self.bg):
            self.assertLess(abs(fitted - published) / published, 0.01, name)

    def test_gamma_gamma_reproduces_published_estimates(self):
        for (name, published), fitted in zip(PUBLISHED_GG.items(), self.gg):
            self.assertLess(abs(fitted - published) / published, 0.01, name)

    def test_published_conditional_expectation(self):
        # the paper's example: x=2, t_x=30.43, T=38.86 -> 1.226 purchases in the next 39 weeks
        value = bgnbd.expected_purchases(self.bg, 39, [2], [30.43], [38.86])[0]
        self.assertAlmostEqual(value, 1.226, places=3)

    def _posterior(self, x, t_x, T, weight):
        """Posterior mean of ``weight(p, A)`` by direct integration: the Poisson rate is
        integrated out in closed form (``A(c)`` below), the dropout probability numerically
        over its Beta prior -- no hypergeometric function involved."""
        r, alpha, a, b = self.bg
        beta_pdf = stats.beta(a, b).pdf

        def A(c):
            return np.exp(r * np.log(alpha) + special.gammaln(r + x) - special.gammaln(r)
                          - (r + x) * np.log(alpha + c))

        def alive(p):
            return (1 - p) ** x * A(T)

        def dead(p):
            return p * (1 - p) ** (x - 1) * A(t_x) if x > 0 else 0.0

        top = integrate.quad(lambda p: weight(p, A) * beta_pdf(p), 0, 1, epsabs=0,
                             epsrel=1e-10, limit=200)[0]
        bottom = integrate.quad(lambda p: (alive(p) + dead(p)) * beta_pdf(p), 0, 1, epsabs=0,
                                epsrel=1e-10, limit=200)[0]
        return top / bottom

    def test_p_alive_matches_bayes_integral(self):
        x, t_x, T = 2, 30.43, 38.86
        closed = bgnbd.p_alive(self.bg, [x], [t_x], [T])[0]
        numeric = self._posterior(x, t_x, T, lambda p, A: (1 - p) ** x * A(T))
        self.assertAlmostEqual(closed, numeric, places=4)
        self.assertEqual(bgnbd.p_alive(self.bg, [0], [0.0], [30.0])[0], 1.0)

    def test_expected_purchases_matches_bayes_integral(self):
        x, t_x, T, t = 2, 30.43, 38.86, 39.0
        closed = bgnbd.expected_purchases(self.bg, t, [x], [t_x], [T])[0]
        # alive at T: E[purchases in t | lambda, p] = (1 - exp(-lambda p t)) / p, so
        # integrating over lambda gives (A(T) - A(T + p t)) / p
        numeric = self._posterior(x, t_x, T,
                                  lambda p, A: (1 - p) ** x * (A(T) - A(T + p * t)) / p)
        self.assertAlmostEqual(closed, numeric, places=3)

    def test_expected_spend_formula(self):
        p, q, g = self.gg
        value = gamma_gamma.expected_spend(self.gg, [3], [40.0])[0]
        # posterior of nu is Gamma(p x + q, gamma + x zbar): E[p / nu] in closed form
        self.assertAlmostEqual(value, p * (g + 3 * 40.0) / (p * 3 + q - 1), places=10)
        posterior = stats.gamma(p * 3 + q, scale=1 / (g + 3 * 40.0))
        numeric = integrate.quad(lambda nu: p / nu * posterior.pdf(nu), 1e-9, 50)[0]
        self.assertAlmostEqual(value, numeric, places=4)
        self.assertAlmostEqual(gamma_gamma.expected_spend(self.gg, [0], [0.0])[0],
                               p * g / (q - 1))

    def test_degenerate_history_refused(self):
        # forty customers buying exactly weekly and never leaving: no heterogeneity to fit
        x = np.full(40, 10.0)
        with self.assertRaises(bgnbd.FitError):
            bgnbd.fit(x, np.full(40, 10.0), np.full(40, 10.5))

    def test_too_little_data_refused_never_nan(self):
        with self.assertRaises(bgnbd.NotEnoughData) as caught:
            bgnbd.fit([0, 1, 2], [0, 2, 5], [10, 10, 10])
        self.assertEqual((caught.exception.customers, caught.exception.repeaters), (3, 2))
        extreme = bgnbd.expected_purchases(self.bg, 52, [400, 0], [100.0, 0.0], [100.0, 0.0])
        self.assertTrue(np.all(np.isfinite(extreme)))
        value = clv.model(self.bg, [400, 0, 2], [100.0, 0.0, 30.0], [100.0, 0.0, 38.0],
                          [50.0, 30.0, 25.0], [0.3, 0.3, 0.3], 12, 0.1)
        self.assertTrue(np.all(np.isfinite(value)))
