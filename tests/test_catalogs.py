"""The shipped catalogs: no broken entry, consistent with their source by every registered check, plurals right."""
from __future__ import annotations

import pytest

from service.catalogs import check_catalog, describe, load_po, po_path
from service.catalogs.checks import errors
from service.config import ROOT, SHIPPED_LOCALES

TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != "de"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_no_broken_entry_and_waiting_work_keeps_its_translation(locale):
    """No broken entry (placeholders, markup, syntax), every template message present, and an entry waiting for a
    translator after the German changed keeps its previous translation (pages show it, marked outdated).

    Work waiting for translators does not fail CI (an editor's change would): `flask i18n check --complete`
    lists it for the operator.
    """
    template = load_po(ROOT / "translations" / "messages.pot")
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    broken = errors(check_catalog(catalog, template))
    assert not broken, "\n".join(f"{f.msgid[:50]!r}: {describe(f)}" for f in broken[:20])
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}
    waiting = [m for m in catalog if m.id and m.fuzzy]
    assert all(all(m.string) if isinstance(m.string, tuple) else m.string for m in waiting), \
        [m.id for m in waiting if not m.string]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_the_right_plural_forms(locale):
    """The header's plural rule is the locale's own (Arabic has six forms)."""
    catalog = load_po(po_path(ROOT / "translations", locale), locale)
    expected = {"en": 2, "tr": 2, "ar": 6, "pl": 3, "uk": 3, "ro": 3, "ru": 3}[locale]
    assert catalog.num_plurals == expected
