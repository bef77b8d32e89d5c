"""`flask voices download` against a loopback Piper voices repository serving the real joe voice.

The repository is a real ``http.server`` in a thread, in the layout of rhasspy/piper-voices: ``voices.json`` at
its base (each file's ``size_bytes`` and ``md5_digest``, as the real one) and the files under
``en/en_US/joe/medium/``. It answers Range requests, and can be told to cut a file halfway or to corrupt it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.audio.publish import audio_urls
from service.tts.voices import VoiceStore

from .audio_support import decode

JOE = VoiceStore("/nonexistent").find("en_US-joe-medium")
NAME = "en_US-joe-medium"
DIR = "en/en_US/joe/medium"
#: The repository lives below a path, as the real one below /resolve/main/.
PREFIX = "/piper-voices/"
CARD = b"# Model card for joe (medium)\nLicense: see the dataset's terms.\n"


def md5(data: bytes) -> str:
    """The hex md5 of some bytes, as voices.json gives it."""
    return hashlib.md5(data).hexdigest()


@dataclass
class Repository:
    """What the loopback repository serves, and what it saw."""

    files: dict[str, bytes]
    cut: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before the connection is dropped
    ranges: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header) of every GET
    url: str = ""

    def catalog(self) -> dict:
        """voices.json in the real repository's format (key, language, files with size and md5, aliases)."""
        listed = {p: {"size_bytes": len(b), "md5_digest": md5(b)} for p, b in self.files.items() if p.startswith(DIR)}
        return {NAME: {"key": NAME, "name": "joe", "quality": "medium", "num_speakers": 1, "speaker_id_map": {},
                       "language": {"code": "en_US", "family": "en", "region": "US", "name_native": "English",
                                    "name_english": "English", "country_english": "United States"},
                       "files": listed, "aliases": ["en-us-joe-medium"]}}


def handler_for(repo: Repository) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``repo`` with byte ranges."""

    class Handler(BaseHTTPRequestHandler):
        """GET with Range (one range, ``bytes=N-`` or ``bytes=N-M``), 404 for anything else."""

        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            """Serve a file, a part of it, or cut the connection where told to."""
            path = self.path.removeprefix(PREFIX)
            repo.ranges.append((path, self.headers.get("Range")))
            body = json.dumps(repo.catalog()).encode() if path == "voices.json" else repo.files.get(path)
            if body is None or not self.path.startswith(PREFIX):
                self.send_error(404)
                return
            start, end = 0, len(body) - 1
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
            if match:
                start, end = int(match[1]), int(match[2] or end)
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(end + 1 - start))
            self.end_headers()
            part = body[start:end + 1]
            if path in repo.cut:  # announce the whole length, send a part, drop the connection
                part = part[:repo.cut.pop(path)]
                self.close_connection = True
            self.wfile.write(part)

    return Handler


@pytest.fixture
def repo() -> Iterator[Repository]:
    """The loopback repository with the real joe voice, its configuration and a model card."""
    files = {f"{DIR}/{NAME}.onnx": JOE.model.read_bytes(), f"{DIR}/{NAME}.onnx.json": JOE.config.read_bytes(),
             f"{DIR}/MODEL_CARD": CARD}
    repository = Repository(files)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(repository))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    repository.url = f"http://127.0.0.1:{server.server_port}{PREFIX.rstrip('/')}"
    try:
        yield repository
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def app_config(app_config, tmp_path, repo):
    """English wants the joe voice from the voices folder; the repository is the loopback one."""
    return {**app_config, "TTS_BACKENDS": {"en": f"piper:{NAME}"}, "VOICES_DIR": str(tmp_path / "voices"),
            "VOICES_BASE_URL": repo.url, "VOICES_DOWNLOAD_TIMEOUT": 5.0, "AUDIO_WARM": False}


def folder_of(app) -> Path:
    """The app's voices folder."""
    return Path(app.config["VOICES_DIR"])


def leftovers(app) -> list[str]:
    """What the voices folder holds besides the download's lock file."""
    folder = folder_of(app)
    return sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") if folder.exists() else []


def test_download_installs_a_voice_that_speaks(app, runner, client, repo):
    """The voice arrives checked and whole, with no part left; English then speaks with it through the app."""
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 0, r.output
    assert f"fetching {NAME}.onnx (63.2 MB)" in r.output
    assert f"downloaded {NAME}" in r.output and "size and md5 as voices.json says" in r.output
    assert f"{repo.url}/en/en_US/joe/medium/MODEL_CARD" in r.output
    folder = folder_of(app)
    assert (folder / f"{NAME}.onnx").read_bytes() == JOE.model.read_bytes()
    assert (folder / f"{NAME}.onnx.json").read_bytes() == JOE.config.read_bytes()
    assert not list(folder.glob(".*.part"))
    assert ((folder / f"{NAME}.onnx").stat().st_mode & 0o777) == 0o644

    r = runner.invoke(args=["voices", "list"])
    assert re.search(rf"{NAME}\s+en_US\s+63\.2 MB\s+voices folder\s+used by en", r.output), r.output
    tts = app.extensions["tts"]
    assert tts.locale_state("en")["serving"] == "piper"
    assert tts.backends["piper"].store.find(NAME).source == "instance"  # the download, not the packaged copy
    assert client.get("/en/werkstatt").status_code == 200
    with app.test_request_context("/"):
        urls = audio_urls("en", "werkstatt", "b4")
    timings = client.get(urls["json"]).get_json()
    assert timings["backend"] == "piper" and timings["words"]
    mp3 = client.get(urls["mp3"])
    assert mp3.status_code == 200 and abs(decode(mp3.data).duration * 1000 - timings["duration"]) < 150

    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and "already installed (remove it first, or --replace)" in r.output
    r = runner.invoke(args=["voices", "download", "en-us-joe-medium", "--replace"])  # an alias of the same voice
    assert r.exit_code == 0, r.output


def test_a_corrupt_download_is_rejected_and_nothing_is_installed(app, runner, repo):
    """One flipped byte in the model (same size): the md5 check refuses it, the part is deleted, no voice appears."""
    path = f"{DIR}/{NAME}.onnx"
    good = repo.files[path]
    catalog = repo.catalog()
    repo.catalog = lambda: catalog  # voices.json keeps the good digest
    repo.files[path] = good[:1000] + bytes([good[1000] ^ 0xFF]) + good[1001:]
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1
    assert f"Error: {NAME}.onnx is corrupt" in r.output
    assert f"md5 {md5(good)}" in r.output and "nothing was installed" in r.output
    assert leftovers(app) == []
    assert app.extensions["tts"].locale_state("en")["serving"] == "piper"  # the packaged joe, untouched

    repo.files[path] = good + b"extra bytes"  # longer than voices.json says: stopped at the declared size
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and "longer than the" in r.output and "nothing was installed" in r.output
    assert leftovers(app) == []

    repo.files[path] = good  # the repository fixed: the next run installs it
    assert runner.invoke(args=["voices", "download", NAME]).exit_code == 0


def test_an_interrupted_download_resumes(app, runner, repo):
    """The server drops the connection halfway: the part is kept, the next run asks only for the rest."""
    path = f"{DIR}/{NAME}.onnx"
    size = len(repo.files[path])
    repo.cut[path] = size // 2
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1
    assert re.search(r"the transfer broke off after 31\.[56] MB of 63\.2 MB", r.output), r.output
    assert "the part is kept: run the same command again to resume" in r.output
    folder = folder_of(app)
    parts = list(folder.glob(".*.part"))
    assert len(parts) == 1 and leftovers(app) == [parts[0].name]
    kept = parts[0].stat().st_size  # what arrived in whole blocks (the block in flight is lost)
    assert size // 2 - 65536 <= kept <= size // 2

    repo.ranges.clear()
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 0, r.output
    assert re.search(r"resuming en_US-joe-medium.onnx at 31\.[56] MB of 63\.2 MB", r.output), r.output
    assert repo.ranges == [("voices.json", None), (path, f"bytes={kept}-"), (f"{DIR}/{NAME}.onnx.json", None)]
    assert (folder / f"{NAME}.onnx").read_bytes() == JOE.model.read_bytes()
    assert not list(folder.glob(".*.part"))


def test_failures_are_clear(app, runner, repo, monkeypatch):
    """Unknown voice (with suggestions), a bound, no space, no server: one line each, nothing installed."""
    r = runner.invoke(args=["voices", "download", "en_US-joe-high"])
    assert r.exit_code == 1
    assert f"no voice named 'en_US-joe-high' in the voices repository {repo.url} (did you mean: {NAME})" in r.output
    r = runner.invoke(args=["voices", "download", "../evil"])
    assert r.exit_code == 1 and "is not a voice name" in r.output

    app.config["VOICES_DOWNLOAD_MAX_BYTES"] = 50_000_000
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and "is 63.2 MB, more than the 50.0 MB VOICES_DOWNLOAD_MAX_BYTES allows" in r.output
    app.config["VOICES_DOWNLOAD_MAX_BYTES"] = 300_000_000

    from service.tts import download

    class Usage:
        free = 40_000_000

    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: Usage())
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and "not enough space in" in r.output and "63.2 MB to fetch" in r.output
    monkeypatch.undo()

    catalog = repo.catalog()
    repo.catalog = lambda: catalog
    del repo.files[f"{DIR}/{NAME}.onnx"]  # listed in voices.json, missing on the server
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and f"{repo.url}/{DIR}/{NAME}.onnx answered HTTP 404 Not Found" in r.output

    app.config["VOICES_BASE_URL"] = "http://127.0.0.1:9/piper-voices"  # the discard port: nobody answers
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and "cannot reach the voices repository: http://127.0.0.1:9/piper-voices/voices.json" \
        in r.output
    assert leftovers(app) == []


def test_a_sha256_in_the_catalog_is_checked_instead_of_md5(app, runner, repo):
    """A mirror whose voices.json adds sha256_digest: that digest decides (a wrong one rejects the voice)."""
    catalog = repo.catalog()
    files = catalog[NAME]["files"]
    for path, info in files.items():
        info["sha256_digest"] = hashlib.sha256(repo.files[path]).hexdigest()
    repo.catalog = lambda: catalog
    model = files[f"{DIR}/{NAME}.onnx"]
    good = model["sha256_digest"]
    model["sha256_digest"] = "0" * 64  # the md5 still matches: only the sha256 can catch this
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1 and f"voices.json says {len(repo.files[f'{DIR}/{NAME}.onnx'])} bytes, sha256 " \
                                f"{'0' * 64}" in r.output
    assert leftovers(app) == []
    model["sha256_digest"] = good
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 0 and "size and sha256 as voices.json says" in r.output, r.output


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A real 40 MB file system (tmpfs) for the voices folder: too small for the 63 MB voice."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
                                           capture_output=True, check=False).returncode != 0:
        pytest.skip("mounting a tmpfs needs root (CI and the dev machines run as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_keeps_the_part_and_resumes_once_there_is_room(app, runner, repo, small_disk, monkeypatch):
    """The disk fills up while writing (space taken after the check): a clear error, then a resumed install."""
    from service.tts import download

    class Plenty:
        free = 10**12

    app.config["VOICES_DIR"] = str(small_disk / "voices")
    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: Plenty())  # the check passed, the disk did not
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 1
    assert re.search(rf"the disk of {small_disk}/voices is full after \d+\.\d MB of {NAME}\.onnx: free "
                     rf"\d+\.\d MB and run again to resume", r.output), r.output
    parts = list((small_disk / "voices").glob(".*.part"))
    assert len(parts) == 1 and 30_000_000 < parts[0].stat().st_size <= 40 * 1024 * 1024
    assert leftovers(app) == [parts[0].name]  # nothing installed

    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    kept = parts[0].stat().st_size
    r = runner.invoke(args=["voices", "download", NAME])
    assert r.exit_code == 0, r.output
    assert (f"{DIR}/{NAME}.onnx", f"bytes={kept}-") in repo.ranges
    assert (small_disk / "voices" / f"{NAME}.onnx").read_bytes() == JOE.model.read_bytes()
