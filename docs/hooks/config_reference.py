"""MkDocs hook: the configuration reference page, generated at every build from service/config.py's defaults.

Each setting's description is the comment above it (or beside it) in service/config.py, so the reference cannot
drift from the code: a setting without a comment is listed with its default alone.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from mkdocs.structure.files import File, Files

CONFIG = Path(__file__).resolve().parents[2] / "service" / "config.py"
PAGE = "operate/configuration.md"


def settings(source: str) -> list[tuple[str, str, str, str, str]]:
    """(section, section note, name, default as written, description) of every key of defaults()' dict, in order."""
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "defaults")
    returned = next(n for n in ast.walk(function) if isinstance(n, ast.Return))
    assert isinstance(returned.value, ast.Dict)
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    found = []
    section, note = "General", ""
    previous_end = returned.value.lineno
    for key, value in zip(returned.value.keys, returned.value.values, strict=True):
        if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            continue
        above = []
        for number in range(previous_end + 1, key.lineno):
            text = comments.get(number)
            if text is None:
                continue
            if text.startswith("-- "):  # "-- storage" or "-- background work (mail outbox, purges): None: ..."
                title = re.split(r"[(:;]", text[3:])[0].strip()
                section, note, above = title[:1].upper() + title[1:], text[3 + len(title):].strip(" ;:"), []
            else:
                above.append(text)
        beside = comments.get(key.lineno) if value.end_lineno == key.lineno else None
        default = ast.get_source_segment(source, value) or ""
        if "\n" in default:
            default = "(a table: see service/config.py)"
        description = " ".join(above + ([beside] if beside else []))
        found.append((section, note, key.value, default, description))
        previous_end = value.end_lineno or key.lineno
    return found


def render(source: str) -> str:
    """The Markdown page: one table per section."""
    out = ["# Configuration reference", "",
           "Every setting of the service, generated from `service/config.py` when the docs are built. Override any of",
           "them with an environment variable with the `FLASK_` prefix (`FLASK_BASE_URL=https://bildung.herne.de`;",
           "JSON for lists and tables, `FLASK_OPERATOR__controller_name=...` for one field of a table).", ""]
    current = None
    for section, note, name, default, description in settings(source):
        if section != current:
            out += ["", f"## {section}", ""] + ([note, ""] if note else [])
            out += ["| setting | default | what it does |", "|---|---|---|"]
            current = section
        cell = description.replace("|", "\\|") or "–"
        out.append(f"| `{name}` | `{default.replace('|', '/')}` | {cell} |")
    return "\n".join(out) + "\n"


def on_files(files: Files, config) -> Files:
    """Add the generated page to the site."""
    files.append(File.generated(config, PAGE, content=render(CONFIG.read_text(encoding="utf-8"))))
    return files
