"""Compiling a .po into its .mo: only after every check passed, and atomically, so a bad catalog keeps the old .mo."""
from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo

from ..core.files import atomic_write
from .checks import Finding, check_catalog, describe, errors
from .context import context_for
from .po import CatalogError, load_po


class CheckFailed(CatalogError):
    """A catalog did not pass its checks; nothing was compiled."""

    def __init__(self, path: Path, findings: list[Finding]):
        """Keep the findings; the reason names the first few in English."""
        listing = "; ".join(f"{f.msgid[:40]!r}: {describe(f)}" for f in findings[:5])
        super().__init__(f"{path}: {len(findings)} problem(s): {listing}")
        self.path = path
        self.findings = tuple(findings)


def compile_po(po: Path, mo: Path | None = None, source_locale: str = "de") -> Path:
    """Check a .po and write its .mo atomically; raise CheckFailed (the old .mo stays) on any error (not warnings).

    The .po is taken to live at ``<translations>/<locale>/LC_MESSAGES/<domain>.po``.
    """
    po = Path(po)
    catalog = load_po(po)
    locale = str(catalog.locale) if catalog.locale else po.parent.parent.name
    findings = errors(check_catalog(catalog, context=context_for(po.parent.parent.parent, locale, po.stem,
                                                                 source_locale)))
    if findings:
        raise CheckFailed(po, findings)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    target = Path(mo) if mo else po.with_suffix(".mo")
    atomic_write(target, buf.getvalue())
    return target
