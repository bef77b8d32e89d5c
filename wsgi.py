"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi`` need nothing else."""
import sys

from service import create_app
from service.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one line per wrong setting, no traceback: the server or command does not start
    sys.exit(str(exc))
