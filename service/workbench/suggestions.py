"""Readers' "suggest a better translation": a small public form, rate-limited and length-bounded, stored in SQLite."""
from __future__ import annotations

import sqlite3

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from ..core.text import clean_text, has_control
from .. import db, ratelimit
from ..content import get_content
from ..i18n import get_i18n, text_direction
from ..localized import localize_block

SCHEMA = """
CREATE TABLE IF NOT EXISTS wb_suggestions (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    block_id TEXT NOT NULL,
    msgid TEXT NOT NULL,
    shown TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dismissed')),
    handled_by TEXT,
    handled_at TEXT
);
CREATE INDEX IF NOT EXISTS wb_suggestions_queue ON wb_suggestions (locale, state, msgid);
"""

MIN_LENGTH = 2
MAX_LENGTH = 2000
#: Suggestions per address within the window.
RATE_LIMIT = 10
RATE_WINDOW = 600.0

public = Blueprint("suggest", __name__)




def validate(text: str) -> str | None:
    """An error message for a suggestion text, or None."""
    if len(text) < MIN_LENGTH:
        return str(lazy_gettext("Bitte schreiben Sie Ihren Vorschlag."))
    if len(text) > MAX_LENGTH:
        return str(lazy_gettext("Der Vorschlag ist zu lang. Bitte kürzen Sie ihn auf höchstens %(n)s Zeichen.",
                                n=MAX_LENGTH))
    if has_control(text):
        return str(lazy_gettext("Der Text enthält unzulässige Steuerzeichen."))
    return None


def store(conn: sqlite3.Connection, locale: str, slug: str, block_id: str, msgid: str, shown: str, text: str) -> int:
    """Save one suggestion in the queue of its locale."""
    with conn:
        cur = conn.execute(
            "INSERT INTO wb_suggestions (locale, slug, block_id, msgid, shown, text) VALUES (?, ?, ?, ?, ?, ?)",
            (locale, slug, block_id, msgid, shown, text),
        )
    return int(cur.lastrowid)


def queue(conn: sqlite3.Connection, locale: str, msgid: str | None = None, state: str = "open") -> list[sqlite3.Row]:
    """The suggestions of a locale (or of one message) in a state, oldest first."""
    if msgid is None:
        return conn.execute("SELECT * FROM wb_suggestions WHERE locale = ? AND state = ? ORDER BY id",
                            (locale, state)).fetchall()
    return conn.execute("SELECT * FROM wb_suggestions WHERE locale = ? AND state = ? AND msgid = ? ORDER BY id",
                        (locale, state, msgid)).fetchall()


def open_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Open suggestions per locale."""
    rows = conn.execute("SELECT locale, COUNT(*) FROM wb_suggestions WHERE state = 'open' GROUP BY locale")
    return {locale: n for locale, n in rows}


def close(conn: sqlite3.Connection, locale: str, suggestion_id: int, state: str, username: str) -> bool:
    """Mark a suggestion of a locale done or dismissed."""
    with conn:
        cur = conn.execute(
            "UPDATE wb_suggestions SET state = ?, handled_by = ?, handled_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
            " WHERE id = ? AND locale = ? AND state = 'open'",
            (state, username, suggestion_id, locale),
        )
    return cur.rowcount > 0


def _target(locale: str, slug: str, block_id: str):
    """The page and block a suggestion is about; 404 when the locale, page or block does not exist."""
    i18n = get_i18n()
    if locale == current_app.config["SOURCE_LOCALE"] or locale not in i18n.available_locales() \
            or not i18n.has_catalog(locale):
        abort(404)
    g.locale = locale
    page = get_content().pages.get(slug)  # the real slug: the overview is 'index' here
    if page is None:
        abort(404)
    block = next((b for b in page.blocks if b.id == block_id), None)
    if block is None:
        abort(404)
    return page, block


@public.route("/<locale>/suggest/<slug>/<block_id>", methods=["GET", "POST"])
def suggest(locale: str, slug: str, block_id: str):
    """Show the form for one block, or take a suggestion; no session and no cookie either way."""
    if len(locale) > 20 or len(slug) > 80 or len(block_id) > 16:
        abort(404)
    page, block = _target(locale, slug, block_id)
    localized = localize_block(block, locale, page.values)
    text, error, status = "", None, 200
    if request.method == "POST":
        text = clean_text(request.form.get("suggestion", ""))
        if request.form.get("website"):  # honeypot: people never see this field
            return redirect(url_for("suggest.suggest", locale=locale, slug=slug, block_id=block_id, sent=1), 303)
        error = validate(text)
        status = 400
        if error is None and not ratelimit.hit(f"suggest:{request.remote_addr}", RATE_LIMIT, RATE_WINDOW):
            error = str(lazy_gettext("Sie haben in kurzer Zeit viele Vorschläge gesendet. Bitte versuchen Sie es später noch einmal."))
            status = 429
        if error is None:
            store(db.get_db(), locale, page.slug, block.id, block.msgid, localized.text, text)
            return redirect(url_for("suggest.suggest", locale=locale, slug=slug, block_id=block_id, sent=1), 303)
    html = render_template(
        "workbench/suggest_public.html", locale=locale, dir=text_direction(locale), page=page, block=block,
        localized=localized, text=text, error=error, sent=bool(request.args.get("sent")),
        max_length=MAX_LENGTH, source_locale=current_app.config["SOURCE_LOCALE"],
        back=url_for("pages.page", locale=locale, slug=page.url_slug, _anchor=block.id),
    )
    return html, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def init_app(app) -> None:
    """Create the table and register the public form."""
    ratelimit.init_app(app)
    db.ensure_schema(app, SCHEMA)
    app.register_blueprint(public)
