"""Finding 13: the last admin stays; /healthz tells ops what they need and the public nothing more."""
from __future__ import annotations

import json

from service import db
from service.workbench import auth

from ..workbench_support import login, make_user, token, unescape

LAST_ADMIN = "Das letzte Administratorkonto kann weder gelöscht noch herabgestuft werden."


def test_the_last_admin_can_neither_demote_nor_remove_themselves(app, client):
    """On the web and on the command line; with a second admin, demoting the first works."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    page = client.get("/translate/users")
    demote = client.post("/translate/users", data={"csrf_token": token(page.text), "action": "access",
                                                   "username": "root", "role": "translator"})
    assert demote.status_code == 400 and LAST_ADMIN in unescape(demote.text)
    runner = app.test_cli_runner()
    for args in (["users", "access", "root", "--role", "translator"], ["users", "remove", "root"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and LAST_ADMIN in result.output, args
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "root").is_admin
    make_user(app, "second", role="admin", locales=())
    assert runner.invoke(args=["users", "access", "root", "--role", "translator"]).exit_code == 0
    assert runner.invoke(args=["users", "remove", "second"]).exit_code == 1  # now the last one


def test_healthz_tells_availability_but_no_engine_version(client):
    """Available or not, per backend and locale; no version, sample rate or error text for the public."""
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["backends"] == {"espeak": {"available": True}}
    tr = body["locales"]["tr"]
    assert {k: tr[k] for k in ("backend", "available", "serving")} == {"backend": "espeak", "available": True,
                                                                      "serving": "espeak"}
    # The voices installed for the locale: name, licence and size only (issue 23), never a version or a path.
    assert all(set(voice) == {"voice", "licence", "size_mb"} for voice in tr["installed"])
    assert not any("/" in voice["voice"] for voice in tr["installed"])
    text = json.dumps(body)
    assert "version" not in text and "sample_rate" not in text and "1.5" not in text
