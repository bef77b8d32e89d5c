#!/usr/bin/env bash
# Install what the service needs into .venv (and, with --test, what the tests need), then compile the catalogs.
# Works on a fresh Debian or Ubuntu machine with Python 3.11; uses apt only for what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

apt_packages=()
command -v python3 >/dev/null 2>&1 || apt_packages+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_packages+=(python3-venv)
if [ "$mode" = "--test" ]; then
  # Real-browser tests drive Debian's Chromium; fonts so that every script (Arabic, Cyrillic) renders.
  command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
  dpkg -s fonts-noto-core >/dev/null 2>&1 || apt_packages+=(fonts-noto-core fonts-dejavu-core)
  # tests/deploy and bench/bench_front.py: Debian's nginx (they start their own instances on loopback ports),
  # wrk for the figures, openssl for a throwaway certificate, systemd-analyze to verify the units.
  [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
  command -v wrk >/dev/null 2>&1 || apt_packages+=(wrk)
  command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
  command -v systemd-analyze >/dev/null 2>&1 || apt_packages+=(systemd)
  # tests/deploy/test_logrotate.py: the shipped logrotate file parses and deletes nginx's logs within 7 days.
  command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || apt_packages+=(logrotate)
  # tests/cluster start their own PostgreSQL (initdb in a temporary folder) and Redis on loopback ports.
  dpkg -s postgresql >/dev/null 2>&1 || apt_packages+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "setup: apt-get install ${apt_packages[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip

if [ "$mode" = "--test" ]; then
  # argostranslate needs torch (through stanza). Take a CPU build: a plain 'torch' pulls several GB of CUDA.
  if ! .venv/bin/python -c 'import torch' >/dev/null 2>&1; then
    .venv/bin/pip install -q torch==2.13.0 \
      || .venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu
  fi
  .venv/bin/pip install -q -e ".[mt,gtts,piper,scale,test]"
else
  .venv/bin/pip install -q -e .
fi

# The .mo files are built here, never committed.
.venv/bin/flask --app wsgi i18n compile
