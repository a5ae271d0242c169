#!/bin/sh
# Install everything the suite needs on a fresh Debian machine; a second run does nothing slow.
#   system packages: wkhtmltopdf (PDF reports), chromium + chromium-driver (browser tests),
#                    nginx (the demo's front server, run by bin/suite under var/nginx; its system
#                    service is never started),
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
# Debian puts nginx in /usr/sbin, which a user's PATH may lack
nginx=""
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || nginx=" nginx"
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
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_install() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}
if [ -n "$missing$nginx" ]; then
    say "installing system packages:$missing$nginx"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
fi
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    apt_install $missing
fi
if [ -n "$nginx" ]; then
    # installed without starting its service (it would take port 80), now or at the next boot:
    # Debian's policy-rc.d hook refuses the start (when the machine has no such hook already)
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        trap '$SUDO rm -f "$policy"' EXIT
        printf '#!/bin/sh\n# scripts/setup.sh: no service starts while nginx installs\nexit 101\n' \
            | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        apt_install nginx
        $SUDO rm -f "$policy"
        trap - EXIT
    else
        apt_install nginx
    fi
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl disable --now nginx.service >/dev/null 2>&1 || true
    fi
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
