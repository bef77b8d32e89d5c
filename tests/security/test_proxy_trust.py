"""Finding L3 (third red team): with PROXY_FIX=1, anyone who reached the app port directly could fake their address.

Forwarded headers now count only on requests that come from one of PROXY_FIX_FROM (the proxy's own address;
loopback by default): a client who connects to the app directly is the address it connects from.
"""
from __future__ import annotations

from service import create_app

MESSAGE = "Die Schrift im Kopfbereich ist zu klein."


def _post(client, peer: str, forwarded: str):
    """One feedback message from ``peer`` that claims to forward for ``forwarded``."""
    return client.post("/de/barrierefreiheit", data={"message": MESSAGE, "page": "barrierefreiheit"},
                       environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": forwarded})


def test_a_direct_client_cannot_name_other_addresses(app_config):
    """Six posts straight to the app port, each claiming another address: the sixth meets the client's limit."""
    client = create_app({**app_config, "PROXY_FIX": 1}).test_client()
    statuses = [_post(client, "198.51.100.7", f"203.0.113.{n}").status_code for n in range(1, 7)]
    assert statuses == [303] * 5 + [429]


def test_the_proxys_forwarded_address_still_counts(app_config):
    """Through the proxy (loopback by default), each forwarded client has its own limit."""
    client = create_app({**app_config, "PROXY_FIX": 1}).test_client()
    statuses = [_post(client, "127.0.0.1", f"203.0.113.{n}").status_code for n in range(1, 7)]
    assert statuses == [303] * 6


def test_the_proxys_address_is_a_setting(app_config):
    """PROXY_FIX_FROM names another host's proxy (a comma-separated string, as from the environment)."""
    client = create_app({**app_config, "PROXY_FIX": 1, "PROXY_FIX_FROM": "10.0.0.2, 10.0.1.0/24"}).test_client()
    assert [_post(client, "10.0.1.9", f"203.0.113.{n}").status_code for n in range(1, 7)] == [303] * 6
    assert [_post(client, "127.0.0.1", f"192.0.2.{n}").status_code for n in range(1, 7)] == [303] * 5 + [429]
