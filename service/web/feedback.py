"""The accessibility feedback form: validated, rate-limited and stored durably in the database."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import insert

from .. import db, inbox, intake, maintenance, ratelimit
from ..clock import now
from ..content import get_content
from ..core.text import UnsafeText, clean_text, has_control
from ..db.schema import feedback as feedback_table
from ..i18n import get_i18n
from .errors import BadRequest, TooManyRequests
from .inputs import UnreadableText
from .security import no_store

bp = Blueprint("feedback", __name__)

FEEDBACK_SLUG = "barrierefreiheit"
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@"
                      r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
MIN_MESSAGE = 10
MAX_NAME = 200
MAX_EMAIL = 254
#: Messages per client address (an IPv6 /56 counts as one: RATE_LIMIT_IPV6_PREFIX) within the window.
PER_ADDRESS = 5
PER_ADDRESS_WINDOW = 600.0
#: Posts per client address within the window, sent or refused: a refused post counts too, so a flood of
#: invalid posts is cut off as a flood of valid ones is.
TRIES_PER_ADDRESS = 20


def validate(form: dict, max_length: int) -> tuple[dict, dict]:
    """Return cleaned values and errors by field name (messages in the visitor's language)."""
    values = {k: clean_text(form.get(k, "")) for k in ("name", "email", "message")}
    errors: dict[str, str] = {}
    message = values["message"]
    if not message:
        errors["message"] = gettext("Bitte schreiben Sie Ihre Nachricht.")
    elif len(message) < MIN_MESSAGE:
        errors["message"] = ngettext("Die Nachricht ist zu kurz. Bitte schreiben Sie mindestens %(num)s Zeichen.",
                                     "Die Nachricht ist zu kurz. Bitte schreiben Sie mindestens %(num)s Zeichen.",
                                     MIN_MESSAGE)
    elif len(message) > max_length:
        errors["message"] = ngettext("Die Nachricht ist zu lang. Bitte kürzen Sie sie auf höchstens %(num)s Zeichen.",
                                     "Die Nachricht ist zu lang. Bitte kürzen Sie sie auf höchstens %(num)s Zeichen.",
                                     max_length)
    if len(values["name"]) > MAX_NAME:
        errors["name"] = ngettext("Der Name ist zu lang (höchstens %(num)s Zeichen).",
                                  "Der Name ist zu lang (höchstens %(num)s Zeichen).", MAX_NAME)
    if values["email"] and (len(values["email"]) > MAX_EMAIL or not EMAIL_RE.match(values["email"])):
        errors["email"] = gettext("Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@example.org, "
                                   "oder lassen Sie das Feld leer.")
    for field in ("name", "email", "message"):
        if field not in errors and has_control(values[field]):
            errors[field] = gettext("Der Text enthält unzulässige Steuerzeichen.")
    return values, errors


@bp.route(f"/<locale>/{FEEDBACK_SLUG}", methods=["POST"])
def submit(locale: str):
    """Store a feedback message, or show the form again with every error and every value kept."""
    from .pages import render_page  # the page renders the form

    if not get_i18n().serves(locale):
        abort(404)
    g.locale = locale
    if request.form.get("website"):  # honeypot: people never see this field
        return redirect(url_for("pages.page", locale=locale, slug=FEEDBACK_SLUG, sent=1, _anchor="feedback"), 303)
    page = request.form.get("page", FEEDBACK_SLUG)
    if page not in get_content().pages:  # a hidden field: only a forged form names another page
        raise BadRequest()
    client = ratelimit.address(request.remote_addr)
    if not ratelimit.hit(f"feedback-try:{client}", TRIES_PER_ADDRESS, PER_ADDRESS_WINDOW):
        raise TooManyRequests(retry_after=int(PER_ADDRESS_WINDOW))
    try:
        values, errors = validate(request.form, current_app.config["FEEDBACK_MAX_LENGTH"])
    except UnsafeText:  # web/inputs.py refuses such a post first; this keeps validate safe for any caller
        raise UnreadableText() from None
    if not errors and not ratelimit.hit(f"feedback:{client}", PER_ADDRESS,
                                        PER_ADDRESS_WINDOW):
        errors["form"] = gettext("Sie haben in kurzer Zeit viele Nachrichten gesendet. "
                                 "Bitte versuchen Sie es später noch einmal.")
    taken = intake.admit(intake.Form.FEEDBACK) if not errors else None
    status = 429 if "form" in errors else 400
    if taken == intake.Intake.FULL:  # past even the hard cap of held messages: the storage bound of a flood
        errors["form"] = gettext("Gerade erreichen uns sehr viele Nachrichten. Bitte versuchen Sie es in einer "
                                 "Stunde noch einmal.")
        status = 503
    if errors:
        html = render_page(locale, FEEDBACK_SLUG, form_values=values, form_errors=errors)
        response = current_app.make_response((html, status))
        if status == 503:
            response.headers["Retry-After"] = str(int(intake.WINDOW))
        return no_store(response)  # it echoes name and e-mail address
    held = taken == intake.Intake.HELD
    alert = held and intake.alert_due(intake.Form.FEEDBACK)
    conn = db.get_db()
    page = request.form.get("page", FEEDBACK_SLUG)[:80]
    with db.transaction(conn):
        result = conn.execute(insert(feedback_table).values(
            locale=locale, page=page, name=values["name"], email=values["email"], message=values["message"],
            held=int(held),
        ))
        # The notification is stored with the message: both are kept, or neither (service.mail). A held message
        # has none of its own: the operator's hourly alert tells about all of them.
        if not held:
            inbox.notify(conn, current_app.config, now(), db.inserted_id(result), locale, page,
                         values["name"], values["email"], values["message"])
        if alert:
            intake.alert(conn, intake.Form.FEEDBACK, now())
    maintenance.wake()
    return redirect(url_for("pages.page", locale=locale, slug=FEEDBACK_SLUG, sent=1, _anchor="feedback"), 303)


def init_app(app: Flask) -> None:
    """Register the form's route."""
    app.register_blueprint(bp)
