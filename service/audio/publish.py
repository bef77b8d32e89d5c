"""What a page publishes aloud: one MP3 chunk per block, pages and sections joined from them, content-hashed URLs."""
from __future__ import annotations

import json
import logging
import re

from flask import current_app, url_for

from .. import notices
from ..content import get_content
from ..core import offload
from ..i18n import get_i18n
from ..localized import LocalizedBlock, LocalizedPage, formatted_values, localize_page, render_inline
from ..tts import get_tts
from ..tts.base import Backend, BackendError
from .cache import AudioCache, CachedAudio, canonical_key
from .render import FORMAT_VERSION, Segment, join, speakable

log = logging.getLogger(__name__)

#: The audio ids a page publishes: the whole page, one block (b), a section from its heading (s), or the
#: n-th block of the live notices (n, read with the page right after its title).
AUDIO_ID_RE = re.compile(r"^(?:page|[bsn][0-9]{1,4})$")
#: The id of a block of the page itself (a notice's blocks have ids of their own).
PAGE_BLOCK_RE = re.compile(r"^b[0-9]{1,4}$")
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
    """The spoken blocks of a published page, a section (``s`` + its heading) or one block; else AudioNotPublished."""
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


def section_blocks(blocks: list[LocalizedBlock], index: int) -> list[LocalizedBlock]:
    """A heading and everything up to the next heading of its level or higher."""
    first = blocks[index]
    chosen = [first]
    for b in blocks[index + 1:]:
        if b.tag in ("h1", "h2") or (b.tag == "h3" and first.tag == "h3"):
            break
        chosen.append(b)
    return chosen


def _page_segments(locale: str, slug: str, audio_id: str) -> list[Segment]:
    """Compute the segments of a published audio id (see page_segments)."""
    page = get_content().pages.get(slug)
    if page is None:
        raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
    if audio_id[0] == "n":  # one block of the live notices
        spoken = _notice_segments(locale)
        index = int(audio_id[1:]) - 1
        if not 0 <= index < len(spoken):
            raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
        return [spoken[index]]
    blocks = list(localize_page(page, locale).blocks)
    if audio_id != "page":
        found = next((i for i, b in enumerate(blocks) if b.id == "b" + audio_id[1:]), None)
        if found is None or (audio_id[0] == "s" and blocks[found].tag not in ("h2", "h3")):
            raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
        blocks = section_blocks(blocks, found) if audio_id[0] == "s" else [blocks[found]]
    segments = [seg for seg in (_segment(b, page.values) for b in blocks) if seg is not None]
    if audio_id == "page":  # live notices are read with the page, right after its title (as shown)
        title = next((b.id for b in blocks if b.tag == "h1"), None)
        at = next((i + 1 for i, s in enumerate(segments) if s.block == title), 0)
        segments[at:at] = _notice_segments(locale)
    if not segments:
        raise AudioNotPublished(f"{locale}/{slug}/{audio_id}")
    return segments


def _segment(block: LocalizedBlock, values: dict[str, str]) -> Segment | None:
    """What one shown block speaks: its speech override (values filled) and its lexicon terms; None if silent."""
    i18n = get_i18n()
    speech = i18n.speech(block.msgid, block.lang) if block.msgid else None
    if speech:
        speech = render_inline(*formatted_values(speech, values, block.lang))[0]
    said = f"{block.text}\n{speech or ''}"
    terms = tuple(sorted((t, v) for t, v in i18n.lexicon(block.lang).items() if t in said))
    segment = Segment(block.id, block.lang, block.text, speech, terms)
    return segment if speakable(segment) else None


def _notice_segments(locale: str) -> list[Segment]:
    """The spoken blocks of the live notices (their block ids are the ids they have on the page)."""
    return [seg for notice in notices.localized(locale) for seg in (_segment(b, notice.values) for b in notice.blocks)
            if seg is not None]


def _audio_parts(locale: str) -> tuple[AudioCache, Backend, dict[str, str], float]:
    """The cache, backend, voices and speed that serve a locale."""
    tts = get_tts()
    return current_app.extensions["audio_cache"], tts.backend_for(locale), tts.voices(locale), tts.speed


def audio_key(locale: str, segments: list[Segment]) -> str:
    """The content hash that names the audio of these segments: a block's own, or that of its chunks joined."""
    cache, backend, voices, speed = _audio_parts(locale)
    keys = [canonical_key(cache.spec(backend, voices, [s], speed)) for s in segments]
    if len(keys) == 1:
        return keys[0]
    return canonical_key({"format": f"joined-v{FORMAT_VERSION}", "chunks": keys})


def audio_urls(locale: str, slug: str, audio_id: str) -> dict[str, str]:
    """Content-hashed URLs of the MP3, timings and WebVTT of one published audio id."""
    key = audio_key(locale, page_segments(locale, slug, audio_id))
    return {
        ext: url_for("audio.serve", locale=locale, slug=slug, name=f"{audio_id}-{key}.{ext}")
        for ext in MIMETYPES
    }


def _chunk(locale: str, segment: Segment) -> CachedAudio:
    """Find or synthesize the chunk of one block."""
    cache, backend, voices, speed = _audio_parts(locale)
    return cache.get_or_create(locale, backend, voices, [segment], speed)


def _joined(locale: str, segments: list[Segment]) -> tuple[bytes, dict, str]:
    """The chunks of these blocks (synthesized where missing) joined into one file."""
    return offload.run(_join_entries, [_chunk(locale, segment) for segment in segments])


def _join_entries(entries: list[CachedAudio]) -> tuple[bytes, dict, str]:
    """Read chunks and join them (parsing every MP3 frame: CPU work, run off the event loop)."""
    return join([(entry.mp3.read_bytes(), json.loads(entry.timings.read_bytes()), entry.vtt.read_text(encoding="utf-8"))
                 for entry in entries])


def build(locale: str, segments: list[Segment]) -> CachedAudio:
    """Find or make the audio of these segments: one block's chunk, or the chunks joined (a page, a section)."""
    if len(segments) == 1:
        return _chunk(locale, segments[0])
    cache = current_app.extensions["audio_cache"]
    with offload.bulk():  # a download: listeners' chunks go first (core/offload.py)
        return cache.get_or_build(locale, audio_key(locale, segments), lambda: _joined(locale, segments))


def ensure_entry(locale: str, slug: str, audio_id: str) -> CachedAudio:
    """Find or build the audio of a published id; engine or disk failures become AudioUnavailable."""
    segments = page_segments(locale, slug, audio_id)
    try:
        return build(locale, segments)
    except BackendError as exc:
        log.warning("speech synthesis failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise AudioUnavailable(str(exc)) from exc
    except OSError as exc:  # full disk, read-only cache: a clear error, nothing half-written stays
        log.error("audio cache write failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise AudioUnavailable(str(exc)) from exc


def chunk_ids(locale: str, slug: str) -> list[tuple[str, Segment]]:
    """The audio id of each chunk of a page's playlist, in reading order, with its segment.

    A page block's id is its audio id; the blocks of live notices (ids of their own) are n1, n2, ...
    """
    out = []
    notice_blocks = 0
    for segment in page_segments(locale, slug, "page"):
        if PAGE_BLOCK_RE.match(segment.block):
            out.append((segment.block, segment))
        else:
            notice_blocks += 1
            out.append((f"n{notice_blocks}", segment))
    return out


def known_lengths(locale: str, slug: str) -> dict[str, int]:
    """The length (ms) of each chunk of a page's playlist that is made already; nothing is synthesized here."""
    cache = current_app.extensions["audio_cache"]
    out: dict[str, int] = {}
    for _, segment in chunk_ids(locale, slug):
        entry = cache.lookup(locale, audio_key(locale, [segment]))
        if entry is None:
            continue
        try:
            out[segment.block] = round(json.loads(entry.timings.read_bytes())["duration"])
        except (OSError, ValueError, KeyError, TypeError):  # evicted meanwhile, or half-read: the player estimates
            continue
    return out


def player_context(lp: LocalizedPage) -> dict:
    """What the player needs: the page's file, its playlist of block chunks, and the sections."""
    locale, slug = lp.locale, lp.page.slug
    if not get_tts().available(locale):
        return {"available": False}
    try:
        page = audio_urls(locale, slug, "page")
        chunks = []
        for audio_id, segment in chunk_ids(locale, slug):
            urls = audio_urls(locale, slug, audio_id)
            chunks.append({"block": segment.block, "mp3": urls["mp3"], "json": urls["json"],
                           "chars": len(segment.speech or segment.text)})
        spoken = {c["block"] for c in chunks}
        blocks = list(lp.blocks)
        sections = {}
        for i, b in enumerate(blocks):
            if b.tag == "h2" and b.id in spoken:
                members = [m.id for m in section_blocks(blocks, i) if m.id in spoken]
                sections[b.id] = {"first": members[0], "last": members[-1],
                                  "urls": audio_urls(locale, slug, "s" + b.id[1:])}
    except Exception:  # the page must render even when audio cannot be described
        log.exception("audio URLs for %s/%s failed", locale, slug)
        return {"available": False}
    lengths = url_for("audio.lengths", locale=locale, slug=slug)
    return {"available": True, "page": page, "chunks": chunks, "sections": sections, "lengths": lengths}
