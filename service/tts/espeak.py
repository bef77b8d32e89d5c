"""espeak-ng in-process through ctypes: the offline default speech backend (and the library MBROLA speaks through)."""
from __future__ import annotations

import bisect
import ctypes
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from typing import Any

from .base import BackendError, BackendUnavailable, Event, Synthesis

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
#: Ends the text with a pause: with MBROLA, without it the last ~0.3 s never leave the mbrola program.
ENDPAUSE = 0x1000
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_SENTENCE = 2
EVENT_END = 5
EVENT_MSG_TERMINATED = 6
EVENT_PHONEME = 7
EVENT_SAMPLERATE = 8
PARAM_RATE = 1
DEFAULT_RATE = 175  # words per minute, espeak-ng's default
MIN_RATE, MAX_RATE = 80, 450
_WORD_RUN = re.compile(r"\S+")

#: Page locale -> espeak-ng voice name.
VOICES: dict[str, str] = {
    "de": "de",
    "en": "en",
    "tr": "tr",
    "ar": "ar",
    "pl": "pl",
    "uk": "uk",
    "ro": "ro",
    "ru": "ru",
}


class _EventId(ctypes.Union):
    """The id union of espeak_EVENT."""

    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


def _wheel_paths() -> tuple[str, str | None]:
    """The library and data of the espeakng-loader wheel."""
    import espeakng_loader

    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


class EspeakLibrary:
    """One loaded libespeak-ng. It keeps one global engine (one callback, one voice): one synthesis at a time."""

    def __init__(self, locate: Callable[[], tuple[str, str | None]], options: int = INITIALIZE_DONT_EXIT,
                 flags: int = CHARS_UTF8, private: bool = False, phoneme_words: bool = False):
        """``locate`` gives (library path, data path or None for the library's own); ``private`` loads it
        with RTLD_DEEPBIND so that a second libespeak-ng in the process keeps its own symbols;
        ``phoneme_words`` times words by phoneme events too (espeak-ng 1.51 drops word events with MBROLA)."""
        self._locate = locate
        self.options = options
        self.flags = flags
        self.private = private
        self.phoneme_words = phoneme_words
        self.lock = threading.Lock()
        self._state: dict[str, Any] = {}

    def load(self) -> dict[str, Any]:
        """Load and initialize the library once per process; raise BackendUnavailable on failure."""
        if "lib" in self._state:
            return self._state
        with self.lock:
            if "lib" in self._state:
                return self._state
            if "error" in self._state:
                raise BackendUnavailable(self._state["error"])
            try:
                self._state.update(self._open())
            except Exception as exc:  # missing wheel or package, missing .so, bad data path
                self._state["error"] = f"espeak-ng could not be loaded: {exc}"
                raise BackendUnavailable(self._state["error"]) from exc
        return self._state

    def _open(self) -> dict[str, Any]:
        """dlopen, declare the functions used, initialize; return the library's state."""
        path, data = self._locate()
        mode = os.RTLD_LOCAL | (getattr(os, "RTLD_DEEPBIND", 0) if self.private else 0)
        lib = ctypes.CDLL(path, mode=mode)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.espeak_Info.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, self.options)
        if rate <= 0:
            raise OSError(f"espeak_Initialize returned {rate}")
        where = ctypes.c_char_p()
        version = lib.espeak_Info(ctypes.byref(where)).decode()
        state: dict[str, Any] = {"lib": lib, "sample_rate": rate, "rate": rate, "version": version,
                                 "data_path": (where.value or b"").decode(), "sink": None}
        state["callback"] = _CALLBACK(self._on_synth)  # kept referenced: ctypes must not free it
        lib.espeak_SetSynthCallback(state["callback"])
        return state

    def _on_synth(self, wav, numsamples: int, events) -> int:
        """Collect samples and word/sentence (and phoneme, rate) events of the running synthesis."""
        sink = self._state.get("sink")
        if sink is None:
            return 1  # nobody listens: abort
        if numsamples > 0 and wav:
            sink["pcm"].append(ctypes.string_at(wav, numsamples * 2))
        i = 0
        while events and events[i].type != EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == EVENT_SAMPLERATE:
                sink["rate"] = ev.id.number
            elif ev.type in (EVENT_WORD, EVENT_SENTENCE, EVENT_PHONEME):
                sink["events"].append((ev.type, ev.text_position, ev.length, ev.sample))
            i += 1
        return 0

    @property
    def version(self) -> str:
        """The library's version string, or "unavailable"."""
        try:
            return self.load()["version"]
        except BackendUnavailable:
            return "unavailable"

    def state(self) -> dict[str, Any]:
        """The loaded state (sample rate, version, data path) or the load error."""
        try:
            return self.load()
        except BackendUnavailable:
            return self._state

    def speak(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak ``text`` with ``voice``; PCM at the voice's own rate, word/sentence events in ms of that audio."""
        state = self.load()
        lib = state["lib"]
        text = unicodedata.normalize("NFC", text)
        data = text.encode("utf-8")
        wpm = max(MIN_RATE, min(MAX_RATE, round(DEFAULT_RATE * speed)))
        with self.lock:
            sink: dict[str, Any] = {"pcm": [], "events": [], "rate": state["rate"]}
            state["sink"] = sink
            try:
                if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                    raise BackendError(f"espeak-ng has no voice {voice!r}")
                lib.espeak_SetParameter(PARAM_RATE, wpm, 0)
                buf = ctypes.create_string_buffer(data)
                err = lib.espeak_Synth(buf, len(data) + 1, 0, 0, 0, self.flags, None, None)
                if err != 0:
                    raise BackendError(f"espeak_Synth failed with code {err}")
                lib.espeak_Synchronize()
            finally:
                state["sink"] = None
                state["rate"] = sink["rate"]  # a voice change reports its rate once: remember it
        pcm = b"".join(sink["pcm"])
        rate = int(sink["rate"])
        duration = len(pcm) / 2 / rate * 1000
        # Times from the samples actually produced: MBROLA voices run at 16 or 22.05 kHz. With MBROLA, espeak-ng
        # 1.51 counts samples from 1000 (its last event lies 1000 samples past the audio's end): the text's
        # first event marks sample 0 (it is 0 without MBROLA).
        base = min((sample for _, _, _, sample in sink["events"]), default=0)
        raw = [(t, pos, length, (sample - base) * 1000 / rate) for t, pos, length, sample in sink["events"]]
        words = _phoneme_words(raw, text) if self.phoneme_words else [r for r in raw if r[0] == EVENT_WORD]
        return Synthesis(
            pcm=pcm,
            sample_rate=rate,
            duration_ms=duration,
            words=_events(words, EVENT_WORD, text, duration),
            sentences=_events(raw, EVENT_SENTENCE, text, duration),
        )


#: The wheel's library: the espeak backend's, and every backend's reader of languages it has no voice for.
WHEEL = EspeakLibrary(_wheel_paths)


def installed_voices() -> dict[str, str]:
    """Every plain language code the wheel's voice data has (so machine-translated locales are spoken too)."""
    try:
        import espeakng_loader

        root = os.path.join(espeakng_loader.get_data_path(), "lang")
    except Exception:  # no wheel: the backend reports itself unavailable elsewhere
        return {}
    found: dict[str, str] = {}
    for _folder, _dirs, files in os.walk(root):
        for name in files:
            if name.isalpha() and name.islower() and 2 <= len(name) <= 3:
                found[name] = name
    return found


class EspeakBackend:
    """Speech from libespeak-ng, loaded in-process from the espeakng-loader wheel."""

    name = "espeak"

    def __init__(self, voices: dict[str, str] | None = None):
        """Use the given locale -> voice map (default: every language the voice data has)."""
        self.voices = dict(voices or {**installed_voices(), **VOICES})

    @property
    def version(self) -> str:
        """The library's version string (part of every cache key)."""
        return WHEEL.version

    def languages(self) -> dict[str, str]:
        """Locale -> voice name for every locale this backend speaks."""
        return dict(self.voices)

    def available(self) -> bool:
        """Load the library lazily; tell whether it is usable."""
        try:
            WHEEL.load()
            return True
        except BackendUnavailable:
            return False

    def state(self) -> dict[str, Any]:
        """A JSON-ready description for the health endpoint."""
        ok = self.available()
        info: dict[str, Any] = {"available": ok, "languages": sorted(self.voices)}
        lib = WHEEL.state()
        if ok:
            info["version"] = lib["version"]
            info["sample_rate"] = lib["sample_rate"]
        else:
            info["error"] = lib.get("error")
        return info

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak ``text`` with ``voice``; return PCM and word/sentence events (character offsets)."""
        return WHEEL.speak(text, voice, speed)


def _phoneme_words(raw: list[tuple[int, int, int, float]], text: str) -> list[tuple[int, int, int, float]]:
    """Word events for every word of the text that sounded: its word event, else its first phoneme event.

    espeak-ng 1.51 drops most word events with MBROLA voices, but its phoneme events carry the text position
    of each word's first phoneme. A clause's closing pause may point ahead into the next sentence: a word is
    never timed before the sentence that holds it, and words keep the order of the text.
    """
    bounds = [(m.start(), m.end()) for m in _WORD_RUN.finditer(text)]
    starts = [b[0] for b in bounds]
    sentences = [(pos - 1, at) for kind, pos, _, at in raw if kind == EVENT_SENTENCE]

    def token(pos: int) -> int | None:
        """The index of the word that 1-based character ``pos`` falls in."""
        i = bisect.bisect_right(starts, pos - 1) - 1
        return i if i >= 0 and pos - 1 < bounds[i][1] else None

    timed: dict[int, tuple[int, float]] = {}  # word -> (kind, time); a word event beats a phoneme event
    for kind, pos, _length, at in raw:
        if kind not in (EVENT_WORD, EVENT_PHONEME) or pos <= 0:
            continue  # a phoneme event at 0 continues the word before
        index = token(pos)
        if index is None:
            continue
        held_by = max((t for p, t in sentences if p <= bounds[index][0]), default=0.0)
        if at < held_by:
            continue  # read-ahead: points into a sentence that has not begun
        if index not in timed or (kind == EVENT_WORD and timed[index][0] != EVENT_WORD):
            timed[index] = (kind, at)
    out: list[tuple[int, int, int, float]] = []
    last_at = -1.0
    for index in sorted(timed):
        at = timed[index][1]
        if at < last_at:
            continue  # out of order: keep the words that follow the text
        last_at = at
        a, b = bounds[index]
        out.append((EVENT_WORD, a + 1, b - a, at))
    return out


def _events(raw: list[tuple[int, int, int, float]], kind: int, text: str, duration: float) -> list[Event]:
    """Turn raw engine events into Events with 0-based character spans and end times."""
    picked = [r for r in raw if r[0] == kind]
    out: list[Event] = []
    for i, (_, pos, length, at) in enumerate(picked):
        start = max(0, pos - 1)  # espeak counts characters from 1
        nxt = picked[i + 1][3] if i + 1 < len(picked) else duration
        if kind == EVENT_SENTENCE:
            end_char = picked[i + 1][1] - 1 if i + 1 < len(picked) else len(text)
            length = max(0, end_char - start)
        begin = min(float(at), duration)
        out.append(Event(start=begin, end=max(begin, min(float(nxt), duration)), text_start=start, text_len=length))
    return out

