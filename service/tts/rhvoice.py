"""RHVoice voices (Debian ``rhvoice-*``, non-free) in-process through libRHVoice's C API (ctypes).

The structures below follow ``RHVoice.h`` and ``RHVoice_common.h`` of RHVoice 1.8 (Debian's librhvoice-dev)
field by field: a wrong layout crashes the process. The library reports word and sentence starts and ends
through callbacks, as byte offsets into the UTF-8 text, in between the samples it hands to ``play_speech``:
the samples delivered so far time each event. Up to two engines per process, each speaking one message at
a time; each message's callbacks find its own sink by the number it carries as user data.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import itertools
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

from .base import Backend, BackendError, BackendUnavailable, Event, Synthesis
from .system import SystemVoiceBackend, VoiceInfo, folder_size
from .text import SENTENCE_END_RE

#: Debian's layout: voices in /usr/share/RHVoice/voices/<name>/, configuration in /etc/RHVoice.
DATA_DIR = "/usr/share/RHVoice"
CONFIG_DIR = "/etc/RHVoice"
#: RHVoice_message_text: plain text (not SSML).
MESSAGE_TEXT = 0
#: RHVoice_punctuation_none: signs are never read out ("…" is not a word; the pages' punctuation is shown).
PUNCTUATION_NONE = 1
#: How long the list of installed voices is reused before the folder is looked at again.
SCAN_SECONDS = 10.0
#: voice.info's language names -> locale codes.
LANGUAGES = {
    "russian": "ru", "ukrainian": "uk", "polish": "pl", "english": "en", "esperanto": "eo", "georgian": "ka",
    "kyrgyz": "ky", "tatar": "tt", "brazilian-portuguese": "pt", "macedonian": "mk", "uzbek": "uz",
    "albanian": "sq", "czech": "cs", "slovak": "sk", "vietnamese": "vi", "kazakh": "kk",
}

_SET_RATE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
_PLAY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_uint, ctypes.c_void_p)
_MARK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_POSITION = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p)
_AUDIO = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_DONE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Callbacks(ctypes.Structure):
    """RHVoice_callbacks: nine function pointers; unused ones must be NULL."""

    _fields_ = [
        ("set_sample_rate", _SET_RATE),
        ("play_speech", _PLAY),
        ("process_mark", _MARK),
        ("word_starts", _POSITION),
        ("word_ends", _POSITION),
        ("sentence_starts", _POSITION),
        ("sentence_ends", _POSITION),
        ("play_audio", _AUDIO),
        ("done", _DONE),
    ]


class _InitParams(ctypes.Structure):
    """RHVoice_init_params."""

    _fields_ = [
        ("data_path", ctypes.c_char_p),
        ("config_path", ctypes.c_char_p),
        ("resource_paths", ctypes.POINTER(ctypes.c_char_p)),
        ("callbacks", _Callbacks),
        ("options", ctypes.c_uint),
    ]


class _SynthParams(ctypes.Structure):
    """RHVoice_synth_params (enums are C ints)."""

    _fields_ = [
        ("voice_profile", ctypes.c_char_p),
        ("absolute_rate", ctypes.c_double),
        ("absolute_pitch", ctypes.c_double),
        ("absolute_volume", ctypes.c_double),
        ("relative_rate", ctypes.c_double),
        ("relative_pitch", ctypes.c_double),
        ("relative_volume", ctypes.c_double),
        ("punctuation_mode", ctypes.c_int),
        ("punctuation_list", ctypes.c_char_p),
        ("capitals_mode", ctypes.c_int),
        ("flags", ctypes.c_int),
    ]


# The running messages' sinks, by the user_data number each message carries into the callbacks.
_SINKS: dict[int, dict[str, Any]] = {}
_SINKS_LOCK = threading.Lock()
_NEXT_ID = itertools.count(1)


def _sink(user: Any) -> dict[str, Any] | None:
    """The sink of the message a callback belongs to (None: nobody listens)."""
    return _SINKS.get(int(user or 0))


def _on_rate(rate: int, user: Any) -> int:
    """Remember the sample rate (called before the first samples, and again if it changes)."""
    sink = _sink(user)
    if sink is None:
        return 0
    if sink["samples"] and rate != sink["rate"]:
        sink["error"] = f"the sample rate changed within one text ({sink['rate']} -> {rate})"
        return 0
    sink["rate"] = rate
    return 1


def _on_play(samples, count: int, user: Any) -> int:
    """Collect samples."""
    sink = _sink(user)
    if sink is None:
        return 0
    sink["pcm"].append(ctypes.string_at(samples, count * 2))
    sink["samples"] += count
    return 1


def _position_callback(kind: str) -> Any:
    """A callback recording (kind, byte position, byte length, samples so far)."""
    def record(position: int, length: int, user: Any) -> int:
        sink = _sink(user)
        if sink is None:
            return 0
        sink["events"].append((kind, position, length, sink["samples"]))
        return 1
    return _POSITION(record)


class _Engines:
    """Up to ``size`` RHVoice engines per process, each speaking one message at a time.

    Two engines let a listener's chunk be spoken while the page is warmed in the background (on two
    cores, side by side); each engine loads the voices it speaks (about 15 MB each).
    """

    def __init__(self) -> None:
        """No engine yet: the library is loaded on first use."""
        self.lock = threading.Lock()
        self.library: dict[str, Any] = {}
        self.idle: list[int] = []  # engine handles not speaking now
        self.count = 0
        self.size = 2
        self.freed = threading.Condition(self.lock)

    def load(self) -> dict[str, Any]:
        """Load libRHVoice and create the first engine; raise BackendUnavailable on failure."""
        if "lib" in self.library:
            return self.library
        with self.lock:
            if "lib" not in self.library:
                if "error" in self.library:
                    raise BackendUnavailable(self.library["error"])
                try:
                    self.library.update(_open(DATA_DIR, CONFIG_DIR))
                except Exception as exc:  # library or voices missing
                    self.library["error"] = f"RHVoice could not be loaded: {exc}"
                    raise BackendUnavailable(self.library["error"]) from exc
                self.idle.append(self.library.pop("engine"))
                self.count = 1
        return self.library

    def acquire(self) -> int:
        """An idle engine, a new one while fewer than ``size`` exist, else wait for one."""
        lib = self.load()
        with self.freed:
            while not self.idle and self.count >= self.size:
                self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.count += 1  # counted now: other threads do not create one too
        engine = lib["lib"].RHVoice_new_tts_engine(ctypes.byref(lib["params"]))
        if not engine:
            with self.freed:
                self.count -= 1
                self.freed.notify()
            raise BackendError("RHVoice_new_tts_engine failed")
        return engine

    def release(self, engine: int) -> None:
        """Give an engine back."""
        with self.freed:
            self.idle.append(engine)
            self.freed.notify()


ENGINES = _Engines()


def _engine() -> dict[str, Any]:
    """libRHVoice loaded (one engine created); raise BackendUnavailable on failure."""
    return ENGINES.load()


def _open(data: str, config: str) -> dict[str, Any]:
    """dlopen libRHVoice, declare the functions used, create the engine with our callbacks."""
    path = ctypes.util.find_library("RHVoice") or "libRHVoice.so.5"
    lib = ctypes.CDLL(path)
    lib.RHVoice_get_version.restype = ctypes.c_char_p
    lib.RHVoice_new_tts_engine.argtypes = [ctypes.POINTER(_InitParams)]
    lib.RHVoice_new_tts_engine.restype = ctypes.c_void_p
    lib.RHVoice_new_message.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint, ctypes.c_int,
                                        ctypes.POINTER(_SynthParams), ctypes.c_void_p]
    lib.RHVoice_new_message.restype = ctypes.c_void_p
    lib.RHVoice_speak.argtypes = [ctypes.c_void_p]
    lib.RHVoice_speak.restype = ctypes.c_int
    lib.RHVoice_delete_message.argtypes = [ctypes.c_void_p]
    lib.RHVoice_delete_message.restype = None
    callbacks = _Callbacks(
        _SET_RATE(_on_rate), _PLAY(_on_play), _MARK(), _position_callback("ws"), _position_callback("we"),
        _position_callback("ss"), _position_callback("se"), _AUDIO(), _DONE(),
    )
    params = _InitParams(data.encode(), config.encode(), None, callbacks, 0)
    engine = lib.RHVoice_new_tts_engine(ctypes.byref(params))
    if not engine:
        raise OSError(f"RHVoice_new_tts_engine failed (no voices in {data}?)")
    # Each engine copies the callbacks; the Python objects behind them must live as long as the process.
    return {"lib": lib, "engine": engine, "callbacks": callbacks, "params": params,
            "version": lib.RHVoice_get_version().decode()}


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
        state = _engine()
        lib = state["lib"]
        text = unicodedata.normalize("NFC", text)
        data = text.encode("utf-8")
        if not data.strip():
            return Synthesis(sample_rate=24000, duration_ms=100.0, pcm=b"\0\0" * 2400)
        params = _SynthParams(voice.name.encode(), 0.0, 0.0, 0.0, float(speed), 1.0, 1.0, PUNCTUATION_NONE, None, 0, 0)
        ident = next(_NEXT_ID)
        sink: dict[str, Any] = {"pcm": [], "events": [], "samples": 0, "rate": 24000, "error": None}
        engine = ENGINES.acquire()
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
            ENGINES.release(engine)
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
