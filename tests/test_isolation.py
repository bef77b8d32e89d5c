"""The suite stands alone: no FLASK_* setting of the shell reaches its apps, and they write only temporary folders."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from service.config import ROOT

TEMP = Path(tempfile.gettempdir()).resolve()


def test_the_app_fixture_uses_only_temporary_folders(app):
    """Instance folder, database, caches, locks and catalogs of the test app are below the temporary folder."""
    assert [name for name in os.environ if name.startswith("FLASK_")] == ["FLASK_INSTANCE_PATH"]
    assert Path(app.instance_path).resolve().is_relative_to(TEMP)
    assert Path(app.instance_path).resolve() != (ROOT / "instance").resolve()
    for key in ("DATABASE", "AUDIO_CACHE_DIR", "LOCK_DIR", "VOICES_DIR", "MT_CACHE_PATH",
                "BABEL_TRANSLATION_DIRECTORIES"):
        assert Path(app.config[key]).resolve().is_relative_to(TEMP), key
    assert app.config["DATABASE_URL"] is None and app.config["REDIS_URL"] is None
    assert app.config["DATA_DIR"] is None and "redis" not in app.extensions
    assert app.extensions["db"].url.database == app.config["DATABASE"]


def test_the_suite_ignores_a_hostile_environment(tmp_path: Path):
    """With a real-looking database, Redis and data volume exported, the suite's apps touch none of them."""
    hostile = tmp_path / "hostile"
    env = {
        **os.environ,
        # Nothing listens on port 9: any connection attempt fails the inner test.
        "FLASK_DATABASE_URL": "postgresql+psycopg://operator@127.0.0.1:9/herne",
        "FLASK_REDIS_URL": "redis://127.0.0.1:9/0",
        "FLASK_DATA_DIR": str(hostile / "data"),
        "FLASK_INSTANCE_PATH": str(hostile / "instance"),
        "FLASK_DATABASE": str(hostile / "service.sqlite"),
        "FLASK_AUDIO_CACHE_DIR": str(hostile / "audio_cache"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{__file__}::test_the_app_fixture_uses_only_temporary_folders"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout
    assert not hostile.exists()
