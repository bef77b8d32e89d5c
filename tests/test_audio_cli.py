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
from service.audio.publish import chunk_ids
from service.config import ROOT

from .audio_support import FailingBackend
from .site_support import FIXTURE_CONTENT

FAILING = "tests.audio_support:FailingBackend"


def test_cli_build_stats_prune(app, runner):
    """`flask audio build` fills the cache (in-process with one job), `stats` reports it, `prune` trims it."""
    with app.app_context():
        n = len(chunk_ids("de", "werkstatt")) + 1  # every chunk the player plays, and the whole page
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "werkstatt", "--jobs", "1", "-v"])
    assert r.exit_code == 0, r.output
    assert f"{n} audio files: 0 already cached, {n} to synthesize" in r.output
    assert re.search(r"de/werkstatt/page \(\d+\.\d\ds\)", r.output) and "de/werkstatt/b4 (" in r.output
    assert f"{n} synthesized, 0 already cached, 0 failed" in r.output
    entries = app.extensions["audio_cache"].files("de")
    assert len(entries) == n
    r = runner.invoke(args=["audio", "stats"])
    assert r.exit_code == 0 and re.search(rf"de\s+{n} entries", r.output)
    r = runner.invoke(args=["audio", "prune", "--max-bytes", "0"])
    assert r.exit_code == 0 and f"evicted {n} entries" in r.output
    assert app.extensions["audio_cache"].files() == []


def test_cli_build_on_worker_processes_then_only_what_is_missing(app, runner):
    """Two worker processes build every file; a second run finds them all and synthesizes nothing."""
    args = ["audio", "build", "--locale", "en", "--page", "werkstatt", "--jobs", "2"]
    with app.app_context():  # what the player plays: one chunk per spoken block, and the whole page
        n = len(chunk_ids("en", "werkstatt")) + 1
    r = runner.invoke(args=args)
    assert r.exit_code == 0, r.output
    assert f"{n} audio files: 0 already cached, {n} to synthesize" in r.output and f"{n} synthesized" in r.output
    assert len(app.extensions["audio_cache"].files("en")) == n
    r = runner.invoke(args=args)
    assert r.exit_code == 0 and f"{n} audio files: {n} already cached, 0 to synthesize" in r.output


def test_cli_build_reports_each_failure_then_fails(app, runner):
    """With the engine failing, every item is reported and the command ends with an error and the count."""
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "werkstatt", "--jobs", "1"])
    assert r.exit_code == 1
    with app.app_context():
        n = len(chunk_ids("de", "werkstatt")) + 1
    assert "FAILED de/werkstatt/page: engine crashed" in r.output
    assert "FAILED de/werkstatt/b4: engine crashed" in r.output
    assert f"Error: {n} audio file(s) could not be built" in r.output
    assert app.extensions["audio_cache"].files() == []


def test_cli_build_reports_failures_of_worker_processes(app_config, tmp_path):
    """Failures inside worker processes come back to the command as well."""
    app = create_app({**app_config, "TTS_BACKENDS": {"default": FAILING}})
    r = app.test_cli_runner().invoke(args=["audio", "build", "--locale", "de", "--page", "werkstatt", "-j", "2"])
    assert r.exit_code == 1
    assert "FAILED de/werkstatt/page: engine crashed" in r.output
    assert f"Error: {_count(app, 'de', 'werkstatt')} audio file(s) could not be built" in r.output


def _count(app, locale: str, *slugs: str) -> int:
    """How many audio files `flask audio build` makes for pages: every chunk the player plays, and each page."""
    with app.app_context():
        return sum(len(chunk_ids(locale, slug)) + 1 for slug in slugs)


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
        "FLASK_CONTENT_DIR": str(FIXTURE_CONTENT),
        "FLASK_TTS_BACKENDS": "tests.audio_support:CountingBackend",
        "FLASK_TTS_BACKEND_OPTIONS": json.dumps(
            {"tests.audio_support:CountingBackend": {"log": str(log), "delay": 0.3}}),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "audio", "build", "--jobs", "2",
             "--locale", "de", "--page", "datenschutz", "--page", "barrierefreiheit"]
    # Ctrl-C as in a terminal, even when the suite runs as a background job (whose children ignore SIGINT).
    proc = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(cache.glob("de/*.mp3")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[0]
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, out
    assert "Stopping: waiting for the files being synthesized now" in out and "Interrupted:" in out
    kept = sorted(p.stem for p in cache.glob("de/*.mp3"))
    n = _count(create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE": str(tmp_path / "count.sqlite"),
                           "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
                           "CONTENT_DIR": str(FIXTURE_CONTENT), "AUDIO_CACHE_DIR": str(tmp_path / "count_cache")}),
               "de", "datenschutz", "barrierefreiheit")
    assert 1 <= len(kept) < n, out
    for key in kept:  # each kept file is whole: its timings are there and parse
        assert json.loads((cache / "de" / f"{key}.json").read_text())["words"]
    assert not list(cache.rglob(".*.tmp"))
    rerun = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{n} audio files: {len(kept)} already cached, {n - len(kept)} to synthesize" in rerun.stdout
    assert len(list(cache.glob("de/*.mp3"))) == n
    assert set(kept) <= {p.stem for p in Path(cache, "de").glob("*.mp3")}
