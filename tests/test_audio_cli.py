"""`flask audio build|stats|prune` through the real app and espeak-ng: worker processes, failures, Ctrl-C and resume."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from service import create_app
from service.config import ROOT

from .audio_support import FailingBackend

FAILING = "tests.audio_support:FailingBackend"


def test_cli_build_stats_prune(app, runner):
    """`flask audio build` fills the cache (in-process with one job), `stats` reports it, `prune` trims it."""
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen", "--jobs", "1", "-v"])
    assert r.exit_code == 0, r.output
    assert "2 audio files: 0 already cached, 2 to synthesize" in r.output
    assert re.search(r"de/talentschulen/page \(\d+\.\d\ds\)", r.output) and "de/talentschulen/b4 (" in r.output
    assert "2 synthesized, 0 already cached, 0 failed" in r.output
    entries = app.extensions["audio_cache"].entries("de")
    assert len(entries) == 2
    r = runner.invoke(args=["audio", "stats"])
    assert r.exit_code == 0 and re.search(r"de\s+2 entries", r.output)
    r = runner.invoke(args=["audio", "prune", "--max-bytes", "0"])
    assert r.exit_code == 0 and "evicted 2 entries" in r.output
    assert app.extensions["audio_cache"].entries() == []


def test_cli_build_on_worker_processes_then_only_what_is_missing(app, runner):
    """Two worker processes build every file; a second run finds them all and synthesizes nothing."""
    args = ["audio", "build", "--locale", "en", "--page", "datenschutz", "--jobs", "2"]
    r = runner.invoke(args=args)
    assert r.exit_code == 0, r.output
    assert "6 audio files: 0 already cached, 6 to synthesize" in r.output and "6 synthesized" in r.output
    assert len(app.extensions["audio_cache"].entries("en")) == 6
    r = runner.invoke(args=args)
    assert r.exit_code == 0 and "6 audio files: 6 already cached, 0 to synthesize" in r.output


def test_cli_build_reports_each_failure_then_fails(app, runner):
    """With the engine failing, every item is reported and the command ends with an error and the count."""
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen", "--jobs", "1"])
    assert r.exit_code == 1
    assert "FAILED de/talentschulen/page: engine crashed" in r.output
    assert "FAILED de/talentschulen/b4: engine crashed" in r.output
    assert "Error: 2 audio file(s) could not be built" in r.output
    assert app.extensions["audio_cache"].entries() == []


def test_cli_build_reports_failures_of_worker_processes(app_config, tmp_path):
    """Failures inside worker processes come back to the command as well."""
    app = create_app({**app_config, "TTS_BACKENDS": {"default": FAILING}})
    r = app.test_cli_runner().invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen", "-j", "2"])
    assert r.exit_code == 1
    assert "FAILED de/talentschulen/page: engine crashed" in r.output
    assert "Error: 2 audio file(s) could not be built" in r.output


def test_cli_build_refuses_unknown_locales(runner):
    """A locale the site does not serve is a usage error, before anything is synthesized."""
    r = runner.invoke(args=["audio", "build", "--locale", "../x"])
    assert r.exit_code == 2 and "not served: ../x" in r.output


def test_ctrl_c_keeps_finished_files_and_a_rerun_goes_on(tmp_path, translations_dir):
    """Ctrl-C stops after the running files; every kept file is complete; the next run builds only the rest."""
    cache = tmp_path / "audio_cache"
    log = tmp_path / "syntheses.log"
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "test",
        "FLASK_DATABASE": str(tmp_path / "service.sqlite"),
        "FLASK_AUDIO_CACHE_DIR": str(cache),
        "FLASK_BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
        "FLASK_TTS_BACKENDS": "tests.audio_support:CountingBackend",
        "FLASK_TTS_BACKEND_OPTIONS": json.dumps(
            {"tests.audio_support:CountingBackend": {"log": str(log), "delay": 0.1}}),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "audio", "build", "--jobs", "2",
             "--locale", "de", "--page", "datenschutz", "--page", "barrierefreiheit"]
    proc = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not list(cache.glob("de/*.mp3")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[0]
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, out
    assert "Stopping: waiting for the files being synthesized now" in out and "Interrupted:" in out
    kept = sorted(p.stem for p in cache.glob("de/*.mp3"))
    assert 1 <= len(kept) < 12, out
    for key in kept:  # each kept file is whole: its timings are there and parse
        assert json.loads((cache / "de" / f"{key}.json").read_text())["words"]
    assert not list(cache.rglob(".*.tmp"))
    rerun = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"12 audio files: {len(kept)} already cached, {12 - len(kept)} to synthesize" in rerun.stdout
    assert len(list(cache.glob("de/*.mp3"))) == 12
    assert set(kept) <= {p.stem for p in Path(cache, "de").glob("*.mp3")}
