"""The audio cache: MP3 files with word and sentence timings, synthesized once, served by hash."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .tts import text as speech_text
from .tts.base import Backend, BackendError, Event, Synthesis

log = logging.getLogger(__name__)

#: Bumped when the timings layout or the rendering changes: old entries are simply not found.
FORMAT_VERSION = 1
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
#: A killed writer's temporary file is left behind; prune removes those older than this.
STALE_TMP_SECONDS = 3600


@dataclass(frozen=True)
class Segment:
    """One block to speak: its id, language, the text shown and, optionally, the text to speak."""

    block: str
    lang: str
    text: str
    speech: str | None = None


@dataclass(frozen=True)
class Entry:
    """A complete cache entry: the MP3 and its timings as JSON and WebVTT."""

    locale: str
    key: str
    folder: Path

    @property
    def mp3(self) -> Path:
        """The audio file."""
        return self.folder / f"{self.key}.mp3"

    @property
    def timings(self) -> Path:
        """Word and sentence timings as JSON."""
        return self.folder / f"{self.key}.json"

    @property
    def vtt(self) -> Path:
        """Sentence cues as WebVTT."""
        return self.folder / f"{self.key}.vtt"


def canonical_key(spec: dict) -> str:
    """Hash a canonical JSON form of everything that changes the output."""
    blob = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def encode_mp3(pcm: bytes, sample_rate: int, bitrate: int = 48, quality: int = 5) -> bytes:
    """Encode 16-bit mono PCM as constant-bitrate mono MP3 in-process with lameenc."""
    import lameenc

    enc = lameenc.Encoder()
    enc.set_bit_rate(bitrate)
    enc.set_in_sample_rate(sample_rate)
    enc.set_out_sample_rate(sample_rate)
    enc.set_channels(1)
    enc.set_quality(quality)
    return bytes(enc.encode(pcm)) + bytes(enc.flush())


_MP3_BITRATES = {  # (MPEG-1, MPEG-2/2.5) layer III, kbit/s
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def mp3_info(data: bytes) -> dict:
    """Walk the MP3 frame headers: duration in ms, sample rate, highest bitrate, channel count."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size
    samples = 0
    rate = 0
    max_kbps = 0
    channels = 0
    frames = 0
    while pos + 4 <= len(data):
        h = int.from_bytes(data[pos:pos + 4], "big")
        if (h >> 21) & 0x7FF != 0x7FF:
            pos += 1
            continue
        version = (h >> 19) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        layer = (h >> 17) & 3
        br_i = (h >> 12) & 0xF
        sr_i = (h >> 10) & 3
        if version == 1 or layer != 1 or br_i in (0, 15) or sr_i == 3:
            pos += 1
            continue
        kbps = _MP3_BITRATES[1 if version == 3 else 2][br_i]
        rate = _MP3_RATES[version][sr_i]
        per_frame = 1152 if version == 3 else 576
        padding = (h >> 9) & 1
        length = (144 if version == 3 else 72) * kbps * 1000 // rate + padding
        channels = 1 if (h >> 6) & 3 == 3 else 2
        samples += per_frame
        max_kbps = max(max_kbps, kbps)
        frames += 1
        pos += length
    return {
        "duration_ms": samples / rate * 1000 if rate else 0.0,
        "sample_rate": rate,
        "max_kbps": max_kbps,
        "channels": channels,
        "frames": frames,
    }


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte to ``fd`` in chunks (a seam the crash test cuts)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:65536])
        view = view[written:]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: temporary file in the same folder, fsync, chmod 0644, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _write_all(fd, data)
        os.fsync(fd)
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; a web server of another user may serve it
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fmt_vtt(ms: float) -> str:
    """Milliseconds as a WebVTT timestamp."""
    ms = max(0, int(round(ms)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def render(
    backend: Backend,
    segments: list[Segment],
    voice_for: Callable[[str], str],
    speed: float = 1.0,
    terms_for: Callable[[str], dict[str, str]] | None = None,
    bitrate: int = 48,
    quality: int = 5,
    gap_ms: int = 400,
) -> tuple[bytes, dict, str]:
    """Synthesize every segment, join them with short pauses; return MP3, timings and WebVTT."""
    pcm_parts: list[bytes] = []
    mp3_parts: list[bytes] = []
    blocks: list[dict] = []
    words: list[dict] = []
    sentences: list[dict] = []
    cues: list[str] = []
    offset = 0.0
    sample_rate = 0
    for seg in segments:
        shown_starts = speech_text.word_starts(seg.text)
        if seg.speech:
            spoken = speech_text.clean(seg.speech, terms_for(seg.lang) if terms_for else None)
        else:
            spoken = speech_text.clean(seg.text, terms_for(seg.lang) if terms_for else None)
        if not spoken.text.strip():
            continue
        syn: Synthesis = backend.synthesize(spoken.text, voice_for(seg.lang), speed)
        if syn.pcm is not None:
            if sample_rate and syn.sample_rate != sample_rate:
                raise BackendError("segments differ in sample rate")
            sample_rate = syn.sample_rate
            if pcm_parts:
                gap = int(sample_rate * gap_ms / 1000)
                pcm_parts.append(b"\x00\x00" * gap)
                offset += gap / sample_rate * 1000
            pcm_parts.append(syn.pcm)
            duration = len(syn.pcm) / 2 / sample_rate * 1000
        elif syn.mp3 is not None:
            info = mp3_info(syn.mp3)
            sample_rate = info["sample_rate"] or syn.sample_rate
            mp3_parts.append(syn.mp3)
            duration = info["duration_ms"] or syn.duration_ms
        else:
            raise BackendError(f"{backend.name} returned no audio")
        spoken_starts = speech_text.word_starts(spoken.text)

        def shown_word(pos: int) -> int:
            """Map a character of the spoken text to the index of a word shown on the page."""
            pos = min(max(pos, 0), max(len(spoken.text) - 1, 0))
            if seg.speech:  # a translator's own wording: place proportionally
                n_spoken = max(len(spoken_starts), 1)
                return min(len(shown_starts) - 1, speech_text.word_index(spoken_starts, pos) * len(shown_starts) // n_spoken)
            return speech_text.word_index(shown_starts, spoken.source[pos] if spoken.source else 0)

        start = offset
        last_w = -1
        for ev in syn.words:
            w = shown_word(ev.text_start)
            t0, t1 = start + ev.start, start + min(ev.end, duration)
            if w == last_w and words:
                words[-1]["end"] = round(t1)  # number read as several engine words
                continue
            if words and words[-1]["block"] == seg.block and w < last_w:
                continue  # never step back: timings stay monotonic
            words.append({"block": seg.block, "w": w, "start": round(t0), "end": round(t1)})
            last_w = w
        sents = syn.sentences or [Event(0.0, duration, 0, len(spoken.text))]
        for ev in sents:
            w0 = shown_word(ev.text_start)
            w1 = shown_word(ev.text_start + max(ev.text_len, 1) - 1)
            t0, t1 = start + ev.start, start + min(ev.end, duration)
            sentences.append({"block": seg.block, "w0": w0, "w1": max(w0, w1), "start": round(t0), "end": round(t1)})
            if shown_starts:
                end_char = shown_starts[w1 + 1] if w1 + 1 < len(shown_starts) else len(seg.text)
                cue = seg.text[shown_starts[w0]:end_char].strip().replace("-->", "->")
                cues.append(f"{seg.block}-{len(cues) + 1}\n{_fmt_vtt(t0)} --> {_fmt_vtt(t1)}\n{cue}\n")
        offset = start + duration
        blocks.append({"id": seg.block, "lang": seg.lang, "start": round(start), "end": round(offset)})
    if not blocks:
        raise BackendError("nothing to speak")
    if pcm_parts:
        mp3 = encode_mp3(b"".join(pcm_parts), sample_rate, bitrate, quality)
    else:
        mp3 = b"".join(mp3_parts)
    timings = {
        "version": FORMAT_VERSION,
        "backend": backend.name,
        "duration": round(offset),
        "blocks": blocks,
        "sentences": sentences,
        "words": words,
    }
    vtt = "WEBVTT\n\n" + "\n".join(cues)
    return mp3, timings, vtt


class AudioCache:
    """MP3 files and their timings under ``root/<locale>/``, keyed by content hash, size-bounded."""

    def __init__(self, root: str | Path, max_bytes: int = 512 * 1024 * 1024, bitrate: int = 48, quality: int = 5):
        """Keep entries under ``root``; evict least recently used beyond ``max_bytes``."""
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.bitrate = bitrate
        self.quality = quality

    def spec(self, backend: Backend, voices: dict[str, str], segments: list[Segment], speed: float) -> dict:
        """The canonical description of one audio file."""
        return {
            "format": f"mp3-mono-{self.bitrate}k-q{self.quality}-v{FORMAT_VERSION}",
            "backend": backend.name,
            "engine": backend.version,
            "speed": round(float(speed), 3),
            "segments": [
                {"block": s.block, "voice": voices.get(s.lang, ""), "text": s.text, "speech": s.speech or ""}
                for s in segments
            ],
        }

    def folder(self, locale: str) -> Path:
        """The folder of one locale (validated: it becomes part of a path)."""
        if not LOCALE_RE.match(locale):
            raise ValueError(f"bad locale {locale!r}")
        return self.root / locale

    def lookup(self, locale: str, key: str) -> Entry | None:
        """Return the complete entry for ``key``, or None; a hit counts as a use for LRU."""
        if not KEY_RE.match(key):
            return None
        entry = Entry(locale, key, self.folder(locale))
        try:
            st = entry.mp3.stat()
        except FileNotFoundError:
            return None
        if time.time() - st.st_mtime > 600:  # LRU clock, touched at most every ten minutes
            with contextlib.suppress(OSError):
                os.utime(entry.mp3)
        return entry

    @contextlib.contextmanager
    def _lock(self, locale: str, key: str) -> Iterator[None]:
        """Hold an exclusive lock for one key, across threads and processes."""
        locks = self.folder(locale) / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        fd = os.open(locks / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def get_or_create(
        self,
        locale: str,
        backend: Backend,
        voices: dict[str, str],
        segments: list[Segment],
        speed: float = 1.0,
        terms_for: Callable[[str], dict[str, str]] | None = None,
        key: str | None = None,
    ) -> Entry:
        """Return the entry for these segments, synthesizing it once however many ask at a time."""
        key = key or canonical_key(self.spec(backend, voices, segments, speed))
        entry = self.lookup(locale, key)
        if entry:
            return entry
        with self._lock(locale, key):
            entry = self.lookup(locale, key)  # another thread or worker may have finished meanwhile
            if entry:
                return entry
            default_voice = next(iter(voices.values()), "")
            mp3, timings, vtt = render(
                backend, segments, lambda lang: voices.get(lang, default_voice), speed,
                terms_for, self.bitrate, self.quality,
            )
            entry = Entry(locale, key, self.folder(locale))
            # The MP3 is written last: its presence marks a complete entry.
            atomic_write(entry.timings, json.dumps(timings, ensure_ascii=False, separators=(",", ":")).encode())
            atomic_write(entry.vtt, vtt.encode("utf-8"))
            atomic_write(entry.mp3, mp3)
        try:
            self.evict()
        except OSError:  # a cache fault is logged, never fails the request
            log.exception("audio cache eviction failed")
        return entry

    def entries(self, locale: str | None = None) -> list[tuple[Entry, int, float]]:
        """Every complete entry with its total size in bytes and last use time."""
        out = []
        folders = [self.folder(locale)] if locale else sorted(p for p in self.root.glob("*") if p.is_dir())
        for folder in folders:
            if not folder.is_dir():
                continue
            for mp3 in folder.glob("*.mp3"):
                if not KEY_RE.match(mp3.stem):
                    continue
                entry = Entry(folder.name, mp3.stem, folder)
                try:
                    st = mp3.stat()
                except FileNotFoundError:
                    continue
                size = st.st_size
                for extra in (entry.timings, entry.vtt):
                    with contextlib.suppress(FileNotFoundError):
                        size += extra.stat().st_size
                out.append((entry, size, st.st_mtime))
        return out

    def remove(self, entry: Entry) -> None:
        """Delete one entry, MP3 first so that it is never half-present."""
        for path in (entry.mp3, entry.timings, entry.vtt, entry.folder / ".locks" / f"{entry.key}.lock"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def evict(self, max_bytes: int | None = None) -> int:
        """Remove least recently used entries until the cache fits; return how many were removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        items = self.entries()
        total = sum(size for _, size, _ in items)
        removed = 0
        for entry, size, _ in sorted(items, key=lambda t: t[2]):
            if total <= limit:
                break
            self.remove(entry)
            total -= size
            removed += 1
        return removed

    def prune(self, max_bytes: int | None = None) -> dict:
        """Trim to the size bound and delete temporary files that killed writers left."""
        stale = 0
        now = time.time()
        for tmp in self.root.glob("*/.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                    tmp.unlink()
                    stale += 1
        for timings in self.root.glob("*/*.json"):  # orphans of a crash between the writes
            if KEY_RE.match(timings.stem) and not timings.with_suffix(".mp3").exists():
                with contextlib.suppress(FileNotFoundError):
                    if now - timings.stat().st_mtime > STALE_TMP_SECONDS:
                        timings.unlink()
                        timings.with_suffix(".vtt").unlink(missing_ok=True)
        return {"evicted": self.evict(max_bytes), "stale_tmp": stale}

    def stats(self) -> dict:
        """Entries and bytes per locale, and the bound."""
        per: dict[str, dict[str, int]] = {}
        for entry, size, _ in self.entries():
            s = per.setdefault(entry.locale, {"entries": 0, "bytes": 0})
            s["entries"] += 1
            s["bytes"] += size
        return {
            "root": str(self.root),
            "max_bytes": self.max_bytes,
            "bytes": sum(s["bytes"] for s in per.values()),
            "entries": sum(s["entries"] for s in per.values()),
            "locales": per,
        }


# -- what the service publishes: segments of a page, their URLs -------------------------------

AUDIO_ID_RE = re.compile(r"^(?:page|b[0-9]{1,4})$")
MIMETYPES = {"mp3": "audio/mpeg", "json": "application/json", "vtt": "text/vtt; charset=utf-8"}


def page_segments(locale: str, slug: str, audio_id: str) -> list[Segment]:
    """The segments of a published page, a section (from an h2/h3) or one block; NotFound otherwise."""
    from flask import current_app

    from .web.errors import NotFound
    from .i18n import get_i18n

    if not AUDIO_ID_RE.match(audio_id) or len(slug) > 80:
        raise NotFound()
    # Memoized per catalog revision, like the page cache: the same page shows the same URLs.
    memo = current_app.extensions.setdefault("audio_segments", {})
    key = (locale, slug, audio_id, get_i18n().revision(locale))
    if key not in memo:
        if len(memo) > 2048:
            memo.clear()
        memo[key] = _page_segments(locale, slug, audio_id)
    return memo[key]


def _page_segments(locale: str, slug: str, audio_id: str) -> list[Segment]:
    """Compute the segments of a published audio id (see page_segments)."""
    from .content import get_content
    from .web.errors import NotFound
    from .i18n import get_i18n
    from .localized import localize_page, render_inline

    page = get_content().get("" if slug == "index" else slug)
    if page is None:
        raise NotFound()
    lp = localize_page(page, locale)
    blocks = list(lp.blocks)
    if audio_id != "page":
        index = next((i for i, b in enumerate(blocks) if b.id == audio_id), None)
        if index is None:
            raise NotFound()
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
            from .i18n import format_value

            values = {k: format_value(v, b.lang) for k, v in page.values.items()}
            speech = render_inline(speech, values)[0]
        segments.append(Segment(b.id, b.lang, b.text, speech))
    return segments


def _audio_parts(locale: str) -> tuple:
    """The cache, backend and voices that serve a locale."""
    from flask import current_app

    from .tts import get_tts

    tts = get_tts()
    return current_app.extensions["audio_cache"], tts.backend_for(locale), tts.voices(locale), tts.speed


def audio_key(locale: str, segments: list[Segment]) -> str:
    """The content hash that names the audio of these segments in this locale."""
    cache, backend, voices, speed = _audio_parts(locale)
    return canonical_key(cache.spec(backend, voices, segments, speed))


def audio_urls(locale: str, slug: str, audio_id: str, segments: list[Segment] | None = None) -> dict[str, str]:
    """Content-hashed URLs of the MP3, timings and WebVTT of one published audio id."""
    from flask import url_for

    segments = segments if segments is not None else page_segments(locale, slug, audio_id)
    key = audio_key(locale, segments)
    return {
        ext: url_for("audio.serve", locale=locale, slug=slug, name=f"{audio_id}-{key}.{ext}")
        for ext in MIMETYPES
    }


def ensure_entry(locale: str, slug: str, audio_id: str) -> Entry:
    """Build (or find) the audio of a published id; backend or disk failures become Unavailable."""
    from .web.errors import N_, Unavailable

    segments = page_segments(locale, slug, audio_id)
    cache, backend, voices, speed = _audio_parts(locale)
    key = canonical_key(cache.spec(backend, voices, segments, speed))
    entry = cache.lookup(locale, key)
    if entry:
        return entry
    try:
        return cache.get_or_create(locale, backend, voices, segments, speed, key=key)
    except BackendError as exc:
        log.warning("speech synthesis failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise Unavailable(N_("Die Vorlesefunktion ist zurzeit nicht verfügbar.")) from exc
    except OSError as exc:  # full disk, read-only cache: a clear error, nothing half-written stays
        log.error("audio cache write failed for %s/%s/%s: %s", locale, slug, audio_id, exc)
        raise Unavailable(N_("Die Vorlesefunktion ist zurzeit nicht verfügbar.")) from exc


def player_context(lp) -> dict:
    """What the player partial needs for a localized page: availability, URLs, section URLs."""
    from .tts import get_tts

    locale, slug = lp.locale, lp.page.slug
    tts = get_tts()
    if not tts.available(locale):
        return {"available": False}
    try:
        page = audio_urls(locale, slug, "page")
        sections = {
            b.id: audio_urls(locale, slug, b.id)
            for b in lp.blocks if b.tag == "h2"
        }
    except Exception:  # the page must render even when audio cannot be described
        log.exception("audio URLs for %s/%s failed", locale, slug)
        return {"available": False}
    return {"available": True, "page": page, "sections": sections}


# -- serving -------------------------------------------------------------------------------

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file  # noqa: E402

bp = Blueprint("audio", __name__)
NAME_RE = re.compile(r"^(page|b[0-9]{1,4})-([0-9a-f]{32})\.(mp3|json|vtt)$")
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
IMMUTABLE = "public, max-age=31536000, immutable"


def _bad_range(size: int) -> Response:
    """A 416 answer that names the file's length."""
    return Response("", 416, {"Content-Range": f"bytes */{size}", "Cache-Control": "no-store"})


def _range_ok(header: str, size: int) -> bool:
    """Whether a Range header is one satisfiable byte range of a file of ``size`` bytes."""
    m = RANGE_RE.match(header.strip().replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return False  # malformed, or several ranges (we serve one)
    if m.group(1):
        first = int(m.group(1))
        return first < size and (not m.group(2) or int(m.group(2)) >= first)
    return int(m.group(2)) > 0  # suffix range


@bp.route("/audio/<locale>/<slug>/<name>", methods=["GET", "HEAD"])
def serve(locale: str, slug: str, name: str) -> Response:
    """Serve the MP3, timings or WebVTT of a published audio id, by content hash."""
    from .web.errors import NotFound
    from .i18n import get_i18n

    m = NAME_RE.match(name)
    if not m or not get_i18n().serves(locale) or len(slug) > 80:
        raise NotFound()
    audio_id, key, ext = m.groups()
    segments = page_segments(locale, slug, audio_id)
    if audio_key(locale, segments) != key:
        raise NotFound()  # tampered or outdated hash: only published text is ever spoken
    entry = ensure_entry(locale, slug, audio_id)
    path = {"mp3": entry.mp3, "json": entry.timings, "vtt": entry.vtt}[ext]
    size = path.stat().st_size
    header = request.headers.get("Range")
    if header is not None and ext == "mp3" and not _range_ok(header, size):
        return _bad_range(size)
    response = send_file(path, mimetype=MIMETYPES[ext], conditional=True, etag=key + ext,
                         download_name=f"{slug}-{audio_id}-{locale}.{ext}", max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if ext == "mp3" and request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{audio_id}-{locale}.mp3"'
    else:
        response.headers.pop("Content-Disposition", None)
    return response


@bp.route("/healthz")
def health() -> tuple[Response, int]:
    """Each speech backend's state, and which locale uses which, as JSON."""
    from .tts import get_tts

    tts = get_tts()
    backends = tts.states()
    locales = {
        loc: {"backend": tts.backend_name(loc), "available": tts.available(loc)}
        for loc in current_app.config["SHIPPED_LOCALES"]
    }
    ok = all(v["available"] for v in locales.values())
    body = {"status": "ok" if ok else "degraded", "backends": backends, "locales": locales}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if any(v["available"] for v in locales.values()) else 503


# -- command line ----------------------------------------------------------------------------

import click  # noqa: E402
from flask.cli import AppGroup  # noqa: E402

audio_cli = AppGroup("audio", help="Pre-generate, trim and report the read-aloud audio cache.")


@audio_cli.command("build")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--page", "pages", multiple=True, help="Only this page slug (repeatable).")
def build_command(locales: tuple[str, ...], pages: tuple[str, ...]) -> None:
    """Synthesize every page and section of every (or the given) locale."""
    from .content import get_content
    from .i18n import get_i18n
    from .localized import localize_page

    content = get_content()
    failed = 0
    for locale in locales or get_i18n().available_locales():
        for slug, page in content.pages.items():
            if pages and slug not in pages:
                continue
            lp = localize_page(page, locale)
            ids = ["page", *(b.id for b in lp.blocks if b.tag == "h2")]
            for audio_id in ids:
                started = time.perf_counter()
                try:
                    entry = ensure_entry(locale, slug, audio_id)
                except Exception as exc:  # report and go on with the next item
                    click.echo(f"FAILED {locale}/{slug}/{audio_id}: {exc}", err=True)
                    failed += 1
                    continue
                click.echo(f"{locale}/{slug}/{audio_id}: {entry.mp3.name} ({time.perf_counter() - started:.2f}s)")
    if failed:
        raise SystemExit(1)


@audio_cli.command("prune")
@click.option("--max-bytes", type=int, default=None, help="Trim to this size instead of AUDIO_CACHE_MAX_BYTES.")
def prune_command(max_bytes: int | None) -> None:
    """Evict least recently used entries beyond the bound and remove stale temporary files."""
    result = current_app.extensions["audio_cache"].prune(max_bytes)
    click.echo(f"evicted {result['evicted']} entries, removed {result['stale_tmp']} stale temporary files")


@audio_cli.command("stats")
def stats_command() -> None:
    """Entries and bytes per locale."""
    stats = current_app.extensions["audio_cache"].stats()
    click.echo(f"{stats['root']}: {stats['entries']} entries, {stats['bytes']} of {stats['max_bytes']} bytes")
    for locale, s in sorted(stats["locales"].items()):
        click.echo(f"  {locale:6}{s['entries']:>6} entries {s['bytes']:>12} bytes")


def init_app(app: Flask) -> None:
    """Create the cache, register the audio routes, the player helper and `flask audio`."""
    app.extensions["audio_cache"] = AudioCache(
        app.config["AUDIO_CACHE_DIR"], int(app.config["AUDIO_CACHE_MAX_BYTES"]), int(app.config["AUDIO_BITRATE"]),
        int(app.config["AUDIO_MP3_QUALITY"]),
    )
    app.register_blueprint(bp)
    app.jinja_env.globals["audio_player"] = player_context
    app.cli.add_command(audio_cli)
