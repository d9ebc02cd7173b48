"""PostgreSQL for tests: one throw-away cluster per run (tests/pgcluster.py), a fresh schema or database per test.

Set ``FAQBOT_TEST_PG`` to a server URL to use a running server instead (it must allow CREATE
SCHEMA/DATABASE). Without PostgreSQL binaries and without that variable, PostgreSQL tests skip,
naming what is missing; ``.ci/run`` installs them, so CI runs them.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import pytest

from tests import pgcluster

_cluster: pgcluster.Cluster | None = None


def restart_cluster() -> bool:
    """Restart this run's own server (fast shutdown: every connection is cut); False for an outside one."""
    if _cluster is None:
        return False
    _cluster.restart()
    return True


def stop_cluster() -> bool:
    """Stop this run's own server (fast: every connection is cut); False for an outside one."""
    if _cluster is None:
        return False
    _cluster.stop()
    return True


def start_cluster() -> None:
    assert _cluster is not None
    _cluster.start()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database (``postgres``)."""
    global _cluster
    if url := os.environ.get("FAQBOT_TEST_PG"):
        yield url
        return
    if reason := pgcluster.missing_reason():
        if os.environ.get("FAQBOT_REQUIRE_PG"):  # CI (.ci/run) installed it: missing is a failure there
            pytest.fail(reason)
        pytest.skip(reason)
    _cluster = pgcluster.start()
    try:
        yield _cluster.dsn()
    finally:
        _cluster.stop("immediate")
        shutil.rmtree(_cluster.root, ignore_errors=True)
        _cluster = None


def with_params(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def database_url(server: str, name: str) -> str:
    """``server`` with its database swapped for ``name``."""
    head, sep, query = server.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


async def admin(server: str, sql: str) -> None:
    """One statement on its own connection (a test may restart the server in between)."""
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def pg_schema_url(pg_server: str) -> AsyncIterator[str]:
    """A URL whose connections work in a fresh, empty schema (``search_path``); dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    await admin(pg_server, f"CREATE SCHEMA {name}")
    yield with_params(pg_server, search_path=name)
    await admin(pg_server, f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
async def pg_database_url(pg_server: str) -> AsyncIterator[str]:
    """A fresh, empty database (for pg_dump and other libpq tools, which know no search_path)."""
    name = f"d_{secrets.token_hex(6)}"
    await admin(pg_server, f"CREATE DATABASE {name}")
    yield database_url(pg_server, name)
    await admin(pg_server, f"DROP DATABASE {name} WITH (FORCE)")
