#!/usr/bin/env bash
# Set up everything the tests need (pip and apt), then run the gates (lint, types, layers, catalogs) and the
# whole test suite; any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$PATH"
echo "== lint (ruff: rule set in pyproject.toml)"
ruff check .
echo "== types (mypy over service/: settings in pyproject.toml)"
mypy
echo "== architecture (import-linter: layers point down, no cycles)"
lint-imports
echo "== catalog gates"
flask --app wsgi i18n extract --check
flask --app wsgi i18n check
echo "== manual (mkdocs, strict: a broken link or page fails)"
mkdocs build --strict --quiet
echo "== tests"
python -m pytest "$@"
