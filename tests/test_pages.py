"""Every page in every locale, through the real app: language, direction, switcher, alternates, fallbacks."""
from __future__ import annotations

import re

import pytest
from babel import Locale

from service import create_app
from service.catalogs import compile_po, load_po, save_po
from service.config import SHIPPED_LOCALES

from .clock_support import MovableClock, utc
from .html import find, parse
from .site_support import fixture_content, real_content

#: The fixture pages (tests/fixtures/site/content); REAL_SLUGS: the editors' pages, read end to end.
SLUGS = [p.url_slug for p in fixture_content().pages.values()]
REAL_SLUGS = [p.url_slug for p in real_content().pages.values()]
RTL = {"ar"}


def get_ok(client, url):
    """GET a URL and insist on 200."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.real_content
@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
@pytest.mark.parametrize("slug", REAL_SLUGS)
def test_every_page_in_every_locale(client, locale, slug):
    """Every real page: 200, right lang/dir, one h1, full switcher with endonyms, hreflang for every locale."""
    html = get_ok(client, f"/{locale}/{slug}")
    root = find(html, "html")[0]
    assert root.attrs["lang"] == locale
    assert root.attrs["dir"] == ("rtl" if locale in RTL else "ltr")
    assert len(find(html, "h1")) == 1
    assert find(html, "main", id="main")
    skip = find(html, "a", class_="skip-link")
    assert skip and skip[0].attrs["href"] == "#main"
    switcher = [e for e in find(html, "a", hreflang=True)
                if any(p.tag == "nav" and "lang-switcher" in p.attrs.get("class", "") for p in e.parents)]
    assert sorted(e.attrs["lang"] for e in switcher) == sorted(SHIPPED_LOCALES)
    for entry in switcher:
        endonym = Locale.parse(entry.attrs["lang"]).get_display_name(entry.attrs["lang"])
        assert entry.text.strip().lower() == endonym.lower()
    alternates = {e.attrs["hreflang"]: e.attrs["href"] for e in find(html, "link", rel="alternate")}
    assert set(alternates) == set(SHIPPED_LOCALES) | {"x-default"}
    for loc in SHIPPED_LOCALES:
        assert alternates[loc].endswith(f"/{loc}/{slug}")


@pytest.mark.parametrize("locale", [loc for loc in SHIPPED_LOCALES if loc != "de"])
@pytest.mark.parametrize("slug", SLUGS)
def test_no_untranslated_message_in_shipped_locales(client, locale, slug):
    """No element of a fully translated page falls back to German (the fixture pages are translated in full)."""
    html = get_ok(client, f"/{locale}/{slug}")
    # The switcher's "Deutsch" entry is German on purpose (lang and hreflang "de"), and so are the operator's
    # names and addresses, which keep their official German form inside <bdi lang="de"> (issue 26).
    german = [e for e in find(html, lang="de") if e.attrs.get("hreflang") != "de" and e.tag != "bdi"]
    assert not german, [(e.tag, e.text[:60]) for e in german]
    assert "status-source" not in html
    assert "status-pending" not in html


def test_overview_in_german_has_the_source_content(app_config):
    """The German overview shows the source's title, text, amount, date, examples and (at year's end) the notice."""
    client = create_app({**app_config, "CLOCK": MovableClock(utc(2026, 12, 20, 12))}).test_client()
    html = get_ok(client, "/de/")
    assert find(html, "h1")[0].text.strip() == "Lernen am Kanal"
    assert "Die Stadt gibt 3 Millionen Euro für neue Räume aus." in html
    assert "Veröffentlicht am 15. März 2021" in html
    notice = find(html, "div", class_="service-notice")[0]
    assert "24. Dezember 2026 bis einschließlich 1. Januar 2027" in notice.text
    assert "Offene Werkstatt" in html


def test_numbers_and_dates_follow_the_locale(client):
    """The amount and the publication date are formatted by Babel for each locale."""
    en = get_ok(client, "/en/")
    assert "3 million euros" in en
    assert "15 March 2021" in en  # British English
    pl = get_ok(client, "/pl/")
    assert "3 miliony euro" in pl
    assert "15 marca 2021" in get_ok(client, "/pl/werkstatt")


def test_external_links_are_links(client):
    """Each example's external links are real links, announced as external."""
    html = get_ok(client, "/de/werkstatt")
    hrefs = [a.attrs["href"] for a in find(html, "a", rel="external")]
    assert hrefs == ["https://werkstatt.example.org/", "https://example.org/werkstatt-bericht/"]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("tr-TR,tr;q=0.9,en;q=0.5", "/tr/"),
        ("en;q=0.3, ar;q=0.8", "/ar/"),
        ("fr-CH, fr;q=0.9, uk;q=0.7, *;q=0.5", "/uk/"),
        ("de-AT", "/de/"),
        ("ja", "/de/"),
        ("", "/de/"),
        (";;;q=abc,,,\x7f=1", "/de/"),
        ("pl;q=0, ro;q=0.1", "/ro/"),
    ],
)
def test_root_redirects_by_accept_language(client, header, expected):
    """/ picks the best served locale by quality, falling back to German."""
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(
    "url",
    ["/xx/", "/de/../../etc/passwd", "/de/%00", "/%00/", "/de/" + "a" * 10_000, "/" + "b" * 10_000 + "/",
     "/de/nicht-da", "/DE/", "/de/index", "/ar/_notice", "/de/werkstatt/extra"],
)
def test_bad_paths_get_a_404_page(client, url):
    """Unknown or malformed locales and pages: a real 404 page, never a 500 or a trace."""
    response = client.get(url, headers={"Accept-Language": "tr"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert find(body, "h1")


def test_an_overlong_locale_code_is_refused_without_asking_the_locale_providers(app):
    """A code longer than any locale's (a URL segment, a form field) is not served, and the MT providers are
    not asked about it; a code of locale length is."""
    i18n = app.extensions["i18n"]
    asked = []
    i18n.locale_providers.append(lambda: asked.append(1) or ["fr", "b" * 21])
    assert not i18n.serves("b" * 21) and not i18n.serves("b" * 10_000)
    assert asked == []
    assert i18n.serves("fr") and asked


def test_404_is_in_the_visitors_language(client):
    """A 404 for an unknown locale answers in the Accept-Language; a 404 inside a locale in that locale."""
    body = client.get("/xx/", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert find(body, "html")[0].attrs["lang"] == "tr"
    assert find(body, "h1")[0].text.strip() == "Bu sayfa mevcut değil."
    body = client.get("/ar/nicht-da", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert find(body, "html")[0].attrs["dir"] == "rtl"
    assert find(body, "h1")[0].text.strip() == "هذه الصفحة غير موجودة."


def test_404_as_json_for_programs(client):
    """Clients that ask for JSON get JSON errors."""
    response = client.get("/xx/", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.is_json and response.json["status"] == 404


def test_sitemap_lists_every_page_in_every_locale(client):
    """/sitemap.xml has one <url> per page and locale, each with all alternates."""
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert len(locs) == len(SLUGS) * len(SHIPPED_LOCALES)
    for slug in SLUGS:
        for locale in SHIPPED_LOCALES:
            assert f"http://127.0.0.1:8000/{locale}/{slug}" in locs  # BASE_URL, never the request's Host
    assert xml.count('rel="alternate"') == len(locs) * len(SHIPPED_LOCALES)


def test_etag_and_conditional_requests(client):
    """Pages carry an ETag and answer If-None-Match with 304."""
    first = client.get("/tr/werkstatt")
    etag = first.headers["ETag"]
    again = client.get("/tr/werkstatt", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/uk/werkstatt")
    assert other.headers["ETag"] != etag


def test_no_cookie_and_no_third_party_reference(client):
    """Reading sets no cookie, and every script, style and image comes from this service."""
    for url in ("/de/", "/ar/werkstatt", "/en/barrierefreiheit"):
        response = client.get(url)
        assert "Set-Cookie" not in response.headers
        for el in parse(response.get_data(as_text=True)):
            for attr in ("src",):
                if attr in el.attrs:
                    assert el.attrs[attr].startswith("/"), el.attrs
            if el.tag == "link" and el.attrs.get("rel") == "stylesheet":
                assert el.attrs["href"].startswith("/")


def _set_translation(translations_dir, locale, msgid, text, fuzzy=False, previous=None):
    """Change one entry of a locale's catalog on disk and recompile it."""
    po = translations_dir / locale / "LC_MESSAGES" / "messages.po"
    catalog = load_po(po, locale)
    catalog[msgid].string = text
    if fuzzy:
        catalog[msgid].flags.add("fuzzy")
        catalog[msgid].previous_id = [previous] if previous else []
    save_po(po, catalog)
    compile_po(po)


def test_recompiled_catalog_is_live_without_restart_in_every_worker(app_config, translations_dir):
    """Two app instances (two workers) both show a recompiled catalog on their next request."""
    from service import create_app

    workers = [create_app(app_config).test_client() for _ in range(2)]
    for w in workers:
        assert find(w.get("/en/").get_data(as_text=True), "h1")[0].text.strip() == "Learning by the canal"
    _set_translation(translations_dir, "en", "Lernen am Kanal", "Learning along the canal")
    for w in workers:
        h1 = find(w.get("/en/").get_data(as_text=True), "h1")[0]
        assert h1.text.strip() == "Learning along the canal"


def test_missing_message_falls_back_to_german_with_lang(client, translations_dir):
    """An empty catalog entry shows the German source marked lang="de", never empty or a key."""
    _set_translation(translations_dir, "tr", "Lernen am Kanal", "")
    html = client.get("/tr/").get_data(as_text=True)
    h1 = find(html, "h1")[0]
    assert h1.text.strip() == "Lernen am Kanal"
    assert h1.attrs["lang"] == "de"
    assert find(html, "html")[0].attrs["lang"] == "tr"


def test_outdated_translation_is_shown_and_marked(client, translations_dir):
    """An outdated entry (German source slightly changed) is shown in its language and marked as outdated."""
    _set_translation(translations_dir, "pl", "Lernen am Kanal", "Nauka nad kanałem (stare)", fuzzy=True,
                     previous="Lernen an dem Kanal")
    html = client.get("/pl/").get_data(as_text=True)
    h1 = find(html, "h1")[0]
    assert h1.text.strip() == "Nauka nad kanałem (stare)"
    assert "status-outdated" in h1.attrs["class"]


def test_unrelated_fuzzy_guess_is_not_shown_to_readers(client, translations_dir):
    """A fuzzy entry whose old source is unlike the new one (a bad guess of Babel's) falls back to German."""
    _set_translation(translations_dir, "en", "Lernen am Kanal", "Enforcement procedure", fuzzy=True,
                     previous="Durchsetzungsverfahren")
    h1 = find(client.get("/en/").get_data(as_text=True), "h1")[0]
    assert h1.text.strip() == "Lernen am Kanal"
    assert h1.attrs["lang"] == "de"


def test_page_is_usable_without_javascript(client):
    """Content, navigation and the form are plain HTML: nothing needs a script to show."""
    html = client.get("/de/barrierefreiheit").get_data(as_text=True)
    form = find(html, "form")[0]
    assert form.attrs["method"] == "post"
    assert find(html, "textarea", name="message")
    assert find(html, "label", for_="fb-message")


def test_conditional_request_variants(client):
    """Weak, listed and starred If-None-Match all give 304; a stale ETag and HEAD behave."""
    etag = client.get("/de/").headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    for header in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        assert client.get("/de/", headers={"If-None-Match": header}).status_code == 304, header
    assert client.get("/de/", headers={"If-None-Match": '"stale"'}).status_code == 200
    head = client.head("/de/")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag
