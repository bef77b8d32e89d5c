"""Message extraction: content, code and templates into a template catalog (.pot), written without a date."""
from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import write_po

from ..config import ROOT

#: Where messages come from: (glob below the project root, Babel extraction method).
SOURCES = [
    ("content/*.md", "service.content:extract_content"),
    ("service/**/*.py", "python"),
    ("service/templates/**/*.html", "jinja2.ext:babel_extract"),
]
#: The committed list of terms whose pronunciation translators give in the "lexicon" domain.
LEXICON_TERMS = "translations/lexicon.txt"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "N_": None, "Np_": (1, 2)}
COMMENT_TAGS = ["TRANSLATORS:"]


def read_terms(path: Path) -> list[tuple[str, str, int]]:
    """The terms of a lexicon list: (term, note for translators, line); ``#`` starts a note or a comment line."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        term, _, note = line.partition(" #")
        term = term.strip()
        if term and not term.startswith("#"):
            out.append((term, note.strip(), lineno))
    return out


def build_template(domain: str = "messages", root: Path = ROOT, content_dir: Path | None = None) -> Catalog:
    """A fresh template: every message for 'messages', content blocks for 'speech', listed terms for 'lexicon';
    the pages from ``content_dir`` where given (CONTENT_DIR), else from the project's ``content/``."""
    catalog = Catalog(project="herne-talente", version="1.0", msgid_bugs_address="translators@herne.invalid",
                      copyright_holder="Stadt Herne", charset="utf-8")
    if domain == "lexicon":
        for term, note, _ in read_terms(root / LEXICON_TERMS):
            comments = ["TRANSLATORS: how to say this term, spelled so that the voice gets it right; empty if it "
                        "already does", *([note] if note else [])]
            # No line number (babel's own reader stores None so too, though its hint says int).
            catalog.add(term, None, [(LEXICON_TERMS, None)], auto_comments=comments)  # type: ignore[list-item]
        return catalog
    sources = SOURCES if domain == "messages" else SOURCES[:1]
    for pattern, method in sources:
        if content_dir is not None and pattern.startswith("content/"):
            # A page's location reads content/<file> wherever CONTENT_DIR is: the workbench finds its page by it.
            found = [(path, f"content/{path.name}") for path in sorted(content_dir.glob("*.md"))]
        else:
            found = [(path, path.relative_to(root).as_posix()) for path in sorted(root.glob(pattern))]
        for path, relative in found:
            if any(part.startswith((".", "__")) for part in relative.split("/")):
                continue
            options = {"extensions": "jinja2.ext.i18n"} if method.startswith("jinja2") else {}
            for lineno, message, comments, context in extract_from_file(
                method, str(path), keywords=KEYWORDS, comment_tags=COMMENT_TAGS, options=options,
                strip_comment_tags=True,
            ):
                if domain == "speech" and any(c.startswith("description of page") for c in comments):
                    continue  # a page's description is never read aloud
                catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)
    return catalog


def pot_bytes(catalog: Catalog) -> bytes:
    """A .pot without a creation date, so that an unchanged template is byte-identical."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, sort_output=False, include_lineno=False)
    lines = [ln for ln in buf.getvalue().split(b"\n") if not ln.startswith(b'"POT-Creation-Date:')]
    return b"\n".join(lines)


def message_keys(catalog: Catalog) -> set[tuple[str, str]]:
    """The (context, msgid) pairs of a catalog, to compare a committed template with a fresh one."""
    return {(m.context or "", str(m.id)) for m in catalog if m.id}
