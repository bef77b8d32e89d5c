"""The suite stands alone: no FLASK_* setting of the shell reaches its apps, and they write only temporary folders."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from service.config import ROOT

from .site_support import FIXTURE_CONTENT, REAL_CONTENT, fixture_content, real_content

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


#: End-to-end modules that read the editors' pages in content/ on purpose (marked ``real_content``, or run
#: whole servers on content/); every other test module runs on the fixture pages (tests/fixtures/site).
REAL_CONTENT_MODULES = {
    "tests/browser",  # headless Chromium over the real pages (axe, keyboard, player, layout)
    "tests/deploy",  # nginx and gunicorn as deployed, serving content/
    "tests/cluster",  # several app servers, workers, PostgreSQL and Redis, serving content/
    "tests/test_audio_sync.py",  # the words' timings of every real page with every engine
    "tests/test_legal_pages.py",  # the real statements: the wording the law and the model statement ask for
    "tests/test_catalog_corrections.py",  # reviews of the shipped translations of the real pages
    "tests/test_translation_review.py",
    "tests/test_isolation.py",  # this guard
}
#: A message this long (in words) names a real page's text rather than an interface word.
MIN_WORDS = 3
#: Longer messages are also found by their start (a test may split a paragraph over several literals).
PREFIX = 30


def _module_allowed(path: Path) -> bool:
    """Whether a test module is one of the end-to-end modules allowed to read content/."""
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == entry or relative.startswith(entry + "/") for entry in REAL_CONTENT_MODULES)


def _real_anchors() -> tuple[set[str], set[str]]:
    """The real pages' slugs and longer messages that the fixture pages do not share."""
    real, fixture = real_content(), fixture_content()
    slugs = {p.slug for p in [*real.pages.values(), *real.notices]}
    slugs -= {p.slug for p in [*fixture.pages.values(), *fixture.notices]}
    slugs |= {path.stem.lstrip("_") for path in REAL_CONTENT.glob("*.md")} - {
        path.stem.lstrip("_") for path in FIXTURE_CONTENT.glob("*.md")}
    shared = set(fixture.all_messages())
    messages = {m for m in real.all_messages() if len(m.split()) >= MIN_WORDS and m not in shared}
    return slugs, {m[:PREFIX] for m in messages}


def test_the_test_app_reads_the_fixture_pages(app):
    """The default test app serves the fixture pages, not the editors' content/."""
    assert Path(app.config["CONTENT_DIR"]) == FIXTURE_CONTENT
    assert set(app.extensions["content"].pages) == set(fixture_content().pages)


@pytest.mark.real_content
def test_a_real_content_test_reads_content(app):
    """A test marked real_content gets an app on content/."""
    assert Path(app.config["CONTENT_DIR"]) == REAL_CONTENT


def test_no_unit_test_names_a_real_page_or_its_text():
    """Outside the end-to-end modules, no test names a real page's slug or quotes its text, so an editor's change
    to content/ cannot break it (ask: does the fixture site have what the test needs? add it there)."""
    slugs, messages = _real_anchors()
    assert slugs and messages
    slug_re = re.compile(r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(slugs)) + r")(?![\w-])")
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if _module_allowed(path):
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: slug {m.group(1)!r}" for m in slug_re.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: text {m[:50]!r}" for m in messages if m in text]
    assert not found, "\n".join(found)
