"""Text typed by people into the service's forms: normalized once, checked for control characters."""
from __future__ import annotations

import unicodedata


def clean_text(value: str | None) -> str:
    """NFC, plain line breaks (browsers send CRLF), trimmed."""
    return unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n")).strip()


def has_control(value: str) -> bool:
    """Tell whether text holds control characters other than line breaks and tabs."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value)
