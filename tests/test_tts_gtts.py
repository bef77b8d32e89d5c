"""The opt-in gTTS backend against a local fake of Google's endpoint (Google is never called)."""
from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import miniaudio
import pytest

from service.audio.cache import AudioCache
from service.audio.render import Segment
from service.tts.base import Backend, BackendError
from service.tts.espeak import EspeakBackend
from service.tts.gtts import GttsBackend
from service.tts.mp3 import encode_mp3, mp3_info


def _fake_mp3(text: str) -> bytes:
    """Real speech for the text (espeak-ng), encoded as MP3 like the endpoint would send."""
    syn = EspeakBackend().synthesize(text, "de")
    return encode_mp3(syn.pcm, syn.sample_rate, 32)


class FakeGoogle(BaseHTTPRequestHandler):
    """Answers gTTS's batchexecute POST the way translate.google.com does."""

    requests: list[tuple[str, str]] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        """Decode the RPC, synthesize its text, answer in Google's framing."""
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        rpc = json.loads(urllib.parse.unquote(body.removeprefix("f.req=").rstrip("&")))
        text, lang = json.loads(rpc[0][0][1])[:2]
        FakeGoogle.requests.append((text, lang))
        if FakeGoogle.fail:
            self.send_response(500)
            self.end_headers()
            return
        audio = base64.b64encode(_fake_mp3(text)).decode()
        frame = [["wrb.fr", "jQ1olc", json.dumps([audio]), None, None, None, "generic"]]
        payload = ")]}'\n\n123\n" + json.dumps(frame, separators=(",", ":")) + "\n"
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def endpoint(monkeypatch):
    """A local fake endpoint; proxies are bypassed so nothing leaves the machine."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    FakeGoogle.requests = []
    FakeGoogle.fail = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGoogle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/_/TranslateWebserverUi/data/batchexecute"
    server.shutdown()


def test_synthesizes_through_the_endpoint(endpoint):
    """gTTS sends the text and language to the endpoint and returns its MP3 with estimated timings."""
    backend = GttsBackend(endpoint=endpoint, timeout=5)
    assert isinstance(backend, Backend) and backend.available()
    text = "Die Stadt Herne investiert in ihre Schulen."
    syn = backend.synthesize(text, "de")
    assert FakeGoogle.requests == [(text, "de")]
    assert syn.mp3 and syn.pcm is None
    info = mp3_info(syn.mp3)
    assert info["sample_rate"] == 22050 and abs(info["duration_ms"] - syn.duration_ms) < 1
    assert len(syn.words) == len(text.split())
    assert all(a.end <= b.start + 1e-6 for a, b in zip(syn.words, syn.words[1:], strict=False))
    assert syn.words[-1].end == pytest.approx(syn.duration_ms)


def test_cache_joins_gtts_segments(endpoint, tmp_path):
    """A page spoken by gTTS becomes one playable MP3 with timings for each block."""
    backend = GttsBackend(endpoint=endpoint, timeout=5)
    segs = [Segment("b1", "de", "Lernen am Kanal"),
            Segment("b2", "de", "Alle Menschen sollen ihre Talente entfalten.")]
    entry = AudioCache(tmp_path).get_or_create("de", backend, backend.languages(), segs)
    timings = json.loads(entry.timings.read_text())
    sound = miniaudio.mp3_read_file_s16(str(entry.mp3))
    assert abs(sound.num_frames / sound.sample_rate * 1000 - timings["duration"]) < 100
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b2"]
    assert timings["backend"] == "gtts" and len(FakeGoogle.requests) == 2


def test_failure_marks_backend_down(endpoint):
    """An endpoint error raises BackendError and the health state reports it for a cooldown."""
    backend = GttsBackend(endpoint=endpoint, timeout=5)
    FakeGoogle.fail = True
    with pytest.raises(BackendError):
        backend.synthesize("Hallo.", "de")
    assert backend.available() is False
    state = backend.state()
    assert state["available"] is False and "gTTS failed" in state["last_error"]


def test_unreachable_endpoint_is_an_error():
    """A closed port (no network) is a BackendError, not a hang or a crash."""
    backend = GttsBackend(endpoint="http://127.0.0.1:9/none", timeout=2)
    with pytest.raises(BackendError):
        backend.synthesize("Hallo.", "de")
