"""Files: a locale's .po to download; an uploaded one previewed (what would change, with a diff), then applied."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
)
from flask_babel import gettext, lazy_gettext, ngettext

from ... import db
from .. import audit, auth, review, texts, uploads
from ..diffs import word_diff
from ..store import Rejection, UploadRejected
from .utils import bp, get_store, target

MODES = {
    uploads.Mode.REPLACE: lazy_gettext("Übersetzungen übernehmen; was hier seit Ihrem Download geändert wurde, "
                                       "wird als Konflikt gezeigt und nicht überschrieben"),
    uploads.Mode.FILL: lazy_gettext("Nur unübersetzte Einträge füllen"),
    uploads.Mode.SUGGEST: lazy_gettext("Als Vorschläge zur Prüfung hinzufügen"),
}


@bp.route("/<locale>/download")
@auth.login_required
def download(locale: str):
    """The locale's .po as a file, with the audit mark an upload of it is compared with."""
    loc = target(locale)
    data = get_store().download(loc, mark=audit.last_id(db.get_db(), loc))
    return Response(data, mimetype="text/x-gettext-translation", headers={
        "Content-Disposition": f'attachment; filename="messages-{loc}.po"',
    })


def _upload_limit() -> int:
    """The largest .po accepted."""
    return int(current_app.config["WORKBENCH_UPLOAD_MAX"])


def _form(loc: str, status: int = 200, **extra):
    """The upload form (with a whole-file refusal when there is one)."""
    return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024, modes=MODES,
                           mode=extra.pop("mode", uploads.Mode.REPLACE), **extra), status


def _invalid_text(item: uploads.Item) -> str:
    """What is wrong with one entry of a file, in the translator's language."""
    if item.problem == uploads.Problem.SYNTAX:
        return gettext("Keine gültige .po-Zeile: %(text)s", text=item.detail)
    if item.problem == uploads.Problem.DUPLICATE:
        return gettext("Der Eintrag steht mehrfach in der Datei; keiner wurde übernommen.")
    return " ".join(texts.findings_texts(item.findings))


def _rows(plan: uploads.Plan) -> list[dict]:
    """The items of a plan as the preview shows them: texts, a word diff, what is wrong."""
    return [{
        "item": item,
        "diff": word_diff("\n".join(item.old), "\n".join(item.new)) if item.old and any(item.old) else None,
        "problem": _invalid_text(item) if item.outcome == uploads.Outcome.INVALID else "",
        # A change with a warning (a glossary term left out...): taken all the same, and said with its entry.
        "warnings": texts.findings_texts(item.findings) if item.outcome != uploads.Outcome.INVALID else [],
    } for item in plan.items]


def _mode() -> uploads.Mode:
    """The mode chosen in the form (replace when none or an unknown one)."""
    try:
        return uploads.Mode(request.form.get("mode") or uploads.Mode.REPLACE)
    except ValueError:
        return uploads.Mode.REPLACE


@bp.route("/<locale>/upload", methods=["GET", "POST"])
@auth.login_required
def upload(locale: str):
    """Upload a .po: read entry by entry and shown as a preview; nothing is written before the confirmation."""
    loc = target(locale)
    user = auth.require_write(loc)
    if request.method == "GET":
        return _form(loc)
    mode = _mode()
    file = request.files.get("po")
    if file is None or not file.filename:
        return _form(loc, 400, mode=mode, error=gettext("Bitte wählen Sie eine .po-Datei aus."))
    data = file.stream.read(_upload_limit() + 1)
    conn = db.get_db()
    try:
        plan = uploads.preview(get_store(), conn, loc, data, mode, max_bytes=_upload_limit())
    except UploadRejected as exc:
        return _form(loc, 413 if exc.reason == Rejection.TOO_LARGE else 400, mode=mode, error=texts.upload_reason(exc),
                     details=texts.upload_details(exc))
    token = uploads.keep(conn, user.username, loc, mode, data)
    return render_template("workbench/upload_preview.html", loc=loc, plan=plan, rows=_rows(plan), token=token,
                           mode_label=MODES[mode], applied=False,
                           publish=review.may_approve(user, loc, user.username))


@bp.route("/<locale>/upload/<token>", methods=["POST"])
@auth.login_required
def upload_apply(locale: str, token: str):
    """Carry out a previewed upload (planned again now: what changed since the preview is a conflict too)."""
    loc = target(locale)
    user = auth.require_write(loc)
    conn = db.get_db()
    held = uploads.take(conn, token, user.username, loc)
    if held is None:
        abort(404)
    mode, data = held
    publish = review.may_approve(user, loc, user.username)
    try:
        plan, error = uploads.apply(get_store(), conn, loc, data, mode, user.username, max_bytes=_upload_limit(),
                                    publish=publish)
    except UploadRejected as exc:  # the catalog changed so that the file no longer fits
        return _form(loc, 409, mode=mode, error=texts.upload_reason(exc), details=texts.upload_details(exc))
    done = len(plan.of(uploads.Outcome.CHANGE)) + len(plan.of(uploads.Outcome.SUGGEST))
    flash(" ".join([gettext("Datei übernommen."), ngettext("%(num)s Eintrag übernommen.",
                                                         "%(num)s Einträge übernommen.", done)]), "ok")
    if error:
        flash(gettext(texts.NOT_PUBLISHED), "error")
        current_app.logger.warning("catalog %s not compiled: %s", loc, error)
    return render_template("workbench/upload_preview.html", loc=loc, plan=plan, rows=_rows(plan), token=None,
                           mode_label=MODES[mode], applied=True, publish=publish)
