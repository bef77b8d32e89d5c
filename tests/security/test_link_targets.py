"""Issue 21 M6: a translator cannot re-point an official link by writing text around a placeholder target."""
from __future__ import annotations

import io

import pytest

from service import catalogs
from service.db.schema import wb_audit

from ..workbench_support import (
    count,
    entry_key,
    login,
    make_user,
    save,
    token,
    unescape,
)

SOURCE_END = "Website: [%(authority_url)s](%(authority_url)s)"
GOOD_END = "Web sitesi: [%(authority_url)s](%(authority_url)s)"
#: The attack of the report: the page shows the authority's address and links to another domain.
EVIL_END = "Web sitesi: [%(authority_url)s](%(authority_url)s.evil.example/sikayet)"
LINK_FINDING = "Die Links [Text](Adresse) müssen dieselben Adressen haben wie im Original: %(authority_url)s"


@pytest.fixture
def ayse(app, client):
    """A signed-in translator of Turkish."""
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    return client


def _po(translations_dir) -> str:
    """The Turkish catalog as text."""
    return catalogs.po_path(translations_dir, "tr").read_text(encoding="utf-8")


def _evil_msgstr(text: str) -> str:
    """The Turkish complaint sentence with the re-pointed link."""
    line = next(ln for ln in text.splitlines() if ln.startswith("msgstr") and GOOD_END in ln)
    return line[len('msgstr "'):-1].replace(GOOD_END, EVIL_END)


def _privacy_links(client) -> list[str]:
    """Every link target of the Turkish privacy page."""
    page = client.get("/tr/datenschutz")
    assert page.status_code == 200
    return [part.split('"', 1)[0] for part in page.text.split('href="')[1:]]


def test_the_editor_refuses_a_placeholder_target_with_text_around_it(app, ayse, translations_dir):
    """Saving the re-pointed link is refused with the links finding; the page still links to the authority."""
    before = _po(translations_dir)
    key = entry_key(ayse, "tr", "Aufsichtsbehörde")
    saved = save(ayse, "tr", key, _evil_msgstr(before))
    assert saved.status_code == 400
    assert LINK_FINDING in unescape(saved.text)
    assert _po(translations_dir) == before and count(app, wb_audit) == 0
    assert not [href for href in _privacy_links(ayse) if "evil.example" in href]


def test_an_upload_with_the_re_pointed_link_is_refused(app, ayse, translations_dir):
    """The same text in an uploaded .po: the whole file is refused and nothing changes."""
    before = _po(translations_dir)
    data = before.replace(GOOD_END, EVIL_END).encode()
    page = ayse.get("/translate/tr/upload")
    uploaded = ayse.post("/translate/tr/upload", data={"csrf_token": token(page.text),
                                                        "po": (io.BytesIO(data), "tr.po")})
    assert uploaded.status_code == 400
    assert LINK_FINDING in unescape(uploaded.text)
    assert _po(translations_dir) == before and count(app, wb_audit) == 0


def test_flask_i18n_check_reports_the_re_pointed_link(runner, translations_dir):
    """A catalog edited by hand fails `flask i18n check` and is not compiled."""
    path = catalogs.po_path(translations_dir, "tr")
    path.write_text(_po(translations_dir).replace(GOOD_END, EVIL_END), encoding="utf-8")
    result = runner.invoke(args=["i18n", "check", "--locale", "tr"])
    assert result.exit_code != 0
    assert "link targets differ: missing %(authority_url)s, extra %(authority_url)s.evil.example/sikayet" in \
        result.output
    compiled = runner.invoke(args=["i18n", "compile", "--locale", "tr", "--domain", "messages"])
    assert compiled.exit_code != 0


def test_the_shipped_link_is_accepted_and_rendered_to_the_authority(app, client):
    """The source form passes, and the page links to the configured address itself."""
    message = catalogs.parse_po(f'msgid "{SOURCE_END}"\nmsgstr "{GOOD_END}"\n'.encode(), "tr")
    assert all(not catalogs.check_message(m, message) for m in message)
    assert "https://www.ldi.nrw.de" in _privacy_links(client)  # the operator's setting (service/config.py)
