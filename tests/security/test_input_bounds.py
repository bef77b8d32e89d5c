"""Finding H1 (third red team): every input is bounded before any processing, so a few posts cannot freeze a worker.

Unicode normalization of a run of combining marks costs the square of the run's length; the service now refuses
a field over INPUT_MAX_CHARS or with a run over the Stream-Safe bound (30 marks) before anything normalizes it,
and counts refused posts against the client.
"""
from __future__ import annotations

import unicodedata

import pytest

from service.catalogs import checks
from service.core import text as core_text
from service.core.syntax import TAG_RE
from service.core.text import MAX_MARK_RUN, UnsafeText, clean_text, longest_mark_run

from ..workbench_support import entry_key, login, make_user, open_editor, save, unescape

#: The red team's post: one letter, then 120,000 pairs of combining marks (480 KB).
ZALGO = "a" + "\u0301\u0316" * 120_000
#: A shorter post that fits every size limit and that the form accepted before: 100 marks on one letter.
MARKED = "Der Kontrast ist zu schwach: a" + "\u0301" * 100


@pytest.fixture
def normalized(monkeypatch) -> list[str]:
    """Every text the service hands to unicodedata.normalize from core.text, recorded."""
    seen: list[str] = []
    real = unicodedata.normalize

    def spy(form: str, value: str) -> str:
        seen.append(value)
        return real(form, value)

    monkeypatch.setattr(core_text.unicodedata, "normalize", spy)
    return seen


def feedback(client, message: str, address: str = "192.0.2.10"):
    """Post the accessibility feedback form as the red team did (multipart)."""
    return client.post("/de/barrierefreiheit", data={"message": message, "page": "barrierefreiheit"},
                       content_type="multipart/form-data", environ_base={"REMOTE_ADDR": address})


def test_the_red_teams_post_is_refused_before_anything_normalizes_it(client, normalized):
    """The 480 KB post gets 413 in the visitor's language, and no normalization saw its text."""
    response = feedback(client, ZALGO)
    assert response.status_code == 413
    assert "Die gesendeten Daten sind zu groß." in unescape(response.text)
    assert all(len(value) < 1000 for value in normalized)


def test_an_urlencoded_field_over_the_bound_is_refused_unread(client, normalized):
    """Without multipart (whose parts Werkzeug bounds itself), the field's size is checked first, too."""
    response = client.post("/en/barrierefreiheit", data={"message": "x" * 30_000, "page": "barrierefreiheit"})
    assert response.status_code == 413
    assert "The data sent is too large." in unescape(response.text)
    assert normalized == []


def test_a_run_of_marks_within_the_size_bound_is_refused_in_the_visitors_language(client, normalized):
    """A run no language writes is a 400 that says why, in the page's language; nothing is stored."""
    response = feedback(client, MARKED)
    assert response.status_code == 400
    assert "Kombinationszeichen" in unescape(response.text)
    assert normalized == []
    english = client.post("/en/barrierefreiheit", data={"message": MARKED, "page": "barrierefreiheit"})
    assert english.status_code == 400 and "combining marks" in unescape(english.text)


def test_text_people_write_keeps_its_marks(client):
    """Vowelled Arabic and decomposed Vietnamese stay well within the bound and are accepted."""
    arabic = "إِمْكَانِيَّةُ الْوُصُولِ جَيِّدَةٌ جِدًّا، شُكْرًا لَكُمْ"
    vietnamese = unicodedata.normalize("NFD", "Trang web này rất dễ đọc, cảm ơn nhiều")
    assert longest_mark_run(arabic) <= 2 and longest_mark_run(vietnamese) <= 2
    for message in (arabic, vietnamese):
        assert feedback(client, message).status_code == 303


def test_core_text_refuses_a_long_run_without_normalizing_it(normalized):
    """clean_text raises for any caller, and the bound is UAX #15's 30 non-starters."""
    assert clean_text("e" + "\u0301" * MAX_MARK_RUN) == "\u00e9" + "\u0301" * (MAX_MARK_RUN - 1)
    with pytest.raises(UnsafeText):
        clean_text("e" + "\u0301" * (MAX_MARK_RUN + 1))
    assert len(normalized) == 1


def test_refused_posts_count_against_the_client(client):
    """A flood of refused posts is cut off with 429 like a flood of accepted ones; other clients go on."""
    statuses = [feedback(client, MARKED, "198.51.100.7").status_code for _ in range(35)]
    assert statuses[:20] == [400] * 20
    assert statuses[-1] == 429
    assert feedback(client, "Der Kontrast der Links ist zu schwach.", "198.51.100.8").status_code == 303


def test_invalid_feedback_posts_count_too(client):
    """Too-short messages cost a try each: the 21st post within ten minutes gets 429 without validation."""
    statuses = [feedback(client, "kurz", "203.0.113.5").status_code for _ in range(21)]
    assert statuses == [400] * 20 + [429]


def test_query_values_are_bounded_too(app, client):
    """A search field with a long run of marks, or over the size bound, is refused before any search."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    assert client.get("/translate/en/", query_string={"q": "a" + "\u0308" * 40}).status_code == 400
    assert client.get("/translate/en/", query_string={"q": "a" * 25_000}).status_code == 413
    assert client.get("/translate/en/", query_string={"q": "Schule"}).status_code == 200


def test_the_editor_refuses_a_run_of_marks_and_keeps_the_entry(app, client):
    """A translator's save with such a run changes nothing."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    key = entry_key(client, "en", "Bildung")
    _, _, before = open_editor(client, "en", key)
    response = save(client, "en", key, "Education" + "\u0301" * 50)
    assert response.status_code == 400
    assert open_editor(client, "en", key)[2] == before


def test_reader_suggestions_are_bounded(client):
    """The public suggestion form refuses the same run before it reads the text."""
    page = client.get("/en/suggest/index/b1")
    assert page.status_code == 200
    response = client.post("/en/suggest/index/b1", data={"suggestion": "Better" + "\u0301" * 40})
    assert response.status_code == 400
    assert "combining marks" in unescape(response.text)


def test_the_markup_pattern_stops_at_the_next_tag():
    """L1: a stray '<' ends the scan for '>' (the pattern is linear): '<a<b>' holds one tag, b."""
    assert [m.group(1) for m in TAG_RE.finditer("<a<b>")] == ["b"]
    assert [m.group(1) for m in TAG_RE.finditer('<a href="x">y</a>')] == ["a", "a"]


def test_an_overlong_translation_is_reported_by_length_alone():
    """L1: a translation over the length bound is not read by the other checks at all."""
    from babel.messages.catalog import Message

    message = Message("Text <b>fett</b>", "<a" * 60_000)
    found = checks.check_message(message, None)
    assert [f.check for f in found] == ["length"]


def test_a_huge_edit_is_refused_as_too_large_and_changes_nothing(app, client):
    """A 900 kB translation posted to the editor: 413 in the translator's language, the entry unchanged."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    _, _, before = open_editor(client, "en", key)
    response = save(client, "en", key, "N" * 900_000)
    assert response.status_code == 413 and "Die gesendeten Daten sind zu groß." in unescape(response.text)
    assert open_editor(client, "en", key)[2] == before


def test_an_uploaded_translation_with_a_run_of_marks_is_reported_not_a_500(app, client, translations_dir):
    """An upload holding such a run: the preview lists that entry as broken, saying why; the file is not read
    into any normalization of that text."""
    from ..workbench_support import upload

    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    po = (translations_dir / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    data = po.replace('msgstr "Notice"', 'msgstr "Notice' + "\u0301" * 40 + '"')
    assert data != po
    preview = upload(client, "en", data.encode())
    assert preview.status_code == 200
    assert "Kombinationszeichen" in unescape(preview.text)


def test_the_marks_bound_is_one_check_of_the_registry():
    """The same bound as the forms' (core.text.MAX_MARK_RUN), an error, worded in English for the command line."""
    from babel.messages.catalog import Message

    assert checks.REGISTRY["marks"].severity == checks.Severity.ERROR
    ok = Message("Bildung", "e" + "\u0301" * MAX_MARK_RUN)
    assert checks.check_message(ok, None) == []
    found = checks.check_message(Message("Bildung", "e" + "\u0301" * (MAX_MARK_RUN + 1)), None)
    assert [(f.check, f.extra, f.expected) for f in found] == [("marks", ("31",), ("30",))]
    assert checks.describe(found[0]) == "a run of 31 combining marks (at most 30), which no language writes"


def test_the_editors_store_refuses_a_run_with_the_checks_finding(app, normalized):
    """Past the form's bound (a save from elsewhere), the store runs the marks check before normalizing the text,
    and the translator reads the message the form gives."""
    from flask import g

    from service.workbench import texts
    from service.workbench.store import InvalidTranslation
    from service.workbench.views.utils import get_store

    with app.test_request_context("/translate/"):
        g.locale = "en"
        store = get_store()
        entry = next(e for e in store.entries("en") if e.msgid == "Bildung")
        with pytest.raises(InvalidTranslation) as refused:
            store.check("en", entry.key, ("Education" + "\u0301" * 50,), entry.revision)
        assert [f.check for f in refused.value.findings] == ["marks"]
        assert texts.findings_texts(refused.value.findings) == [
            "The text you sent contains a long run of accents or combining marks that no language uses. Please check "
            "what you entered."]
    assert all(len(value) < 40 for value in normalized)


def test_flask_i18n_check_finds_a_run_in_a_catalog(runner, translations_dir):
    """A hand-edited catalog with such a run fails `flask i18n check` (CI) with the check's wording."""
    po = translations_dir / "en" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Notice"', 'msgstr "Notice' + "\u0301" * 40 + '"', 1), encoding="utf-8")
    result = runner.invoke(args=["i18n", "check", "--locale", "en"])
    assert result.exit_code == 1
    assert "a run of 40 combining marks (at most 30), which no language writes" in result.output
