"""The editor's machine suggestion in real Chromium, against gunicorn with a tiny real Argos model (de->en)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest
from test_axe import axe_violations, describe  # tests/browser is on sys.path (rootdir conftest)

from service.config import ROOT
from tests import tiny_argos
from tests.browser.conftest import LiveService, free_port, service_env, wait_until_up

pytestmark = pytest.mark.browser

USER = "mt-anna"
PASSWORD = "machine-helps-but-people-review-7"


@pytest.fixture(scope="module")
def mt_service(tmp_path_factory, translations_master) -> Iterator[LiveService]:
    """The service under gunicorn with the tiny de->en package installed and argos' folders kept private."""
    tmp = tmp_path_factory.mktemp("browser-mt")
    translations = tmp / "translations"
    shutil.copytree(translations_master, translations)
    packages = tmp / "packages"
    packages.mkdir()
    model = tiny_argos.build_package(tmp / "build", "de", "en", {"Stadt": "City"})
    with zipfile.ZipFile(model) as archive:  # what argospm install does with a package file
        archive.extractall(packages)
    env = service_env(tmp, translations)
    port = free_port()
    env.update({"FLASK_MT_PACKAGES_DIR": str(packages), "FLASK_MT_CACHE_PATH": str(tmp / "mt" / "cache.sqlite"),
                "FLASK_BASE_URL": f"http://127.0.0.1:{port}", "HOME": str(tmp / "home"),
                "XDG_DATA_HOME": str(tmp / "home" / "data"), "XDG_CACHE_HOME": str(tmp / "home" / "cache"),
                "XDG_CONFIG_HOME": str(tmp / "home" / "config")})
    service = LiveService(url=f"http://127.0.0.1:{port}/", env=env, log=tmp / "gunicorn.log", tmp=tmp)
    with open(service.log, "wb") as log_file:
        service.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class",
             "gthread", "--threads", "4", "--timeout", "120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until_up(service)
        added = service.flask("users", "add", USER, "--role", "admin", "--locales", "en,tr", "--password-stdin",
                              input=PASSWORD + "\n")
        assert added.returncode == 0, added.stdout + added.stderr
        yield service
    finally:
        service.process.terminate()
        try:
            service.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def test_ask_use_and_save_a_machine_suggestion(browser, mt_service, artifacts):
    """The button fetches the suggestion (marked machine), a click puts it in the field, Save sends it to review."""
    context = browser.new_context(base_url=mt_service.origin, viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(f"{mt_service.origin}/translate/login?lang=de")
        page.fill("#login-username", USER)
        page.fill("#login-password", PASSWORD)
        page.press("#login-password", "Enter")
        page.wait_for_url("**/translate/")
        page.goto(f"{mt_service.origin}/translate/en/?q=Stadt der Talente")
        page.click("table a[href*='/translate/en/entry/']")
        page.wait_for_selector("#msgstr")
        before = page.input_value("#msgstr")
        page.click("#wb-mt-ask")
        page.wait_for_selector("#wb-mt-use")
        assert page.inner_text(".wb-mt-result[data-origin=machine]") == "City der Talente"
        assert "nicht geprüft" in page.inner_text("#wb-mt-result")
        assert page.input_value("#msgstr") == before  # nothing is put into the field without a click
        page.screenshot(path=str(artifacts / "workbench-machine-suggestion.png"), full_page=True)
        page.click("#wb-mt-use")
        assert page.input_value("#msgstr") == "City der Talente"
        assert page.evaluate("document.activeElement.id") == "msgstr"
        page.click("#wb-editor-form button[value=approve]")
        page.wait_for_selector("#proposal-machine")
        assert "City der Talente" in page.inner_text("section.wb-review")
        page.goto(f"{mt_service.origin}/en/")
        assert "City der Talente" not in page.content()  # pages keep the reviewed text
        page.goto(f"{mt_service.origin}/translate/tr/?q=Stadt der Talente")
        page.click("table a[href*='/translate/tr/entry/']")
        assert "kein Modell" in page.inner_text("#wb-mt-unavailable") and page.locator("#wb-mt-ask").count() == 0
    finally:
        context.close()


def test_the_new_screens_pass_axe(browser, mt_service):
    """The editor with a machine suggestion shown, the check filter, the paged history and the contributions: no WCAG
    A/AA violations."""
    context = browser.new_context(base_url=mt_service.origin, viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)
    context.set_default_timeout(60_000)
    failures = []
    try:
        page = context.new_page()
        page.goto(f"{mt_service.origin}/translate/login?lang=ar")
        page.fill("#login-username", USER)
        page.fill("#login-password", PASSWORD)
        page.press("#login-password", "Enter")
        page.wait_for_url("**/translate/")
        page.goto(f"{mt_service.origin}/translate/en/?q=Stadt der Talente")
        page.click("table a[href*='/translate/en/entry/']")
        page.click("#wb-mt-ask")
        page.wait_for_selector("#wb-mt-use")
        for where in [page.url, "/translate/en/?check=glossary", "/translate/en/history",
                      "/translate/en/contributions", "/translate/en/contributions?from=x"]:
            if where.startswith("/"):
                page.goto(mt_service.origin + where)
            violations = axe_violations(page)
            if violations:
                failures.append(describe(violations, where))
    finally:
        context.close()
    assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
