"""Issue 26 item 7: German operator values inside other languages are marked lang="de" and isolated (<bdi>)."""
from __future__ import annotations

import pytest

AUTHORITY = "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)"
BODY = "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen"


@pytest.mark.parametrize("locale", ["ar", "uk", "tr"])
def test_operator_names_are_isolated_german_runs(client, locale):
    """The LDI NRW's and the Ombudsstelle's names and the authority's address sit in <bdi lang="de">."""
    privacy = client.get(f"/{locale}/datenschutz").text
    assert f'<bdi lang="de">{AUTHORITY}</bdi>' in privacy
    assert '<bdi lang="de">Kavalleriestraße 2-4, 40213 Düsseldorf</bdi>' in privacy
    assert 'href="https://www.ldi.nrw.de"' in privacy  # an address is never wrapped
    statement = client.get(f"/{locale}/barrierefreiheit").text
    assert f'<bdi lang="de">{BODY}</bdi>' in statement
    assert "\ue000" not in privacy + statement and "\ue001" not in privacy + statement


def test_the_german_page_has_no_isolation_and_unset_values_are_translated(client, app):
    """German needs no mark; a placeholder shown for an unset value is in the page's language, so no mark either."""
    assert "<bdi" not in client.get("/de/datenschutz").text
    page = client.get("/en/datenschutz").text
    assert app.config["OPERATOR"].get("controller_name") is None
    assert '<bdi lang="de">[' not in page


def test_spoken_text_carries_no_marks(app):
    """The audio's text of a page is plain: the marks never reach the voice."""
    from service.audio.publish import page_segments

    with app.test_request_context("/ar/datenschutz"):
        segments = page_segments("ar", "datenschutz", "page")
    said = "".join(s.text + (s.speech or "") for s in segments)
    assert AUTHORITY in said and "\ue000" not in said and "<bdi" not in said


GLOSS = {
    "en": ("State Commissioner for Data Protection", "ombudsman office for accessible IT"),
    "tr": ("Veri Koruma ve Bilgi Edinme Özgürlüğü", "erişilebilir bilişim ombudsmanlığı"),
    "ar": ("مفوّضة ولاية شمال الراين-وستفاليا لحماية البيانات", "مكتب أمين المظالم لتقنية المعلومات"),
    "pl": ("ds. ochrony danych i wolności informacji", "biuro rzecznika kraju związkowego"),
    "uk": ("з питань захисту даних і свободи інформації", "служба омбудсмена землі"),
    "ro": ("pentru protecția datelor și libertatea informației", "biroul ombudsmanului landului"),
    "ru": ("по защите данных и свободе информации", "служба омбудсмена земли"),
}


@pytest.mark.real_content
@pytest.mark.parametrize("locale", sorted(GLOSS))
def test_the_official_german_names_come_with_a_translated_gloss(client, locale):
    """A reader who cannot read German learns what the LDI NRW and the Ombudsstelle are (the real statements:
    a review of the shipped translations, which the fixture pages cannot stand in for)."""
    privacy, statement = GLOSS[locale]
    assert privacy in client.get(f"/{locale}/datenschutz").text
    assert statement in client.get(f"/{locale}/barrierefreiheit").text


def test_latin_runs_in_arabic_text_are_isolated(client):
    """In right-to-left text, school names, codes and addresses in Latin letters sit in <bdi>; not in LTR text."""
    schools = client.get("/ar/werkstatt").text
    for name in ("Realschule Crange", "Gymnasium Wanne"):
        assert f"<bdi>{name}</bdi>" in schools, name
    privacy = client.get("/ar/datenschutz").text
    assert "<bdi>poststelle@ldi.nrw.de</bdi>" in privacy and "<bdi>User-Agent</bdi>" in privacy
    assert "<bdi>" not in client.get("/tr/werkstatt").text
