"""Warming: the first audio of a page asked for queues the rest of the page for one background thread."""
from __future__ import annotations

import os
import threading

from service import create_app
from service.audio import warm
from service.audio.publish import audio_key, audio_urls, ensure_entry, page_segments
from service.audio.warm import Warmer, playlist
from service.core import offload

SLUG = "werkstatt"  # six blocks (tests/fixtures/site/content)


def built_ids(app, locale: str = "de") -> set[str]:
    """The audio ids of the page whose files are in the cache."""
    cache = app.extensions["audio_cache"]
    keys = {entry.key for entry, _, _ in cache.files(locale)}
    with app.test_request_context("/"):
        ids = ["page", *playlist(locale, SLUG)]
        return {i for i in ids if audio_key(locale, page_segments(locale, SLUG, i)) in keys}


def test_first_section_warms_the_following_ones(app, client):
    """Asking for the second chunk builds it, then the chunks after it in the background, not the ones before."""
    with app.test_request_context("/"):
        ids = playlist("de", SLUG)
        url = audio_urls("de", SLUG, ids[1])["mp3"]
    assert len(ids) > 3 and all(i.startswith("b") for i in ids)
    assert client.get(url).status_code == 200
    warmer = app.extensions["audio_warm"]
    assert warmer.join(60)
    assert built_ids(app) == set(ids[1:])
    assert warmer.done == len(ids) - 2 and warmer.failed == 0
    assert warmer._thread is None  # the thread ends when there is nothing left


def test_whole_page_and_timings_warm_nothing(app, client):
    """The whole page holds every part: asking for it queues nothing; nor does asking for timings alone."""
    with app.test_request_context("/"):
        page = audio_urls("de", SLUG, "page")["mp3"]
        first_json = audio_urls("de", SLUG, playlist("de", SLUG)[0])["json"]
    assert client.get(page).status_code == 200 and client.get(first_json).status_code == 200
    assert app.extensions["audio_warm"].join(10)
    assert app.extensions["audio_warm"].done == 0


def test_disabled_warming_builds_only_what_is_asked(app_config, tmp_path):
    """With AUDIO_WARM off, only the requested file is built."""
    app = create_app({**app_config, "AUDIO_WARM": False})
    with app.test_request_context("/"):
        first = playlist("de", SLUG)[0]
        url = audio_urls("de", SLUG, first)["mp3"]
    assert app.test_client().get(url).status_code == 200
    assert app.extensions["audio_warm"].join(10) and built_ids(app) == {first}


def test_queue_is_bounded_and_one_low_priority_thread_works_it(app, monkeypatch):
    """Beyond the bound nothing is queued, duplicates are skipped, and one thread at low priority does the work."""
    seen: list[tuple[str, int]] = []
    started, gate = threading.Event(), threading.Event()

    def recording(locale: str, slug: str, audio_id: str):
        """Note the thread and its nice value, hold the first item at the gate, then build for real."""
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        started.set()
        gate.wait(30)
        return ensure_entry(locale, slug, audio_id)

    monkeypatch.setattr(warm, "ensure_entry", recording)
    warmer = Warmer(app, max_queue=2)
    with app.test_request_context("/"):
        ids = playlist("de", SLUG)
    assert warmer.submit("de", SLUG, ids[:4]) == 2  # room for two
    assert started.wait(30) and warmer.pending() == 1  # the first is being built
    assert warmer.submit("de", SLUG, [ids[1], ids[2], ids[2]]) == 1  # ids[1] waits already; ids[2] once
    assert warmer.submit("de", SLUG, [ids[3]]) == 0  # full
    gate.set()
    assert warmer.join(60)
    assert [name for name, _ in seen] == ["audio-warm"] * 3
    assert {nice for _, nice in seen} == {offload.NICENESS}
    assert warmer.done == 3 and built_ids(app) == set(ids[:3])
