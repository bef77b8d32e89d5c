"""`herne` / `python -m service`: the service's commands without `--app wsgi` or a flask on PATH."""
from __future__ import annotations

import os
import subprocess
import sys


def test_the_commands_run_without_an_app_option_from_any_folder(tmp_path):
    """From another folder, with no FLASK_APP: the i18n group lists its commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run([sys.executable, "-m", "service", "i18n", "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage: herne i18n" in result.stdout and "extract" in result.stdout and "check" in result.stdout
