"""The context of a catalog's contextual checks, read from the translations folder: glossary and shown texts."""
from __future__ import annotations

from pathlib import Path

from ..core import glossary
from .findings import CheckContext, msgid_of
from .po import load_po, po_path, save_po
from .status import filled
from .terms import shown_text, stamp_message


def shown_texts(directory: str | Path, locale: str) -> dict[str, str]:
    """Msgid -> the reviewed text a locale's messages catalog shows for it (singular entries only)."""
    path = po_path(directory, locale)
    if not path.exists():
        return {}
    return {m.id: m.string for m in load_po(path, locale)
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string and not m.fuzzy}


def context_for(directory: str | Path, locale: str, domain: str, source_locale: str = "de") -> CheckContext:
    """What the contextual checks of one catalog read: its glossary, and for speech what each entry shows."""
    shown = None
    if domain == "speech" and locale != source_locale:
        shown = shown_texts(directory, locale)
    return CheckContext(domain=domain, locale=locale, shown=shown, glossary=glossary.load(directory, locale),
                        source_locale=source_locale)


def confirm_speech(directory: str | Path, locale: str, msgids: list[str] | None = None,
                   source_locale: str = "de") -> list[str]:
    """Record in a locale's speech entries that each was checked against the text shown now; the msgids stamped.

    ``msgids`` limits it to entries whose msgid starts with one of them. Only a translator who compared
    the spoken with the shown text runs this: it silences the speech-stale check for those entries.
    """
    path = po_path(directory, locale, "speech")
    catalog = load_po(path, locale)
    context = context_for(directory, locale, "speech", source_locale)
    done = []
    for message in catalog:
        msgid = msgid_of(message) if message.id else ""
        if not msgid or not filled(message.string):
            continue
        if msgids and not any(msgid.startswith(m) for m in msgids):
            continue
        shown = shown_text(message, context)
        if shown is not None:
            stamp_message(message, shown)
            done.append(msgid)
    save_po(path, catalog)
    return done
