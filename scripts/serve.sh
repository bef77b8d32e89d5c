#!/usr/bin/env bash
# Set up and run the service with its embedded defaults (SQLite, files on disk, espeak-ng) on 127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "serving on http://127.0.0.1:${PORT:-8000}/"
exec .venv/bin/gunicorn --workers "${WORKERS:-2}" --threads 4 --bind "127.0.0.1:${PORT:-8000}" wsgi:app
