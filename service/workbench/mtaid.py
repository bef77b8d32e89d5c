"""Machine translation on demand in the editor: a suggestion for one entry, made off the page-serving path.

Only an entry's German source is ever translated (never text a visitor sends), and only up to
MAX_SOURCE characters. A request answers from the MT cache at once; a text not cached yet is
translated elsewhere (an RQ job on the interactive queue with several servers, else a native
thread of this process, as ``core.offload`` starts them) and the editor asks again. A text saved
unchanged from the machine goes to review marked like ``flask mt fill``'s suggestions, never as reviewed.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Connection

from .. import catalogs, jobs
from ..core import offload
from ..core.messages import N_
from ..machine import get_mt
from ..mt import MTService, MTStatus
from . import audit
from .entries import CatalogEntry
from .review import Proposal

log = logging.getLogger(__name__)

#: The longest German source the editor has translated (characters; the longest entry today has 812).
MAX_SOURCE = 2000
#: How long (s) a failed on-demand translation is reported before it is tried again.
RETRY_AFTER = 60.0


class Unavailable(enum.StrEnum):
    """Why the editor offers no machine suggestion for an entry."""

    OFF = "off"
    NO_MODEL = "no-model"
    PLURAL = "plural"
    TOO_LONG = "too-long"


class State(enum.StrEnum):
    """Where a requested suggestion stands."""

    READY = "ready"
    PENDING = "pending"
    FAILED = "failed"


#: What the editor says for each reason (German source, translated when shown).
REASONS = {
    Unavailable.OFF: N_("Maschinelle Vorschläge sind auf diesem Server ausgeschaltet."),
    Unavailable.NO_MODEL: N_("Für Deutsch → %(language)s ist kein Modell für maschinelle Übersetzung installiert. "
                             "Die Betreiberin oder der Betreiber kann eines mit „argospm install“ einrichten."),
    Unavailable.PLURAL: N_("Für Einträge mit Pluralformen gibt es keinen maschinellen Vorschlag."),
    Unavailable.TOO_LONG: N_("Der deutsche Text ist für einen maschinellen Vorschlag zu lang (höchstens "
                             "%(max)s Zeichen)."),
}
PENDING_TEXT = N_("Der maschinelle Vorschlag wird erstellt. Das dauert einige Sekunden.")
FAILED_TEXT = N_("Der maschinelle Vorschlag konnte nicht erstellt werden. Bitte versuchen Sie es in einer Minute "
                 "noch einmal.")


@dataclass(frozen=True)
class Suggestion:
    """A machine suggestion for an entry: ready with its text and model, still being made, or failed."""

    state: State
    text: str = ""
    model: str = ""
    engine: str = ""

    @property
    def note(self) -> str:
        """The comment that marks the text as machine-made (as `flask mt fill` writes it)."""
        return catalogs.machine_comment(self.engine, self.model)


_running: set[tuple[str, str]] = set()
_failed: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def unavailable(locale: str, entry: CatalogEntry) -> Unavailable | None:
    """Why no suggestion is offered for an entry, or None when the editor offers one."""
    service = get_mt()
    if service is None:
        return Unavailable.OFF
    if not service.can_translate(locale):
        return Unavailable.NO_MODEL
    if entry.plural:
        return Unavailable.PLURAL
    if len(entry.msgid) > MAX_SOURCE:
        return Unavailable.TOO_LONG
    return None


def _job_id(locale: str, msgid: str) -> str:
    """The id of the RQ job that translates one source (the same for every server that asks)."""
    return jobs.job_id("mt", locale, hashlib.sha256(msgid.encode()).hexdigest()[:32])


def _translate_here(service: MTService, locale: str, msgid: str) -> None:
    """Translate one source in a native thread of this process, once however often the editor asks."""
    item = (locale, msgid)
    with _lock:
        if item in _running:
            return
        _running.add(item)
        _failed.pop(item, None)
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        """Translate into the MT cache under the locale's MT lock; remember a failure for a while."""
        offload.lower_priority()
        try:
            with app.app_context(), service.locks.hold(f"mt:{locale}"):
                service.translate_now([msgid], locale)
        except Exception:
            log.exception("on-demand machine translation into %s failed", locale)
            with _lock:
                _failed[item] = time.monotonic()
        finally:
            with _lock:
                _running.discard(item)

    offload.start_thread(work, "mt-editor")


def _failed_recently(locale: str, msgid: str) -> bool:
    """Whether the last try for this source failed less than RETRY_AFTER seconds ago."""
    with _lock:
        when = _failed.get((locale, msgid))
        if when is not None and time.monotonic() - when >= RETRY_AFTER:
            _failed.pop((locale, msgid), None)
            when = None
    return when is not None


def request(locale: str, entry: CatalogEntry) -> Suggestion:
    """The suggestion for an entry if cached; else have it made elsewhere and say it is pending (or failed)."""
    service = get_mt()
    assert service is not None and unavailable(locale, entry) is None
    result = service.lookup([entry.msgid], locale, schedule=False)[entry.msgid]
    if result.status == MTStatus.MACHINE:
        return Suggestion(State.READY, result.text, result.model, service.engine.name)
    if result.status == MTStatus.REJECTED or service.failure(locale):
        return Suggestion(State.FAILED)
    queue = jobs.get_jobs()
    if queue is not None:  # several servers: a worker translates, once for all of them
        jid = _job_id(locale, entry.msgid)
        if queue.statuses([jid]).get(jid) == "failed":
            return Suggestion(State.FAILED)
        queue.submit(jid, jobs.translate_job, (locale, [entry.msgid]), jobs.INTERACTIVE)
    elif _failed_recently(locale, entry.msgid):
        return Suggestion(State.FAILED)
    else:
        _translate_here(service, locale, entry.msgid)
    return Suggestion(State.PENDING)


def machine_text(locale: str, entry: CatalogEntry) -> Suggestion | None:
    """The cached suggestion for an entry (nothing is translated), or None: to tell a saved text from the machine."""
    if unavailable(locale, entry) is not None:
        return None
    service = get_mt()
    assert service is not None
    result = service.lookup([entry.msgid], locale, schedule=False)[entry.msgid]
    if result.status != MTStatus.MACHINE:
        return None
    return Suggestion(State.READY, result.text, result.model, service.engine.name)


def proposal_note(conn: Connection, locale: str, proposal: Proposal) -> str | None:
    """The machine mark of a waiting proposal (saved unchanged from a machine suggestion), or None."""
    for row in audit.history(conn, locale, proposal.msgid, limit=20):
        if row.action == "propose":
            text = "\n".join(proposal.strings)
            if row.new == text and (row.comment or "").startswith(catalogs.MACHINE_COMMENT_PREFIX):
                return str(row.comment)
            return None
    return None
