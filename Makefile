# The project's commands. `make demo` and `make test` set everything up first (idempotent).
.PHONY: setup demo test test-core test-core-fast lint bench bench-small pot readme

setup:
	@scripts/setup.sh

demo: setup
	bin/suite demo

test: setup
	bin/suite test

test-core: setup
	bin/suite test-core

test-core-fast: setup
	bin/suite test-core --fast

lint: setup
	.venv/bin/flake8 addons runtime tests bench
	.venv/bin/pylint --rcfile=.pylintrc addons/*
	# the runtime's command-line tools print, and its browser driver ignores a browser already gone
	.venv/bin/pylint --rcfile=.pylintrc --disable=print-used,except-pass runtime/odoo311

bench: setup
	bin/suite bench --size reference

bench-small: setup
	bin/suite bench --size small

pot: setup
	bin/suite pot

readme: setup
	bin/suite readme
