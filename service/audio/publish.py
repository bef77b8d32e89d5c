"""What a page publishes aloud: the segments of a page or section, their content-hashed URLs, their audio."""
from __future__ import annotations

import logging
import re

from flask import current_app, url_for

from .. import notices
from ..content import get_content
from ..i18n import format_value, get_i18n
from ..localized import LocalizedPage, localize_page, render_inline
from ..tts import get_tts
from ..tts.base import Backend, BackendError
from .cache import AudioCache, CachedAudio, canonical_key
from .render import Segment

log = logging.getLogger(__name__)

#: The audio ids a page publishes: the whole page, or one block (a heading stands for its section).
AUDIO_ID_RE = re.compile(r"^(?:page|b[0-9]{1,4})$")
#: The files of one audio id, by extension.
MIMETYPES = {"mp3": "audio/mpeg", "json": "application/json", "vtt": "text/vtt; charset=utf-8"}
#: Longest page slug looked at.
MAX_SLUG = 80
#: Memoized segment lists kept at most (the memo is cleared beyond this).
MEMO_SIZE = 2048


class AudioNotPublished(LookupError):
    """No such page, section or block: nothing is spoken that the site does not publish."""


class AudioUnavailable(RuntimeError):
    """The audio of a published id cannot be made now (engine failure, cache not writable)."""


def page_segments(locale: str, slug: str, audio_id: str) -> list[Segment]:
    """The segments of a published page, a section (from an h2/h3) or one block; AudioNotPublished otherwise."""
    if not AUDIO_ID_RE.match(audio_id) or len(slug) > MAX_SLUG:
        raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
    # Memoized per catalog revision, like the page cache: the same page shows the same URLs.
    memo = current_app.extensions.setdefault("audio_segments", {})
    key = (locale, slug, audio_id, get_i18n().revision(locale))
    if key not in memo:
        if len(memo) > MEMO_SIZE:
            memo.clear()
        memo[key] = _page_segments(locale, slug, audio_id)
    return memo[key]


def _page_segments(locale: str, slug: str, audio_id: str) -> list[Segment]:
    """Compute the segments of a published audio id (see page_segments)."""
    page = get_content().pages.get(slug)
    if page is None:
        raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
    blocks = list(localize_page(page, locale).blocks)
    if audio_id != "page":
        index = next((i for i, b in enumerate(blocks) if b.id == audio_id), None)
        if index is None:
            raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
        first = blocks[index]
        chosen = [first]
        if first.tag in ("h2", "h3"):  # a section: the heading and everything up to the next such heading
            for b in blocks[index + 1:]:
                if b.tag in ("h1", "h2") or (b.tag == "h3" and first.tag == "h3"):
                    break
                chosen.append(b)
        blocks = chosen
    i18n = get_i18n()
    segments = []
    for b in blocks:
        speech = i18n.speech(b.msgid, b.lang) if b.msgid else None
        if speech:
            values = {k: format_value(v, b.lang) for k, v in page.values.items()}
            speech = render_inline(speech, values)[0]
        segments.append(Segment(b.id, b.lang, b.text, speech))
    if audio_id == "page":  # live notices are read with the page, right after its title (as shown)
        at = next((i + 1 for i, b in enumerate(blocks) if b.tag == "h1"), 0)
        segments[at:at] = [Segment(*parts) for parts in notices.spoken(locale)]
    return segments


def _audio_parts(locale: str) -> tuple[AudioCache, Backend, dict[str, str], float]:
    """The cache, backend, voices and speed that serve a locale."""
    tts = get_tts()
    return current_app.extensions["audio_cache"], tts.backend_for(locale), tts.voices(locale), tts.speed


def audio_key(locale: str, segments: list[Segment]) -> str:
    """The content hash that names the audio of these segments in this locale."""
    cache, backend, voices, speed = _audio_parts(locale)
    return canonical_key(cache.spec(backend, voices, segments, speed))


def audio_urls(locale: str, slug: str, audio_id: str) -> dict[str, str]:
    """Content-hashed URLs of the MP3, timings and WebVTT of one published audio id."""
    key = audio_key(locale, page_segments(locale, slug, audio_id))
    return {
        ext: url_for("audio.serve", locale=locale, slug=slug, name=f"{audio_id}-{key}.{ext}")
        for ext in MIMETYPES
    }


def ensure_entry(locale: str, slug: str, audio_id: str) -> CachedAudio:
    """Find or build the audio of a published id; engine or disk failures become AudioUnavailable."""
    segments = page_segments(locale, slug, audio_id)
    cache, backend, voices, speed = _audio_parts(locale)
    try:
        return cache.get_or_create(locale, backend, voices, segments, speed)
    except BackendError as exc:
        log.warning("speech synthesis failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise AudioUnavailable(str(exc)) from exc
    except OSError as exc:  # full disk, read-only cache: a clear error, nothing half-written stays
        log.error("audio cache write failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise AudioUnavailable(str(exc)) from exc


def player_context(lp: LocalizedPage) -> dict:
    """What the player partial needs for a localized page: availability, URLs, section URLs."""
    locale, slug = lp.locale, lp.page.slug
    if not get_tts().available(locale):
        return {"available": False}
    try:
        page = audio_urls(locale, slug, "page")
        sections = {b.id: audio_urls(locale, slug, b.id) for b in lp.blocks if b.tag == "h2"}
    except Exception:  # the page must render even when audio cannot be described
        log.exception("audio URLs for %s/%s failed", locale, slug)
        return {"available": False}
    return {"available": True, "page": page, "sections": sections}
