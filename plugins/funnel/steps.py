"""Steps of an event funnel: an event type, or a condition on the columns of ``events``.

A step is written ``view_product``, ``view_product[device=mobile]`` or
``purchase[source=email|social&device=app]`` (``&`` between conditions, ``|`` between allowed
values), or given as ``{"event_type": ..., "where": {"device": ["mobile"]}, "label": ...}``. Values
only ever reach SQL as bound parameters; the columns a condition may test are a fixed list.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crmlens.engine import AnalysisContext, UsageError

#: Columns of ``events`` a step condition may test (besides ``event_type``).
CONDITION_COLUMNS: tuple[str, ...] = ("source", "device", "product_id")

#: The default funnel: a visit that ends in a purchase.
DEFAULT_STEPS: tuple[str, ...] = ("visit", "view_product", "add_to_cart", "checkout", "purchase")

_STEP_TEXT = re.compile(r"^\s*(?P<type>[^\[\]]*?)\s*(?:\[(?P<cond>[^\[\]]*)\])?\s*$")
_SEPARATORS = re.compile(r"\s*(?:→|->|=>|>|,)\s*")


class Step(BaseModel):
    """One step of a funnel: events of ``event_type`` (any type when None) whose columns match ``where``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: str | None = Field(None, description="Event type of the step, e.g. 'add_to_cart'; None = any.")
    where: dict[str, list[str]] = Field(
        default_factory=dict,
        description=f"Further conditions: column ({', '.join(CONDITION_COLUMNS)}) -> allowed values.",
    )
    label: str | None = Field(None, description="Name shown for the step; by default written from the condition.")

    @field_validator("event_type")
    @classmethod
    def _clean_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return value or None

    @field_validator("where")
    @classmethod
    def _check_where(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for column, allowed in value.items():
            if column not in CONDITION_COLUMNS:
                raise ValueError(
                    f"a step condition may test {', '.join(CONDITION_COLUMNS)} (and the event type), not {column!r}"
                )
            if not allowed:
                raise ValueError(f"the condition on {column!r} lists no value")
        return value

    @model_validator(mode="after")
    def _something(self) -> Step:
        if self.event_type is None and not self.where:
            raise ValueError("a step needs an event type or a condition")
        return self

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        base = self.event_type or "any event"
        if not self.where:
            return base
        conds = "&".join(f"{c}={'|'.join(v)}" for c, v in self.where.items())
        return f"{base}[{conds}]"

    @classmethod
    def parse(cls, text: str) -> Step:
        """``view_product`` or ``view_product[device=mobile&source=email|social]``."""
        m = _STEP_TEXT.match(text)
        if m is None or not text.strip():
            raise ValueError(f"cannot read the step {text!r}; write e.g. 'view_product' or 'view_product[device=app]'")
        where: dict[str, list[str]] = {}
        for part in (m.group("cond") or "").split("&"):
            if not part.strip():
                continue
            column, sep, values = part.partition("=")
            if not sep:
                raise ValueError(f"the condition {part.strip()!r} of step {text!r} is not column=value")
            where[column.strip()] = [v.strip() for v in values.split("|") if v.strip()]
        return cls(event_type=m.group("type") or None, where=where)


def coerce_steps(value: Any) -> Any:
    """Accept steps as Step objects, dicts, strings, or one string with separators ('a > b > c')."""
    if isinstance(value, str):
        value = [s for s in _SEPARATORS.split(value) if s.strip()]
    if isinstance(value, list | tuple):
        return [Step.parse(v) if isinstance(v, str) else v for v in value]
    return value


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def resolve_steps(ctx: AnalysisContext, steps: list[Step]) -> list[Step]:
    """Check every step against the data; match event types written loosely ('View product').

    Raises UsageError naming the event types (or values) the data holds when a step names one it
    does not.
    """
    known = [str(r) for r in ctx.query("SELECT DISTINCT event_type FROM events ORDER BY 1")["event_type"]]
    by_normal = {_normal(t): t for t in known}
    out: list[Step] = []
    for i, step in enumerate(steps, start=1):
        event_type = step.event_type
        if event_type is not None and event_type not in known:
            found = by_normal.get(_normal(event_type))
            if found is None:
                raise UsageError(
                    f"Step {i} ({step.name}) names the event type {event_type!r}, which is not in the data.",
                    hint=f"Event types in the data: {', '.join(known) or 'none'}.",
                )
            event_type = found
        for column, allowed in step.where.items():
            present = ctx.query(
                f"SELECT DISTINCT {column} AS v FROM events WHERE list_contains($values, {column})",
                {"values": allowed},
            )["v"].tolist()
            missing = [v for v in allowed if v not in present]
            if missing and present:
                ctx.warn(f"Step {i} ({step.name}): no event has {column} = {', '.join(repr(m) for m in missing)}.")
            elif missing:
                sample = ctx.query(
                    f"SELECT DISTINCT {column} AS v FROM events WHERE {column} IS NOT NULL ORDER BY 1 LIMIT 25"
                )["v"].tolist()
                raise UsageError(
                    f"Step {i} ({step.name}): no event has {column} = {', '.join(repr(m) for m in missing)}.",
                    hint=f"Values of {column} in the data include: {', '.join(map(str, sample)) or 'none'}.",
                )
        out.append(step.model_copy(update={"event_type": event_type}))
    return out


def step_condition(step: Step, index: int, params: dict[str, Any]) -> str:
    """The SQL condition of a step over ``events``, its values added to ``params`` (bound, never inlined)."""
    parts: list[str] = []
    if step.event_type is not None:
        key = f"s{index}_type"
        params[key] = step.event_type
        parts.append(f"events.event_type = ${key}")
    for column, allowed in step.where.items():
        key = f"s{index}_{column}"
        params[key] = list(allowed)
        parts.append(f"list_contains(${key}, events.{column})")
    return "coalesce(" + " AND ".join(parts) + ", false)"
