"""The translators' daily digest through the real app, a real SMTP server on loopback, on SQLite and PostgreSQL:
what became untranslated or outdated, readers' suggestions and comments; once a day; never empty; switched off."""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from service import create_app, db, maintenance, workbench
from service.config import ConfigError
from service.db.schema import mail_outbox
from service.db.schema import maintenance as maintenance_table
from service.workbench import digest

from .clock_support import MovableClock, utc
from .smtp_support import SMTPServer, free_port
from .workbench_support import entry_key, login, make_user, open_editor, token, unescape

TINA = "tina@example.org"
OLE = "ole@example.org"
TAYLAN = "taylan@example.org"
SUGGESTION = "City of talents, with all its schools"


@pytest.fixture
def clock() -> MovableClock:
    """07:00 in Herne (06:00 UTC) on 1 December."""
    return MovableClock(utc(2026, 12, 1, 6))


def mail_app(config: dict, clock: MovableClock, port: int):
    """The real app with e-mail to a loopback SMTP server and a public site address."""
    return create_app({**config, "CLOCK": clock, "MAIL_HOST": "127.0.0.1", "MAIL_PORT": port,
                       "MAIL_STARTTLS": False, "MAIL_TIMEOUT": 5.0, "MAIL_SENDER": "bildung@herne.invalid",
                       "OPERATOR": {**config.get("OPERATOR", {}), "site_url": "https://bildung.herne.invalid"}})


def outbox(app) -> list:
    """Every outbox row of the digest."""
    with db.connect(app) as conn:
        return list(conn.execute(select(mail_outbox).where(mail_outbox.c.topic == "digest").order_by(mail_outbox.c.id)))


def change_catalog(translations: Path, locale: str) -> tuple[str, str]:
    """Empty one translated entry (new again) and mark another outdated, as an update of the German text does;
    return their German sources."""
    path = translations / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    done = [m for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
            and any(str(f).startswith("content/") for f, _ in m.locations)]
    missing, outdated = done[0], done[1]
    missing.string = ""
    outdated.flags.add("fuzzy")
    outdated.previous_id = ("Ein früherer deutscher Text",)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as f:
        write_po(f, catalog, width=0, include_previous=True)
    os.replace(temporary, path)
    return missing.id, outdated.id


def settings(client, **fields):
    """Post the notification settings of the signed-in account."""
    page = client.get("/translate/account/notifications")
    return client.post("/translate/account/notifications", data={"csrf_token": token(page.text), **fields})


def test_the_digest_tells_what_is_new_once_a_day_and_nothing_when_nothing_is(database, clock, translations_dir):
    """First run notes the state; next day one e-mail per translator in their language, not to who switched it
    off, not twice a day; a day without news sends nothing."""
    # Readers' suggestions are stamped by the database's clock: the test's days end now.
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1, hours=1)
    clock.set(start)
    port = free_port()
    app = mail_app(database, clock, port)
    for name in (TINA, OLE, "milan@example.org"):
        make_user(app, name, locales=("en",))
    make_user(app, TAYLAN, locales=("tr",))
    make_user(app, "redaktion", role="admin", locales=())
    tina, ole, editor = app.test_client(), app.test_client(), app.test_client()
    login(tina, TINA)
    login(ole, OLE)
    login(editor, "redaktion")
    assert settings(tina, digest="on", language="de").status_code == 303  # German, though she translates English
    assert settings(ole, language="").status_code == 303  # the box unticked: off
    runner = app.test_cli_runner()
    with SMTPServer(port) as server:
        first = runner.invoke(args=["workbench", "digest"])
        assert first.exit_code == 0, first.output
        assert "en: first run" in first.output and "nothing new: no e-mail" in first.output
        assert server.inbox.messages == [] and outbox(app) == []

        # During the day: the German source changes, a reader suggests, the city's editor comments.
        clock.set(start + dt.timedelta(days=1))
        missing, outdated = change_catalog(translations_dir, "en")
        assert app.test_client().post("/en/suggest/index/b1", data={"suggestion": SUGGESTION}).status_code == 303
        key = entry_key(editor, "en", "Hinweis")
        page = open_editor(editor, "en", key)[0]
        assert editor.post(f"/translate/en/entry/{key}/comments", data={
            "csrf_token": token(page), "comment": "Bitte „Hinweis“ überall gleich übersetzen."}).status_code == 303

        clock.set(start + dt.timedelta(days=1, hours=2))
        day = digest.local_day(clock()).isoformat()
        again = runner.invoke(args=["workbench", "digest"])
        assert again.exit_code == 0, again.output
        assert "sent 2, failed 0" in again.output
        mails = {m["To"]: m for m in server.inbox.messages}
        assert sorted(mails) == ["milan@example.org", TINA]  # ole switched it off; tr had no news
        german = mails[TINA].get_content()
        assert mails[TINA]["Subject"] == f"Übersetzungswerkstatt: Neues vom {day}"
        for told in (missing[:60], outdated[:60], SUGGESTION, "redaktion: Bitte „Hinweis“ überall gleich übersetzen.",
                     "Neu und noch nicht übersetzt (1):", "Neue Vorschläge von Lesenden (1):", "Neue Kommentare (1):",
                     "Veraltet, weil sich das deutsche Original geändert hat (1):",
                     f"https://bildung.herne.invalid/translate/en/entry/{key}",
                     "https://bildung.herne.invalid/translate/account/notifications"):
            assert told in german, told
        english = mails["milan@example.org"]
        assert english["Subject"] == f"Translation workbench: news of {day}"  # the language they translate into
        assert SUGGESTION in english.get_content() and "Neue Kommentare" not in english.get_content()

        # The same day again (a second timer, another server): nothing more.
        third = runner.invoke(args=["workbench", "digest"])
        assert "went out today already" in third.output and len(outbox(app)) == 2
        # Next day, nothing new: no e-mail at all.
        clock.advance(days=1)
        fourth = runner.invoke(args=["workbench", "digest"])
        assert "nothing new: no e-mail" in fourth.output and len(outbox(app)) == 2
    assert len(server.inbox.messages) == 2


def test_the_background_thread_sends_from_the_digest_hour_on(database, clock, translations_dir):
    """Before DIGEST_HOUR (Herne time) the thread waits; after it, one round queues and delivers the digest."""
    port = free_port()
    app = mail_app({**database, "DIGEST_HOUR": 8}, clock, port)
    make_user(app, TINA, locales=("en",))
    with SMTPServer(port) as server:
        maintenance.run_once(app)  # 07:00 in Herne: not yet
        with db.connect(app) as conn:
            assert conn.scalar(select(maintenance_table.c.last_run)
                               .where(maintenance_table.c.name == "workbench-digest")) is None
        clock.set(utc(2026, 12, 1, 7, 5))  # 08:05: the first digest notes the state, tells nothing
        maintenance.run_once(app)
        change_catalog(translations_dir, "en")
        clock.advance(days=1)
        delivery, _ = maintenance.run_once(app)
        assert delivery.sent == 1
        [message] = server.inbox.messages
    assert message["To"] == TINA and "New and not yet translated (1):" in message.get_content()


def test_two_servers_at_once_send_one_digest(database, clock, translations_dir):
    """Two apps on one database run the digest at the same moment: one writes it, the other finds it done."""
    port = free_port()
    first, second = mail_app(database, clock, port), mail_app(database, clock, port)
    make_user(first, TINA, locales=("en",))
    make_user(first, TAYLAN, locales=("tr",))
    assert workbench.send_digest(first).mails == []  # the first day notes the state
    change_catalog(translations_dir, "en")
    change_catalog(translations_dir, "tr")
    clock.advance(days=1)
    runs: list = []
    start = threading.Barrier(2)

    def run(app) -> None:
        start.wait()
        runs.append(workbench.send_digest(app))

    threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.done_already for r in runs) == [False, True]
    assert sorted(row.recipients for row in outbox(first)) == [TAYLAN, TINA]


def test_settings_refuse_a_bad_address_and_keep_what_was_typed(app):
    """A wrong address: 400, the reason, the field as typed; nothing changed. A good one is stored normalized."""
    make_user(app, "tina")
    client = app.test_client()
    login(client, "tina")
    page = client.get("/translate/account/notifications")
    assert "Ohne Adresse kommt keine Zusammenfassung." in unescape(page.text)  # "tina" is no address
    refused = settings(client, digest="on", email="tina at example", language="")
    assert refused.status_code == 400
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in unescape(refused.text)
    assert 'value="tina at example"' in refused.text
    assert settings(client, digest="on", email="tina@example.org", language="xx").status_code == 400
    assert settings(client, digest="on", email="Tina@Example.ORG ", language="").status_code == 303
    shown = unescape(client.get("/translate/account/notifications").text)
    assert "Die Zusammenfassung geht jetzt an Tina@example.org." in shown
    page = client.get("/translate/account/notifications")
    assert client.post("/translate/account/notifications", data={"email": "x@example.org"}).status_code == 400  # CSRF
    assert app.test_client().get("/translate/account/notifications").status_code == 302


def test_digest_dates_follow_the_city_calendar():
    """Just after midnight in Herne is already the next day there (the marker compares city days)."""
    late = utc(2026, 12, 1, 23, 30)  # 00:30 on 2 December in Herne
    assert digest.local_day(late) == dt.date(2026, 12, 2)
    assert digest.sent_today("2026-12-01T23:10:00Z", late)
    assert not digest.sent_today("2026-12-01T22:50:00Z", late)


@pytest.mark.parametrize("hour", [24, -1, "6"])
def test_a_digest_hour_that_cannot_be_is_refused_at_start(app_config, hour):
    """DIGEST_HOUR outside 0-23, or text, stops the app at start with the setting's name."""
    with pytest.raises(ConfigError, match="DIGEST_HOUR"):
        create_app({**app_config, "DIGEST_HOUR": hour})
