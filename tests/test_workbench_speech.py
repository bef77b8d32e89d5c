"""Spoken overrides (speech.po) in the editor: edited beside the shown text, flagged outdated when it changes."""
from __future__ import annotations

import re

from service import catalogs
from service.catalogs import spoken

from .workbench_support import entry_key, login, make_user, save, unescape

VOWELLED = "تَنْبِيهٌ مُهِمٌّ"


def test_speech_override_is_edited_in_the_editor_and_flagged_when_the_shown_text_changes(app, client, runner,
                                                                                          translations_dir):
    """Save a spoken text; approve a new shown text; the editor and `flask i18n check` say the override is outdated."""
    make_user(app, "leila", locales=("ar",))
    app.config["WORKBENCH_SELF_APPROVAL"] = ["ar"]
    login(client, "leila")
    key = entry_key(client, "ar", "Hinweis")
    page = client.get(f"/translate/ar/entry/{key}").text
    assert 'id="speech-title"' in page and 'id="speech-outdated"' not in page
    revision = re.search(r'name="speech_revision" value="([0-9a-f]{16})"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/translate/ar/speech/{key}", data={"csrf_token": csrf, "speech_revision": revision,
                                                                "spoken": VOWELLED})
    assert response.status_code == 303
    speech = catalogs.load_po(catalogs.po_path(translations_dir, "ar", "speech"), "ar")["Hinweis"]
    shown = catalogs.load_po(catalogs.po_path(translations_dir, "ar"), "ar")["Hinweis"].string
    assert speech.string == VOWELLED and spoken.written_for(speech) == spoken.fingerprint(shown)
    assert "ar/speech: ok\n" in runner.invoke(args=["i18n", "check", "--locale", "ar"]).output
    assert save(client, "ar", key, "ملاحظة مهمة", action="approve").status_code == 303
    page = unescape(client.get(f"/translate/ar/entry/{key}").text)
    assert 'id="speech-outdated"' in page and f">{VOWELLED}</textarea>" in page
    result = runner.invoke(args=["i18n", "check", "--locale", "ar"])
    assert result.exit_code == 0, result.output
    assert "ar/speech: ok (1 warning(s))" in result.output
    assert "the shown text changed after this spoken text was written" in result.output
    assert runner.invoke(args=["i18n", "check", "--locale", "ar", "--complete"]).exit_code == 1
