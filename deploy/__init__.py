"""Deployment files: nginx and systemd templates, their renderer, gunicorn settings."""
