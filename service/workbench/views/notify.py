"""A translator's notification settings: the daily digest on or off, its address and its language."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ... import db, mail
from .. import auth, mailprefs
from .utils import bp, ui_locales


@bp.route("/account/notifications", methods=["GET", "POST"])
@auth.login_required
def notifications():
    """Show and change the signed-in account's e-mail settings; a refused form comes back as it was typed."""
    user = auth.current_user()
    assert user is not None  # login_required
    conn = db.get_db()
    settings = mailprefs.of_user(conn, user.id)
    if settings is None:
        abort(404)
    error = None
    email, digest, language = settings.email or "", settings.digest, settings.language or ""
    if request.method == "POST":
        email = (request.form.get("email") or "").replace("\x00", "")
        digest, language = request.form.get("digest") == "on", request.form.get("language") or ""
        try:
            mailprefs.save(conn, user.id, email, digest, language, ui_locales())
        except mailprefs.InvalidSettings as exc:
            error = gettext(mailprefs.MESSAGES[exc.problem])
        else:
            flash(gettext("Einstellungen gespeichert."), "ok")
            return redirect(url_for("workbench.notifications"), 303)
    address = mail.valid_address(settings.email or "") or mail.valid_address(user.username)
    form = {"email": email, "digest": digest, "language": language}
    return render_template("workbench/notifications.html", form=form, error=error, address=address,
                           is_translator=user.role == "translator", languages=ui_locales(),
                           max_address=mailprefs.MAX_ADDRESS), (400 if error else 200)
