"""Files: a locale's .po to download, and an uploaded one merged in."""
from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext

from ... import db
from .. import audit, auth, texts
from ..store import UploadRejected
from .utils import bp, get_store, target


# -- files --------------------------------------------------------------------
@bp.route("/<locale>/download")
@auth.login_required
def download(locale: str):
    """The locale's .po as a file."""
    loc = target(locale)
    data = get_store().download(loc, mark=audit.last_id(db.get_db(), loc))
    return Response(data, mimetype="text/x-gettext-translation", headers={
        "Content-Disposition": f'attachment; filename="messages-{loc}.po"',
    })


def _upload_limit() -> int:
    """The largest .po accepted."""
    return int(current_app.config["WORKBENCH_UPLOAD_MAX"])


@bp.route("/<locale>/upload", methods=["GET", "POST"])
@auth.login_required
def upload(locale: str):
    """Upload a .po: checked as a whole, then merged; rejected whole with a clear reason."""
    loc = target(locale)
    user = auth.require_write(loc)
    if request.method == "GET":
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024)
    file = request.files.get("po")
    if file is None or not file.filename:
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024,
                               error=gettext("Bitte wählen Sie eine .po-Datei aus.")), 400
    data = file.stream.read(_upload_limit() + 1)
    try:
        result = get_store().merge_upload(db.get_db(), loc, data, user.username, max_bytes=_upload_limit())
    except UploadRejected as exc:
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024,
                               error=texts.upload_reason(exc), details=texts.upload_details(exc)), \
            413 if exc.reason == "too-large" else 400
    flash(" ".join([
        gettext("Datei übernommen."),
        ngettext("%(num)s Eintrag geändert.", "%(num)s Einträge geändert.", result["changed"]),
        ngettext("%(num)s unbekannter Eintrag übersprungen.", "%(num)s unbekannte Einträge übersprungen.",
                 result["unknown"]),
    ]), "ok")
    if result["conflicts"]:
        flash(gettext("Nicht übernommen, weil sie nach Ihrem Download hier geändert wurden: %(entries)s. "
                      "Bitte prüfen Sie diese Einträge im Editor.",
                      entries="; ".join(f"„{m[:60]}“" for m in result["conflicts"][:20])), "error")
    if result["compile_error"]:
        flash(gettext("Gespeichert, aber noch nicht veröffentlicht: Der Katalog enthält an anderer Stelle Fehler. "
                      "Bitte prüfen Sie ihn mit „flask i18n check“."), "error")
    return redirect(url_for("workbench.entries", locale=loc), 303)
