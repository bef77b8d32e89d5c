"""16-bit mono PCM helpers shared by the backends: one output rate for every voice of a backend."""
from __future__ import annotations

from dataclasses import replace

from .base import Event, Synthesis

#: The rate every segment of the MBROLA, RHVoice and Piper backends leaves at: espeak-ng's own, and that of
#: Piper's medium voices. MBROLA voices (16 kHz) and RHVoice (24 kHz) are resampled to it, so the blocks of
#: one page (each possibly another voice, another language) join into one MP3 stream of one rate.
OUTPUT_RATE = 22050


def resample(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Linear-interpolation resampling of 16-bit mono PCM (speech only: no audible aliasing at these rates)."""
    if src_rate == dst_rate or not pcm:
        return pcm
    import numpy as np  # a base dependency, imported here so that espeak-only processes never pay for it

    src = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    n = max(1, int(round(len(src) * dst_rate / src_rate)))
    out = np.interp(np.linspace(0, len(src) - 1, n), np.arange(len(src)), src)
    return np.clip(out, -32768, 32767).astype(np.int16).tobytes()


def resampled(syn: Synthesis, rate: int = OUTPUT_RATE) -> Synthesis:
    """The same synthesis at ``rate`` (times in ms do not change)."""
    if syn.pcm is None or syn.sample_rate == rate:
        return syn
    syn.pcm = resample(syn.pcm, syn.sample_rate, rate)
    syn.sample_rate = rate
    syn.duration_ms = len(syn.pcm) / 2 * 1000 / rate
    # Rounding to whole samples may shorten the audio by a fraction of a millisecond: no event may end after it.
    syn.words = [_within(e, syn.duration_ms) for e in syn.words]
    syn.sentences = [_within(e, syn.duration_ms) for e in syn.sentences]
    return syn


def _within(event: Event, duration: float) -> Event:
    """The event with its times no later than ``duration``."""
    if event.end <= duration:
        return event
    return replace(event, start=min(event.start, duration), end=duration)
