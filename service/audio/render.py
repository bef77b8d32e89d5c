"""Text to speech audio: every segment synthesized, joined into one MP3 with word and sentence timings and WebVTT."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..tts import text as speech_text
from ..tts.base import Backend, BackendError, Event, Synthesis
from ..tts.mp3 import encode_mp3, mp3_info

#: Bumped when the timings layout or the rendering changes: old cache entries are simply not found.
FORMAT_VERSION = 1
#: Silence between two segments, in ms.
GAP_MS = 400


@dataclass(frozen=True)
class Segment:
    """One block to speak: its id, language, the text shown and, optionally, the text to speak."""

    block: str
    lang: str
    text: str
    speech: str | None = None


def vtt_timestamp(ms: float) -> str:
    """Milliseconds as a WebVTT timestamp (``hh:mm:ss.ttt``)."""
    ms = max(0, int(round(ms)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_cue(ident: str, start_ms: float, end_ms: float, text: str) -> str:
    """One WebVTT cue; an arrow inside the text would end the cue's timing line, so it is defused."""
    return f"{ident}\n{vtt_timestamp(start_ms)} --> {vtt_timestamp(end_ms)}\n{text.strip().replace('-->', '->')}\n"


def render(
    backend: Backend,
    segments: list[Segment],
    voice_for: Callable[[str], str],
    speed: float = 1.0,
    bitrate: int = 48,
    quality: int = 5,
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
        spoken = speech_text.clean(seg.speech or seg.text)
        if not spoken.text.strip():
            continue
        syn: Synthesis = backend.synthesize(spoken.text, voice_for(seg.lang), speed)
        if syn.pcm is not None:
            if sample_rate and syn.sample_rate != sample_rate:
                raise BackendError("segments differ in sample rate")
            sample_rate = syn.sample_rate
            if pcm_parts:
                gap = int(sample_rate * GAP_MS / 1000)
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
                text = seg.text[shown_starts[w0]:end_char]
                cues.append(vtt_cue(f"{seg.block}-{len(cues) + 1}", t0, t1, text))
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
