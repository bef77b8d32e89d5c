"""A PostgreSQL server of the tests' own for the tests of shared state outside tests/cluster: one per module,
a fresh database per test (the server is tests/cluster/servers.Postgres: initdb as the postgres user, loopback)."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from .cluster.servers import Postgres

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL cluster on a free loopback port, stopped (and its files deleted) after the module."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, app_config: dict) -> dict:
    """The test configuration on the embedded SQLite file, and on a fresh PostgreSQL database (migrated at start)."""
    if request.param == "sqlite":
        return app_config
    server = request.getfixturevalue("postgres_server")
    return {**app_config, "DATABASE_URL": fresh_database(server), "DATABASE_AUTO_UPGRADE": True}
