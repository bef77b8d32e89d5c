#!/usr/bin/env bash
# Set up and run the service with its embedded defaults (SQLite, files on disk, espeak-ng) on 127.0.0.1:${PORT:-8000}.
# gunicorn's settings (gevent workers against slow clients): scripts/gunicorn_conf.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_BASE_URL="${FLASK_BASE_URL:-http://127.0.0.1:${PORT:-8000}}"
echo "serving on ${FLASK_BASE_URL}/"
exec .venv/bin/gunicorn --config scripts/gunicorn_conf.py --bind "127.0.0.1:${PORT:-8000}" wsgi:app
