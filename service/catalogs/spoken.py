"""Spoken overrides (speech.po) beside the shown text: each remembers the shown text it was written for.

An override is outdated when the shown (reviewed) translation changed since: the editor flags it, and the
``speech-stale`` check reports it in ``flask i18n check``. The note is the translator comment that the check
reads (``shown: <hash>``, catalogs.terms), so the editor and the check can never disagree.
"""
from __future__ import annotations

from babel.messages.catalog import Message

from .terms import SHOWN_PREFIX, recorded_stamp, shown_stamp

#: The translator comment that records which shown text an override belongs to.
NOTE_PREFIX = SHOWN_PREFIX


def fingerprint(shown: str) -> str:
    """A short hash of a shown text."""
    return shown_stamp(shown)


def note(shown: str) -> tuple[str, str]:
    """The comment (prefix, text) to keep with an override written for ``shown``."""
    return NOTE_PREFIX, NOTE_PREFIX + fingerprint(shown)


def written_for(message: Message) -> str | None:
    """The fingerprint of the shown text an override was written for (None: not recorded)."""
    return recorded_stamp(message)


def outdated(message: Message | None, shown: str) -> bool:
    """Tell whether an override exists and was written for another shown text than ``shown``."""
    if message is None or not isinstance(message.string, str) or not message.string:
        return False
    recorded = written_for(message)
    return recorded is not None and recorded != fingerprint(shown)
