"""The manual and the README cannot drift from the code: every command they show is run here, and every setting and
file they name exists.

Each command line of a shell block (fenced, or indented by four spaces) and each inline command (`flask ...`,
`python bench/...`) is taken apart as a shell would (``&&``, ``;``, ``runuser ... --``, ``bash -c``, variables
before the program) and run with ``--help`` appended: a `flask`/`herne` command through the app's own CLI, where
Click refuses an unknown command or option before it reads ``--help``; a script of this repository or a tool of the
venv as a process, whose help must name every option the docs give it. Programs of the system (apt-get,
systemctl...) are in ALLOWED, each with the reason it is not run; a program that is neither fails the test.
"""
from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from service.config import ROOT, defaults

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SETTING_RE = re.compile(r"\bFLASK_([A-Z][A-Z0-9_]*?)(?:__\w+)?\b")
PATH_RE = re.compile(r"\b((?:scripts|bench|deploy|service|tests|translations|content|docs)/[\w./@-]*\w)")
#: Variables that Flask or the app read besides the settings of service/config.py.
OTHER_VARIABLES = {"APP", "DEBUG", "RUN_PORT", "RUN_HOST", "INSTANCE_PATH", "SECRET_KEY"}

#: Programs the docs show that no test runs: they change the machine (as root), or need a server, a network or a
#: database the docs' reader has and a test does not. Each is Debian's or a standard Unix tool, not this project's.
ALLOWED = {
    # installing and administering the Debian host: packages, users, files, units, the firewall, the schedule
    "apt-get", "useradd", "install", "chown", "chmod", "chgrp", "cp", "ln", "rm", "cat", "grep", "sed", "git",
    "systemctl", "journalctl", "nginx", "nft", "crontab",
    # shell built-ins used around commands: change folder, export a file's variables
    "cd", "set", ".",
    # reading the SQLite database of a deployment (the query is the operator's)
    "sqlite3",
}
#: The tools of the venv whose first word is a subcommand with its own options (`ruff check`, `pip install`).
SUBCOMMANDS = {"ruff", "mkdocs", "pip", "argospm"}
#: Programs this repository installs into its venv: run by path, whatever the docs prefix them with.
VENV_TOOLS = {"gunicorn", "ruff", "mypy", "lint-imports", "mkdocs", "pip", "argospm", "pytest"}
#: Words that start a command the docs show inline (`flask voices list`), as opposed to a name in backticks.
INLINE_START = re.compile(r"^(?:flask|herne|\.venv/bin/\S+|python|bash|gunicorn) ")
FENCE_RE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE_RE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
HEREDOC_RE = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
CRON_RE = re.compile(r"^(?:[\d*/,-]+\s+){5}")
#: `[--locale L]` (optional) and `a|b|c` (alternatives) as the docs write them: taken as `--locale L` and `a`.
OPTIONAL_RE = re.compile(r"(?<!\S)\[([^\[\]]*)\](?!\S)")
QUOTED_PUNCTUATION_RE = re.compile(r"(['\"])([;&|<>]+)\1")
ALTERNATIVES_RE = re.compile(r"(?<=[\w.-])\|[\w.|-]+")


@dataclass(frozen=True)
class Shown:
    """One command as the docs show it: its words, and where."""

    words: tuple[str, ...]
    where: str

    def __str__(self) -> str:
        """The command and the file it is in, for a failure."""
        return f"{self.where}: {shlex.join(self.words)}"


def _texts() -> list[tuple[Path, str]]:
    """Every documentation file with its text."""
    return [(path, path.read_text(encoding="utf-8")) for path in DOCS]


def _blocks(text: str) -> list[str]:
    """The code blocks of a Markdown text: fenced ones, and runs of lines indented by four spaces after a blank
    line (list items' continuation lines are not blocks: they follow text, not a blank line)."""
    found = [m.group(1) for m in FENCE_RE.finditer(text)]
    current: list[str] = []
    after_blank = True
    for line in FENCE_RE.sub("", text).split("\n"):
        if line.startswith("    ") and (current or after_blank):
            current.append(line[4:])
            continue
        if current and not line.strip():
            current.append("")
            continue
        if current:
            found.append("\n".join(current))
            current = []
        after_blank = not line.strip()
    if current:
        found.append("\n".join(current))
    return found


def _lines(block: str) -> list[str]:
    """The command lines of a block: continuations joined, heredoc bodies left out; with `$ ` prompts, only those."""
    block = block.replace("\\\n", " ")
    prompted = any(line.startswith("$ ") for line in block.splitlines())
    lines, until = [], None
    for line in block.splitlines():
        if until is not None:
            until = None if line.strip() == until else until
            continue
        if prompted and not line.startswith("$ "):
            continue
        line = CRON_RE.sub("", line.removeprefix("$ ").strip())
        if line and not line.startswith("#"):
            lines.append(line)
            heredoc = HEREDOC_RE.search(line)
            until = heredoc.group(1) if heredoc else None
    return lines


def _simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line (split at ; && || |), each without its leading variables and `exec`;
    `runuser ... -- CMD` and `bash -c 'A; B'` give the commands inside."""
    line = ALTERNATIVES_RE.sub("", OPTIONAL_RE.sub(r"\1", OPTIONAL_RE.sub(r"\1", line)))
    # A quoted ';' or '|' is a word, not a separator: kept aside while the line is split, as a shell would.
    quoted: list[str] = []

    def aside(match: re.Match[str]) -> str:
        """A placeholder for one quoted separator."""
        quoted.append(match.group(2))
        return f"\x01{len(quoted) - 1}\x01"

    line = QUOTED_PUNCTUATION_RE.sub(aside, line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                commands.append([])
            elif token and set(token) <= set("<>"):  # a redirection: its target is no argument
                commands[-1].append("\0")
            else:
                commands[-1].append(re.sub(r"\x01(\d+)\x01", lambda m: quoted[int(m.group(1))], token))
    except ValueError:  # unbalanced quotes: no shell line (a shell block holding it fails as an unknown program)
        return [[line]]
    result = []
    for words in commands:
        words = [w for i, w in enumerate(words) if w != "\0" and (i == 0 or words[i - 1] != "\0")]
        while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in ("exec", "sudo")):
            words = words[1:]
        words = [w for w in words if w not in ("...", "…")]
        if not words:
            continue
        if words[0] == "runuser" and "--" in words:
            result += _simple_commands(shlex.join(words[words.index("--") + 1:]))
        elif words[0] == "bash" and len(words) > 2 and words[1] == "-c":
            result += _simple_commands(words[2])
        else:
            result.append(words)
    return result


def _program(word: str) -> str:
    """The program a command runs: `.venv/bin/flask` and `flask` are one."""
    return word.removeprefix(".venv/bin/")


def _checked(program: str) -> bool:
    """Tell whether this test runs the program (the others must be in ALLOWED)."""
    return program in {"flask", "herne", "python", "python3", "bash", *VENV_TOOLS}


def _commands_of(text: str) -> list[tuple[str, ...]]:
    """The commands a Markdown text shows: in shell blocks (a block with any program this test knows), and inline."""
    found: list[tuple[str, ...]] = []
    for block in _blocks(text):
        commands = [c for line in _lines(block) for c in _simple_commands(line)]
        if any(_checked(_program(c[0])) or c[0] in ALLOWED for c in commands):
            found += [tuple(c) for c in commands]
    for match in INLINE_RE.finditer(FENCE_RE.sub("", text)):
        if INLINE_START.match(match.group(1)):
            found += [tuple(c) for c in _simple_commands(match.group(1))]
    return found


@functools.cache
def shown() -> tuple[Shown, ...]:
    """Every command the docs show, with its file."""
    return tuple(dict.fromkeys(Shown(words, str(path.relative_to(ROOT)))
                               for path, text in _texts() for words in _commands_of(text)))


def _cli_words(words: tuple[str, ...]) -> list[str]:
    """The arguments of a `flask`/`herne` command for the app's CLI (the app is the runner's)."""
    rest = list(words[1:])
    if rest[:2] == ["--app", "wsgi"]:
        rest = rest[2:]
    return rest


@functools.cache
def _help(argv: tuple[str, ...]) -> str:
    """The help a program prints (stdout and stderr), or "" when it fails."""
    done = subprocess.run([*argv, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout + done.stderr if done.returncode == 0 else ""


def _in_checkout(name: str) -> Path:
    """A script the docs name, in this checkout (`/srv/herne/app/scripts/setup.sh` is a checkout's too)."""
    relative = re.search(r"(?:^|/)((?:scripts|bench|deploy)/.+)$", name)
    script = ROOT / (relative.group(1) if relative else name)
    assert script.is_file(), f"no script {name}"
    return script


def _process_help(words: tuple[str, ...]) -> tuple[str, list[str]]:
    """The help of a script or venv tool as the docs call it, and the options the docs give it."""
    program = _program(words[0])
    args = list(words[1:])
    if program in ("python", "python3"):
        if args[:1] == ["-c"]:  # a line of Python: the interpreter takes -c, the code is the docs' own
            return _help((sys.executable,)), []
        if args[:1] == ["-m"]:
            base, args = (sys.executable, "-m", args[1]), args[2:]
        else:
            script = _in_checkout(args[0])
            base, args = (sys.executable, str(script)), args[1:]
            if not re.search(r"^import argparse|^import click", script.read_text(encoding="utf-8"), re.MULTILINE):
                # a script that reads no options would run, not print help: the docs may give it none
                assert not _options(args), f"{script.name} takes no options"
                return "", args
    elif program == "bash":
        script = _in_checkout(args[0])
        return script.read_text(encoding="utf-8"), args[1:]  # the script's own text names its options
    else:
        tool = Path(sys.executable).parent / program
        assert tool.exists(), f"{program} is not installed in the venv"
        base = (str(tool),)
        if program in SUBCOMMANDS and args and re.fullmatch(r"[a-z][a-z-]*", args[0]):
            base, args = (*base, args[0]), args[1:]
    text = _help(base)
    assert text, f"{shlex.join(base)} --help failed"
    return text, args


def _options(args: list[str]) -> list[str]:
    """The options among a command's arguments (`--out=x` as `--out`), not negative numbers or a lone dash."""
    return [a.split("=", 1)[0] for a in args if re.match(r"^--?[A-Za-z]", a)]


def test_the_docs_show_commands_at_all():
    """The extraction finds the commands the docs are full of (a broken pattern would make the next tests empty)."""
    words = {s.words[:4] for s in shown()}
    assert ("flask", "--app", "wsgi", "db") in words and ("bash", "scripts/test.sh") in words
    assert len([s for s in shown() if _program(s.words[0]) in ("flask", "herne")]) > 40


def _flask_failure(runner, words: tuple[str, ...]) -> str | None:
    """Why `flask`/`herne` refuses a command as the docs show it (with --help appended), or None."""
    result = runner.invoke(args=[*_cli_words(words), "--help"])
    return None if result.exit_code == 0 else result.output.strip().splitlines()[-1]


def _process_failure(words: tuple[str, ...]) -> str | None:
    """Why a script or venv tool does not take a command as the docs show it, or None."""
    try:
        text, args = _process_help(words)
    except AssertionError as exc:
        return str(exc)
    missing = [o for o in _options(args) if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text)]
    return f"no option {', '.join(missing)}" if missing else None


def _failure(runner, words: tuple[str, ...]) -> str | None:
    """Why a command the docs show does not run, or None (also for a program of ALLOWED)."""
    program = _program(words[0])
    if program in ("flask", "herne"):
        return _flask_failure(runner, words)
    if _checked(program):
        return _process_failure(words)
    return None if words[0] in ALLOWED else "a program neither run here nor in ALLOWED"


def test_every_command_in_the_docs_runs(runner):
    """Each command: `flask --app wsgi ... --help` through the app's CLI (`herne` is the same CLI), where an unknown
    command or option fails before --help; a script or tool whose help names every option the docs give it; or a
    program of ALLOWED."""
    failed = [f"{command}: {why}" for command in shown() if (why := _failure(runner, command.words))]
    assert not failed


def test_a_command_or_option_that_does_not_exist_fails(runner):
    """The same checks refuse what is not there: each command of this text, in a block or inline."""
    text = """Run it:

    .venv/bin/flask --app wsgi i18n compil
    flask --app wsgi feedback list [--stat open|all]   # a comment
    FLASK_DEBUG=1 .venv/bin/python bench/bench_attack.py --second 20
    cd /srv/herne && bash scripts/setup.sh --no-such-option
    runuser -u herne -- bash -c 'set -a; exec .venv/bin/herne users ad NAME'
    .venv/bin/ruff check --no-such-option .
    frobnicate --all

and `flask voices ad NAME`, `python bench/no_such_bench.py`.
"""
    commands = _commands_of(text)
    assert [c[0] for c in commands] == [".venv/bin/flask", "flask", ".venv/bin/python", "cd", "bash", "set",
                                        ".venv/bin/herne", ".venv/bin/ruff", "frobnicate", "flask", "python"]
    refused = [c for c in commands if _failure(runner, c)]
    assert refused == [c for c in commands if c[0] not in ("cd", "set")]


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
