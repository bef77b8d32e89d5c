"""Piper neural voices (optional extra ``piper``, GPL-3.0): speech with word timings from phoneme alignments."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .align import ALIGN_VERSION, label_stream, word_spans
from .base import Backend, BackendError, BackendUnavailable, Event, Synthesis
from .pcm import OUTPUT_RATE, resampled
from .voices import VoiceError, VoiceFiles, VoiceStore, read_config

log = logging.getLogger(__name__)

#: Piper scales each sentence to full range; a little headroom keeps the MP3 encoder from clipping.
VOLUME = 0.9
#: After a voice failed while speaking, it rests this long (its locale falls back to espeak-ng meanwhile).
COOLDOWN_SECONDS = 300.0
#: Voice ids of languages without a Piper voice: their blocks are read by espeak-ng inside the same audio.
ESPEAK_PREFIX = "espeak:"
#: Speeds Piper's length scale is allowed to follow.
MIN_SPEED, MAX_SPEED = 0.5, 2.0
#: Words phonemized alone are remembered (per espeak voice); the memo is cleared beyond this size.
WORD_MEMO = 20000
#: What a voice says once after loading: proves that it speaks and gives alignments, and warms
#: onnxruntime up (its first run of a sentence-sized input is slow), so a listener never waits for that.
PROBE_TEXT = "Herne, 2024: Stadt der Talente, Schulen und Menschen in Herne."


#: piper-tts and its helpers, imported on first use (onnxruntime alone costs ~50 MB in every process).
_ENGINE: dict[str, Any] = {}


def _engine() -> SimpleNamespace:
    """Import piper-tts, onnx, onnxruntime and numpy once; raise BackendUnavailable when the extra is missing."""
    if "ns" in _ENGINE:
        return _ENGINE["ns"]
    if "error" in _ENGINE:
        raise BackendUnavailable(_ENGINE["error"])
    try:
        import numpy
        import onnx
        import onnxruntime
        from piper import PiperConfig, PiperVoice, SynthesisConfig
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError as exc:  # the optional extra is not installed: the backend says so in its state
        _ENGINE["error"] = f"piper-tts is not installed (pip install -e .[piper]): {exc}"
        raise BackendUnavailable(_ENGINE["error"]) from exc
    _ENGINE["ns"] = SimpleNamespace(
        np=numpy, onnx=onnx, onnxruntime=onnxruntime, PiperConfig=PiperConfig, PiperVoice=PiperVoice,
        SynthesisConfig=SynthesisConfig, add_alignment_output=add_alignment_output,
    )
    return _ENGINE["ns"]


@dataclass
class _Loaded:
    """A voice in memory, with the file version it was loaded from."""

    files: VoiceFiles
    identity: tuple[int, int, int, int] | None  # None: a file vanished after it was read (VoiceFiles.identity)
    voice: Any  # piper.PiperVoice


class PiperBackend:
    """Piper voices chosen per locale, loaded on demand, at most ``max_loaded`` kept in memory."""

    name = "piper"

    def __init__(self, voices: dict[str, str] | None = None, folder: str | Path = "voices", max_loaded: int = 3,
                 threads: int = 1, fallback: Backend | None = None, packages: bool = True):
        """``voices`` maps a locale to a voice name; ``fallback`` (espeak-ng) reads languages without one.

        ``threads`` is onnxruntime's per-synthesis thread count (0: one per core).
        """
        self.voices = dict(voices or {})
        self.store = VoiceStore(folder, packages=packages)
        self.max_loaded = max(1, int(max_loaded))
        self.threads = max(0, int(threads))
        self.fallback = fallback
        self._loaded: OrderedDict[str, _Loaded] = OrderedDict()
        self._probed: dict[str, tuple[int, int, int, int] | None] = {}  # voices that loaded and spoke, by file version
        self._broken: dict[str, tuple[tuple[int, int, int, int] | None, str]] = {}
        self._failed: dict[str, tuple[float, str]] = {}
        self._words: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one load at a time: loads are large

    # -- the Backend protocol

    @property
    def version(self) -> str:
        """piper-tts's version, the alignment's and espeak-ng's (other-language blocks); part of every cache key."""
        try:
            piper_version = dist_version("piper-tts")
        except Exception:
            piper_version = "missing"
        espeak = self.fallback.version if self.fallback is not None else "none"
        return f"piper-tts-{piper_version}+align{ALIGN_VERSION}+v{VOLUME}+espeak-{espeak}"

    def available(self) -> bool:
        """Whether piper-tts is installed (each voice is checked on its own)."""
        try:
            _engine()
            return True
        except BackendUnavailable:
            return False

    def languages(self) -> dict[str, str]:
        """Locale -> voice id: a Piper voice ``name@content-hash`` where one is usable, else ``espeak:<voice>``."""
        langs: dict[str, str] = {}
        if self.fallback is not None:
            langs.update({loc: ESPEAK_PREFIX + v for loc, v in self.fallback.languages().items()})
        for locale, name in self.voices.items():
            vid = self._voice_id(name)
            if vid:
                langs[locale] = vid
        return langs

    def state(self) -> dict[str, Any]:
        """A JSON-ready description for the health endpoint: the state of each configured voice, no paths."""
        return {
            "available": self.available(),
            "voices": {name: self.status(name)[0] for name in sorted(set(self.voices.values()))},
            "loaded": len(self._loaded),
            "max_loaded": self.max_loaded,
        }

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Speak ``text``; word and sentence events come from Piper's phoneme alignments."""
        if voice.startswith(ESPEAK_PREFIX):
            if self.fallback is None:
                raise BackendError(f"no espeak-ng fallback for {voice}")
            return _resampled(self.fallback.synthesize(text, voice[len(ESPEAK_PREFIX):], speed))
        name = voice.partition("@")[0]
        loaded = self._get(name)
        text = unicodedata.normalize("NFC", text)
        try:
            return self._speak(loaded, text, speed)
        except BackendError as exc:
            self._fail(name, str(exc))
            raise
        except Exception as exc:  # onnxruntime or the phonemizer failed on this text
            self._fail(name, f"{type(exc).__name__}: {exc}")
            raise BackendError(f"Piper voice {name} failed: {exc}") from exc

    # -- per-locale health, used by TTS for the fallback to espeak-ng

    def usable(self, locale: str) -> bool:
        """Whether the locale's voice is present, loads, speaks and has not failed lately (loads it once)."""
        name = self.voices.get(locale)
        if name is None or not self.available():
            return False
        if self.status(name)[0] == "unchecked":
            try:
                self._get(name)
            except BackendError:
                return False
        return self.status(name)[0] == "ok"

    def status(self, name: str) -> tuple[str, str]:
        """A voice's state (ok, unchecked, missing, broken, failed, unavailable) and why."""
        if not self.available():
            return "unavailable", "piper-tts is not installed (pip install -e .[piper])"
        files = self.store.find(name)
        if files is None:
            return "missing", f"no voice {name} in {self.store.folder} or an installed *-piper-voice package"
        ident = files.identity()
        broken = self._broken.get(name)
        if broken and broken[0] == ident:
            return "broken", broken[1]
        failed = self._failed.get(name)
        if failed and time.monotonic() - failed[0] < COOLDOWN_SECONDS:
            return "failed", failed[1]
        if self._probed.get(name) == ident:
            return "ok", files.source
        return "unchecked", files.source

    def loaded(self) -> list[str]:
        """Names of the voices in memory, least recently used first."""
        with self._lock:
            return list(self._loaded)

    # -- loading

    def _voice_id(self, name: str) -> str | None:
        """``name@content-hash`` of a voice that is present and not known to be broken or failing."""
        if self.status(name)[0] not in ("ok", "unchecked"):
            return None
        files = self.store.find(name)
        digest = self.store.fingerprint(files) if files else None
        return f"{name}@{digest}" if digest else None

    def _get(self, name: str) -> _Loaded:
        """The loaded voice (loading it, and evicting the least recently used beyond the bound)."""
        if not self.available():
            raise BackendUnavailable("piper-tts is not installed")
        files = self.store.find(name)
        if files is None:
            raise BackendError(f"Piper voice {name} is not installed")
        ident = files.identity()
        with self._lock:
            hit = self._loaded.get(name)
            if hit and hit.identity == ident:
                self._loaded.move_to_end(name)
                return hit
        state, why = self.status(name)
        if state in ("broken", "failed"):
            raise BackendError(f"Piper voice {name} is {state}: {why}")
        with self._loading:
            with self._lock:
                hit = self._loaded.get(name)
                if hit and hit.identity == ident:
                    return hit
                self._loaded.pop(name, None)  # an older version of the files
            loaded = self._load(files, ident)
            with self._lock:
                self._loaded[name] = loaded
                evicted = [self._loaded.popitem(last=False) for _ in range(len(self._loaded) - self.max_loaded)]
            if evicted:
                del evicted
                _release_memory()
            return loaded

    def _load(self, files: VoiceFiles, ident: tuple[int, int, int, int] | None) -> _Loaded:
        """Load a voice with alignment output and make it say a word; a voice that cannot is broken."""
        started = time.perf_counter()
        try:
            voice = _open_voice(files, self.threads)
            probe = next(iter(voice.synthesize(PROBE_TEXT, _engine().SynthesisConfig(), include_alignments=True)))
            if probe.phoneme_id_samples is None:
                raise BackendError("the model gives no phoneme alignments (is the onnx package installed?)")
        except (VoiceError, BackendError) as exc:
            return self._broke(files.name, ident, str(exc))
        except Exception as exc:  # a corrupt model: protobuf, onnxruntime or JSON errors
            return self._broke(files.name, ident, f"{type(exc).__name__}: {exc}")
        self._probed[files.name] = ident
        self._failed.pop(files.name, None)
        log.info("Piper voice %s loaded in %.2f s", files.name, time.perf_counter() - started)
        return _Loaded(files, ident, voice)

    def _broke(self, name: str, ident: tuple[int, int, int, int] | None, why: str) -> _Loaded:
        """Remember that this version of a voice's files does not work; raise BackendError."""
        self._broken[name] = (ident, why[:300])
        log.error("Piper voice %s is broken, its locales fall back to espeak-ng: %s", name, why)
        raise BackendError(f"Piper voice {name} is broken: {why}")

    def _fail(self, name: str, why: str) -> None:
        """Rest a voice that failed while speaking (its locales use espeak-ng for a while)."""
        self._failed[name] = (time.monotonic(), why[:300])
        log.error("Piper voice %s failed, its locales fall back to espeak-ng for %.0f s: %s",
                  name, COOLDOWN_SECONDS, why)

    # -- speaking

    def _speak(self, loaded: _Loaded, text: str, speed: float) -> Synthesis:
        """Synthesize sentence by sentence; time each word by the samples of the phonemes it was aligned with."""
        voice = loaded.voice
        speed = min(MAX_SPEED, max(MIN_SPEED, float(speed)))
        config = _engine().SynthesisConfig(length_scale=voice.config.length_scale / speed, volume=VOLUME)
        rate = voice.config.sample_rate
        pcm: list[bytes] = []
        stream: list[str] = []
        bounds: list[tuple[int, int]] = []  # sample span of each stream token
        sentence_bounds: list[tuple[int, int, int, int]] = []  # samples and stream tokens of each sentence
        at = 0
        for chunk in voice.synthesize(text, config, include_alignments=True):
            samples = _samples_per_phoneme(voice, chunk)
            first_token = len(stream)
            pos = at + samples[0]  # the sentence-start mark's share
            for phoneme, n in zip(chunk.phonemes, samples[1:-1], strict=False):  # as many as both have
                stream.append(phoneme)
                bounds.append((pos, pos + n))
                pos += n
            audio = chunk.audio_int16_array
            sentence_bounds.append((at, at + len(audio), first_token, len(stream)))
            pcm.append(audio.tobytes())
            at += len(audio)
        if not pcm:  # nothing sayable (only signs): a short silence, not a failure of the voice
            pcm, at = [b"\0\0" * (rate // 10)], rate // 10
        spans = word_spans(text)
        labels = label_stream([self._phonemes_of(loaded, text[s:e]) for s, e in spans], stream)
        words = _word_events(spans, labels, bounds, rate)
        sentences = []
        for i, (s0, s1, t0, t1) in enumerate(sentence_bounds):
            said = [w for w in labels[t0:t1] if w >= 0]
            if not said:
                continue
            start = spans[said[0]][0]
            nxt = next((w for b in sentence_bounds[i + 1:] for w in labels[b[2]:b[3]] if w >= 0), None)
            end = spans[nxt][0] if nxt is not None else len(text)
            sentences.append(Event(s0 * 1000 / rate, s1 * 1000 / rate, start, end - start))
        return _resampled(Synthesis(sample_rate=rate, duration_ms=at * 1000 / rate, pcm=b"".join(pcm),
                                    words=words, sentences=sentences))

    def _phonemes_of(self, loaded: _Loaded, word: str) -> list[str]:
        """The phoneme tokens of one word said alone (remembered per voice)."""
        key = (loaded.files.name, word)
        tokens = self._words.get(key)
        if tokens is None:
            tokens = [p for sentence in loaded.voice.phonemize(word) for p in sentence]
            if len(self._words) > WORD_MEMO:
                self._words.clear()
            self._words[key] = tokens
        return tokens


def _release_memory() -> None:
    """Hand freed heap back to the system: without it an evicted voice's 125 MB stay in the process (glibc)."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the next voice instead
        pass


def _open_voice(files: VoiceFiles, threads: int) -> Any:
    """What ``PiperVoice.load(model, include_alignments=True)`` does, with onnxruntime's threads set.

    Piper's loader takes no session options; onnxruntime's default (a spinning thread per core)
    made two busy processes on two cores twice as slow, one thread each kept both at full speed.
    """
    eng = _engine()
    config = eng.PiperConfig.from_dict(read_config(files.config))
    model = eng.onnx.load(str(files.model))
    try:
        eng.add_alignment_output(model)  # expose the samples per phoneme id, in memory only
    except ValueError:  # already exported with alignments
        pass
    options = eng.onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = eng.onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                               providers=["CPUExecutionProvider"])
    return eng.PiperVoice(session=session, config=config)


def _samples_per_phoneme(voice: Any, chunk: Any) -> list[int]:
    """Samples of the start mark, of each phoneme of the chunk and of the end mark (each with its padding)."""
    if chunk.phoneme_alignments is not None:
        return [int(a.num_samples) for a in chunk.phoneme_alignments]
    if chunk.phoneme_id_samples is None:
        raise BackendError("the voice gave no phoneme alignments")
    # Piper's own alignment gives up on a phoneme missing from the voice's id map; such a phoneme
    # got no ids (phonemes_to_ids skips it), so it simply gets no samples here.
    id_map = voice.config.phoneme_id_map
    per_id = [int(n) for n in chunk.phoneme_id_samples]
    pad = len(id_map.get("_", []))
    counts = [len(id_map["^"]) + pad]
    counts += [len(id_map[p]) + pad if p in id_map else 0 for p in chunk.phonemes]
    counts.append(len(id_map["$"]))
    out, i = [], 0
    for c in counts:
        out.append(sum(per_id[i:i + c]))
        i += c
    return out


def _word_events(spans: list[tuple[int, int]], labels: list[int], bounds: list[tuple[int, int]],
                 rate: int) -> list[Event]:
    """One event per word that sounded: from its first phoneme's start to its last phoneme's end."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for j, w in enumerate(labels):
        if w >= 0:
            first.setdefault(w, bounds[j][0])
            last[w] = bounds[j][1]
    return [
        Event(first[w] * 1000 / rate, last[w] * 1000 / rate, spans[w][0], spans[w][1] - spans[w][0])
        for w in sorted(first)
    ]


def _resampled(syn: Synthesis) -> Synthesis:
    """The same synthesis at OUTPUT_RATE (medium and high voices have it; low ones are resampled)."""
    return resampled(syn, OUTPUT_RATE)
