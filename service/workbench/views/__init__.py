"""The workbench pages under /translate, one module per screen (as Weblate's trans/views/), sharing utils."""
from __future__ import annotations

from . import (  # noqa: F401  (each adds its pages to the blueprint)
    account,
    comments,
    contributions,
    edit,
    files,
    lists,
    machine,
    notify,
    profile,
    speech,
)
from .utils import bp, get_store, target_locales, ui_locales

__all__ = ["bp", "get_store", "target_locales", "ui_locales"]
