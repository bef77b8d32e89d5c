"""What translators read about findings and refused uploads: each check worded, in the UI language."""
from __future__ import annotations

from flask import g

from service.catalogs import REGISTRY, Finding, selection
from service.workbench import texts
from service.workbench.entries import Status
from service.workbench.store import EDIT_CHECKS, Rejection, UploadRejected
from service.workbench.views.utils import FILTERS, STATUS_LABELS


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
        error = UploadRejected(Rejection.LANGUAGE, found="tr", locale="en")
        assert texts.upload_reason(error) == "Die Datei gehört zur Sprache tr, nicht zu en."
        syntax = UploadRejected(Rejection.SYNTAX, lines=((3, 'msgstr "x'),))
        assert texts.upload_details(syntax) == ['Zeile 3: msgstr "x']


def test_every_reason_an_upload_is_refused_has_its_message(app):
    """A new Rejection without a message would fail here (and in mypy), not as a KeyError before a translator."""
    with app.test_request_context("/translate/"):
        g.locale = "en"
        for reason in Rejection:
            text = texts.upload_reason(UploadRejected(reason, n=1, line=1, charset="latin-1", found="tr",
                                                      locale="en", expected="nplurals=2"))
            assert text and text != texts.upload_source(reason) and "%(" not in text, reason


def test_every_status_has_its_label_and_filter():
    """The entry list names every status the workbench gives an entry."""
    assert set(STATUS_LABELS) == set(Status)
    assert set(FILTERS) == {"all", *Status}
