#!/bin/sh
# Install everything the suite needs on a fresh Debian machine; a second run does nothing slow.
#   system packages: wkhtmltopdf (PDF reports), chromium + chromium-driver (browser tests),
#                    postgresql (only when no server answers at $PGHOST:$PGPORT)
#   .venv          : Python packages pinned in requirements*.txt (Odoo wheels with --no-deps)
#   node_modules   : lessc 3.x for Odoo 11's stylesheets (package.json / package-lock.json)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

say() { printf '[setup] %s\n' "$*"; }

# --- system packages ------------------------------------------------------------------------
missing=""
command -v wkhtmltopdf >/dev/null 2>&1 || missing="$missing wkhtmltopdf"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
# the web client's QUnit layouts are measured with Liberation Sans (Arial metrics); see browser.py
[ -d /usr/share/fonts/truetype/liberation ] || missing="$missing fonts-liberation"
if ! "$PY" - <<EOF
import socket, os, sys
try:
    socket.create_connection((os.environ.get('PGHOST', '127.0.0.1'), int(os.environ.get('PGPORT', '5432'))), 2).close()
except OSError:
    sys.exit(1)
EOF
then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
fi
if [ -n "$missing" ]; then
    say "installing system packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# --- Python virtual environment ---------------------------------------------------------------
stamp=".venv/.requirements-$(cat requirements.txt requirements-odoo.txt requirements-dev.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
    say "installing Python packages into .venv"
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-odoo.txt
    rm -f .venv/.requirements-*
    touch "$stamp"
fi

# --- lessc -----------------------------------------------------------------------------------
lstamp="node_modules/.lock-$(sha1sum package-lock.json | cut -c1-12)"
if [ ! -x node_modules/.bin/lessc ] || [ ! -f "$lstamp" ]; then
    say "installing lessc into node_modules"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$lstamp"
fi
say "ready ($ROOT)"
