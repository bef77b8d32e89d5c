"""What pages publish aloud, through the app: set-up, segments, sections, voices, speech catalogs, domain errors."""
from __future__ import annotations

import errno

import pytest

from service import create_app
from service.audio.publish import (
    AudioNotPublished,
    AudioUnavailable,
    audio_urls,
    ensure_entry,
    page_segments,
    player_context,
)
from service.catalogs import compile_po
from service.core import files
from service.localized import localize_page

from .audio_support import DownBackend, FailingBackend


def test_app_cache_uses_the_app_locks(app):
    """The app's audio cache takes its locks from app.extensions["locks"]."""
    assert app.extensions["audio_cache"].locks is app.extensions["locks"]


def test_app_refuses_a_non_standard_bitrate(app_config):
    """AUDIO_BITRATE is used as configured; a value lame would round is a clear error at start."""
    assert create_app({**app_config, "AUDIO_BITRATE": 64}).extensions["audio_cache"].bitrate == 64
    with pytest.raises(ValueError, match="AUDIO_BITRATE"):
        create_app({**app_config, "AUDIO_BITRATE": 50})


def test_a_section_is_its_heading_and_what_follows(app):
    """s + a heading's number covers the blocks up to the next heading of its level; b + a number is one block."""
    with app.test_request_context("/"):
        page = [s.block for s in page_segments("de", "werkstatt", "page")]
        assert page == ["b1", "b2", "b3", "b4", "b5", "b6"]
        assert [s.block for s in page_segments("de", "werkstatt", "s4")] == ["b4", "b5", "b6"]
        assert [s.block for s in page_segments("de", "werkstatt", "b4")] == ["b4"]
        assert [s.block for s in page_segments("de", "werkstatt", "b2")] == ["b2"]
        with pytest.raises(AudioNotPublished):  # a paragraph starts no section
            page_segments("de", "werkstatt", "s2")


def test_unpublished_ids_are_domain_errors(app):
    """Unknown pages, blocks and malformed ids raise AudioNotPublished (the view makes them 404)."""
    with app.test_request_context("/"):
        for slug, audio_id in (("nosuchpage", "page"), ("werkstatt", "b999"), ("werkstatt", "x"),
                               ("werkstatt", "page.mp3"), ("x" * 81, "page")):
            with pytest.raises(AudioNotPublished):
                page_segments("de", slug, audio_id)


def test_every_block_is_spoken_with_its_own_language(app):
    """Each block gets the voice of the language it is shown in (a German fallback gets the German voice)."""
    tts = app.extensions["tts"]
    cache = app.extensions["audio_cache"]
    with app.test_request_context("/"):
        for locale in app.config["SHIPPED_LOCALES"]:
            voices = tts.voices(locale)
            for slug in app.extensions["content"].pages:
                segs = page_segments(locale, slug, "page")
                assert all(s.lang in (locale, "de") for s in segs)
                spec = cache.spec(tts.backend_for(locale), voices, segs, 1.0)
                assert [item["voice"] for item in spec["segments"]] == [voices[s.lang] for s in segs]


def test_speech_catalog_changes_what_is_spoken(app, translations_dir):
    """A speech-domain entry replaces the spoken text (not the shown one) and changes the hash."""
    with app.test_request_context("/"):
        before = page_segments("de", "index", "page")
        url_before = audio_urls("de", "index", "page")["mp3"]
        target = next(s for s in before if "neue Räume" in s.text)
        msgid = next(b.msgid for b in app.extensions["content"].pages["index"].blocks if b.id == target.block)
    po = translations_dir / "de" / "LC_MESSAGES" / "speech.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    escaped = msgid.replace('"', '\\"')
    spoken = escaped.replace("neue Räume", "neue Klassenräume")
    po.write_text(f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  f'#, python-format\nmsgid "{escaped}"\nmsgstr "{spoken}"\n', encoding="utf-8")
    compile_po(po)
    with app.test_request_context("/"):
        after = page_segments("de", "index", "page")
        url_after = audio_urls("de", "index", "page")["mp3"]
    changed = next(s for s in after if s.block == target.block)
    assert changed.text == target.text and changed.speech and "neue Klassenräume" in changed.speech
    assert "%(" not in changed.speech
    assert url_after != url_before


def test_engine_failure_is_audio_unavailable(app):
    """A failing engine raises AudioUnavailable (the view makes it 503) and caches nothing."""
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    with app.test_request_context("/"):
        with pytest.raises(AudioUnavailable, match="engine crashed"):
            ensure_entry("de", "werkstatt", "b4")
    assert app.extensions["audio_cache"].files() == []


def test_disk_failure_is_audio_unavailable(app, monkeypatch):
    """A full disk while writing raises AudioUnavailable and leaves no entry."""
    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full)
    with app.test_request_context("/"):
        with pytest.raises(AudioUnavailable, match="No space left"):
            ensure_entry("de", "werkstatt", "b4")
    assert app.extensions["audio_cache"].files() == []


def test_player_context(app):
    """The player gets the page's and each h2 section's URLs, or only "unavailable" when the engine is down."""
    content = app.extensions["content"]
    with app.test_request_context("/"):
        lp = localize_page(content.pages["werkstatt"], "de")
        ctx = player_context(lp)
        assert ctx["available"] is True and set(ctx["page"]) == {"mp3", "json", "vtt"}
        assert list(ctx["sections"]) == ["b4"]
        assert ctx["sections"]["b4"] == {"first": "b4", "last": "b6", "urls": audio_urls("de", "werkstatt", "s4")}
        # the playlist: one chunk per spoken block, each with its own content-hashed MP3 and timings
        assert [c["block"] for c in ctx["chunks"]] == ["b1", "b2", "b3", "b4", "b5", "b6"]
        assert ctx["chunks"][1]["mp3"] == audio_urls("de", "werkstatt", "b2")["mp3"]
        assert len({c["mp3"] for c in ctx["chunks"]}) == 6
        app.extensions["tts"].backends["espeak"] = DownBackend()
        assert player_context(lp) == {"available": False}
