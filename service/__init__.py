"""Herne's education pages in every resident's language, and aloud: the app factory."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from . import config
from .core.files import atomic_write, private_dir
from .core.locks import FileLocks
from . import audio, content, db, i18n, machine, pagecache, tts, workbench
from .cli import audio as audio_cli
from .cli import db as db_cli
from .cli import i18n as i18n_cli
from .cli import mt as mt_cli
from .cli import users as users_cli
from .web import audio as audio_views
from .web import errors, feedback, pages, security


def _secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it on first start (the first worker to finish wins)."""
    path = instance / "secret_key"
    if not path.exists():
        with FileLocks(instance / "locks").hold("secret_key"):
            if not path.exists():
                atomic_write(path, secrets.token_hex(32).encode(), mode=0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then the test mapping."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    config.resolve(app.config)
    # The instance folder holds the secret key, the databases and the locks: its owner's alone.
    private_dir(app.instance_path, tighten=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.extensions["locks"] = FileLocks(app.config["LOCK_DIR"])

    # Bottom to top: each subsystem's init_app sets up only itself.
    errors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    content.init_app(app)
    i18n.init_app(app)
    pagecache.init_app(app)
    tts.init_app(app)
    audio.init_app(app)
    machine.init_app(app)
    workbench.init_app(app)
    pages.init_app(app)
    audio_views.init_app(app)
    feedback.init_app(app)
    for group in (audio_cli.audio_cli, db_cli.db_cli, i18n_cli.i18n_cli, mt_cli.mt_cli, users_cli.users_cli):
        app.cli.add_command(group)
    return app
