"""The read-aloud player in real Chromium, as listeners use it: keyboard, timeline, docked bar, settings, RTL."""

from __future__ import annotations

import json
import re

import pytest
from test_keyboard import focused, tab_until  # tests/browser is on sys.path (rootdir conftest)

pytestmark = pytest.mark.browser

#: The player's state as a listener and a screen reader meet it.
PLAYER_JS = """
() => {
  const a = document.querySelector('.player-audio');
  const h = window.CSS && CSS.highlights ? CSS.highlights.get('tts-word') : null;
  const r = h && h.size ? [...h][0] : null;
  const block = r ? r.startContainer.parentElement.closest('[data-block]') : null;
  const s = document.querySelector('.player-slider');
  const data = JSON.parse(document.querySelector('.player-data').textContent);
  const chunk = data.chunks.findIndex(c => a.src && a.src.endsWith(c.mp3));
  return {local: a.currentTime, paused: a.paused, rate: a.playbackRate, volume: a.volume,
          chunk, chunkBlock: chunk >= 0 ? data.chunks[chunk].block : null, chunks: data.chunks.length,
          word: r ? r.toString() : null, block: block ? block.id : null,
          label: document.querySelector('.player-play-label').textContent.trim(),
          speed: document.querySelector('select[data-action=speed]').value,
          now: Number(s.getAttribute('aria-valuenow')), max: Number(s.getAttribute('aria-valuemax')),
          valuetext: s.getAttribute('aria-valuetext'),
          status: document.querySelector('.player-status').textContent,
          download: document.querySelector('.player-download').textContent.trim(),
          downloadHref: document.querySelector('.player-download').getAttribute('href'),
          docked: document.querySelector('.player-dock').classList.contains('is-docked')};
}
"""


def player(page) -> dict:
    """The read-aloud player's state now."""
    return page.evaluate(PLAYER_JS)


def strings(page) -> dict:
    """The player's translated strings, as the page carries them."""
    return page.evaluate("JSON.parse(document.querySelector('.player-data').textContent).strings")


def wait_playing(page, timeout: int = 30_000) -> None:
    """Wait until audio really plays (time advances)."""
    page.wait_for_function(
        "(() => { const a = document.querySelector('.player-audio');"
        " return !a.paused && a.currentTime > 0.2; })()",
        timeout=timeout,
    )


def start_by_keyboard(page) -> None:
    """Tab to the player's play button, press Enter, and wait until the audio really plays."""
    tab_until(page, ".player-play")
    page.keyboard.press("Enter")
    wait_playing(page)


def watch_words(page, seconds: float = 3.0) -> list[dict]:
    """Sample the highlighted word while audio plays."""
    samples = []
    deadline = page.evaluate("performance.now()") + seconds * 1000
    while page.evaluate("performance.now()") < deadline:
        samples.append(player(page))
        page.wait_for_timeout(150)
    return samples


def in_view_and_uncovered(page, selector: str = ":focus") -> dict:
    """Whether an element is inside the window and the topmost thing at its centre (not under the bar)."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 10);
        const top = document.elementFromPoint(x, y);
        return {inView: r.top >= 0 && r.bottom <= innerHeight, top: !!top && (top === el || el.contains(top)),
                rect: [r.top, r.bottom], vh: innerHeight}; }""",
        selector,
    )


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_read_aloud_by_keyboard(live_service, page, locale):
    """Play, highlight, pause, speed, the timeline slider, next paragraph (announced), resume, stop -> Play."""
    page.goto(f"{live_service.origin}/{locale}/talentschulen")
    s = strings(page)
    start_by_keyboard(page)
    assert player(page)["label"] == s["pause"]

    # The highlighted word moves on with the audio, inside the paragraph being read.
    samples = [x for x in watch_words(page, 2.5) if x["word"]]
    assert len({x["word"] for x in samples}) >= 3, [(x["local"], x["word"]) for x in samples]
    assert all(x["block"] == x["chunkBlock"] for x in samples), samples

    # Pause with the same button: time stands still, the button offers to resume.
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    paused = player(page)
    page.wait_for_timeout(400)
    assert player(page)["local"] == paused["local"] and player(page)["label"] == s["resume"]

    # The timeline: an ARIA slider; arrows 5 s (mirrored in right-to-left), Page keys 30 s, Home and End.
    tab_until(page, ".player-slider")
    state = focused(page)
    assert state["visible"], state
    before = player(page)["now"]
    forward, back = ("ArrowLeft", "ArrowRight") if locale == "ar" else ("ArrowRight", "ArrowLeft")
    page.keyboard.press(forward)
    page.wait_for_function("Number(document.querySelector('.player-slider').getAttribute('aria-valuenow'))"
                           f" >= {before + 4}")
    assert abs(player(page)["now"] - (before + 5)) <= 1
    page.keyboard.press("PageUp")
    page.wait_for_function("Number(document.querySelector('.player-slider').getAttribute('aria-valuenow'))"
                           f" >= {before + 34}")
    assert abs(player(page)["now"] - (before + 35)) <= 1
    page.keyboard.press(back)
    page.wait_for_function("Number(document.querySelector('.player-slider').getAttribute('aria-valuenow'))"
                           f" <= {before + 31}")
    page.keyboard.press("Home")
    page.wait_for_function("document.querySelector('.player-slider').getAttribute('aria-valuenow') === '0'")
    state = player(page)
    assert state["chunk"] == 0 and state["valuetext"].startswith("0:00")
    assert re.fullmatch(r"0:00 \S+ \d+:\d\d", state["valuetext"]), state["valuetext"]
    page.keyboard.press("End")
    page.wait_for_function("(() => { const s = document.querySelector('.player-slider');"
                           " return Number(s.getAttribute('aria-valuenow'))"
                           " >= Number(s.getAttribute('aria-valuemax')) - 1; })()")
    assert player(page)["chunk"] == player(page)["chunks"] - 1
    page.keyboard.press("Home")
    page.wait_for_function("document.querySelector('.player-slider').getAttribute('aria-valuenow') === '0'")

    # Speed with the select and the player's own + and - keys.
    tab_until(page, "select[data-action=speed]")
    page.keyboard.press("ArrowDown")
    assert player(page)["speed"] == "1.25" and player(page)["rate"] == 1.25
    page.keyboard.press("+")
    assert player(page)["rate"] == 1.5
    page.keyboard.press("-")
    assert player(page)["rate"] == 1.25

    # Next paragraph: its button by Shift+Tab, Enter; the jump is announced politely.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.dataset.action") == "next":
            break
    assert page.evaluate("document.activeElement.dataset.action") == "next"
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.player-status').textContent.length > 0")
    state = player(page)
    assert state["chunk"] == 1
    expected = s["paragraph"].replace("{n}", "2").replace("{total}", str(state["chunks"]))
    page.wait_for_function(f"document.querySelector('.player-status').textContent === {json.dumps(expected)}")
    assert page.evaluate("document.querySelector('.player-status').getAttribute('aria-live')") == "polite"

    # K resumes at the chosen speed, in the new paragraph.
    page.keyboard.press("k")
    wait_playing(page)
    samples = [x for x in watch_words(page, 1.5) if x["word"]]
    assert samples and player(page)["rate"] == 1.25 and samples[-1]["block"] == samples[-1]["chunkBlock"]

    # S stops: back to the start, nothing highlighted, and the focus lands on Play (Stop disabled itself).
    page.keyboard.press("s")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    state = player(page)
    assert state["word"] is None and state["label"] == s["listen"] and state["now"] == 0
    assert page.evaluate("document.activeElement.classList.contains('player-play')"), focused(page)
    assert focused(page)["visible"]
    # The shortcuts still work from there.
    page.keyboard.press("k")
    wait_playing(page)
    page.keyboard.press("s")
    page.wait_for_function("document.querySelector('.player-audio').paused")
    assert page.evaluate("document.activeElement.classList.contains('player-play')")


def test_cold_page_plays_after_its_first_chunk(live_service, page):
    """On a page never played before, sound starts after the first block's chunk: nothing else was asked for."""
    page.goto(f"{live_service.origin}/pl/schulmodernisierung")
    page.evaluate("""() => { window.__audioAtStart = null;
      document.querySelector('.player-audio').addEventListener('playing', () => {
        if (window.__audioAtStart === null) {
          window.__audioAtStart = performance.getEntriesByType('resource').map(e => e.name)
            .filter(n => n.includes('/audio/'));
        }
      }); }""")
    page.click(".player-play")
    wait_playing(page)
    requested = page.evaluate("window.__audioAtStart")
    data = page.evaluate("JSON.parse(document.querySelector('.player-data').textContent)")
    first = data["chunks"][0]
    assert len(data["chunks"]) >= 4
    assert {r.removeprefix(live_service.origin) for r in requested} <= {first["mp3"], first["json"]}, requested
    assert not any("/page-" in r for r in requested)
    # Afterwards the following chunks are prepared one by one, before they are reached.
    page.wait_for_function(
        f"performance.getEntriesByType('resource').some(e => e.name.endsWith({json.dumps(data['chunks'][1]['json'])}))")


@pytest.mark.parametrize("locale", ["ar", "uk"])
def test_highlight_follows_audio_in_other_scripts(live_service, page, locale):
    """Arabic (RTL) and Ukrainian: the word highlight moves on with the audio, in the paragraph being read."""
    page.goto(f"{live_service.origin}/{locale}/talentschulen")
    start_by_keyboard(page)
    page.keyboard.press("l")  # the first paragraph after the heading: long enough to watch
    for _ in range(100):  # made cold: with RHVoice (uk) on busy cores that takes seconds, not milliseconds
        if player(page)["word"]:
            break
        page.wait_for_timeout(200)
    samples = [x for x in watch_words(page, 2.5) if x["word"]]
    assert len({x["word"] for x in samples}) >= 3, [(x["local"], x["word"]) for x in samples]
    for x in samples:
        assert x["block"] == x["chunkBlock"]
        assert x["word"] in page.evaluate(f"document.getElementById({x['block']!r}).textContent")
    page.keyboard.press("s")


def block_action(page, block: str, action: str) -> None:
    """Open a block's actions by keyboard (its ⋯ button, Enter) and choose one (Tab to it, Enter)."""
    page.evaluate(f"document.getElementById({block!r}).parentElement.querySelector('#{block} .block-actions, "
                  f"#{block} + .block-listen .block-actions').focus()")
    page.keyboard.press("Enter")
    for _ in range(4):
        if page.evaluate("s => document.activeElement.matches(s)", action):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("s => document.activeElement.matches(s)", action), action
    page.keyboard.press("Enter")


def test_download_follows_what_is_playing(live_service, page):
    """Section -> the section's MP3, labelled as a section; reading from a block -> the whole page again."""
    page.goto(f"{live_service.origin}/de/talentschulen")
    s = strings(page)
    data = page.evaluate("JSON.parse(document.querySelector('.player-data').textContent)")
    assert player(page)["download"] == s["download_page"]
    section_block, section = next(iter(data["sections"].items()))
    block_action(page, section_block, ".section-listen")
    wait_playing(page)
    state = player(page)
    assert state["download"] == s["download_section"]
    assert state["downloadHref"] == section["urls"]["mp3"] + "?download=1"
    assert focused(page)["cls"].startswith("player-play")
    assert state["max"] < sum(c["chars"] for c in data["chunks"]) * 0.068  # the timeline spans the section only
    block_action(page, data["chunks"][2]["block"], ".read-here")
    wait_playing(page)
    state = player(page)
    assert state["download"] == s["download_page"] and state["downloadHref"] == data["page"]["mp3"] + "?download=1"
    assert page.request.get(state["downloadHref"]).headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_read_from_here_on_every_block(live_service, page, locale):
    """Every spoken block but the title has one keyboard-reachable actions button; 'read from here' starts there."""
    page.goto(f"{live_service.origin}/{locale}/")
    data = page.evaluate("JSON.parse(document.querySelector('.player-data').textContent)")
    toggles = page.locator(".block-actions")
    assert toggles.count() == len(data["chunks"]) - 1
    assert toggles.nth(2).get_attribute("aria-label") == strings(page)["actions"]  # short: not the paragraph again
    block_action(page, data["chunks"][3]["block"], ".read-here")
    wait_playing(page)
    state = player(page)
    assert state["chunk"] == 3 and state["chunkBlock"] == data["chunks"][3]["block"]
    total = str(len(data["chunks"]))
    assert state["status"] == strings(page)["paragraph"].replace("{n}", "4").replace("{total}", total)
    assert page.evaluate("document.activeElement.classList.contains('player-play')")  # the menu closed: focus kept


def test_listen_to_selection(live_service, page):
    """Selecting words shows a button that reads from the block holding the selection, at its sentence."""
    page.goto(f"{live_service.origin}/de/")
    data = page.evaluate("JSON.parse(document.querySelector('.player-data').textContent)")
    target = data["chunks"][4]["block"]
    box = page.locator(f"#{target}").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 8)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + box["height"] - 8)
    page.mouse.up()
    button = page.locator(".player-selection")
    button.wait_for(state="visible")
    assert button.text_content() == strings(page)["selection"]
    where = in_view_and_uncovered(page, ".player-selection")
    box = "document.querySelector('.player-selection').getBoundingClientRect().toJSON()"
    assert where["top"], (where, page.evaluate(box))
    button.click()
    wait_playing(page)
    state = player(page)
    assert state["chunkBlock"] == target
    assert state["local"] > 1.0, "reading starts at the selected sentence (the last one of the block), not its start"
    assert page.evaluate("document.getSelection().toString()"), "the selection is kept"


def test_settings_are_kept_only_after_a_change(live_service, context):
    """Nothing is stored while listening; a changed speed, volume or highlighting is remembered on this device."""
    page = context.new_page()
    page.goto(f"{live_service.origin}/de/talentschulen")
    start_by_keyboard(page)
    page.keyboard.press("s")
    assert page.evaluate("localStorage.length") == 0
    # Volume by keyboard on its native slider, highlighting by Space on its checkbox, speed by the select.
    tab_until(page, "input[data-action=volume]")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert abs(player(page)["volume"] - 0.9) < 0.001
    tab_until(page, "input[data-action=highlight]")
    page.keyboard.press("Space")
    off = json.dumps(strings(page)["highlight_off"])
    page.wait_for_function(f"document.querySelector('.player-status').textContent === {off}")
    page.select_option("select[data-action=speed]", "1.5")
    saved = json.loads(page.evaluate("localStorage.getItem('herne-read-aloud')"))
    assert saved == {"speed": "1.5", "volume": 90, "highlight": False, "style": "yellow", "size": "100",
                     "spacing": "normal", "font": "site", "ruler": False, "textmode": False}
    assert page.evaluate("localStorage.length") == 1 and context.cookies() == []
    # Highlighting off: audio plays, nothing is marked.
    page.reload()
    assert player(page)["speed"] == "1.5" and abs(player(page)["volume"] - 0.9) < 0.001
    assert page.evaluate("document.querySelector('input[data-action=highlight]').checked") is False
    start_by_keyboard(page)
    assert player(page)["rate"] == 1.5
    page.wait_for_timeout(1200)
    assert player(page)["word"] is None and page.evaluate("CSS.highlights.size") == 0


def test_docked_player_stays_in_view_without_covering_focus(live_service, page):
    """While reading, the player docks at the bottom; Tab never hides the focus under it and leaves it freely."""
    page.set_viewport_size({"width": 1024, "height": 600})
    page.goto(f"{live_service.origin}/de/")
    start_by_keyboard(page)
    # Keyboard journey down the page: L jumps ahead, auto-scroll follows; the focused Play stays on screen.
    page.keyboard.press("l")
    page.keyboard.press("l")
    page.keyboard.press("l")
    page.wait_for_function("document.querySelector('.player-dock').classList.contains('is-docked')")
    page.wait_for_timeout(800)  # smooth scrolling settles
    state = in_view_and_uncovered(page)
    assert state["inView"] and state["top"], f"the focused player left the screen: {state}"
    # Tab on through the page: every focused element is in view and not under the docked bar; no trap.
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate("document.activeElement === document.body ? null"
                             " : document.activeElement.outerHTML.slice(0, 60)")
        if info is None:
            break
        if not page.evaluate("!!document.activeElement.closest('.player-controls')"):
            page.wait_for_timeout(50)
            state = in_view_and_uncovered(page)
            assert state["inView"] and state["top"], f"{info} hidden: {state}"
        seen.append(info)
    assert len(seen) > 10
    page.keyboard.press("s")


@pytest.mark.parametrize("locale,mirrored", [("de", False), ("ar", True)])
def test_icons_mirror_in_right_to_left(live_service, page, locale, mirrored):
    """Play, previous and next point the reading direction: mirrored in Arabic, not in German; stop never."""
    page.goto(f"{live_service.origin}/{locale}/")
    transforms = page.evaluate(
        "['.icon-play', '.icon-prev', '.icon-next', '.icon-stop']"
        ".map(s => getComputedStyle(document.querySelector(s)).transform)")
    flipped = "matrix(-1, 0, 0, 1, 0, 0)"
    assert transforms[:3] == ([flipped] * 3 if mirrored else ["none"] * 3)
    assert transforms[3] == "none"


def highlight_colours(page) -> tuple[tuple, tuple]:
    """The background of the highlighted word and of another word of the same sentence, from a screenshot."""
    from io import BytesIO

    import numpy as np
    from PIL import Image

    rects = page.evaluate("""() => {
      const w = [...CSS.highlights.get('tts-word')][0].getBoundingClientRect();
      const parts = [...[...CSS.highlights.get('tts-sentence')][0].getClientRects()].filter(r => r.width > 50);
      // a stretch of the sentence away from the word: the end of its last line, else the start of its first
      const last = parts[parts.length - 1], first = parts[0];
      const clear = r => r.top > w.bottom - 2 || r.bottom < w.top + 2 || r.right - 45 > w.right || r.left + 45 < w.left;
      const o = clear(last) && (last.top !== w.top || last.right - 45 > w.right)
        ? [last.right - 44, last.top, 40, last.height] : [first.left + 2, first.top, 40, first.height];
      return {w: [w.left, w.top, w.width, w.height], s: o}; }""")
    image = np.asarray(Image.open(BytesIO(page.screenshot())).convert("RGB"))

    def dominant(x, y, w, h) -> tuple:
        patch = image[int(y) + 2:int(y + h) - 2, int(x) + 1:int(x + min(w, 60)) - 1].reshape(-1, 3)
        values, counts = np.unique(patch, axis=0, return_counts=True)
        return tuple(int(v) for v in values[counts.argmax()])

    return dominant(*rects["w"]), dominant(*rects["s"])


@pytest.mark.parametrize("media", [{"forced_colors": "active"}, {"color_scheme": "dark"}, {}],
                         ids=["forced-colors", "dark", "light"])
def test_word_and_sentence_highlights_stay_apart(live_service, page, media):
    """In forced colours, dark and light mode the word's background differs from the sentence's (not only a line)."""
    if media:
        page.emulate_media(**media)
    page.goto(f"{live_service.origin}/de/")
    page.click(".player-play")
    wait_playing(page)
    page.wait_for_function("CSS.highlights.get('tts-word') && CSS.highlights.get('tts-sentence')")
    page.evaluate("document.querySelector('.player-audio').pause()")
    page.wait_for_timeout(200)
    word, sentence = highlight_colours(page)
    assert word != sentence, f"{media}: word {word} and sentence {sentence} look the same"


def test_page_polish(live_service, page):
    """player.css in <head>, a translated description per page, /favicon.ico, compressed text, never MP3."""
    descriptions = {}
    for locale in ("de", "ar"):
        for slug in ("", "talentschulen", "datenschutz"):
            response = page.goto(f"{live_service.origin}/{locale}/{slug}")
            assert response.headers.get("content-encoding") in ("br", "gzip"), response.headers
            assert page.locator("head link[rel=stylesheet][href*='player.css']").count() == 1
            assert page.locator("body link").count() == 0
            descriptions[(locale, slug)] = page.locator("head meta[name=description]").get_attribute("content")
    assert all(d and len(d) > 40 for d in descriptions.values())
    assert len(set(descriptions.values())) == len(descriptions)  # per page and per locale
    assert not re.search("[A-Za-zäöü]{4}", descriptions[("ar", "datenschutz")].replace("localStorage", ""))
    icon = page.request.get(f"{live_service.origin}/favicon.ico", max_redirects=0)
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
    page.goto(f"{live_service.origin}/de/talentschulen")
    data = page.evaluate("JSON.parse(document.querySelector('.player-data').textContent)")
    longest = max(data["chunks"], key=lambda c: c["chars"])  # below 500 bytes nothing is compressed
    encodings = page.evaluate("""async urls => { const out = {};
      for (const u of urls) {
        const r = await fetch(u); await r.arrayBuffer(); out[u] = r.headers.get('content-encoding');
      }
      return out; }""", ["/static/player.js", "/static/site.css", longest["json"], data["page"]["vtt"],
                         longest["mp3"]])
    for url, encoding in encodings.items():
        if url.endswith(".mp3"):
            assert encoding is None, url
        else:
            assert encoding in ("br", "gzip"), (url, encoding)
