"""Signing in and out, and the accounts page of admins."""
from __future__ import annotations

import math

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from ... import db
from ...core.messages import N_
from ...web.errors import BadRequest
from .. import auth
from .utils import bp, local_path, safe_next, target_locales


# -- sign in and out --------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; failures are rate-limited per user name and per address."""
    error = None
    status = 200
    username = ""
    headers: dict[str, str] = {}
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        try:
            user = auth.attempt_login(username, request.form.get("password") or "")
        except auth.LoginThrottled as exc:
            status, error = 429, gettext(exc.message)
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        except auth.BadCredentials as exc:
            status, error = 401, gettext(exc.message)
        else:
            lang = session.get("ui_lang")
            auth.login_user(user)
            if lang:
                session["ui_lang"] = lang
            return redirect(safe_next(request.form.get("next")), 303)
    return render_template("workbench/login.html", error=error, username=username,
                           next=local_path(request.values.get("next")) or ""), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    auth.logout_user()
    return redirect(url_for("workbench.login"), 303)


# -- users (admins) -----------------------------------------------------------
@bp.route("/users", methods=["GET", "POST"])
@auth.login_required
def users():
    """Admins add and remove accounts and set their locales."""
    admin = auth.require_admin()
    conn = db.get_db()
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        name = (request.form.get("username") or "").strip()
        try:
            if action == "add":
                locales = tuple(request.form.getlist("locales"))
                auth.add_user(conn, name, request.form.get("password") or "", request.form.get("role", "translator"),
                              auth.parse_locales(",".join(locales), target_locales()))
                flash(gettext("Konto %(name)s angelegt.", name=name), "ok")
            elif action == "access":
                locales = auth.parse_locales(",".join(request.form.getlist("locales")), target_locales())
                if not auth.set_access(conn, name, request.form.get("role"), locales):
                    abort(404)
                flash(gettext("Rechte von %(name)s geändert.", name=name), "ok")
            elif action == "remove":
                if name == admin.username:
                    raise auth.AccountError(N_("Sie können Ihr eigenes Konto nicht löschen."))
                if request.form.get("confirm") != "yes":  # first the question, answered by a second form
                    if auth.get_user_by_name(conn, name) is None:
                        abort(404)
                    return render_template("workbench/users_remove.html", name=name)
                if not auth.remove_user(conn, name):
                    abort(404)
                flash(gettext("Konto %(name)s gelöscht.", name=name), "ok")
            else:
                raise BadRequest()
        except auth.AccountError as exc:
            errors["form"] = exc.translated()
        if not errors:
            return redirect(url_for("workbench.users"), 303)
    return render_template("workbench/users.html", users=auth.list_users(conn), locales=target_locales(),
                           errors=errors, roles=auth.ROLES, password_min=current_app.config["PASSWORD_MIN_LENGTH"]), \
        (400 if errors else 200)
