"""The workbench pages under /translate, one module per screen (as Weblate's trans/views/), sharing utils."""
from __future__ import annotations

from . import account, comments, edit, files, lists, notify, speech  # noqa: F401  (each adds its pages to the blueprint)
from .utils import bp, get_store, target_locales, ui_locales

__all__ = ["bp", "get_store", "target_locales", "ui_locales"]
