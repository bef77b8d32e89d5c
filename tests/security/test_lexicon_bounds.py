"""Finding L8 (third red team): a translator's 10,000-character lexicon forms could fill the shared audio cache
and evict other locales' audio. A spoken form is now at most 200 characters: a longer one is refused with the
reason in the translator's language, keeps what they typed, and is ignored if a catalog edited by hand holds it."""
from __future__ import annotations

import re

from service.catalogs import compile_po
from service.catalogs.checks import MAX_SPOKEN
from service.catalogs.po import load_po, save_po

from ..workbench_support import login, make_user, token, unescape


def _term(page: str, shown: str) -> tuple[str, str]:
    """The key and revision of a term of the lexicon page."""
    key = re.search(rf'id="term-([0-9a-f]{{16}})">\s*<h2 class="wb-term"[^>]*>{shown}<', page).group(1)
    revision = re.search(rf'name="key" value="{key}">\s*<input type="hidden" name="revision" '
                         rf'value="([0-9a-f]{{16}})"', page).group(1)
    return key, revision


def test_a_long_spoken_form_is_refused_and_kept_in_the_form(app, client):
    """10,000 characters, and 201: 400 with the reason in English; 200 characters are saved."""
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    page = client.get("/translate/tr/lexicon", query_string={"lang": "en"}).text
    key, revision = _term(page, "Mont-Cenis")
    before = app.extensions["i18n"].lexicon("tr").get("Mont-Cenis")
    for spoken in ("Mon Sönii " * 1000, "a" * (MAX_SPOKEN + 1)):
        response = client.post("/translate/tr/lexicon", data={"csrf_token": token(page), "key": key,
                                                              "revision": revision, "msgstr": spoken})
        assert response.status_code == 400
        text = unescape(response.text)
        assert f"The pronunciation is too long (at most {MAX_SPOKEN} characters)." in text
        assert spoken.strip() in text  # what was typed comes back
    assert app.extensions["i18n"].lexicon("tr").get("Mont-Cenis") == before
    fits = "Mon Sö" + "n" * (MAX_SPOKEN - 6)
    saved = client.post("/translate/tr/lexicon", data={"csrf_token": token(page), "key": key, "revision": revision,
                                                      "msgstr": fits})
    assert saved.status_code == 303
    assert app.extensions["i18n"].lexicon("tr")["Mont-Cenis"] == fits


def test_a_long_form_written_into_the_file_is_not_spoken(app, translations_dir):
    """A lexicon .po edited by hand with a 9,000-character form: the check refuses to compile it (the spoken-length
    check of the registry), so the form is never spoken; the other terms stay."""
    import pytest

    from service.catalogs.build import CheckFailed

    path = translations_dir / "tr" / "LC_MESSAGES" / "lexicon.po"
    catalog = load_po(path, "tr")
    long_form = "Mon Sönii" * 1000
    catalog["Mont-Cenis"].string = long_form
    save_po(path, catalog)
    with pytest.raises(CheckFailed, match="spoken form longer than 200"):
        compile_po(path)
    spoken = app.extensions["i18n"].lexicon("tr")
    assert long_form not in spoken.values() and "HSM" in spoken  # the other terms stay
