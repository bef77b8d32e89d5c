"""The extraction marker for German source messages that are translated only where they are shown."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction (``flask i18n extract``); it is translated when shown."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message (singular and plural) for extraction; shown later through ``ngettext``."""
    return singular, plural
