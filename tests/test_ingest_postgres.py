"""Loading the tables of a PostgreSQL database (needs psycopg and a server).

The server is ``$CRMLENS_TEST_POSTGRES_URL`` when set (any database the user may create databases in);
otherwise a throw-away cluster is started with ``initdb``/``pg_ctl`` when they are on PATH and the tests
do not run as root (PostgreSQL refuses to). Without either, the tests are skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from crmlens.engine.errors import IngestError
from crmlens.engine.ingest import load, suggest_mapping

psycopg = pytest.importorskip("psycopg")
pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("CRMLENS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl or os.geteuid() == 0:
        pytest.skip("no PostgreSQL server: set CRMLENS_TEST_POSTGRES_URL, or run as a non-root user "
                    "with initdb and pg_ctl on PATH")
    base = tmp_path_factory.mktemp("pg")
    data, sockets, port = base / "data", base / "s", _free_port()
    sockets.mkdir()
    subprocess.run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                    f"-c listen_addresses='' -k {sockets} -p {port} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={sockets}&port={port}"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)


@pytest.fixture
def shop_url(server_url: str) -> Iterator[str]:
    """A fresh database with a clients table and an orders table."""
    name = f"crmlens_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, query = server_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE clients (client_id text, full_name text, signed_up date, kind text)")
        conn.execute("INSERT INTO clients VALUES ('K1', 'Ann', '2024-01-05', '个人'), ('K2', 'Bo', NULL, 'B2B')")
        conn.execute("CREATE SCHEMA sales")
        conn.execute("CREATE TABLE sales.orders (order_id integer, customer_id text, placed timestamptz, "
                     "amount numeric(12, 2), status text)")
        conn.execute("INSERT INTO sales.orders SELECT i, 'K' || (i % 2 + 1), "
                     "TIMESTAMPTZ '2025-03-01 10:00:00+00' + i * INTERVAL '1 day', i * 1.5, "
                     "CASE WHEN i = 7 THEN 'lost' ELSE 'completed' END FROM generate_series(1, 50000) i")
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_table_is_a_source(shop_url: str) -> None:
    with duckdb.connect() as con:
        report = load(con, [shop_url], mapping={"sources": [
            {"match": "*#public.clients", "table": "customers",
             "columns": {"client_id": "customer_id", "kind": "customer_type"}},
            {"match": "*#sales.orders", "columns": {"placed": "order_date"}}]})
        assert [(s.source.rsplit("#", 1)[1], s.table, s.loaded, s.rejected) for s in report.sources] == [
            ("public.clients", "customers", 2, 0), ("sales.orders", "orders", 49_999, 1)]
        customers = con.execute("SELECT customer_id, name, signup_date, customer_type FROM customers ORDER BY 1")
        assert customers.fetchall() == [("K1", "Ann", dt.date(2024, 1, 5), "individual"),
                                        ("K2", "Bo", None, "business")]
        assert con.execute("SELECT order_date, amount FROM orders WHERE order_id = '2'").fetchone() == (
            dt.date(2025, 3, 3), Decimal("3.00"))
        assert con.execute("SELECT line, value FROM _rejects").fetchall() == [(7, "lost")]


def test_one_table_by_fragment_and_no_password_in_names(shop_url: str) -> None:
    base, _, query = shop_url.partition("?")
    with_password = base.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    url = with_password + (f"?{query}" if query else "") + "#clients"
    with duckdb.connect() as con:
        suggestions = suggest_mapping(con, url, table="customers",
                                      mapping={"columns": {"client_id": "customer_id"}})
        assert len(suggestions) == 1 and "s3cret" not in suggestions[0].source
        report = load(con, [url], table="customers", mapping={"columns": {"client_id": "customer_id"}})
        assert report.loaded == 2
        assert "s3cret" not in report.to_json()
        assert "s3cret" not in str(con.execute("SELECT source FROM _loads").fetchall())


def test_unknown_table_and_unreachable_server(shop_url: str, tmp_path: Path) -> None:
    with duckdb.connect() as con:
        with pytest.raises(IngestError, match="has no table 'nope'"):
            load(con, [shop_url + "#nope"])
        with pytest.raises(IngestError, match="Cannot connect"):
            load(con, [f"postgresql://nobody@/none?host={tmp_path}&port=1"])
