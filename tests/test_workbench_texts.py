"""What translators read about findings and refused uploads: each check worded, in the UI language."""
from __future__ import annotations

from flask import g

from service.catalogs import REGISTRY, Finding, selection
from service.workbench import texts
from service.workbench.store import EDIT_CHECKS, UploadRejected


def test_every_check_the_editor_or_an_upload_runs_has_its_own_message():
    """Only the completeness checks of `flask i18n check` and the speech checks (the workbench edits the
    messages and lexicon catalogs, not speech) fall back to the generic message."""
    edited = [c for c in (*EDIT_CHECKS, *selection()) if c.applies_to("messages") or c.applies_to("lexicon")]
    assert {c.id for c in edited} == set(texts.FINDINGS)
    assert set(REGISTRY) - set(texts.FINDINGS) == {"fuzzy", "missing", "speech-stale", "speech-identical"}


def test_findings_and_upload_reasons_in_the_ui_language(app):
    """German source messages, translated where shown, filled from the Finding's data."""
    with app.test_request_context("/translate/"):
        g.locale = "en"
        assert texts.finding_text(Finding("length", "x", (), ("10001",), ("10000",))) == \
            "The translation is too long (at most 10000 characters)."
        assert texts.finding_text(Finding("links", "x", ("https://a.example/",), (), ("https://a.example/",))) == \
            "Links [text](address) must have the same addresses as in the original: https://a.example/"
    with app.test_request_context("/translate/"):
        g.locale = "de"  # flask-babel keeps the locale of a request once it has been asked for
        assert texts.finding_text(Finding("fuzzy", "x")) == \
            "Die Übersetzung hat einen Fehler: marked fuzzy (not reviewed)"
        error = UploadRejected("language", found="tr", locale="en")
        assert texts.upload_reason(error) == "Die Datei gehört zur Sprache tr, nicht zu en."
        syntax = UploadRejected("syntax", lines=((3, 'msgstr "x'),))
        assert texts.upload_details(syntax) == ['Zeile 3: msgstr "x']
