"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi`` need nothing else."""
from service import create_app

app = create_app()
