#!/usr/bin/env bash
# Install what the service needs into .venv (and, with --test, what the tests need), then compile the catalogs.
# --voices: also the Debian voices (MBROLA, RHVoice); asks before adding apt components (docs/operate/debian-voices.md).
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
# Debian voices (MBROLA from contrib, RHVoice from non-free): their licences are not all free (docs/operate/debian-voices.md).
voice_packages=(libespeak-ng1 espeak-ng-data mbrola mbrola-de6 mbrola-tr1 mbrola-ar1 mbrola-ar2 mbrola-pl1 mbrola-ro1
                rhvoice librhvoice5 librhvoice-core7 rhvoice-polish rhvoice-ukrainian rhvoice-russian rhvoice-english)
voices_sources=/etc/apt/sources.list.d/herne-voices.sources

components_enabled() {
  # Whether apt already reads Debian's contrib and non-free components (non-free-firmware does not count).
  apt-cache policy 2>/dev/null | grep -qE '/contrib [^ ]+ Packages' \
    && apt-cache policy 2>/dev/null | grep -qE '/non-free [^ ]+ Packages'
}

voices_sources_entry() {
  # The sources entry for contrib and non-free, from the same mirror and release as the system's main entry.
  local uri codename
  uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && / main/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" "$codename"
}

missing_voice_packages() {
  local p
  for p in "${voice_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done
}

if [ "$mode" = "--test" ] && [ -n "$(missing_voice_packages)" ]; then
  # The tests speak with the real Debian voices: add contrib/non-free for this machine, and say so.
  if ! components_enabled; then
    echo "setup: adding Debian's contrib and non-free components for the test voices: $voices_sources"
    voices_sources_entry | $sudo tee "$voices_sources" >/dev/null
  fi
  # shellcheck disable=SC2207
  apt_packages+=($(missing_voice_packages))
fi

if [ "$mode" = "--voices" ]; then
  # For operators: never change the system's package sources without asking.
  echo "setup: the Debian voices (MBROLA: contrib; RHVoice: non-free) for de, tr, ar, pl, ro, ru, uk, en."
  echo "       Their licences vary (MBROLA: non-commercial, non-military use only): see docs/operate/debian-voices.md."
  if ! components_enabled; then
    echo "setup: apt reads no contrib/non-free component here. They need this entry in $voices_sources:"
    echo
    voices_sources_entry | sed 's/^/    /'
    echo
    answer=n
    if [ -t 0 ]; then read -r -p "Add it now and run apt-get update? [y/N] " answer; fi
    case "$answer" in
      y|Y|yes) voices_sources_entry | $sudo tee "$voices_sources" >/dev/null ;;
      *) echo "setup: nothing changed. Add the entry yourself (or answer y), then run this again."; exit 1 ;;
    esac
  fi
  # shellcheck disable=SC2207
  apt_packages+=($(missing_voice_packages))
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
