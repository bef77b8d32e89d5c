"""espeak-ng in-process through ctypes: the offline default speech backend."""
from __future__ import annotations

import ctypes
import os
import threading
import unicodedata
from typing import Any

from .base import BackendError, BackendUnavailable, Event, Synthesis

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_SENTENCE = 2
EVENT_END = 5
EVENT_MSG_TERMINATED = 6
PARAM_RATE = 1
DEFAULT_RATE = 175  # words per minute, espeak-ng's default
MIN_RATE, MAX_RATE = 80, 450

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

# The library holds one global engine (one callback, one voice): one synthesis per process at a time.
_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    """Load and initialize libespeak-ng once per process; raise BackendUnavailable on failure."""
    if "lib" in _STATE:
        return _STATE
    if "error" in _STATE:
        raise BackendUnavailable(_STATE["error"])
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
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
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise OSError(f"espeak_Initialize returned {rate}")
        version = lib.espeak_Info(None).decode()
    except Exception as exc:  # missing wheel, missing .so, bad data path
        _STATE["error"] = f"espeak-ng could not be loaded: {exc}"
        raise BackendUnavailable(_STATE["error"]) from exc
    state = {"lib": lib, "sample_rate": rate, "version": version}
    state["callback"] = _CALLBACK(_on_synth)  # kept referenced: ctypes must not free it
    lib.espeak_SetSynthCallback(state["callback"])
    _STATE.update(state)
    return _STATE


def _on_synth(wav, numsamples: int, events) -> int:
    """Collect samples and word/sentence events of the running synthesis."""
    sink = _STATE.get("sink")
    if sink is None:
        return 1  # nobody listens: abort
    if numsamples > 0 and wav:
        sink["pcm"].append(ctypes.string_at(wav, numsamples * 2))
    i = 0
    while events and events[i].type != EVENT_LIST_TERMINATED:
        ev = events[i]
        if ev.type in (EVENT_WORD, EVENT_SENTENCE):
            sink["events"].append((ev.type, ev.text_position, ev.length, ev.audio_position))
        i += 1
    return 0


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
        try:
            return _load()["version"]
        except BackendUnavailable:
            return "unavailable"

    def languages(self) -> dict[str, str]:
        """Locale -> voice name for every locale this backend speaks."""
        return dict(self.voices)

    def available(self) -> bool:
        """Load the library lazily; tell whether it is usable."""
        try:
            _load()
            return True
        except BackendUnavailable:
            return False

    def state(self) -> dict[str, Any]:
        """A JSON-ready description for the health endpoint."""
        ok = self.available()
        info: dict[str, Any] = {"available": ok, "languages": sorted(self.voices)}
        if ok:
            info["version"] = _STATE["version"]
            info["sample_rate"] = _STATE["sample_rate"]
        else:
            info["error"] = _STATE.get("error")
        return info

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak ``text`` with ``voice``; return PCM and word/sentence events (character offsets)."""
        state = _load()
        lib = state["lib"]
        text = unicodedata.normalize("NFC", text)
        data = text.encode("utf-8")
        rate = max(MIN_RATE, min(MAX_RATE, round(DEFAULT_RATE * speed)))
        with _LOCK:
            sink: dict[str, list] = {"pcm": [], "events": []}
            _STATE["sink"] = sink
            try:
                if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                    raise BackendError(f"espeak-ng has no voice {voice!r}")
                lib.espeak_SetParameter(PARAM_RATE, rate, 0)
                buf = ctypes.create_string_buffer(data)
                err = lib.espeak_Synth(buf, len(data) + 1, 0, 0, 0, CHARS_UTF8, None, None)
                if err != 0:
                    raise BackendError(f"espeak_Synth failed with code {err}")
                lib.espeak_Synchronize()
            finally:
                _STATE["sink"] = None
        pcm = b"".join(sink["pcm"])
        sample_rate = state["sample_rate"]
        duration = len(pcm) / 2 / sample_rate * 1000
        return Synthesis(
            pcm=pcm,
            sample_rate=sample_rate,
            duration_ms=duration,
            words=_events(sink["events"], EVENT_WORD, text, duration),
            sentences=_events(sink["events"], EVENT_SENTENCE, text, duration),
        )


def _events(raw: list[tuple[int, int, int, int]], kind: int, text: str, duration: float) -> list[Event]:
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
