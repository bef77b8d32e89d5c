"""Review: a translator's save waits for a reviewer; pages keep the reviewed text; approve, reject, self-approval."""
from __future__ import annotations

import re

import pytest

from service import catalogs
from service.i18n import get_i18n

from .workbench_support import PENDING_RE, entry_key, login, make_user, open_editor, save, unescape


def on_disk(translations_dir, msgid: str, locale: str = "en"):
    """One message of a locale's catalog as it is on disk now."""
    return catalogs.load_po(translations_dir / locale / "LC_MESSAGES" / "messages.po", locale).get(msgid)


@pytest.fixture
def team(app):
    """Anna translates English, Rita reviews it; each in a client of their own."""
    make_user(app, "anna", locales=("en",))
    make_user(app, "rita", locales=("en",))
    app.config["WORKBENCH_REVIEWERS"] = {"en": ["rita"]}
    anna, rita = app.test_client(), app.test_client()
    login(anna, "anna")
    login(rita, "rita")
    return anna, rita


def shown(app, msgid: str) -> str:
    """What an English page shows for a message."""
    with app.test_request_context("/en/"):
        return get_i18n().localize(msgid, "en").text


def test_a_translators_save_waits_for_review_and_pages_keep_the_reviewed_text(app, team, translations_dir):
    """Save records a proposal: the .po and the public page keep "Notice" until Rita approves "Please note"."""
    anna, rita = team
    key = entry_key(anna, "en", "Hinweis")
    assert save(anna, "en", key, "Please note").status_code == 303
    assert on_disk(translations_dir, "Hinweis").string == "Notice"
    assert shown(app, "Hinweis") == "Notice"  # pages show the last reviewed text while the new one waits
    editor = unescape(anna.get(f"/translate/en/entry/{key}").text)
    assert "Der Text wartet auf Prüfung" in editor and "wartet auf Prüfung" in editor
    assert ">Please note</textarea>" in editor  # the translator continues from their own text
    assert 'value="approve"' not in editor  # no reviewer right: no approve button
    listed = anna.get("/translate/en/", query_string={"status": "review"}).text
    assert f"/translate/en/entry/{key}" in listed and "(1)" in listed
    # Anna cannot approve her own text by posting the form anyway; her text stays in the field.
    refused = save(anna, "en", key, "Please note", action="approve")
    assert refused.status_code == 403 and ">Please note</textarea>" in refused.text
    assert on_disk(translations_dir, "Hinweis").string == "Notice"
    # Rita sees the proposal with a diff against the reviewed text, and approves it.
    page = rita.get(f"/translate/en/entry/{key}").text
    assert "<del>Notice</del><ins>Please note</ins>" in page
    assert save(rita, "en", key, "Please note", action="approve").status_code == 303
    assert on_disk(translations_dir, "Hinweis").string == "Please note"
    assert shown(app, "Hinweis") == "Please note"
    assert not on_disk(translations_dir, "Hinweis").fuzzy
    assert 'name="pending" value="0"' in rita.get(f"/translate/en/entry/{key}").text


def test_reject_with_a_comment_keeps_the_reviewed_text_and_tells_why(team, translations_dir):
    """Rita rejects with a comment: the proposal goes, the .po is unchanged, the history shows the comment."""
    anna, rita = team
    key = entry_key(anna, "en", "Hinweis")
    save(anna, "en", key, "Attention!!")
    page, csrf, revision = open_editor(rita, "en", key)
    response = rita.post(f"/translate/en/entry/{key}", data={
        "csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1),
        "msgstr": "Attention!!", "action": "reject", "comment": "Too loud: the German is a calm note."})
    assert response.status_code == 303
    assert on_disk(translations_dir, "Hinweis").string == "Notice"
    history = unescape(anna.get(f"/translate/en/entry/{key}").text)
    assert "Too loud: the German is a calm note." in history and "rita (reject)" in history
    # A translator has no reject right.
    save(anna, "en", key, "Attention!!")
    page, csrf, revision = open_editor(anna, "en", key)
    refused = anna.post(f"/translate/en/entry/{key}", data={
        "csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1),
        "msgstr": "Attention!!", "action": "reject"})
    assert refused.status_code == 403


def test_self_approval_is_set_per_locale(app, team, translations_dir):
    """Rita may not approve her own text, unless the locale allows self-approval; admins always may."""
    _, rita = team
    key = entry_key(rita, "en", "Hinweis")
    assert save(rita, "en", key, "Note well", action="approve").status_code == 403
    assert on_disk(translations_dir, "Hinweis").string == "Notice"
    app.config["WORKBENCH_SELF_APPROVAL"] = ["en"]
    assert save(rita, "en", key, "Note well", action="approve").status_code == 303
    assert on_disk(translations_dir, "Hinweis").string == "Note well"


def test_a_proposal_someone_else_replaced_is_a_conflict(team, translations_dir):
    """Two translators propose from the same editor state: the second gets a 409 and keeps their text."""
    anna, rita = team
    key = entry_key(anna, "en", "Hinweis")
    page, csrf, revision = open_editor(anna, "en", key)
    save(rita, "en", key, "Rita's note")
    response = anna.post(f"/translate/en/entry/{key}", data={
        "csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1),
        "msgstr": "Anna's note", "action": "save"})
    assert response.status_code == 409
    assert ">Anna&#39;s note</textarea>" in response.text


def test_history_offers_revert_through_review(app, team, translations_dir):
    """An earlier text from the history is put back into the field; saving it proposes it again."""
    anna, rita = team
    app.config["WORKBENCH_SELF_APPROVAL"] = ["en"]
    key = entry_key(anna, "en", "Hinweis")
    save(rita, "en", key, "Note well", action="approve")
    page = unescape(anna.get(f"/translate/en/entry/{key}").text)
    link = re.search(r'href="(/translate/en/entry/\w+\?restore=\d+&side=old)#edit-title"', page)
    assert link, page
    restored = anna.get(link.group(1)).text
    assert ">Notice</textarea>" in restored
    assert save(anna, "en", key, "Notice").status_code == 303
    assert "Notice" in rita.get(f"/translate/en/entry/{key}").text
    assert on_disk(translations_dir, "Hinweis").string == "Note well"


def test_accepting_a_readers_suggestion_takes_one_click(app, team, client, translations_dir):
    """A reader suggests a text; the reviewer sees it with a diff and accepts it with one button."""
    anna, rita = team
    form = client.get("/en/suggest/index/b1")
    assert form.status_code == 200
    assert client.post("/en/suggest/index/b1", data={"suggestion": "Learning by the canal!"}).status_code == 303
    key = entry_key(rita, "en", "Lernen am Kanal")
    page = rita.get(f"/translate/en/entry/{key}").text
    assert "<ins>!</ins>" in page or "<del>" in page
    match = re.search(r'<form method="post" action="[^"]+" class="wb-inline">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', match.group(1)))
    response = rita.post(f"/translate/en/entry/{key}", data={**fields, "action": "approve"})
    assert response.status_code == 303
    assert on_disk(translations_dir, "Lernen am Kanal").string == "Learning by the canal!"
    assert "Learning by the canal!" not in rita.get("/translate/en/suggestions").text


def test_stats_count_waiting_entries_apart_and_never_round_up_to_100(team, runner):
    """`flask i18n stats`: an entry waiting for review is no longer counted as reviewed; done is below 100%."""
    anna, _ = team
    before = runner.invoke(args=["i18n", "stats"]).output
    en = next(line for line in before.splitlines() if line.startswith("en "))
    save(anna, "en", entry_key(anna, "en", "Hinweis"), "Please note")
    after = runner.invoke(args=["i18n", "stats"]).output
    line = next(line for line in after.splitlines() if line.startswith("en "))
    human, review = (int(x) for x in line.split()[1:3])
    assert review == 1 and human == int(en.split()[1]) - 1
    assert not line.endswith("100%")
