"""`flask error-pages`: write the error pages nginx sends itself, in every locale the site serves."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..web.errors import write_edge_pages


@click.command("error-pages")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), required=False)
@with_appcontext
def error_pages_command(out: Path | None) -> None:
    """Write the error pages nginx sends in the reader's language (OUT/<locale>/<code>.html; OUT defaults to
    ERROR_PAGES_DIR, i.e. DATA_DIR/error-pages). From then on, catalog changes keep them current."""
    out = out or current_app.config.get("ERROR_PAGES_DIR")
    if not out:
        raise click.ClickException("no folder: give one (flask error-pages DIR), or set FLASK_DATA_DIR or "
                                   "FLASK_ERROR_PAGES_DIR")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    written = write_edge_pages(app, Path(out))
    click.echo(f"{len(written)} error pages in {out}")
