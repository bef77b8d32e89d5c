"""PostgreSQL for the tests of shared state outside tests/cluster (fixtures ``postgres_server`` and ``database`` in
conftest.py): one server per module (tests/cluster/servers.Postgres: initdb as the postgres user, on loopback),
a fresh database per test."""
from __future__ import annotations

import itertools

from sqlalchemy import create_engine, text

from .cluster.servers import Postgres

_numbers = itertools.count(1)


def fresh_database(server: Postgres) -> str:
    """The URL of a new, empty database on the server."""
    name = f"t{next(_numbers)}"
    engine = create_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"
