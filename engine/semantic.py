"""The semantic layer's building blocks, contributed by plugins: metrics, dimensions and vocabulary.

A :class:`Metric` is an aggregate over one canonical table (``sum(amount)`` over ``orders`` with the
default filter ``status = 'completed'``); a :class:`Dimension` is an expression to group or filter by
(``customers.region``, the month of ``orders.order_date``); a :class:`Phrase` routes words of a
question to an analysis. The query layer compiles them with sqlglot; expressions are kept as sqlglot
trees so user text only ever becomes a literal.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import sqlglot
from crmlens.engine.result import ValueFormat
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlglot import exp

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_expression(value: Any) -> exp.Expr:
    """Parse SQL text (DuckDB dialect) into a sqlglot expression; pass expressions through."""
    if isinstance(value, exp.Expr):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a SQL expression")
    parsed: exp.Expr = sqlglot.parse_one(value, dialect="duckdb")
    return parsed


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class _SemanticItem(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    title: str
    title_zh: str | None = None
    description: str
    synonyms: list[str] = Field(default_factory=list, description="Other names, English and Chinese.")
    plugin: str | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"name {value!r} must be lower_snake_case")
        return value

    @property
    def synonyms_en(self) -> list[str]:
        return [s for s in self.synonyms if not _has_chinese(s)]

    @property
    def synonyms_zh(self) -> list[str]:
        return [s for s in self.synonyms if _has_chinese(s)]


class Metric(_SemanticItem):
    """An aggregate measure over one base table, e.g. revenue = sum(amount) of completed orders."""

    table: str
    expression: exp.Expr
    filters: list[exp.Expr] = Field(default_factory=list)
    time_column: str | None = None
    format: ValueFormat = "number"
    additive: bool = Field(default=True, description="Sums over time and groups (revenue) vs. a ratio (AOV).")
    numerator: str | None = Field(default=None, description="For ratio metrics: the metric above the line.")
    denominator: str | None = Field(default=None, description="For ratio metrics: the metric below the line.")
    higher_is_better: bool = True
    requires: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("expression", mode="before")
    @classmethod
    def _parse_expression(cls, value: Any) -> exp.Expr:
        return parse_expression(value)

    @field_validator("filters", mode="before")
    @classmethod
    def _parse_filters(cls, value: Any) -> list[exp.Expr]:
        return [parse_expression(v) for v in (value or [])]


class Dimension(_SemanticItem):
    """Something to group or filter by: a column or an expression over one table."""

    table: str
    expression: exp.Expr
    kind: Literal["category", "time", "number"] = "category"
    values_from_data: bool = Field(
        default=True, description="Recognise this dimension's values (e.g. 'Shanghai') in questions."
    )
    requires: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("expression", mode="before")
    @classmethod
    def _parse_expression(cls, value: Any) -> exp.Expr:
        return parse_expression(value)


class Phrase(BaseModel):
    """Words that route a question to an analysis, with the params they imply.

    ``Phrase(text="segment customers by rfm", analysis="segmentation.rfm")``,
    ``Phrase(text="客户分群", analysis="segmentation.rfm")``.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    analysis: str
    params: dict[str, Any] = Field(default_factory=dict)
    plugin: str | None = None

    @property
    def language(self) -> Literal["en", "zh"]:
        return "zh" if _has_chinese(self.text) else "en"
