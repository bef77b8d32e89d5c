"""Helpers for the audio tests: a sample page, the real espeak-ng slowed or broken on purpose, MP3 decoding."""
from __future__ import annotations

import os
import time
from pathlib import Path

import miniaudio

from service.audio.render import Segment
from service.tts.base import BackendError, Synthesis
from service.tts.espeak import EspeakBackend

VOICES = EspeakBackend().languages()
PAGE = [
    Segment("b1", "de", "Lernen am Kanal"),
    Segment("b2", "de", "Über ihre Schulmodernisierungsgesellschaft (HSM) investiert die Stadt rund "
                        "150 Millionen Euro. Mehr unter https://www.herne.de/schule oder schule@herne.de."),
    Segment("b3", "en", "This passage is in English."),
]


class CountingBackend(EspeakBackend):
    """The real espeak-ng, slowed down and counting its syntheses in a file shared by processes."""

    def __init__(self, log: Path, delay: float = 0.3):
        """Append one line to ``log`` per synthesis; sleep ``delay`` to widen races."""
        super().__init__()
        self.log = log
        self.delay = delay

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Count, wait, then synthesize for real."""
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()} {voice}\n")
        time.sleep(self.delay)
        return super().synthesize(text, voice, speed)


class FailingBackend(EspeakBackend):
    """An engine that loads but fails on every text."""

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Always fail."""
        raise BackendError("engine crashed")


class DownBackend(EspeakBackend):
    """An engine that is not installed here."""

    def available(self) -> bool:
        """Never available."""
        return False


def decode(data: bytes | Path) -> miniaudio.DecodedSoundFile:
    """Decode MP3 bytes or an MP3 file to 16-bit samples at its own rate and channel count."""
    if isinstance(data, Path):
        return miniaudio.mp3_read_file_s16(str(data))
    return miniaudio.mp3_read_s16(data)
