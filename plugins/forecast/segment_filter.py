"""Restricting a result to the customers of a saved segment ("churn risk of champions").

Segments are saved by the segmentation plugin as ``segments(customer_id, scheme, segment, as_of)``; as in
its query-layer relations, the latest saved run of each scheme on or before the as-of date counts. This
plugin only reads them.
"""

from __future__ import annotations

from typing import Any

from crmlens.engine import AnalysisContext, MissingDataError, UsageError
from crmlens.engine.database import table_columns

SEGMENTS_TABLE = "segments"


def segment_condition(ctx: AnalysisContext, segment: str, column: str = "customer_id") -> tuple[str, dict[str, Any]]:
    """A SQL condition ``column IN (customers of segment)`` with its named parameters (``$segment``,
    ``$as_of``); clear errors when no segments are saved or the segment is unknown."""
    members, params = _members(ctx, segment)
    return f"{column} IN ({members})", params


def segment_members(ctx: AnalysisContext, segment: str) -> set[str]:
    """Ids of the customers of ``segment``."""
    members, params = _members(ctx, segment)
    return {str(c) for c in ctx.query(members, params)["customer_id"]}


def _members(ctx: AnalysisContext, segment: str) -> tuple[str, dict[str, Any]]:
    """The query of the customers of ``segment`` in the latest saved run of its scheme on or before as-of."""
    needed = ["customer_id", "scheme", "segment", "as_of"]
    if not ctx.table_exists(SEGMENTS_TABLE):
        raise MissingDataError(
            f"Restricting to the segment {segment!r} needs saved segments, and none are saved yet.",
            missing={SEGMENTS_TABLE: needed},
            hint="Run a segmentation first (e.g. `crmlens run segmentation.rfm`), then ask again.",
        )
    columns = {name for name, _ in table_columns(ctx.con, SEGMENTS_TABLE)}
    if not set(needed) <= columns:
        raise MissingDataError(
            f"The table {SEGMENTS_TABLE} lacks columns a saved segmentation has.",
            missing={SEGMENTS_TABLE: [c for c in needed if c not in columns]},
        )
    params: dict[str, Any] = {"segment": segment, "as_of": ctx.as_of}
    members = (
        f"SELECT s.customer_id FROM {SEGMENTS_TABLE} AS s WHERE lower(s.segment) = lower($segment) AND s.as_of = "
        f"(SELECT max(r.as_of) FROM {SEGMENTS_TABLE} AS r WHERE r.scheme = s.scheme AND r.as_of <= $as_of)"
    )
    if not ctx.scalar(f"SELECT count(*) FROM ({members})", params):
        names = ctx.query(
            f"SELECT DISTINCT segment FROM {SEGMENTS_TABLE} WHERE as_of <= $as_of ORDER BY segment LIMIT 30",
            {"as_of": ctx.as_of},
        )["segment"]
        raise UsageError(
            f"No customers are in the segment {segment!r} in the latest saved segmentations.",
            hint=f"Saved segments: {', '.join(str(n) for n in names)}." if len(names) else None,
        )
    return members, params
