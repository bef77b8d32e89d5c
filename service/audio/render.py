"""Text to speech: one block synthesized into an MP3 chunk with word and sentence timings, chunks joined into pages."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..tts import text as speech_text
from ..tts.base import Backend, BackendError, Synthesis
from ..tts.mp3 import encode_mp3, mp3_info

#: Bumped when the timings layout or the rendering changes: old cache entries are simply not found.
FORMAT_VERSION = 2
#: Silence after each block, in ms: the pause between two blocks, in a chunk and in the joined page alike.
GAP_MS = 400
TIMESTAMP_RE = re.compile(r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})")


@dataclass(frozen=True)
class Segment:
    """One block to speak: its id, language, the text shown, optionally the text to speak, and lexicon hits."""

    block: str
    lang: str
    text: str
    speech: str | None = None
    #: (shown term, how to say it) for the lexicon terms that occur in this block.
    terms: tuple[tuple[str, str], ...] = ()


@dataclass
class TimedSegment:
    """One block spoken: audio, word and sentence timings (ms from the block's start) on the shown words."""

    segment: Segment
    synthesis: Synthesis
    spoken: speech_text.Spoken
    duration: float
    words: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    #: For each sentence the engine reported: (shown word it began on, shown sentence start it was put on).
    engine_sentences: list[tuple[int, int]] = field(default_factory=list)


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


def speakable(segment: Segment) -> bool:
    """Whether a block has anything to say once URLs and decoration are dropped."""
    return bool(speech_text.spoken_text(segment.text, segment.speech).text.strip())


def time_segment(backend: Backend, seg: Segment, voice: str, speed: float = 1.0) -> TimedSegment | None:
    """Synthesize one block; place each engine word on the shown words it stands for; None if nothing to say."""
    spoken = speech_text.spoken_text(seg.text, seg.speech, dict(seg.terms))
    if not spoken.text.strip():
        return None
    syn = backend.synthesize(spoken.text, voice, speed)
    if syn.pcm is not None:
        duration = len(syn.pcm) / 2 / syn.sample_rate * 1000
    elif syn.mp3 is not None:
        duration = mp3_info(syn.mp3)["duration_ms"] or syn.duration_ms
    else:
        raise BackendError(f"{backend.name} returned no audio")
    starts = speech_text.word_starts(seg.text)
    last_char = max(len(spoken.text) - 1, 0)

    def shown_words(pos: int) -> tuple[int, int]:
        """The shown words [first, last] that the spoken character ``pos`` stands for."""
        begin, end = spoken.span(min(max(pos, 0), last_char))
        return speech_text.word_index(starts, begin), speech_text.word_index(starts, max(begin, end - 1))

    timed = TimedSegment(seg, syn, spoken, duration)
    words = timed.words
    for ev in syn.words:
        w0, w1 = shown_words(ev.text_start)
        t0, t1 = round(ev.start), round(min(ev.end, duration))
        if words and w0 <= words[-1]["w1"]:  # one shown word read as several (a number, a term, "H S M")
            words[-1]["w1"] = max(words[-1]["w1"], w1)
            words[-1]["end"] = max(words[-1]["end"], t1)
            continue
        words.append({"w": w0, "w1": w1, "start": t0, "end": t1})
    candidates = speech_text.sentence_starts(seg.text) or [0]
    chosen = {0}
    for ev in syn.sentences:
        w0 = shown_words(ev.text_start)[0]
        snapped = min(candidates, key=lambda c: (abs(c - w0), c))
        timed.engine_sentences.append((w0, snapped))
        chosen.add(snapped)
    bounds = sorted(chosen)
    n_words = max(len(starts), 1)
    for i, w0 in enumerate(bounds):
        w1 = (bounds[i + 1] if i + 1 < len(bounds) else n_words) - 1
        inside = [w for w in words if w0 <= w["w"] <= w1]
        if not inside and timed.sentences:  # nothing timed in it (a dropped URL): the previous sentence covers it
            timed.sentences[-1]["w1"] = w1
            continue
        t0 = inside[0]["start"] if inside else 0
        timed.sentences.append({"w0": w0, "w1": w1, "start": t0, "end": 0})
    for i, s in enumerate(timed.sentences):
        s["end"] = timed.sentences[i + 1]["start"] if i + 1 < len(timed.sentences) else round(duration)
    return timed


def _shown_slice(text: str, w0: int, w1: int) -> str:
    """The shown text of words w0..w1."""
    matches = list(speech_text.WORD_RE.finditer(text))
    if not matches:
        return text
    return text[matches[min(w0, len(matches) - 1)].start():matches[min(w1, len(matches) - 1)].end()]


def render(
    backend: Backend,
    segments: list[Segment],
    voice_for: Callable[[str], str],
    speed: float = 1.0,
    bitrate: int = 48,
    quality: int = 5,
) -> tuple[bytes, dict, str]:
    """Synthesize blocks into one MP3 (each followed by a short pause); return MP3, timings and WebVTT."""
    pcm_parts: list[bytes] = []
    mp3_parts: list[bytes] = []
    timed_blocks: list[tuple[TimedSegment, float]] = []
    offset = 0.0
    sample_rate = 0
    for seg in segments:
        timed = time_segment(backend, seg, voice_for(seg.lang), speed)
        if timed is None:
            continue
        syn = timed.synthesis
        timed_blocks.append((timed, offset))
        if syn.pcm is not None:
            if sample_rate and syn.sample_rate != sample_rate:
                raise BackendError("segments differ in sample rate")
            sample_rate = syn.sample_rate
            gap = int(sample_rate * GAP_MS / 1000)
            pcm_parts += [syn.pcm, b"\x00\x00" * gap]
            offset += timed.duration + gap / sample_rate * 1000
        else:
            mp3_parts.append(syn.mp3 or b"")
            offset += timed.duration
    if not timed_blocks:
        raise BackendError("nothing to speak")
    mp3 = encode_mp3(b"".join(pcm_parts), sample_rate, bitrate, quality) if pcm_parts else b"".join(mp3_parts)
    total = mp3_info(mp3)["duration_ms"] or offset
    return mp3, *timings_of(backend.name, timed_blocks, total)


def timings_of(backend_name: str, timed_blocks: list[tuple[TimedSegment, float]], total: float) -> tuple[dict, str]:
    """Timings JSON and WebVTT of blocks placed at the given offsets (ms) in audio ``total`` ms long."""
    blocks: list[dict] = []
    words: list[dict] = []
    sentences: list[dict] = []
    cues: list[str] = []
    for timed, at in timed_blocks:
        seg = timed.segment
        blocks.append({"id": seg.block, "lang": seg.lang, "start": round(at), "end": round(at + timed.duration)})
        for w in timed.words:
            item = {"block": seg.block, "w": w["w"], "start": round(at + w["start"]), "end": round(at + w["end"])}
            if w["w1"] != w["w"]:
                item["w1"] = w["w1"]
            words.append(item)
        for s in timed.sentences:
            t0, t1 = round(at + s["start"]), round(at + s["end"])
            sentences.append({"block": seg.block, "w0": s["w0"], "w1": s["w1"], "start": t0, "end": t1})
            cues.append(vtt_cue(f"{seg.block}-{len(cues) + 1}", t0, t1, _shown_slice(seg.text, s["w0"], s["w1"])))
    timings = {
        "version": FORMAT_VERSION,
        "backend": backend_name,
        "duration": round(total),
        "blocks": blocks,
        "sentences": sentences,
        "words": words,
    }
    return timings, "WEBVTT\n\n" + "\n".join(cues)


def _shift_cues(vtt: str, by_ms: int) -> list[str]:
    """The cues of a WebVTT text with every timestamp moved later by ``by_ms``."""
    def shift(m: re.Match[str]) -> str:
        h, mi, s, ms = (int(x) for x in m.groups())
        return vtt_timestamp(((h * 60 + mi) * 60 + s) * 1000 + ms + by_ms)
    out = []
    for cue in vtt.removeprefix("WEBVTT").strip().split("\n\n"):
        lines = cue.strip().split("\n")
        if len(lines) >= 2 and "-->" in lines[1]:  # only the timing line: the text may contain anything
            lines[1] = TIMESTAMP_RE.sub(shift, lines[1])
            out.append("\n".join(lines) + "\n")
    return out


def join(chunks: list[tuple[bytes, dict, str]]) -> tuple[bytes, dict, str]:
    """Join block chunks (MP3, timings, WebVTT) into one MP3 with timings and WebVTT, without re-encoding."""
    mp3_parts: list[bytes] = []
    cues: list[str] = []
    blocks: list[dict] = []
    words: list[dict] = []
    sentences: list[dict] = []
    offset = 0.0
    backend = ""
    for mp3, timings, vtt in chunks:
        at = round(offset)
        cues += _shift_cues(vtt, at)
        backend = backend or timings.get("backend", "")
        blocks += [{**b, "start": b["start"] + at, "end": b["end"] + at} for b in timings["blocks"]]
        words += [{**w, "start": w["start"] + at, "end": w["end"] + at} for w in timings["words"]]
        sentences += [{**s, "start": s["start"] + at, "end": s["end"] + at} for s in timings["sentences"]]
        mp3_parts.append(mp3)
        offset += mp3_info(mp3)["duration_ms"]  # what a decoder plays before the next chunk begins
    if not mp3_parts:
        raise BackendError("nothing to speak")
    timings = {"version": FORMAT_VERSION, "backend": backend, "duration": round(offset), "blocks": blocks,
               "sentences": sentences, "words": words}
    return b"".join(mp3_parts), timings, "WEBVTT\n\n" + "\n".join(cues)
