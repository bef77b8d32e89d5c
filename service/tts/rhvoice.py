"""RHVoice voices (Debian ``rhvoice-*``, non-free) in-process through libRHVoice's C API (ctypes).

The library, its structures and callbacks are in ``rhvoice_lib``. It reports word and sentence starts and ends
through callbacks, as byte offsets into the UTF-8 text, in between the samples it hands to ``play_speech``: the
samples delivered so far time each event. Up to two engines per process, each speaking one message at a time;
each message's callbacks find its own sink by the number it carries as user data. An app server loads its voices
into the engines once in the background (``preload``, from gunicorn's ``post_worker_init``).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

from .base import Backend, BackendError, BackendUnavailable, Event, Synthesis
from .rhvoice_lib import _NEXT_ID, _SINKS, _SINKS_LOCK, DATA_DIR, ENGINES, _engine, _SynthParams
from .system import SystemVoiceBackend, VoiceInfo, folder_size
from .text import SENTENCE_END_RE

#: RHVoice_message_text: plain text (not SSML).
MESSAGE_TEXT = 0
#: RHVoice_punctuation_none: signs are never read out ("…" is not a word; the pages' punctuation is shown).
PUNCTUATION_NONE = 1
#: How long the list of installed voices is reused before the folder is looked at again.
SCAN_SECONDS = 10.0
#: What preload() says with each voice: digits, which every voice reads in its own language (RHVoice would hand
#: Latin or Cyrillic letters to a voice of that script).
PRELOAD_TEXT = "1"

log = logging.getLogger(__name__)
#: voice.info's language names -> locale codes.
LANGUAGES = {
    "russian": "ru", "ukrainian": "uk", "polish": "pl", "english": "en", "esperanto": "eo", "georgian": "ka",
    "kyrgyz": "ky", "tatar": "tt", "brazilian-portuguese": "pt", "macedonian": "mk", "uzbek": "uz",
    "albanian": "sq", "czech": "cs", "slovak": "sk", "vietnamese": "vi", "kazakh": "kk",
}

def _licences() -> dict[str, str]:
    """Voice name -> licence, from Debian's copyright file of the RHVoice packages ("*" for data/*)."""
    files = sorted(glob.glob("/usr/share/doc/rhvoice*/copyright"))
    if not files:
        return {}
    out: dict[str, str] = {}
    current: str | None = None
    for line in Path(files[0]).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Files:"):
            m = re.match(r"Files:\s*data/voices/([^/\s]+)/\*", line)
            current = m.group(1).lower() if m else ("*" if line.split()[1:] == ["data/*"] else None)
        elif line.startswith("License:") and current:
            out.setdefault(current, line.split(":", 1)[1].strip())
            current = None
    return out


class RhvoiceBackend(SystemVoiceBackend):
    """RHVoice voices chosen per locale (``rhvoice:aleksandr-hq``); other languages are read by espeak-ng."""

    name = "rhvoice"

    def __init__(self, voices: dict[str, str] | None = None, fallback: Backend | None = None,
                 data: str = DATA_DIR):
        """``data`` is where the voices are (Debian: /usr/share/RHVoice)."""
        super().__init__(voices, fallback)
        self.data = Path(data)
        self._scan: tuple[float, dict[str, VoiceInfo]] = (-SCAN_SECONDS, {})
        self._licence: dict[str, str] | None = None

    def engine_error(self) -> str | None:
        """Why RHVoice cannot speak here (library or voices missing)."""
        if not (self.data / "voices").is_dir():
            return f"no RHVoice voices in {self.data} (apt-get install rhvoice-<language>, Debian non-free)"
        try:
            _engine()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def engine_version(self) -> str:
        """libRHVoice's version."""
        try:
            return _engine()["version"]
        except BackendUnavailable:
            return "unavailable"

    def installed(self) -> dict[str, VoiceInfo]:
        """Every voice folder with a voice.info (looked up every 10 s)."""
        at, found = self._scan
        if time.monotonic() - at < SCAN_SECONDS:
            return found
        if self._licence is None:
            self._licence = _licences()
        found = {}
        for info_file in sorted((self.data / "voices").glob("*/voice.info")):
            folder = info_file.parent
            fields = dict(line.split("=", 1) for line in info_file.read_text(errors="replace").splitlines()
                          if "=" in line)
            name = folder.name.lower()
            language = LANGUAGES.get(fields.get("language", "").strip().lower(), "?")
            licence = self._licence.get(name) or self._licence.get("*") or "see the voice's README.md"
            files = tuple(sorted(p for p in folder.rglob("*") if p.is_file()))
            found[name] = VoiceInfo(self.name, name, language, licence, folder_size(folder), files)
        self._scan = (time.monotonic(), found)
        return found

    def speak(self, voice: VoiceInfo, text: str, speed: float) -> Synthesis:
        """Speak one text; words and sentences timed by the samples delivered when their callbacks came."""
        engine = ENGINES.acquire()
        try:
            return self._speak_with(engine, voice, text, speed)
        finally:
            ENGINES.release(engine)

    def preload(self) -> None:
        """Load every configured voice into each engine of this process (RHVoice loads a voice on its first message,
        about 0.2 s of CPU per voice and engine): run once in the background, so no listener's first chunk pays it.
        Only engines that are free or not made yet are used; each is given back as soon as it is ready."""
        if self.engine_error():
            return
        installed = self.installed()
        voices = [installed[n] for n in sorted(set(self.voices.values())) if n in installed]
        for engine in ENGINES.acquire_free():
            try:
                for voice in voices:
                    self._speak_with(engine, voice, PRELOAD_TEXT, 1.0)
            except BackendError as exc:  # the voice is tried again (and reported) when a listener needs it
                log.warning("RHVoice preload failed: %s", exc)
            finally:
                ENGINES.release(engine)

    def _speak_with(self, engine: int, voice: VoiceInfo, text: str, speed: float) -> Synthesis:
        """Speak one text on an engine held by the caller."""
        state = _engine()
        lib = state["lib"]
        text = unicodedata.normalize("NFC", text)
        data = text.encode("utf-8")
        if not data.strip():
            return Synthesis(sample_rate=24000, duration_ms=100.0, pcm=b"\0\0" * 2400)
        params = _SynthParams(voice.name.encode(), 0.0, 0.0, 0.0, float(speed), 1.0, 1.0, PUNCTUATION_NONE, None, 0, 0)
        ident = next(_NEXT_ID)
        sink: dict[str, Any] = {"pcm": [], "events": [], "samples": 0, "rate": 24000, "error": None}
        with _SINKS_LOCK:
            _SINKS[ident] = sink
        try:
            message = lib.RHVoice_new_message(engine, data, len(data), MESSAGE_TEXT, ctypes.byref(params),
                                              ctypes.c_void_p(ident))
            if not message:
                raise BackendError(f"RHVoice has no voice {voice.name!r} (or refused the text)")
            try:
                ok = lib.RHVoice_speak(message)
            finally:
                lib.RHVoice_delete_message(message)
        finally:
            with _SINKS_LOCK:
                _SINKS.pop(ident, None)
        if sink["error"]:
            raise BackendError(sink["error"])
        if not ok:
            raise BackendError(f"RHVoice_speak failed for voice {voice.name}")
        rate = int(sink["rate"])
        pcm = b"".join(sink["pcm"])
        duration = len(pcm) / 2 * 1000 / rate
        chars = _char_offsets(data)
        return Synthesis(sample_rate=rate, duration_ms=duration, pcm=pcm,
                         words=_spans(sink["events"], "ws", "we", chars, rate, duration),
                         sentences=_sentences(_spans(sink["events"], "ss", "se", chars, rate, duration), text))


def _sentences(found: list[Event], text: str) -> list[Event]:
    """RHVoice's sentences joined where no sentence ends in the text (it also splits at colons and dashes)."""
    out: list[Event] = []
    for ev in found:
        before = text[:ev.text_start].rstrip()
        if out and not (SENTENCE_END_RE.search(before) and not text[ev.text_start:ev.text_start + 1].islower()):
            last = out[-1]
            out[-1] = Event(last.start, max(last.end, ev.end), last.text_start,
                            ev.text_start + ev.text_len - last.text_start)
            continue
        out.append(ev)
    return out


def _char_offsets(data: bytes) -> list[int]:
    """For each byte offset of UTF-8 ``data`` (and its end), the character offset it lies in."""
    out: list[int] = []
    index = -1
    for byte in data:
        if byte & 0xC0 != 0x80:  # not a continuation byte: a new character begins
            index += 1
        out.append(index)
    out.append(index + 1)
    return out


def _spans(events: list[tuple[str, int, int, int]], start: str, end: str, chars: list[int], rate: int,
           duration: float) -> list[Event]:
    """Events from start/end callbacks: character span, and times from the samples delivered around them."""
    out: list[Event] = []
    opened: dict[tuple[int, int], float] = {}
    for kind, pos, length, samples in events:
        at = min(samples * 1000 / rate, duration)
        if kind == start:
            opened[(pos, length)] = at
        elif kind == end and (pos, length) in opened:
            began = opened.pop((pos, length))
            c0 = chars[min(pos, len(chars) - 1)]
            c1 = chars[min(pos + length, len(chars) - 1)]
            out.append(Event(start=began, end=max(began, at), text_start=c0, text_len=max(0, c1 - c0)))
    for (pos, length), began in opened.items():  # started, never ended: runs to the end
        c0 = chars[min(pos, len(chars) - 1)]
        c1 = chars[min(pos + length, len(chars) - 1)]
        out.append(Event(start=began, end=duration, text_start=c0, text_len=max(0, c1 - c0)))
    out.sort(key=lambda e: (e.start, e.text_start))
    return out
