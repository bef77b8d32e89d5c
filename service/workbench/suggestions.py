"""Readers' "suggest a better translation": a public form, rate-limited and length-bounded, queued per locale."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import Connection, Row, func, insert, select, update

from .. import db, intake, mail, maintenance, ratelimit
from ..clock import now
from ..content import get_content
from ..core.text import UnsafeText, clean_text, has_control
from ..db.schema import utc_now, wb_suggestions
from ..i18n import get_i18n, text_direction
from ..localized import localize_block

MIN_LENGTH = 2
MAX_LENGTH = 2000
#: Suggestions per address within the window.
RATE_LIMIT = 10
RATE_WINDOW = 600.0
#: Posts per address within the window, stored or refused: refused posts count too.
TRIES_LIMIT = 30

public = Blueprint("suggest", __name__)




def validate(text: str) -> str | None:
    """An error message for a suggestion text, or None."""
    if len(text) < MIN_LENGTH:
        return str(lazy_gettext("Bitte schreiben Sie Ihren Vorschlag."))
    if len(text) > MAX_LENGTH:
        return ngettext("Der Vorschlag ist zu lang. Bitte kürzen Sie ihn auf höchstens %(num)s Zeichen.",
                        "Der Vorschlag ist zu lang. Bitte kürzen Sie ihn auf höchstens %(num)s Zeichen.", MAX_LENGTH)
    if has_control(text):
        return str(lazy_gettext("Der Text enthält unzulässige Steuerzeichen."))
    return None


def store(conn: Connection, locale: str, slug: str, block_id: str, msgid: str, shown: str, text: str,
          taken: intake.Intake = intake.Intake.STORED, alert: bool = False) -> int:
    """Save one suggestion in the queue of its locale (and, in the same transaction, the e-mail to its translators;
    a held one has none of its own, the operator's ``alert`` tells about all of them)."""
    held = taken == intake.Intake.HELD
    with db.transaction(conn):
        result = conn.execute(insert(wb_suggestions).values(
            locale=locale, slug=slug, block_id=block_id, msgid=msgid, shown=shown, text=text, held=int(held),
        ))
        sid = db.inserted_id(result)
        if not held:
            _notify(conn, sid, locale, slug, msgid, shown, text)
        if alert:
            intake.alert(conn, intake.Form.SUGGEST, now())
    return sid


def _notify(conn: Connection, sid: int, locale: str, slug: str, msgid: str, shown: str, text: str) -> None:
    """Queue the e-mail to the locale's translators (MAIL_SUGGESTIONS_TO) about a new suggestion."""
    config = current_app.config
    site = ((config.get("OPERATOR") or {}).get("site_url") or "").rstrip("/")
    body = "\n".join([
        f"Eine Leserin oder ein Leser schlägt eine bessere Übersetzung vor (Sprache {locale}, Seite {slug}).",
        "", "Deutsches Original:", msgid, "", "Angezeigt:", shown, "", "Vorschlag:", text, "",
        f"Warteschlange: {site}/translate/{locale}/suggestions",
    ])
    recipients = list((config.get("MAIL_SUGGESTIONS_TO") or {}).get(locale) or [])
    mail.enqueue(conn, config, now(), "suggestion", sid, recipients, f"Übersetzungsvorschlag ({locale}, Nr. {sid})",
                 body)


def queue(conn: Connection, locale: str, msgid: str | None = None, state: str = "open") -> list[Row]:
    """The suggestions of a locale (or of one message) in a state, oldest first."""
    query = select(wb_suggestions).where(wb_suggestions.c.locale == locale, wb_suggestions.c.state == state)
    if msgid is not None:
        query = query.where(wb_suggestions.c.msgid == msgid)
    return list(conn.execute(query.order_by(wb_suggestions.c.id)))


def open_counts(conn: Connection) -> dict[str, int]:
    """Open suggestions per locale."""
    rows = conn.execute(select(wb_suggestions.c.locale, func.count()).where(wb_suggestions.c.state == "open")
                        .group_by(wb_suggestions.c.locale))
    return {locale: n for locale, n in rows}


def close(conn: Connection, locale: str, suggestion_id: int, state: str, username: str) -> bool:
    """Mark a suggestion of a locale done or dismissed."""
    with db.transaction(conn):
        result = conn.execute(
            update(wb_suggestions)
            .where(wb_suggestions.c.id == suggestion_id, wb_suggestions.c.locale == locale,
                   wb_suggestions.c.state == "open")
            .values(state=state, handled_by=username, handled_at=utc_now())
        )
    return result.rowcount > 0


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
        if request.form.get("website"):  # honeypot: people never see this field
            return redirect(url_for("suggest.suggest", locale=locale, slug=slug, block_id=block_id, sent=1), 303)
        client = ratelimit.address(request.remote_addr)
        if not ratelimit.hit(f"suggest-try:{client}", TRIES_LIMIT, RATE_WINDOW):
            abort(429)
        try:
            text = clean_text(request.form.get("suggestion", ""))
            error = validate(text)
        except UnsafeText:  # web/inputs.py refuses such a post first; this keeps the view safe on its own
            text, error = "", str(lazy_gettext("Der Text enthält unzulässige Steuerzeichen."))
        status = 400
        if error is None and not ratelimit.hit(f"suggest:{client}", RATE_LIMIT,
                                               RATE_WINDOW):
            error = str(lazy_gettext("Sie haben in kurzer Zeit viele Vorschläge gesendet. "
                                     "Bitte versuchen Sie es später noch einmal."))
            status = 429
        taken = intake.admit(intake.Form.SUGGEST) if error is None else None
        if taken == intake.Intake.FULL:  # past even the hard cap of held messages: the storage bound of a flood
            error = str(lazy_gettext("Gerade erreichen uns sehr viele Vorschläge. Bitte versuchen Sie es in einer "
                                     "Stunde noch einmal."))
            status = 503
        if error is None and taken is not None:
            alert = taken == intake.Intake.HELD and intake.alert_due(intake.Form.SUGGEST)
            store(db.get_db(), locale, page.slug, block.id, block.msgid, localized.text, text, taken, alert)
            maintenance.wake()
            return redirect(url_for("suggest.suggest", locale=locale, slug=slug, block_id=block_id, sent=1), 303)
    html = render_template(
        "workbench/suggest_public.html", locale=locale, dir=text_direction(locale), page=page, block=block,
        localized=localized, text=text, error=error, sent=bool(request.args.get("sent")),
        max_length=MAX_LENGTH, source_locale=current_app.config["SOURCE_LOCALE"],
        back=url_for("pages.page", locale=locale, slug=page.url_slug, _anchor=block.id),
    )
    return html, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def init_app(app) -> None:
    """Register the public form."""
    app.register_blueprint(public)
