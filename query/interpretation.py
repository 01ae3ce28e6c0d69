"""The :class:`Interpretation`: what crmlens understood a question to mean.

It is the one contract between the parser (or an ``interpret_question`` plugin, e.g. an LLM) and the
compiler: plain data, serializable to JSON, validated by pydantic. Names refer to the catalog's
metrics, dimensions and analyses; values are data, never SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Grain = Literal["day", "week", "month", "quarter", "year"]
Operator = Literal["=", "!=", "in", "not in", ">", ">=", "<", "<=", "between", "contains"]
Scalar = str | int | float | dt.date


class Period(BaseModel):
    """A closed date interval (both ends included) with a label for people."""

    model_config = ConfigDict(frozen=True)

    start: dt.date
    end: dt.date
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        return self

    def text(self) -> str:
        return self.label or f"{self.start.isoformat()} → {self.end.isoformat()}"


class Filter(BaseModel):
    """A condition on a dimension (row level): ``region = 'East China'``, ``days_since_last_order >= 90``."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    op: Operator = "="
    values: list[Scalar] = Field(min_length=1)


class ValueGroup(BaseModel):
    """Several values of a dimension shown as one row: ``online`` = order channel in web, app, tmall, ..."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    label: str
    values: list[Scalar] = Field(min_length=1)


class MetricCondition(BaseModel):
    """A condition on a metric per entity (HAVING): customers with ``orders > 3``."""

    model_config = ConfigDict(frozen=True)

    metric: str
    op: Literal[">", ">=", "<", "<=", "=", "!="]
    value: float


class Interpretation(BaseModel):
    """A structured question. ``kind`` says which parts matter:

    * ``metric``: ``metrics`` broken down by ``dimensions`` and/or ``grain``, over ``period``,
      with ``filters``, optional ``compare`` periods, ``growth``, ``share``, ``order``/``limit``.
    * ``list``: rows of ``entity`` (customers, products, orders) matching ``filters`` and
      ``conditions``; with ``count_only`` just how many.
    * ``analysis``: run ``analysis`` with ``params``.
    * ``sql``: run ``sql`` after checking it only reads.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["metric", "list", "analysis", "sql", "why"]
    language: Literal["en", "zh"] = "en"
    metrics: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    grain: Grain | None = None
    period: Period | None = None
    compare: list[Period] = Field(default_factory=list, description="Two or more periods side by side.")
    growth: Literal["previous_period", "previous_year"] | None = None
    share: bool = False
    filters: list[Filter] = Field(default_factory=list)
    groups: list[ValueGroup] = Field(default_factory=list, description="Labelled value groups of a dimension.")
    conditions: list[MetricCondition] = Field(default_factory=list)
    entity: Literal["customers", "products", "orders"] | None = None
    count_only: bool = False
    order: Literal["desc", "asc"] | None = None
    order_by: str | None = None
    limit: int | None = Field(default=None, ge=1, le=100_000)
    analysis: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    sql: str | None = None
    notes: list[str] = Field(default_factory=list, description="What was guessed or ignored, for the explanation.")
    ignored: list[str] = Field(default_factory=list, description="Words of the question that were not used.")
    alternatives: list[str] = Field(
        default_factory=list,
        description="Questions for the other readings considered (e.g. a value found in two dimensions).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Interpretation:
        if self.kind in ("metric", "why") and not self.metrics:
            raise ValueError(f"a {self.kind} question needs at least one metric")
        if self.kind == "list" and self.entity is None:
            raise ValueError("a list question needs an entity")
        if self.kind == "analysis" and not self.analysis:
            raise ValueError("an analysis question needs the analysis name")
        if self.kind == "sql" and not self.sql:
            raise ValueError("a sql question needs the SQL text")
        return self
