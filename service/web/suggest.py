"""Readers' "suggest a better translation": a public form, rate-limited and length-bounded (the queue: suggestions)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from .. import db, intake, maintenance, ratelimit, suggestions
from ..content import Block, Page, get_content
from ..core.text import UnsafeText, clean_text
from ..i18n import get_i18n, text_direction
from ..localized import localize_block

#: Suggestions per address within the window.
RATE_LIMIT = 10
RATE_WINDOW = 600.0
#: Posts per address within the window, stored or refused: refused posts count too.
TRIES_LIMIT = 30

public = Blueprint("suggest", __name__)


def _target(locale: str, slug: str, block_id: str) -> tuple[Page, Block]:
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
    if not get_i18n().serves(locale) or len(slug) > 80 or len(block_id) > 16:
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
            error = suggestions.validate(text)
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
            suggestions.store(db.get_db(), locale, page.slug, block.id, block.msgid, localized.text, text, taken, alert)
            maintenance.wake()
            return redirect(url_for("suggest.suggest", locale=locale, slug=slug, block_id=block_id, sent=1), 303)
    html = render_template(
        "suggest.html", locale=locale, dir=text_direction(locale), page=page, block=block,
        localized=localized, text=text, error=error, sent=bool(request.args.get("sent")),
        max_length=suggestions.MAX_LENGTH, source_locale=current_app.config["SOURCE_LOCALE"],
        back=url_for("pages.page", locale=locale, slug=page.url_slug, _anchor=block.id),
    )
    return html, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def init_app(app: Flask) -> None:
    """Register the public form."""
    app.register_blueprint(public)
