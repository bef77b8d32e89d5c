"""Finding 12: global hourly bounds, IPv6 counted per /56, every stored field validated, HMAC rate keys that expire."""
from __future__ import annotations

import hashlib
import time

from sqlalchemy import select

from service import create_app, db, ratelimit
from service.db.schema import feedback, rate_events, wb_suggestions

from ..workbench_support import count, rows

MESSAGE = "Die Schrift im Kopfbereich ist zu klein."


def _post(client, addr: str, **extra):
    """One feedback message from an address."""
    return client.post("/de/barrierefreiheit", data={"message": MESSAGE, "page": "barrierefreiheit", **extra},
                       environ_base={"REMOTE_ADDR": addr})


def test_a_hard_hourly_bound_stops_many_addresses(app_config):
    """Many addresses x five messages: past the soft cap messages are held (test_form_floods.py); past the hard
    cap of held messages nothing more is stored, and people are told (503, not 429: it is no fault of theirs)."""
    app = create_app({**app_config, "FEEDBACK_HOURLY_QUOTA": 6, "FEEDBACK_HELD_HOURLY_MAX": 6})
    client = app.test_client()
    statuses = [_post(client, f"192.0.2.{a}").status_code for a in range(1, 6) for _ in range(5)]
    assert statuses.count(303) == 12 and count(app, feedback) == 12
    refused = _post(client, "192.0.2.99")
    assert refused.status_code == 503
    assert "Gerade erreichen uns sehr viele Nachrichten. Bitte versuchen Sie es in einer Stunde noch einmal." in \
        refused.text


def test_suggestions_have_a_hard_bound_too(app_config):
    """Readers' suggestions: the same protection."""
    app = create_app({**app_config, "SUGGEST_HOURLY_QUOTA": 2, "SUGGEST_HELD_HOURLY_MAX": 1})
    client = app.test_client()
    statuses = [client.post("/en/suggest/werkstatt/b2", data={"suggestion": f"Better text {i}"},
                            environ_base={"REMOTE_ADDR": f"192.0.2.{i}"}).status_code for i in range(1, 6)]
    assert statuses == [303, 303, 303, 503, 503] and count(app, wb_suggestions) == 3


def test_an_ipv6_slash_56_counts_as_one_client(app):
    """Addresses of one /56 (a customer's delegation: 256 /64 networks) share their limit; another /56 has its own."""
    client = app.test_client()
    same = [_post(client, f"2001:db8:1:2{i:02x}::1").status_code for i in range(1, 7)]
    assert same == [303] * 5 + [429]
    assert _post(client, "2001:db8:1:300::1").status_code == 303
    with app.app_context():
        assert ratelimit.address("2001:db8:1:2aa:aaaa:bbbb:cccc:dddd") == "2001:db8:1:200::/56"
    assert ratelimit.address("::ffff:192.0.2.7") == "192.0.2.7"


def test_the_ipv6_grouping_is_a_setting(app_config):
    """RATE_LIMIT_IPV6_PREFIX=64 counts each /64 alone again."""
    app = create_app({**app_config, "RATE_LIMIT_IPV6_PREFIX": 64})
    with app.app_context():
        assert ratelimit.address("2001:db8:1:2aa:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2aa::/64"


def test_the_page_field_must_name_an_existing_page(app, client):
    """The hidden field is no free text: a forged value is refused and nothing is stored."""
    for forged in ("../../etc/passwd", "x" * 80, "", "<script>"):
        assert _post(client, "192.0.2.1", page=forged).status_code == 400
    assert count(app, feedback) == 0
    assert _post(client, "192.0.2.1", page="werkstatt").status_code == 303
    assert [r.page for r in rows(app, feedback)] == ["werkstatt"]


def test_rate_keys_are_hmacs_with_the_instance_secret_and_expire(app_config, monkeypatch):
    """No plain hash of an address is stored; another secret gives other keys; rows go when their window ends."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    app = create_app(app_config)
    client = app.test_client()
    assert _post(client, "192.0.2.44").status_code == 303
    with db.connect(app) as conn:
        stored = set(conn.execute(select(rate_events.c.bucket)).scalars())
    assert hashlib.sha256(b"feedback:192.0.2.44").hexdigest()[:32] not in stored
    with app.app_context():
        assert ratelimit._key("feedback:192.0.2.44") in stored
    other = create_app({**app_config, "SECRET_KEY": "another-secret"})
    with other.app_context():
        assert ratelimit._key("feedback:192.0.2.44") not in stored
    now[0] += 3601  # both windows (10 minutes per address, an hour for the quota) are over
    assert _post(client, "192.0.2.45").status_code == 303
    with db.connect(app) as conn:
        left = list(conn.execute(select(rate_events)))
    # only the new message's: its try, its address, the quota
    assert len(left) == 3 and all(r.at == now[0] for r in left)
