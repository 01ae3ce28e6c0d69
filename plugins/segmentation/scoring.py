"""Scores 1..bins for a per-customer value, in SQL: by quantile (mid-rank rule) or by fixed thresholds.

Quantile scores use the **mid-rank rule**, so customers with equal values always get equal scores: a
customer's position is the middle of the block of positions its value occupies in the ordering from
worst to best,

    position = (customers with a worse value + customers with a worse or equal value) / 2      (0 .. n)
    score    = ceil(bins × position / n)

computed in exact integer arithmetic as ``(bins × (below + upto) + 2n − 1) // 2n``. Without ties this
gives bins of equal size (±1 customer); a block of ties lands in the bin of its middle, so bins can be
uneven when many customers share a value (e.g. one order each); a single customer, or customers who
are all alike, score in the middle (3 of 5 bins; 2 of 4, the middle being a boundary).
"""

from __future__ import annotations

from collections.abc import Sequence


def quantile_scores(source: str, column: str, *, higher_is_better: bool, bins: int) -> str:
    """A query of (v, score): every distinct value of ``source.column`` with its quantile score."""
    order = "ASC" if higher_is_better else "DESC"
    return (
        f"SELECT v, CAST(({bins} * (below + upto) + 2 * n - 1) // (2 * n) AS INTEGER) AS score FROM ("
        f"SELECT v, sum(c) OVER (ORDER BY v {order}) - c AS below, sum(c) OVER (ORDER BY v {order}) AS upto, "
        f"sum(c) OVER () AS n FROM (SELECT {column} AS v, count(*) AS c FROM {source} GROUP BY {column}))"
    )


def threshold_score(column: str, edges: Sequence[float], *, higher_is_better: bool) -> str:
    """A SQL expression scoring ``column`` by ascending ``edges`` (len = bins − 1).

    Higher is better (frequency, monetary): value ≤ edges[0] scores 1, above the last edge scores bins.
    Lower is better (recency in days): value ≤ edges[0] scores bins, above the last edge scores 1.
    """
    above = " + ".join(f"CAST({column} > {_number(e)} AS INTEGER)" for e in edges)
    return f"(1 + {above})" if higher_is_better else f"({len(edges) + 1} - ({above}))"


def to_five(score_sql: str, bins: int) -> str:
    """Map a score on 1..bins to the 1..5 scale of the named segments by the middle of its bin:
    ``floor(5 × (2s − 1) / (2 × bins)) + 1`` (identity when bins = 5)."""
    if bins == 5:
        return score_sql
    return f"((5 * (2 * {score_sql} - 1)) // {2 * bins} + 1)"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
