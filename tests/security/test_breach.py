"""Finding L7 (third red team): BREACH conditions on workbench pages (compressed, a static CSRF token, reflected
``q`` and ``next``). Each page now carries a fresh masking of the session's secret (Django's way), so no token
string repeats from one compressed response to the next, and every masking validates."""
from __future__ import annotations

import gzip

from ..workbench_support import PASSWORD, TOKEN_RE, login, make_user


def test_two_pages_carry_different_tokens_that_both_validate(app, client):
    """Two loads of the login form: two token strings; a login with the older one works, as with the newer."""
    make_user(app, "anna")
    first = TOKEN_RE.search(client.get("/translate/login").text).group(1)
    second = TOKEN_RE.search(client.get("/translate/login").text).group(1)
    assert first != second
    response = client.post("/translate/login", data={"csrf_token": first, "username": "anna", "password": PASSWORD})
    assert response.status_code == 303
    home = client.get("/translate/", query_string={"q": "x"})
    tokens = TOKEN_RE.findall(home.text)
    assert len(set(tokens)) == len(tokens) >= 1
    out = client.post("/translate/logout", data={"csrf_token": tokens[-1]})
    assert out.status_code == 303


def test_a_compressed_page_reflecting_a_guess_holds_no_fixed_token(app, client):
    """The attack's setting: gzip and a reflected ``q``. The token in the page differs on every load."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    seen = set()
    for _ in range(3):
        page = client.get("/translate/en/", query_string={"q": "csrf_token"}, headers={"Accept-Encoding": "gzip"})
        body = gzip.decompress(page.data).decode() if page.headers.get("Content-Encoding") == "gzip" else page.text
        seen.update(TOKEN_RE.findall(body))
    assert len(seen) >= 3


def test_forged_tokens_are_refused(app, client):
    """Garbage, a token of another session, and a truncated token all get 400."""
    make_user(app, "anna")
    other = app.test_client()
    foreign = TOKEN_RE.search(other.get("/translate/login").text).group(1)
    own = TOKEN_RE.search(client.get("/translate/login").text).group(1)
    for sent in ("", "x" * 20, foreign, own[:-4], own + "AAAA", "%%%%"):
        response = client.post("/translate/login", data={"csrf_token": sent, "username": "anna",
                                                         "password": PASSWORD})
        assert response.status_code == 400, sent
