"""``generate_demo``: fill every canonical table with coherent synthetic CRM data.

Customers are generated first (with their hidden behaviour); their rows, orders, lines, tickets,
surveys, reviews, web events and campaign responses are then generated for blocks of customers, so
memory stays flat however many customers are asked for.

The rows go to staging tables (``_crmlens_demo_<table>``), one transaction per block, and a last
transaction swaps them in: it drops the canonical tables and renames the staging tables in their place,
then records the meta keys. Until that transaction commits the canonical tables are untouched, and if
anything fails the staging tables are dropped, so a failure leaves the database as it was. (Appending
tens of millions of rows inside a single DuckDB transaction would keep all of them in memory until the
commit: about 3.8 GB at a million customers.)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from crmlens.engine.database import ensure_system_tables, quote_ident, row_count, set_meta, transaction
from crmlens.engine.demo.campaigns import build_campaigns, build_responses, campaign_columns
from crmlens.engine.demo.catalog import Catalog, build_catalog, product_columns
from crmlens.engine.demo.columns import append, ints
from crmlens.engine.demo.competition import build_competitor_prices
from crmlens.engine.demo.events import build_events
from crmlens.engine.demo.feedback import build_feedback
from crmlens.engine.demo.orders import build_orders
from crmlens.engine.demo.people import Customers, build_customers, copy_duplicates, customer_columns
from crmlens.engine.demo.prefetch import prefetched
from crmlens.engine.demo.reviews import COMPETITOR_REVIEWS_PER_CUSTOMER, build_competitor_reviews, build_reviews
from crmlens.engine.demo.rng import Stream, stream
from crmlens.engine.demo.sales import build_opportunities
from crmlens.engine.demo.service import build_tickets
from crmlens.engine.demo.timeline import DEMO_END
from crmlens.engine.errors import UsageError
from crmlens.engine.schema import TABLES

#: Name prefix of the tables the data is written to before it replaces the canonical tables.
STAGE_PREFIX = "_crmlens_demo_"
MIN_CUSTOMERS = 1
MAX_CUSTOMERS = 5_000_000
#: Customers per block. Fixed, so the same seed and size always give the same data.
BLOCK_CUSTOMERS = 50_000

#: Identifier columns of each table and the kind of identifier they hold (see columns.ID_FORMATS).
_IDS: dict[str, dict[str, str]] = {
    "customers": {"customer_id": "customer"},
    "orders": {"order_id": "order", "customer_id": "customer"},
    "order_items": {"order_id": "order"},
    "events": {"event_id": "event", "session_id": "session", "customer_id": "customer"},
    "campaigns": {"campaign_id": "campaign"},
    "campaign_responses": {"campaign_id": "campaign", "customer_id": "customer", "order_id": "order"},
    "opportunities": {"opportunity_id": "opportunity", "customer_id": "customer"},
    "opportunity_stages": {"opportunity_id": "opportunity"},
    "feedback": {"feedback_id": "feedback", "customer_id": "customer"},
    "reviews": {"review_id": "review", "customer_id": "customer"},
    "tickets": {"ticket_id": "ticket", "customer_id": "customer"},
}


@dataclass(frozen=True)
class DemoReport:
    """What :func:`generate_demo` wrote."""

    customers: int
    seed: int
    rows: Mapping[str, int] = field(default_factory=dict)  # rows per canonical table
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _validate(customers: object, seed: object) -> tuple[int, int]:
    if isinstance(customers, bool) or not isinstance(customers, int | np.integer):
        raise UsageError(f"The number of demo customers must be a whole number, not {customers!r}.")
    if not MIN_CUSTOMERS <= int(customers) <= MAX_CUSTOMERS:
        raise UsageError(
            f"Cannot generate {customers:,} demo customers.",
            hint=f"Choose between {MIN_CUSTOMERS} and {MAX_CUSTOMERS:,}.",
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise UsageError(f"The demo seed must be a whole number of 0 or more, not {seed!r}.")
    return int(customers), int(seed)


def _stage(name: str) -> str:
    return STAGE_PREFIX + name


def _drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    for spec in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(_stage(spec.name))}")


def _swap_in(con: duckdb.DuckDBPyConnection) -> None:
    """Replace each canonical table (or view of that name) by its staging table."""
    views = {
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall()
    }
    for spec in TABLES:
        kind = "VIEW" if spec.name in views else "TABLE"
        con.execute(f"DROP {kind} IF EXISTS {quote_ident(spec.name)}")
        con.execute(f"ALTER TABLE {quote_ident(_stage(spec.name))} RENAME TO {quote_ident(spec.name)}")


class _Counter:
    """Next free 0-based id of each identifier kind, across blocks."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, kind: str, count: int) -> int:
        """Reserve ``count`` ids of ``kind``; returns the first."""
        first = self.next.get(kind, 0)
        self.next[kind] = first + count
        return first

    def numbered(self, kind: str, column: str, columns: Mapping[str, pa.Array]) -> dict[str, pa.Array]:
        """``columns`` with an id column in front, numbering the rows with the next ids of ``kind``."""
        count = len(next(iter(columns.values())))
        return {column: ints(self.take(kind, count) + np.arange(count)), **columns}


def generate_demo(con: duckdb.DuckDBPyConnection, *, customers: int = 20_000, seed: int = 42) -> DemoReport:
    """Replace every canonical table with demo data for ``customers`` customers.

    The same ``seed`` and ``customers`` always give the same data. The meta keys ``as_of``
    (2025-12-31), ``demo_seed`` and ``demo_customers`` are set. Nothing changes if it fails. Raises
    UsageError for a number of customers outside 1 .. 5,000,000 or a negative seed.
    """
    n, seed = _validate(customers, seed)
    started = time.perf_counter()
    _drop_staging(con)  # left over by a run that was killed
    try:
        _write_staging(con, n, seed)
        with transaction(con):
            _swap_in(con)
            ensure_system_tables(con)
            set_meta(con, "as_of", DEMO_END.isoformat())
            set_meta(con, "demo_seed", str(seed))
            set_meta(con, "demo_customers", str(n))
            rows = {spec.name: row_count(con, spec.name) for spec in TABLES}
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # keep the original error if the connection is gone
            _drop_staging(con)
        raise
    return DemoReport(customers=n, seed=seed, rows=rows, seconds=time.perf_counter() - started)


Batch = list[tuple[str, Mapping[str, pa.Array]]]


def _batches(n: int, seed: int, people: Customers, catalog: Catalog) -> Iterator[Batch]:
    """The rows of every table: one batch per block of customers, then one for the rest."""
    campaigns = build_campaigns(seed)
    contacted = np.zeros(len(campaigns), dtype=np.int64)
    ids = _Counter()
    for block, lo in enumerate(range(0, n, BLOCK_CUSTOMERS)):
        hi = min(lo + BLOCK_CUSTOMERS, n)
        batch: Batch = [("customers", customer_columns(people, seed, lo, hi, block))]
        first_order = ids.take("order", int(people.orders[lo:hi].sum()))
        orders = build_orders(stream(seed, Stream.ORDERS, block), people, lo, hi, first_order, catalog)
        batch += [("orders", orders.order_columns()), ("order_items", orders.item_columns(catalog))]
        tickets = build_tickets(stream(seed, Stream.TICKETS, block), people, lo, hi, orders)
        batch.append(("tickets", tickets.columns(ids.take("ticket", tickets.count))))
        feedback = build_feedback(stream(seed, Stream.FEEDBACK, block), people, lo, hi, orders, tickets, catalog)
        batch.append(("feedback", ids.numbered("feedback", "feedback_id", feedback)))
        reviews = build_reviews(stream(seed, Stream.REVIEWS, block), people, orders, catalog)
        batch.append(("reviews", ids.numbered("review", "review_id", reviews)))
        events = build_events(stream(seed, Stream.EVENTS, block), people, lo, hi, catalog)
        batch.append(
            ("events", events.columns(ids.take("event", events.count), ids.take("session", events.sessions), catalog))
        )
        responses, reached = build_responses(stream(seed, Stream.RESPONSES, block), people, lo, hi, orders, campaigns)
        contacted += reached
        if responses:
            batch.append(("campaign_responses", responses))
        yield batch

    opportunities, stages = build_opportunities(stream(seed, Stream.OPPORTUNITIES), people)
    rival = build_competitor_reviews(
        stream(seed, Stream.COMPETITOR_REVIEWS), max(1, round(COMPETITOR_REVIEWS_PER_CUSTOMER * n)), catalog
    )
    yield [
        ("products", product_columns(catalog)),
        ("campaigns", campaign_columns(campaigns, contacted, seed, n)),
        ("opportunities", opportunities),
        ("opportunity_stages", stages),
        ("reviews", ids.numbered("review", "review_id", rival)),
        ("competitor_prices", build_competitor_prices(seed, catalog)),
    ]


def _write_staging(con: duckdb.DuckDBPyConnection, n: int, seed: int) -> None:
    """Create and fill every staging table, one transaction per batch, generating the next batch
    in the background while DuckDB stores the current one."""
    for spec in TABLES:
        con.execute(spec.ddl(_stage(spec.name)))
    catalog = build_catalog(seed)
    people = build_customers(n, seed)
    batches = prefetched(_batches(n, seed, people, catalog), name="crmlens-demo")
    try:
        for batch in batches:
            with transaction(con):
                for table, columns in batch:
                    append(con, table, columns, _IDS.get(table), into=_stage(table))
    finally:
        batches.close()  # stops the background thread if storing failed
    with transaction(con):
        copy_duplicates(con, _stage("customers"), people)
