"""Finding M5 (third red team): `Der Kontrast ist zu schwach;=1+1;` was written unquoted, and German Excel's ';'
turned `=1+1` into a formula. Every field is now quoted, and a formula start after any separator gets an apostrophe,
so no cell starts a formula whichever way a spreadsheet splits the line; the file has a UTF-8 BOM."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import insert

from service import db
from service.db.schema import feedback

from ..workbench_support import login, make_user

HOSTILE = [
    "Der Kontrast ist zu schwach;=1+1;",
    "Bitte prüfen,=HYPERLINK(\"http://evil.example\",\"Klick\")",
    "=cmd|' /C calc'!A0",
    "Zeile eins\n=1+1\r\n+2",
    "a; -1 @SUM(A1)",
    "x;\"=1+1",
    " \t@SUM(A1)",
    "Alles gut, danke; wirklich!",
]
FORMULA = ("=", "+", "-", "@", "|", "%")


@pytest.fixture
def reader(app, client):
    """An accessibility contact's session, with one message per hostile text (also as name and e-mail)."""
    with db.connect(app) as conn, db.transaction(conn):
        for text in HOSTILE:
            conn.execute(insert(feedback).values(locale="de", page="barrierefreiheit", name=text, email="",
                                                 message=text, note=text))
    make_user(app, "lena", role="accessibility", locales=())
    login(client, "lena")
    return client


def _cells_of_any_split(text: str) -> list[str]:
    """Every cell a spreadsheet could make of the file: the CSV read with ',' and with ';', and each line split
    naively at either (an import that ignores the quotes)."""
    cells = []
    for delimiter in (",", ";"):
        cells += [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
        for line in text.replace("\r\n", "\n").split("\n"):
            cells += line.split(delimiter)
    return cells


def _starts_formula(cell: str) -> bool:
    """Tell whether a cell, trimmed of spaces, quotes, tabs and line breaks, starts a formula."""
    return cell.lstrip(" \"\t\r\n").startswith(FORMULA)


def _check(data: bytes, delimiter: str) -> None:
    """BOM, every field quoted, nothing lost, no formula whichever way the file is split."""
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    assert sorted(r["message"].replace("'", "") for r in rows) == sorted(t.replace("'", "") for t in HOSTILE)
    assert all(r["note"] == r["message"] == r["name"] for r in rows)
    bad = [c for c in _cells_of_any_split(text) if _starts_formula(c)]
    assert bad == []
    assert text.startswith(f'"id"{delimiter}"created"')


@pytest.mark.parametrize("sep, delimiter", [(None, ","), ("semicolon", ";")])
def test_the_web_export_is_formula_safe_in_both_dialects(reader, sep, delimiter):
    """The inbox's download, as ',' and as ';' (German Excel), read back both ways."""
    response = reader.get("/translate/feedback/export.csv", query_string={"state": "all", "sep": sep})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    _check(response.data, delimiter)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_the_cli_export_is_formula_safe_in_both_dialects(app, reader, tmp_path, delimiter):
    """`flask feedback export --delimiter` to a file, read back both ways."""
    out = tmp_path / "export.csv"
    result = app.test_cli_runner().invoke(args=["feedback", "export", "-o", str(out), "--delimiter", delimiter])
    assert result.exit_code == 0, result.output
    _check(out.read_bytes(), delimiter)


def test_the_inbox_offers_the_semicolon_file(reader):
    """The inbox links both files."""
    page = reader.get("/translate/feedback/", query_string={"state": "all"})
    assert "sep=semicolon" in page.text
