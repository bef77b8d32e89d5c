"""libRHVoice through ctypes: the structures of RHVoice 1.8's ``RHVoice.h`` and ``RHVoice_common.h`` (Debian's
librhvoice-dev) field by field (a wrong layout crashes the process), the callbacks, and this process's engines.

The library reports word and sentence starts and ends through callbacks, as byte offsets into the UTF-8 text, in
between the samples it hands to ``play_speech``; each message's callbacks find its own sink by the number it
carries as user data.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import threading
from typing import Any

from .base import BackendError, BackendUnavailable

#: Debian's layout: voices in /usr/share/RHVoice/voices/<name>/, configuration in /etc/RHVoice.
DATA_DIR = "/usr/share/RHVoice"
CONFIG_DIR = "/etc/RHVoice"

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

    def acquire_free(self) -> list[int]:
        """Every engine that is free now, making the missing ones up to ``size`` (never waits for a busy one)."""
        lib = self.load()
        with self.freed:
            out, self.idle = self.idle, []
            missing = self.size - self.count
            self.count += missing
        for _ in range(missing):
            engine = lib["lib"].RHVoice_new_tts_engine(ctypes.byref(lib["params"]))
            if engine:
                out.append(engine)
            else:
                with self.freed:
                    self.count -= 1
        return out

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
