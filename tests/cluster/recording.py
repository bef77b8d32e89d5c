"""A speech backend for the cluster tests: real espeak-ng that notes every synthesis in a file, and takes its time."""
from __future__ import annotations

import hashlib
import os
import time

from service.tts.base import Synthesis
from service.tts.espeak import EspeakBackend


class RecordingEspeak(EspeakBackend):
    """espeak-ng; each synthesize() appends "<pid> <sha1 of text>" to ``record`` and sleeps ``delay`` s first."""

    def __init__(self, record: str, delay: float = 0.0, voices: dict[str, str] | None = None):
        """Record into ``record``; a delay makes a job long enough to be killed in the middle."""
        super().__init__(voices)
        self.record = record
        self.delay = float(delay)

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Note the call (one line, appended atomically by O_APPEND), wait, then speak for real."""
        line = f"{os.getpid()} {hashlib.sha1(text.encode()).hexdigest()}\n".encode()
        fd = os.open(self.record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        time.sleep(self.delay)
        return super().synthesize(text, voice, speed)
