"""The fixture site the unit tests run on, and the real pages that only the end-to-end tests read.

Unit tests use the small content set in tests/fixtures/site/content (same format as content/), whose
translations (tests/fixtures/site/translations/<locale>/messages.po) are merged into the session's copy of
the real catalogs: an editor's change to content/ cannot break them. End-to-end tests (marker
``real_content``) read content/ and derive what they expect from it and from the catalogs.
"""
from __future__ import annotations

from pathlib import Path

from service.catalogs import confirm_speech, load_po, save_po
from service.config import ROOT
from service.content import Content, extract_content

FIXTURE_SITE = Path(__file__).resolve().parent / "fixtures" / "site"
#: The fixture pages: what every test app reads unless its test is marked ``real_content``.
FIXTURE_CONTENT = FIXTURE_SITE / "content"
#: The editors' pages, for end-to-end tests only.
REAL_CONTENT = ROOT / "content"


def fixture_content() -> Content:
    """The fixture pages, parsed."""
    return Content(FIXTURE_CONTENT)


def real_content() -> Content:
    """The real pages, parsed (end-to-end tests derive their expectations from them)."""
    return Content(REAL_CONTENT)


#: msgid -> (locations, extractor comments) of the fixture pages' messages.
_Messages = dict[str, tuple[list[tuple[str, int]], list[str]]]


def _fixture_messages() -> _Messages:
    """Every message of the fixture pages with its locations and comments, as `flask i18n extract` gives them."""
    found: _Messages = {}
    for path in sorted(FIXTURE_CONTENT.glob("*.md")):
        with path.open("rb") as fileobj:
            for lineno, _, msgid, comments in extract_content(fileobj, None, None, None):
                locations, notes = found.setdefault(msgid, ([], []))
                locations.append((f"content/{path.name}", lineno))
                notes.extend(c for c in comments if c not in notes)
    return found


def merge_fixture_translations(translations: Path, locales: list[str]) -> None:
    """Add the fixture pages' messages and their translations to a copy of the catalogs (before compiling).

    Entries the real catalog already has (interface texts such as "Datenschutz") take the fixture's
    translation, so the fixture pages read the same whatever the editors change. A locale's ``speech.po``
    fragment adds spoken overrides, confirmed against the fixture's shown text as a translator would.
    """
    messages = _fixture_messages()
    for locale in locales:
        _merge_messages(translations, locale, messages)
        _merge_speech(translations, locale, messages)


def _merge_messages(translations: Path, locale: str, messages: _Messages) -> None:
    """Add or set the fixture pages' translations in a locale's messages catalog."""
    fragment_path = FIXTURE_SITE / "translations" / locale / "messages.po"
    if not fragment_path.exists():
        raise AssertionError(f"{fragment_path}: every shipped locale needs the fixture pages' translations")
    fragment = load_po(fragment_path, locale)
    target = translations / locale / "LC_MESSAGES" / "messages.po"
    catalog = load_po(target, locale)
    for msgid, (locations, comments) in messages.items():
        entry = fragment.get(msgid)
        if entry is None or not entry.string:
            raise AssertionError(f"{fragment_path}: no translation of fixture message {msgid!r}")
        if msgid in catalog:
            catalog[msgid].string = entry.string
            catalog[msgid].flags.discard("fuzzy")
        else:
            catalog.add(msgid, entry.string, locations, flags=entry.flags, auto_comments=comments)
    save_po(target, catalog)


def _merge_speech(translations: Path, locale: str, messages: _Messages) -> None:
    """Add the fixture's spoken overrides of a locale, stamped with the text its messages catalog shows."""
    fragment_path = FIXTURE_SITE / "translations" / locale / "speech.po"
    if not fragment_path.exists():
        return
    target = translations / locale / "LC_MESSAGES" / "speech.po"
    catalog = load_po(target, locale)
    for entry in load_po(fragment_path, locale):
        if not entry.id:
            continue
        if entry.id not in messages:
            raise AssertionError(f"{fragment_path}: {entry.id!r} is no message of the fixture pages")
        locations, comments = messages[entry.id]
        if entry.id in catalog:
            catalog[entry.id].string = entry.string
        else:
            catalog.add(entry.id, entry.string, locations, flags=entry.flags, auto_comments=comments)
    save_po(target, catalog)
    confirm_speech(translations, locale, [str(e.id) for e in load_po(fragment_path, locale) if e.id])
