"""The editor's machine suggestion: the JSON the button asks for, what the editor shows, and a save's machine mark."""
from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_babel import gettext

from ... import db
from ...i18n import display_name
from .. import auth, mtaid
from ..entries import CatalogEntry
from ..review import Proposal
from ..store import normalized
from .utils import bp, get_store, local_path, target


def _reason(loc: str, why: mtaid.Unavailable) -> str:
    """Why no suggestion is offered, in the translator's language."""
    return gettext(mtaid.REASONS[why], language=display_name(loc), max=mtaid.MAX_SOURCE)


def _answer(loc: str, entry: CatalogEntry) -> tuple[dict, int]:
    """The state of an entry's suggestion as JSON data, with its HTTP status (200 ready, 202 pending)."""
    why = mtaid.unavailable(loc, entry)
    if why is not None:
        return {"state": "unavailable", "reason": str(why), "message": _reason(loc, why)}, 409
    found = mtaid.request(loc, entry)
    if found.state == mtaid.State.READY:
        return {"state": "ready", "text": found.text, "model": found.model, "note": found.note,
                "message": gettext("Maschineller Vorschlag, nicht geprüft (%(model)s)", model=found.model)}, 200
    if found.state == mtaid.State.PENDING:
        return {"state": "pending", "message": gettext(mtaid.PENDING_TEXT)}, 202
    return {"state": "failed", "message": gettext(mtaid.FAILED_TEXT)}, 503


@bp.route("/<locale>/entry/<key>/machine")
def machine(locale: str, key: str) -> tuple[Response, int]:
    """An entry's machine suggestion for the editor's button: ready, being made (ask again) or why not."""
    if auth.current_user() is None:
        return jsonify({"state": "login", "message": gettext("Ihre Sitzung ist abgelaufen.")}), 401
    loc = target(locale)
    auth.require_write(loc)  # a suggestion costs a model's work: only for those who can use it
    data, status = _answer(loc, get_store().get(loc, key))
    response = jsonify(data)
    if status == 202:
        response.headers["Retry-After"] = "2"
    return response, status


def editor_context(loc: str, entry: CatalogEntry, can_write: bool, proposal: Proposal | None) -> dict:
    """What the editor shows of machine translation: the button or why there is none, a suggestion asked for
    without JavaScript (?mt=1), and the machine mark of a waiting proposal."""
    if not can_write:
        return {"mt_offer": False}
    why = mtaid.unavailable(loc, entry)
    context: dict = {
        "mt_offer": why is None,
        "mt_unavailable": _reason(loc, why) if why is not None else None,
        "mt_url": url_for("workbench.machine", locale=loc, key=entry.key),
        "mt_again": url_for("workbench.editor", locale=loc, key=entry.key, mt=1,
                            back=local_path(request.args.get("back")), _anchor="mt-ask-title"),
        "mt_asked": None,
        "proposal_machine": mtaid.proposal_note(db.get_db(), loc, proposal) if proposal else None,
    }
    if why is None and request.method == "GET" and request.args.get("mt") == "1":
        context["mt_asked"] = _answer(loc, entry)[0]
    return context


def machine_mark(loc: str, entry: CatalogEntry, typed: tuple[str, ...]) -> str:
    """The machine mark of a text saved unchanged from the entry's machine suggestion, else ""."""
    found = mtaid.machine_text(loc, entry)
    if found is None or len(typed) != 1:
        return ""
    try:
        same = normalized(typed) == normalized((found.text,))
    except ValueError:  # a text the store refuses anyway
        return ""
    return found.note if same else ""
