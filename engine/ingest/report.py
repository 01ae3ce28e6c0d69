"""What a load did, per source and per table, as a text table for people and JSON for programs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from crmlens.engine.ingest.mapping import ColumnMatch
from crmlens.engine.ingest.text_table import render_table


class SourceReport(BaseModel):
    """One source: where it went, how it was mapped, and what happened to its rows.

    ``rows_read == loaded + rejected``; ``rejected`` counts every row written to ``_rejects``:
    ``malformed`` (unreadable CSV records), ``invalid`` (values that do not fit) and ``duplicate_keys``.
    """

    source: str
    table: str
    rows_read: int
    loaded: int
    rejected: int
    malformed: int
    invalid: int
    duplicate_keys: int
    exact_duplicates: int  # of the duplicate_keys, rows identical to the first one
    mapping: list[ColumnMatch]
    notes: list[str] = []

    @property
    def unmapped(self) -> list[str]:
        return [m.source_column for m in self.mapping if m.column is None]


class TableReport(BaseModel):
    table: str
    sources: list[str]
    rows_read: int
    loaded: int
    rejected: int
    duplicate_keys: int
    exact_duplicates: int

    def summary(self) -> str:
        """``orders: loaded 9,870, rejected 12, duplicates 3``"""
        return f"{self.table}: loaded {self.loaded:,}, rejected {self.rejected:,}, duplicates {self.duplicate_keys:,}"


class DuplicateCustomerPair(BaseModel):
    customer_id: str
    other_customer_id: str
    matched_on: str  # "email", "phone" or "email+phone"
    matched_value: str


class DuplicateCustomers(BaseModel):
    """Customers with different ids but the same e-mail or phone, across the whole customers table."""

    pairs: int
    examples: list[DuplicateCustomerPair]
    view: str = "_duplicate_customers"


class LoadReport(BaseModel):
    load_id: str
    dry_run: bool
    started_at: dt.datetime
    finished_at: dt.datetime
    tables: list[TableReport]
    sources: list[SourceReport]
    duplicate_customers: DuplicateCustomers | None = None
    warnings: list[str] = []

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    def table(self, name: str) -> TableReport:
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(f"this load did not touch {name!r}")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def to_json_dict(self) -> dict[str, Any]:
        """The report as JSON-ready Python values (what ``to_json`` serialises)."""
        return self.model_dump(mode="json")

    def to_text(self) -> str:
        seconds = (self.finished_at - self.started_at).total_seconds()
        verb = "would load" if self.dry_run else "loaded"
        lines = [f"Load {self.load_id}: {verb} {self.loaded:,} of {self.rows_read:,} rows "
                 f"into {len(self.tables)} table(s) in {seconds:.1f}s"
                 + (" (dry run: nothing was written)" if self.dry_run else ""), ""]
        rows = [[t.table, f"{t.rows_read:,}", f"{t.loaded:,}", f"{t.rejected:,}", f"{t.duplicate_keys:,}",
                 ", ".join(t.sources)] for t in self.tables]
        lines += [render_table(["table", "read", "loaded", "rejected", "duplicates", "sources"], rows,
                               numeric=[1, 2, 3, 4]), ""]
        lines += [t.summary() for t in self.tables]
        for s in self.sources:
            parts = [f"{n:,} {what}" for n, what in ((s.malformed, "malformed"), (s.invalid, "invalid values"),
                                                      (s.duplicate_keys, "duplicate keys")) if n]
            if s.exact_duplicates:
                parts.append(f"{s.exact_duplicates:,} of them exact duplicate rows")
            breakdown = f" ({', '.join(parts)})" if parts else ""
            lines += ["", f"{s.source} -> {s.table}: read {s.rows_read:,}, loaded {s.loaded:,}, "
                          f"rejected {s.rejected:,}{breakdown}"]
            mapped = [[m.source_column, m.column, f"{m.confidence:.2f}", m.reason] for m in s.mapping if m.column]
            lines.append(_indent(render_table(["source column", "column", "confidence", "why"], mapped, numeric=[2])))
            if s.unmapped:
                lines.append(f"  not loaded: {', '.join(s.unmapped)}")
            lines += [f"  note: {n}" for n in s.notes]
        if self.duplicate_customers is not None and self.duplicate_customers.pairs:
            d = self.duplicate_customers
            lines += ["", f"Duplicate customers: {d.pairs:,} pair(s) with the same e-mail or phone "
                          f"(SELECT * FROM {d.view}):"]
            lines += [f"  {p.customer_id} ~ {p.other_customer_id} ({p.matched_on}: {p.matched_value})"
                      for p in d.examples]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        if self.rejected and not self.dry_run:
            lines += ["", f"Rejected rows: SELECT * FROM _rejects WHERE load_id = '{self.load_id}'"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
