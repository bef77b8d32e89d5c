"""Content that changes while the service runs: reloaded in every worker without a restart, and `flask content publish`
(catalogs, the reload signal, the audio) in one command."""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from service import create_app

from .site_support import FIXTURE_CONTENT, fixture_content

OLD = "Diese Seiten zeigen, wie Lernen in der Stadt aussieht"
#: The same length as OLD: a copy that keeps times and sizes (rsync -a) is not seen by the files' stamps.
NEW = "Diese Seiten zeigen, wie LERNEN in der Stadt aussieht"
#: How the content commands count the fixture pages.
PAGES = f"{len(fixture_content().pages)} pages, {len(fixture_content().notices)} notices"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture pages that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def _edit(path: Path, old: str, new: str, keep_stamp: bool = False) -> None:
    """Replace a text in a content file; with ``keep_stamp`` the file and its folder keep their times."""
    before = path.stat()
    folder = path.parent.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if keep_stamp:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.utime(path.parent, ns=(folder.st_atime_ns, folder.st_mtime_ns))


def test_an_edited_page_is_live_without_a_restart(app_config, content_dir, caplog):
    """A changed file shows at the next request, past both page caches, with a new ETag; a broken edit keeps the last
    good page (and says why in the log); fixing it shows the fix."""
    app = create_app({**app_config, "CONTENT_DIR": str(content_dir), "CONTENT_CHECK_INTERVAL": 0})
    client = app.test_client()
    first = client.get("/de/")
    assert OLD in first.text and client.get("/de/").data == first.data  # the second from the front
    _edit(content_dir / "index.md", "für neue Räume", "für neue Klassenräume")
    second = client.get("/de/")
    assert "für neue Klassenräume" in second.text
    assert second.headers["ETag"] != first.headers["ETag"]
    assert client.get("/de/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    assert client.get("/de/", headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    with caplog.at_level(logging.ERROR, logger="service.content"):
        _edit(content_dir / "index.md", "# Lernen am Kanal", "Lernen am Kanal")  # no heading: no page
        kept = client.get("/de/")
    assert kept.status_code == 200 and kept.data == second.data
    assert "a page needs exactly one '# heading'" in caplog.text and "pages stay as they were" in caplog.text
    _edit(content_dir / "index.md", "\nLernen am Kanal\n", "\n# Lernen am Kanal im Wandel\n")
    assert "Lernen am Kanal im Wandel" in client.get("/de/").text


def test_publish_makes_every_worker_reload_and_keeps_translations(app_config, content_dir, translations_dir):
    """A copy the stamps cannot tell (same times and size) goes live with `flask content publish`, in another worker
    too; the changed German keeps its English translation, shown marked outdated."""
    settings = {**app_config, "CONTENT_DIR": str(content_dir), "CONTENT_CHECK_INTERVAL": 0}
    app, other_worker = create_app(settings), create_app(settings)
    client, other = app.test_client(), other_worker.test_client()
    english = other.get("/en/")
    assert "These pages show what learning" in english.text and "mark-outdated" not in english.text
    _edit(content_dir / "index.md", OLD, NEW, keep_stamp=True)
    assert NEW not in client.get("/de/").text  # nothing tells the running workers yet
    result = app.test_cli_runner().invoke(args=["content", "publish", "--no-audio"])
    assert result.exit_code == 0, result.output
    assert f"published: {PAGES}; every worker reloads it at its next request" in result.output
    assert NEW in client.get("/de/").text and NEW in other.get("/de/").text
    page = other.get("/en/")
    assert "These pages show what learning" in page.text and 'class="block-mark mark-outdated"' in page.text
    assert page.headers["ETag"] != english.headers["ETag"]
    assert NEW in (translations_dir / "messages.pot").read_text(encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["i18n", "check"]).exit_code == 0  # waiting work fails nothing


def test_publish_refuses_a_broken_folder_and_changes_nothing(app_config, content_dir, translations_dir):
    """A file that does not parse stops the command before any catalog is touched, naming the file."""
    app = create_app({**app_config, "CONTENT_DIR": str(content_dir)})
    checked = app.test_cli_runner().invoke(args=["content", "check"])
    assert checked.exit_code == 0 and f"{PAGES}: ok" in checked.output
    pot = (translations_dir / "messages.pot").read_bytes()
    (content_dir / "kaputt.md").write_text("---\nslug: kaputt\nkeine Zeile mit Doppelpunkt\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 1 and "kaputt.md" in result.output and "Nothing was published." in result.output
    assert (translations_dir / "messages.pot").read_bytes() == pot
    assert app.test_cli_runner().invoke(args=["content", "check"]).exit_code == 1


def test_publish_builds_the_audio_of_the_new_text(app_config, tmp_path, translations_dir):
    """The audio of a published page is made by the command, not by its first listener."""
    folder = tmp_path / "content"
    folder.mkdir()
    page = folder / "index.md"
    page.write_text("---\nslug: index\nnav: Start\n---\n# Probe\n\nEin kurzer Satz.\n", encoding="utf-8")
    app = create_app({**app_config, "CONTENT_DIR": str(folder)})
    page.write_text("---\nslug: index\nnav: Start\n---\n# Probe\n\nEin neuer kurzer Satz.\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "publish", "--audio-locale", "de"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output and " synthesized" in result.output
    again = app.test_cli_runner().invoke(args=["audio", "build", "--locale", "de"])
    assert "0 to synthesize" in again.output
    assert "Ein neuer kurzer Satz." in app.test_client().get("/de/").text
