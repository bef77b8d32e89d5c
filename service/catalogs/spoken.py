"""Spoken overrides (speech.po) beside the shown text: each remembers the shown text it was written for.

An override is outdated when the shown (reviewed) translation changed since: the editor flags it and
``flask i18n check`` lists it. The note is a translator comment ``shown-sha256: <hash>`` on the speech entry.
"""
from __future__ import annotations

import hashlib

from babel.messages.catalog import Message

#: The translator comment that records which shown text an override belongs to.
NOTE_PREFIX = "shown-sha256: "


def fingerprint(shown: str) -> str:
    """A short hash of a shown text."""
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def note(shown: str) -> tuple[str, str]:
    """The comment (prefix, text) to keep with an override written for ``shown``."""
    return NOTE_PREFIX, NOTE_PREFIX + fingerprint(shown)


def written_for(message: Message) -> str | None:
    """The fingerprint of the shown text an override was written for (None: not recorded)."""
    for comment in message.user_comments:
        if comment.startswith(NOTE_PREFIX):
            return comment[len(NOTE_PREFIX):].strip()
    return None


def outdated(message: Message | None, shown: str) -> bool:
    """Tell whether an override exists and was written for another shown text than ``shown``."""
    if message is None or not isinstance(message.string, str) or not message.string:
        return False
    recorded = written_for(message)
    return recorded is not None and recorded != fingerprint(shown)
