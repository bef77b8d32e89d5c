"""A translator's own account: change the password (the current one asked), and the time zone of the times shown."""
from __future__ import annotations

import math

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext

from ... import db
from ...db.schema import utc_now
from ...web.errors import BadRequest
from .. import auth, localtime
from .utils import bp


@bp.app_template_filter("local_time")
def _local_time(value: object):
    """Templates: a stored moment as a ``<time>`` in the translator's zone and UI language."""
    return localtime.local_time(value)


def _change_password(user: auth.User) -> tuple[dict[str, str], int, dict[str, str]]:
    """Check the current password (rate-limited as a login), then set the new one; errors per field."""
    current = request.form.get("current") or ""
    new, repeat = request.form.get("password") or "", request.form.get("repeat") or ""
    try:
        auth.attempt_login(user.username, current)
    except auth.LoginThrottled as exc:
        return {"current": gettext(exc.message)}, 429, {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    except auth.BadCredentials:
        return {"current": gettext("Das bisherige Passwort ist falsch.")}, 400, {}
    if new != repeat:
        return {"repeat": gettext("Die beiden neuen Passwörter sind nicht gleich.")}, 400, {}
    if new == current:
        return {"password": gettext("Das neue Passwort ist dasselbe wie das bisherige.")}, 400, {}
    try:
        auth.set_password(db.get_db(), user.username, new)  # ends every session of the account, this one too
    except auth.AccountError as exc:
        return {"password": exc.translated()}, 400, {}
    fresh = auth.get_user_by_name(db.get_db(), user.username)
    if fresh is not None:
        lang = session.get("ui_lang")
        auth.login_user(fresh)  # a new session here (the form's tz field keeps the zone); elsewhere they stay ended
        if lang:
            session["ui_lang"] = lang
    return {}, 200, {}


@bp.route("/account", methods=["GET", "POST"])
@auth.login_required
def account():
    """Change one's own password, and the time zone of the times the workbench shows."""
    user = auth.current_user()
    assert user is not None
    errors: dict[str, str] = {}
    status, headers = 200, dict[str, str]()
    if request.method == "POST":
        action = request.form.get("action")
        if action == "password":
            errors, status, headers = _change_password(user)
            if not errors:
                flash(gettext("Ihr Passwort ist geändert. Alle anderen Anmeldungen mit diesem Konto sind beendet."),
                      "ok")
        elif action == "zone":
            if not localtime.remember(request.form.get("zone")):
                errors, status = {"zone": gettext("Diese Zeitzone gibt es nicht.")}, 400
            else:
                flash(gettext("Zeiten erscheinen jetzt in der Zeitzone %(zone)s.", zone=localtime.zone().key),
                      "ok")
        else:
            raise BadRequest()
        if not errors:
            return redirect(url_for("workbench.account"), 303)
    return render_template("workbench/account.html", errors=errors, zones=localtime.zone_names(),
                           zone=localtime.zone().key, now=localtime.local_text(utc_now()),
                           password_min=current_app.config["PASSWORD_MIN_LENGTH"]), status, headers
