"""Helpers for the workbench tests: accounts, logins, CSRF tokens and form fields from real pages."""
from __future__ import annotations

import html
import io
import re

from sqlalchemy import Row, Table, func, select

from service import db
from service.workbench import auth

PASSWORD = "correct horse battery"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision" value="([0-9a-f]{16})"')
PENDING_RE = re.compile(r'name="pending" value="(\d+)"')
KEY_RE = re.compile(r"/translate/(\w+)/entry/([0-9a-f]{16})")


def make_user(app, username: str, role: str = "translator", locales: tuple[str, ...] = ("en",)) -> None:
    """Create an account directly in the app's database (hashed with the app's settings)."""
    with app.app_context(), db.connect(app) as conn:
        auth.add_user(conn, username, PASSWORD, role, locales)


def rows(app, table: Table) -> list[Row]:
    """Every row of a table of the app's database, in the order written."""
    with db.connect(app) as conn:
        return list(conn.execute(select(table).order_by(*table.primary_key.columns)))


def count(app, table: Table) -> int:
    """How many rows a table of the app's database has."""
    with db.connect(app) as conn:
        return conn.scalar(select(func.count()).select_from(table))


def token(page_html: str) -> str:
    """The CSRF token of a rendered form."""
    return TOKEN_RE.search(page_html).group(1)


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the real form; return the response of the POST."""
    page = client.get("/translate/login")
    return client.post("/translate/login", data={"csrf_token": token(page.text), "username": username,
                                                  "password": password})


def entry_key(client, locale: str, query: str) -> str:
    """The key of the first entry whose text matches a search."""
    page = client.get(f"/translate/{locale}/", query_string={"q": query})
    return KEY_RE.search(page.text).group(2)


def open_editor(client, locale: str, key: str) -> tuple[str, str, str]:
    """The editor's HTML, CSRF token and revision."""
    page = client.get(f"/translate/{locale}/entry/{key}")
    assert page.status_code == 200, page.status_code
    return page.text, token(page.text), REVISION_RE.search(page.text).group(1)


def save(client, locale: str, key: str, text: str, action: str = "save", revision: str | None = None,
         csrf: str | None = None):
    """Post the editor form, taking token and revision from a fresh editor unless given."""
    page, fresh_token, fresh_revision = open_editor(client, locale, key)
    return client.post(f"/translate/{locale}/entry/{key}", data={
        "csrf_token": csrf if csrf is not None else fresh_token,
        "revision": revision or fresh_revision,
        "pending": PENDING_RE.search(page).group(1),
        "msgstr": text,
        "action": action,
    })


def unescape(text: str) -> str:
    """HTML text as a person reads it."""
    return html.unescape(text)


def upload(client, locale: str, data: bytes, mode: str = "replace", name: str = "messages.po"):
    """Post a .po to a locale's upload form; the answer is the preview (or the refusal)."""
    page = client.get(f"/translate/{locale}/upload")
    return client.post(f"/translate/{locale}/upload", data={"csrf_token": token(page.text), "mode": mode,
                                                            "po": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, preview):
    """Confirm an upload from its preview page."""
    action = re.search(r'action="(/translate/\w+/upload/[^"]+)"', preview.text).group(1)
    return client.post(action, data={"csrf_token": token(preview.text)})
