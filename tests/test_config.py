"""The configuration is checked once at start: one line per wrong setting; the operator warning where it helps."""
from __future__ import annotations

import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import gunicorn.config
import pytest

from service import create_app
from service.config import ROOT, ConfigError, defaults

from .test_legal_pages import OPERATOR


def _flask(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` with a temporary instance and the given FLASK_* variables."""
    env = {**os.environ, "FLASK_INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_SECRET_KEY": "test",
           "FLASK_DATABASE": str(tmp_path / "service.sqlite"), "FLASK_AUDIO_CACHE_DIR": str(tmp_path / "audio"),
           **{f"FLASK_{k}": v for k, v in settings.items()}}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_each_wrong_setting_gets_one_line_and_nothing_starts(tmp_path: Path):
    """Bad JSON, a German date, a misspelt operator field and text for a number: four lines, no traceback."""
    run = _flask(tmp_path, "voices", "list", TTS_BACKENDS='{en: "piper"}', OPERATOR__statement_prepared="06.12.2026",
                 OPERATOR__controler_name="Stadt Herne", LOCK_TTL="ten")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "the configuration is not valid:",  # in the order of service/config.py
        "  FLASK_LOCK_TTL: must be a number, not 'ten'",
        "  FLASK_TTS_BACKENDS: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
        '(char 1)): it must be a JSON object (e.g. {"default": "espeak", "de": "piper:de_DE-thorsten-medium"})',
        "  FLASK_OPERATOR__controler_name: no such setting (known: " + ", ".join(defaults("")["OPERATOR"]) + ")",
        "  FLASK_OPERATOR__statement_prepared: '06.12.2026' is not a date like 2026-12-24 (year-month-day)",
    ]
    assert run.stdout == ""


def test_the_app_factory_refuses_unknown_fields(app_config):
    """A typo in a field of OPERATOR or RETENTION given in code is refused too, naming the field."""
    with pytest.raises(ConfigError) as refused:
        create_app({**app_config, "OPERATOR": {"controller_nmae": "Stadt Herne"}, "RETENTION": {"feedbak": 30}})
    assert [p.split(":")[0] for p in refused.value.problems] == ["OPERATOR['controller_nmae']",
                                                                  "RETENTION['feedbak']"]


def test_one_backend_for_all_locales_stays_a_plain_name(app_config):
    """FLASK_TTS_BACKENDS=espeak is no JSON and no mistake: one backend for every locale."""
    app = create_app({**app_config, "TTS_BACKENDS": "espeak"})
    assert app.config["TTS_BACKENDS"] == {"default": "espeak"}


def test_the_operator_warning_is_in_the_check_not_in_every_command(tmp_path: Path):
    """`flask --help` and other commands say nothing of the operator; `flask check` lists what is missing."""
    helped = _flask(tmp_path, "--help")
    assert helped.returncode == 0 and "check" in helped.stdout
    assert "not configured" not in helped.stdout + helped.stderr
    checked = _flask(tmp_path, "check")
    assert checked.returncode == 1
    assert checked.stdout == "configuration: valid\n"
    assert checked.stderr.startswith("warning: operator settings not configured, the legal pages show placeholders "
                                     "for: controller_name, controller_address,")


def test_check_passes_when_every_operator_setting_is_set(app_config):
    """Configured: `flask check` says so and exits 0."""
    result = create_app({**app_config, "OPERATOR": OPERATOR}).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0
    assert result.output == "configuration: valid\noperator settings: all set\n"


class _Log:
    """What gunicorn's server hands a hook as ``server.log``: here, the warnings kept."""

    def __init__(self) -> None:
        """No warning yet."""
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        """Keep a warning."""
        self.warnings.append(message)


class _Server:
    """gunicorn's arbiter as far as the hook uses it."""

    def __init__(self) -> None:
        """A server with a log."""
        self.log = _Log()


@pytest.mark.parametrize("conf", ["deploy/gunicorn.conf.py", "scripts/gunicorn_conf.py"])
def test_the_server_start_warns_once_about_the_operator(conf: str, monkeypatch: pytest.MonkeyPatch):
    """The start commands' gunicorn settings warn once, in the master; with everything set they do not."""
    hook = runpy.run_path(str(ROOT / conf))["on_starting"]
    server = _Server()
    hook(server)
    assert len(server.log.warnings) == 1 and "controller_name" in server.log.warnings[0]
    for field, value in OPERATOR.items():
        monkeypatch.setenv(f"FLASK_OPERATOR__{field}", value)
    quiet = _Server()
    hook(quiet)
    assert quiet.log.warnings == []


def test_making_the_app_never_logs_the_operator_warning(app_config, caplog):
    """Every `flask` command makes the app: it must not warn each time (outside TESTING either)."""
    with caplog.at_level(logging.WARNING, logger="service.operator_settings"):
        create_app({**app_config, "TESTING": False})
    assert [r for r in caplog.records if r.name == "service.operator_settings"] == []


@pytest.mark.parametrize("conf", ["deploy/gunicorn.conf.py", "scripts/gunicorn_conf.py", None])
def test_a_visitor_never_waits_for_a_worker_past_the_server_timeout(conf: str | None):
    """AUDIO_JOB_WAIT stays below the timeout of every start command (gunicorn's own default of 30 s included),
    after which gunicorn kills the worker and the reader gets a 500."""
    timeout = runpy.run_path(str(ROOT / conf))["timeout"] if conf else gunicorn.config.Timeout.default
    assert defaults("")["AUDIO_JOB_WAIT"] < timeout
