"""The canonical schema: DDL, docs kept in sync, relationships that point at real columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crmlens.engine.database import ensure_canonical_tables, ensure_system_tables, existing_tables, table_columns
from crmlens.engine.errors import UsageError
from crmlens.engine.schema import TABLES, TABLES_BY_NAME, relationships, schema_markdown, table_spec

EXPECTED = {
    "customers": [
        "customer_id",
        "name",
        "email",
        "phone",
        "gender",
        "birth_date",
        "city",
        "region",
        "country",
        "signup_date",
        "acquisition_channel",
        "customer_type",
    ],
    "products": ["product_id", "name", "category", "brand", "unit_price", "unit_cost"],
    "orders": ["order_id", "customer_id", "order_date", "channel", "status", "amount", "discount"],
    "order_items": ["order_id", "product_id", "quantity", "unit_price"],
    "events": ["event_id", "session_id", "customer_id", "event_time", "event_type", "source", "device", "product_id"],
    "campaigns": ["campaign_id", "name", "channel", "start_date", "end_date", "spend"],
    "campaign_responses": [
        "campaign_id",
        "customer_id",
        "variant",
        "sent_at",
        "opened_at",
        "clicked_at",
        "converted_at",
        "order_id",
    ],
    "opportunities": ["opportunity_id", "customer_id", "owner", "created_at", "closed_at", "stage", "status", "amount"],
    "opportunity_stages": ["opportunity_id", "stage", "entered_at"],
    "feedback": ["feedback_id", "customer_id", "submitted_at", "channel", "nps_score", "csat_score", "comment"],
    "reviews": ["review_id", "customer_id", "product_id", "brand", "source", "posted_at", "rating", "text", "language"],
    "tickets": ["ticket_id", "customer_id", "opened_at", "resolved_at", "category", "priority", "status", "channel"],
    "competitor_prices": ["product_id", "competitor", "price", "observed_at"],
}


def test_schema_has_exactly_the_issue_tables_and_columns() -> None:
    assert {t.name: t.column_names for t in TABLES} == EXPECTED


def test_ddl_creates_every_table_with_its_types() -> None:
    con = duckdb.connect()
    ensure_canonical_tables(con)
    ensure_system_tables(con)
    assert set(existing_tables(con)) == set(EXPECTED) | {"_rejects", "_loads", "_crmlens_meta"}
    assert dict(table_columns(con, "orders"))["amount"] == "DECIMAL(18,2)"
    assert dict(table_columns(con, "events"))["event_time"] == "TIMESTAMP"


def test_relationships_point_at_existing_columns() -> None:
    rels = relationships()
    assert any(r.table == "orders" and r.ref_table == "customers" for r in rels)
    for r in rels:
        assert r.column in TABLES_BY_NAME[r.table].column_names
        assert r.ref_column in TABLES_BY_NAME[r.ref_table].column_names


def test_keys_and_time_columns_exist() -> None:
    for t in TABLES:
        assert set(t.key) <= set(t.column_names), t.name
        assert t.time_column is None or t.time_column in t.column_names


def test_docs_schema_md_is_generated_from_the_spec() -> None:
    committed = (Path(__file__).parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(), "regenerate: python -m crmlens.engine.schema > docs/schema.md"


def test_every_column_is_documented() -> None:
    for t in TABLES:
        for c in t.columns:
            assert c.description.strip(), f"{t.name}.{c.name}"


def test_unknown_table_lists_known_ones() -> None:
    with pytest.raises(UsageError, match="Canonical tables are: customers, products"):
        table_spec("clients")
