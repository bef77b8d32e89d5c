"""The shipped catalogs: complete, reviewed, and consistent with their source, by every registered check."""
from __future__ import annotations

import pytest

from service.catalogs import check_catalog, describe, load_po, po_path
from service.config import ROOT, SHIPPED_LOCALES

TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != "de"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete_reviewed_and_consistent(locale):
    """100 % translated, nothing fuzzy, placeholders and markup as in the source."""
    template = load_po(ROOT / "translations" / "messages.pot")
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    findings = check_catalog(catalog, template, complete=True)
    assert not findings, "\n".join(f"{f.msgid[:50]!r}: {describe(f)}" for f in findings[:20])
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_the_right_plural_forms(locale):
    """The header's plural rule is the locale's own (Arabic has six forms)."""
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    expected = {"en": 2, "tr": 2, "ar": 6, "pl": 3, "uk": 3, "ro": 3, "ru": 3}[locale]
    assert catalog.num_plurals == expected
