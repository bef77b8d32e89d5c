"""`flask audio build|stats|prune` through the real app and espeak-ng."""
from __future__ import annotations

import re

from .audio_support import FailingBackend


def test_cli_build_stats_prune(app, runner):
    """`flask audio build` fills the cache, `stats` reports it, `prune` trims it."""
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen"])
    assert r.exit_code == 0, r.output
    assert "de/talentschulen/page:" in r.output and "de/talentschulen/b4:" in r.output
    entries = app.extensions["audio_cache"].entries("de")
    assert len(entries) >= 2
    r = runner.invoke(args=["audio", "stats"])
    assert r.exit_code == 0 and re.search(r"de\s+\d+ entries", r.output)
    r = runner.invoke(args=["audio", "prune", "--max-bytes", "0"])
    assert r.exit_code == 0 and f"evicted {len(entries)} entries" in r.output
    assert app.extensions["audio_cache"].entries() == []


def test_cli_build_reports_each_failure_then_fails(app, runner):
    """With the engine failing, every item is reported and the command ends with an error and the count."""
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen"])
    assert r.exit_code == 1
    assert "FAILED de/talentschulen/page: engine crashed" in r.output
    assert "FAILED de/talentschulen/b4: engine crashed" in r.output
    assert "Error: 2 audio file(s) could not be built" in r.output
    assert app.extensions["audio_cache"].entries() == []


def test_cli_build_refuses_unknown_locales(runner):
    """A locale the site does not serve is a usage error, before anything is synthesized."""
    r = runner.invoke(args=["audio", "build", "--locale", "../x"])
    assert r.exit_code == 2 and "not served: ../x" in r.output
