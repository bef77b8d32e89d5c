"""The manual and the README cannot drift from the code: every command, setting and file they name exists."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from service.config import ROOT, defaults

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: `flask --app wsgi GROUP [COMMAND]` as the docs write it, up to the end of the command's words.
FLASK_RE = re.compile(r"flask --app wsgi ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?)")
SETTING_RE = re.compile(r"\bFLASK_([A-Z][A-Z0-9_]*?)(?:__\w+)?\b")
PATH_RE = re.compile(r"\b((?:scripts|bench|deploy|service|tests|translations|content|docs)/[\w./@-]*\w)")
#: Variables that Flask or the app read besides the settings of service/config.py.
OTHER_VARIABLES = {"APP", "DEBUG", "RUN_PORT", "RUN_HOST", "INSTANCE_PATH", "SECRET_KEY"}


def _texts() -> list[tuple[Path, str]]:
    """Every documentation file with its text."""
    return [(path, path.read_text(encoding="utf-8")) for path in DOCS]


def _commands() -> set[tuple[str, ...]]:
    """Every flask command the docs name, as its words."""
    found = set()
    for _, text in _texts():
        for match in FLASK_RE.finditer(text):
            found.add(tuple(shlex.split(match.group(1))))
    return found


def test_the_docs_name_commands_at_all():
    """The pattern finds the commands the docs are full of (a broken pattern would make the next test empty)."""
    assert ("i18n", "extract") in _commands() and ("db", "upgrade") in _commands()


@pytest.mark.parametrize("words", sorted(_commands()))
def test_every_flask_command_in_the_docs_exists(runner, words):
    """`flask --app wsgi GROUP COMMAND --help` works for each command shown (a group's first word may be a command)."""
    result = runner.invoke(args=[*words, "--help"])
    if result.exit_code != 0 and len(words) == 2:  # "worker --foo" style: the second word was an argument
        result = runner.invoke(args=[words[0], "--help"])
    assert result.exit_code == 0, (words, result.output)


def test_every_setting_in_the_docs_exists():
    """Each FLASK_NAME the docs mention is a setting of service/config.py (or one Flask itself reads)."""
    known = set(defaults("/nonexistent")) | OTHER_VARIABLES
    unknown = {(path.name, name) for path, text in _texts() for name in SETTING_RE.findall(text)
               if name.rstrip("_") not in known}
    assert not unknown


def test_every_project_path_in_the_docs_exists():
    """Each file or folder of the project the docs name is there (a glob or a placeholder counts by its folder)."""
    missing = set()
    for path, text in _texts():
        for name in PATH_RE.findall(text):
            clean = re.split(r"[<*{]", name)[0].rstrip("/.")
            if clean and not (ROOT / clean).exists() and not list((ROOT / clean).parent.glob(Path(clean).name + "*")):
                missing.add((path.name, name))
    assert not missing
