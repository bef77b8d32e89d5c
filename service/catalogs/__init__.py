"""Gettext catalogs on disk, through Babel's API: .po files, entry status, checks as data, compiling, MT filling.

Modules: ``po`` (parse, lint, load, dump, save, merge a template), ``status`` (human, machine,
outdated, missing), ``checks`` (the registry every caller runs), ``build`` (compile to .mo),
``fill`` (machine suggestions as fuzzy entries). The names below are the ones callers use.
"""
from __future__ import annotations

from .build import CheckFailed, compile_po
from .checks import (
                     REGISTRY,
                     Check,
                     CheckContext,
                     Finding,
                     Severity,
                     check_catalog,
                     check_message,
                     describe,
                     errors,
                     selection,
                     warnings,
)
from .context import confirm_speech, context_for
from .fill import CatalogChanged, fill_catalog, fill_po, machine_comment
from .po import (
                     CatalogError,
                     dump_po,
                     duplicates,
                     header_language,
                     lint_po,
                     load_po,
                     lock_name,
                     new_catalog,
                     parse_po,
                     po_path,
                     save_po,
                     update_po,
)
from .status import (
                     MACHINE_COMMENT_PREFIX,
                     TranslationStatus,
                     close_to_previous,
                     counts,
                     filled,
                     is_machine,
                     machine_comments,
                     status_of,
)

__all__ = [
    "MACHINE_COMMENT_PREFIX", "REGISTRY", "CatalogChanged", "CatalogError", "Check", "CheckContext", "CheckFailed",
    "Finding", "Severity", "TranslationStatus", "check_catalog", "confirm_speech", "context_for", "errors", "warnings",
    "check_message",
    "close_to_previous", "compile_po", "counts", "describe", "dump_po",
    "duplicates", "header_language",
    "fill_catalog", "fill_po", "filled", "is_machine", "lint_po", "load_po", "lock_name", "machine_comment",
    "machine_comments", "new_catalog", "parse_po", "po_path", "save_po", "selection", "status_of", "update_po",
]
