"""Dated notices: shown, cached and read aloud only inside their Europe/Berlin window, with the clock moved by hand."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from service import create_app
from service.audio.publish import page_segments
from service.config import SHIPPED_LOCALES
from service.content import parse_page

from .clock_support import MovableClock, utc
from .html import find, parse
from .site_support import FIXTURE_CONTENT

#: The fixture's year-end notice (tests/fixtures/site/content/_notice-winterpause.md): 14 Dec 2026 00:00 to
#: 2 Jan 2027 00:00, Berlin time (UTC+1 in winter).
OPENS = utc(2026, 12, 13, 23, 0, 0)
CLOSES = utc(2027, 1, 1, 23, 0, 0)
SECOND = """---
slug: notice-wartung
kind: notice
show_from: 2026-12-20 08:00
show_until: 2026-12-20 18:00
---
## Wartung am 20. Dezember 2026

Heute zwischen 8 und 18 Uhr kann das Vorlesen kurz ausfallen.
"""


@pytest.fixture
def clock() -> MovableClock:
    """A clock before the fixture notice's window."""
    return MovableClock(utc(2026, 11, 30, 12))


@pytest.fixture
def notice_app(app_config, clock):
    """The real app on the fixture pages, reading the movable clock."""
    return create_app({**app_config, "CLOCK": clock})


def notice_texts(html: str) -> list[str]:
    """The text of every notice on a page."""
    return [" ".join(e.text.split()) for e in find(html, "div", class_="service-notice")]


def test_notice_appears_and_disappears_at_its_times_without_restart(notice_app, clock):
    """One app, one page cache: hidden a second before the window, shown at its first second, gone at its end."""
    client = notice_app.test_client()
    before = client.get("/de/werkstatt")
    assert notice_texts(before.text) == []

    clock.set(OPENS.replace(second=0) - dt.timedelta(seconds=1))
    assert notice_texts(client.get("/de/werkstatt").text) == []
    clock.set(OPENS)
    shown = client.get("/de/werkstatt")
    assert shown.status_code == 200
    texts = notice_texts(shown.text)
    assert len(texts) == 1 and "24. Dezember 2026 bis einschließlich 1. Januar 2027" in texts[0]
    assert shown.headers["ETag"] != before.headers["ETag"]  # the cached page changed with the window
    # A client holding the old page is not told "304 Not Modified".
    assert client.get("/de/werkstatt", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200

    clock.set(CLOSES - dt.timedelta(seconds=1))
    assert len(notice_texts(client.get("/de/werkstatt").text)) == 1
    clock.set(CLOSES)
    after = client.get("/de/werkstatt")
    assert notice_texts(after.text) == []
    assert after.headers["ETag"] == before.headers["ETag"]


def test_notice_comes_after_the_h1_and_has_no_heading(notice_app, clock):
    """Heading order: the page's h1 is the first heading; the notice is a note labelled by text, after the h1."""
    clock.set(utc(2026, 12, 24, 9))
    html = notice_app.test_client().get("/de/").text
    elements = parse(html)
    headings = [e.tag for e in elements if e.tag in ("h1", "h2", "h3", "h4")]
    assert headings[0] == "h1" and headings.count("h1") == 1
    note = find(html, "div", class_="service-notice")[0]
    assert note.attrs["role"] == "note"
    label = find(html, id=note.attrs["aria-labelledby"])[0]
    assert label.tag == "strong" and label.text.strip() == "Hinweis"
    order = [e.tag for e in elements if e.tag == "h1" or "service-notice" in e.attrs.get("class", "")]
    assert order == ["h1", "div"]
    assert not any(p.tag == "h2" for p in find(html, "strong", id=note.attrs["aria-labelledby"])[0].parents)


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_notice_names_the_year_in_every_locale(notice_app, clock, locale):
    """Every locale's notice says which year-end it means, and is in that locale (no German fallback)."""
    clock.set(utc(2026, 12, 28, 9))
    html = notice_app.test_client().get(f"/{locale}/").text
    [text] = notice_texts(html)
    assert "2026" in text and "2027" in text
    german = [e for e in find(html, lang="de") if any("service-notice" in p.attrs.get("class", "") for p in e.parents)]
    assert not german


def test_notice_is_read_aloud_only_inside_its_window(notice_app, clock):
    """The page's audio speaks the notice right after the title while it is live; sections never hold it."""
    with notice_app.test_request_context():
        outside = page_segments("de", "werkstatt", "page")
        assert not any("Bürgerbüro" in s.text for s in outside)
        clock.set(utc(2026, 12, 27, 10))
        inside = page_segments("de", "werkstatt", "page")
        assert inside[0].text == "Beispiel: Offene Werkstatt"
        assert inside[1].block.startswith("notice-") and inside[1].text == "Hinweis"
        assert "24. Dezember 2026" in inside[2].text
        assert len(inside) == len(outside) + 2
        assert not any(s.block.startswith("notice-") for s in page_segments("de", "werkstatt", "b4"))
        clock.set(CLOSES)
        assert [s.text for s in page_segments("de", "werkstatt", "page")] == [s.text for s in outside]


def test_several_notices_at_once(app_config, tmp_path, clock):
    """Two notices whose windows overlap are both shown, in file order, each labelled; then one goes."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    (content / "_notice-wartung.md").write_text(SECOND, encoding="utf-8")
    client = create_app({**app_config, "CONTENT_DIR": str(content), "CLOCK": clock}).test_client()
    clock.set(utc(2026, 12, 20, 7, 30))  # 08:30 in Berlin
    texts = notice_texts(client.get("/de/").text)
    assert len(texts) == 2
    assert "Wartung am 20. Dezember 2026" in texts[0] and "24. Dezember 2026" in texts[1]  # _notice-wa… < _notice-wi…
    ids = [e.attrs["id"] for e in find(client.get("/de/").text, "div", class_="service-notice")]
    assert len(set(ids)) == 2
    clock.set(utc(2026, 12, 20, 17, 0))  # 18:00 in Berlin: the maintenance window has closed
    texts = notice_texts(client.get("/de/").text)
    assert len(texts) == 1 and "24. Dezember 2026" in texts[0]


def test_window_is_read_in_berlin_time():
    """A naive time means Europe/Berlin (summer and winter), an explicit offset is kept."""
    winter = parse_page("---\nkind: notice\nshow_from: 2026-12-24 00:00\nshow_until: 2026-12-25\n---\n## A\n\nB\n")
    assert winter.show_from == utc(2026, 12, 23, 23)
    assert winter.show_until == utc(2026, 12, 24, 23)
    summer = parse_page("---\nkind: notice\nshow_from: 2026-07-01 12:00\n---\n## A\n\nB\n")
    assert summer.show_from == utc(2026, 7, 1, 10) and summer.show_until is None
    assert summer.live(utc(2030, 1, 1)) and not summer.live(utc(2026, 7, 1, 9, 59))
    offset = parse_page("---\nkind: notice\nshow_from: 2026-07-01T12:00+00:00\n---\n## A\n\nB\n")
    assert offset.show_from == utc(2026, 7, 1, 12)


@pytest.mark.parametrize("front, message", [
    ("kind: notice\nshow_from: morgen", "show_from/show_until must look like"),
    ("kind: notice\nshow_from: 2026-12-24 00:00\nshow_until: 2026-12-24 00:00", "show_until must come after"),
    ("kind: page\nshow_from: 2026-12-24 00:00", "only notices have"),
])
def test_bad_windows_are_refused_with_the_file_name(front, message):
    """A window that cannot be read or is empty stops loading with a clear message."""
    with pytest.raises(ValueError, match=message) as info:
        parse_page(f"---\n{front}\n---\n# Titel\n\nText\n", "_notice-x.md")
    assert "_notice-x.md" in str(info.value)
