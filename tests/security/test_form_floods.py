"""Finding M3 (third red team): one actor closed the feedback form for everyone.

24 addresses x 5 posts filled the hourly quota in 2.4 s, and residents then got 429 for the rest of the hour;
the suggestion form fell the same way. Now each client has its own limits (an IPv6 /56 counts as one), and past
the soft cap of all visitors' messages a message is stored and marked held instead of refused, without an
e-mail of its own, and the operator is alerted once an hour (log and mail outbox).
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from service import create_app, db
from service.db.schema import feedback, mail_outbox, wb_suggestions

MESSAGE = "Die Schrift im Kopfbereich ist zu klein."
MAIL = {"MAIL_HOST": "127.0.0.1", "MAIL_FEEDBACK_TO": ["barrierefreiheit@herne.invalid"],
        "MAIL_SUGGESTIONS_TO": {"en": ["en-team@herne.invalid"]}}


def _post(client, addr: str, message: str = MESSAGE):
    """One feedback message from an address."""
    return client.post("/de/barrierefreiheit", data={"message": message, "page": "barrierefreiheit"},
                       environ_base={"REMOTE_ADDR": addr})


def _rows(app, table):
    """Every row of a table."""
    with db.connect(app) as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def test_a_flood_from_many_addresses_does_not_close_the_form(app_config, caplog):
    """The red team's 24 x 5 posts against a quota of 100: every message is stored; a resident who writes next
    gets the usual thanks (303), not 429; the 21 past the cap are held; the operator gets one alert."""
    app = create_app({**app_config, **MAIL})
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="service.intake"):
        flood = [_post(client, f"198.51.100.{a}").status_code for a in range(1, 25) for _ in range(5)]
        resident = _post(client, "192.0.2.200", "Der Vorlesen-Knopf ist mit der Tastatur nicht erreichbar.")
    assert flood == [303] * 120
    assert resident.status_code == 303
    stored = _rows(app, feedback)
    assert len(stored) == 121
    assert [r.held for r in stored] == [0] * 100 + [1] * 21
    assert stored[-1].message == "Der Vorlesen-Knopf ist mit der Tastatur nicht erreichbar."
    outbox = _rows(app, mail_outbox)
    assert sum(r.topic == "feedback" for r in outbox) == 100  # held messages send no e-mail of their own
    alerts = [r for r in outbox if r.topic == "alert"]
    assert len(alerts) == 1 and alerts[0].recipients == "barrierefreiheit@herne.invalid"
    assert "mehr als 100 Nachrichten" in alerts[0].body
    assert sum("past its soft cap" in r.getMessage() for r in caplog.records) == 1


def test_the_flooding_client_meets_its_own_limit(app_config):
    """Per client: the sixth message within ten minutes gets 429, for that client only."""
    client = create_app(app_config).test_client()
    assert [_post(client, "198.51.100.7").status_code for _ in range(6)] == [303] * 5 + [429]
    assert _post(client, "198.51.100.8").status_code == 303


def test_a_customers_ipv6_delegation_is_one_client(app_config):
    """The red team's /56 as 256 clients: its /64 networks now share one limit."""
    client = create_app(app_config).test_client()
    statuses = [_post(client, f"2001:db8:aa:bb{i:02x}::1").status_code for i in range(12)]
    assert statuses == [303] * 5 + [429] * 7


def test_suggestions_are_held_past_the_soft_cap_not_refused(app_config):
    """Readers' suggestions past SUGGEST_HOURLY_QUOTA: stored and held, the reader thanked, one alert."""
    app = create_app({**app_config, **MAIL, "SUGGEST_HOURLY_QUOTA": 3})
    client = app.test_client()
    statuses = [client.post("/en/suggest/werkstatt/b2", data={"suggestion": f"Better text {i}"},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code for i in range(1, 7)]
    assert statuses == [303] * 6
    assert [r.held for r in _rows(app, wb_suggestions)] == [0, 0, 0, 1, 1, 1]
    outbox = _rows(app, mail_outbox)
    assert [r.topic for r in outbox] == ["suggestion"] * 3 + ["alert"]
    assert outbox[-1].recipients == "barrierefreiheit@herne.invalid"  # MAIL_ALERTS_TO falls back to this
