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
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlglot import exp

from crmlens.engine.result import ValueFormat

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
    description_zh: str | None = None
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
    """A measure the query layer can compute and break down.

    Either an aggregate ``expression`` over one base ``table`` (revenue = ``sum(orders.amount)`` with
    the default filter ``orders.status = 'completed'``), or a ``formula`` over other metrics by name
    (CAC = ``campaign_spend / nullif(new_customers, 0)``), which the compiler computes from the
    component metrics grouped the same way. A default filter on a column is lifted when the question
    groups or filters by that column itself ("revenue by order status" shows every status).
    ``$as_of`` in an expression stands for the as-of date.
    """

    table: str | None = None
    expression: exp.Expr | None = None
    formula: exp.Expr | None = None
    filters: list[exp.Expr] = Field(default_factory=list)
    time_column: str | None = Field(
        default=None, description="Column dating each row; 'table.column' or a column of table."
    )
    format: ValueFormat = "number"
    numerator: str | None = Field(default=None, description="For ratio metrics: the metric above the line.")
    denominator: str | None = Field(default=None, description="For ratio metrics: the metric below the line.")
    higher_is_better: bool = True
    requires: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("expression", "formula", mode="before")
    @classmethod
    def _parse_expression(cls, value: Any) -> exp.Expr | None:
        return None if value is None else parse_expression(value)

    @field_validator("filters", mode="before")
    @classmethod
    def _parse_filters(cls, value: Any) -> list[exp.Expr]:
        return [parse_expression(v) for v in (value or [])]

    @model_validator(mode="after")
    def _one_definition(self) -> Metric:
        if (self.expression is None) == (self.formula is None):
            raise ValueError(f"metric {self.name!r} needs exactly one of expression (with table) or formula")
        if self.expression is not None and not self.table:
            raise ValueError(f"metric {self.name!r} has an expression but no table")
        return self

    @property
    def additive(self) -> bool:
        """True when values add up across groups and periods (sums and counts, not ratios or distincts)."""
        if self.formula is not None or self.expression is None:
            return False
        return isinstance(self.expression, exp.Sum | exp.Count) and not (
            isinstance(self.expression, exp.Count) and self.expression.find(exp.Distinct) is not None
        )


class Dimension(_SemanticItem):
    """Something to group or filter by: a column or an expression over one table or relation."""

    table: str
    expression: exp.Expr
    kind: Literal["category", "number", "date"] = "category"
    values_from_data: bool = Field(
        default=True, description="Recognise this dimension's values (e.g. 'Shanghai') in questions."
    )
    value_synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="Other names of values found in the data: {'Shanghai': ['上海', '沪']}."
    )
    value_groups: dict[str, list[str]] = Field(
        default_factory=dict, description="Words standing for several values: {'online': ['web', 'app', ...]}."
    )
    requires: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("expression", mode="before")
    @classmethod
    def _parse_expression(cls, value: Any) -> exp.Expr:
        return parse_expression(value)


class DimensionFilter(BaseModel):
    """A condition on a dimension in an analysis' params, as the question parser writes it:
    ``{"dimension": "city", "values": ["Shanghai"]}``. Values are compared as text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: str = Field(description="Dimension name, e.g. 'region' or 'device'.")
    op: Literal["=", "!=", "in", "not in"] = Field(
        default="=", description="'=' / 'in' keep the values, '!=' / 'not in' leave them out."
    )
    values: list[str] = Field(min_length=1, description="Values of the dimension.")

    @field_validator("values", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]


class Relation(BaseModel):
    """A derived table the query layer can join like a canonical one (e.g. per-customer activity).

    ``sql`` is a query over the canonical tables (``$as_of`` allowed); ``key`` its unique columns;
    ``references`` maps a column to the ``table.column`` it joins (many-to-one, or one-to-one when the
    column is the relation's whole key and the target's whole key).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    description: str
    sql: exp.Expr
    key: list[str]
    references: dict[str, str] = Field(default_factory=dict)
    requires: dict[str, list[str]] = Field(default_factory=dict)
    produced_by: str | None = Field(
        default=None, description="The analysis whose saved results fill this relation (said when they are missing)."
    )
    plugin: str | None = None

    @field_validator("sql", mode="before")
    @classmethod
    def _parse_sql(cls, value: Any) -> exp.Expr:
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
