"""``core.data_quality``: what the loads rejected and why, duplicates, and empty required columns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from crmlens.engine import Analysis, AnalysisContext, ChartSpec, Column, Result
from crmlens.engine.database import quote_ident
from crmlens.engine.schema import TABLES


class QualityParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def run(ctx: AnalysisContext, params: QualityParams) -> Result:
    rows: list[dict[str, object]] = []
    for spec in TABLES:
        if not ctx.table_exists(spec.name):
            continue
        required = [c.name for c in spec.columns if c.required]
        key = ", ".join(quote_ident(k) for k in spec.key)
        empty = " + ".join(f"count(*) - count({quote_ident(c)})" for c in required) or "0"
        n, empty_required, repeated_keys = ctx.row(
            f"SELECT count(*), {empty}, "
            f"count(*) - (SELECT count(*) FROM (SELECT DISTINCT {key} FROM {quote_ident(spec.name)})) "
            f"FROM {quote_ident(spec.name)}"
        )
        rejected = 0
        if ctx.table_exists("_rejects"):
            rejected = int(ctx.scalar('SELECT count(*) FROM "_rejects" WHERE table_name = ?', [spec.name]) or 0)
        rows.append(
            {
                "table": spec.name,
                "rows": int(n),
                "rejected": rejected,
                "repeated_keys": int(repeated_keys),
                "empty_required": int(empty_required),
            }
        )
    import pandas as pd

    table = pd.DataFrame(rows, columns=["table", "rows", "rejected", "repeated_keys", "empty_required"])
    details: dict[str, object] = {}
    if ctx.table_exists("customers"):
        dup = ctx.query(
            """
            SELECT 'email' AS matched_on, count(*) AS groups, coalesce(sum(n), 0) AS customers FROM (
                SELECT lower(trim(email)) AS k, count(*) AS n FROM customers
                WHERE nullif(trim(email), '') IS NOT NULL GROUP BY k HAVING count(*) > 1)
            UNION ALL
            SELECT 'phone', count(*), coalesce(sum(n), 0) FROM (
                SELECT regexp_replace(phone, '[^0-9]', '', 'g') AS k, count(*) AS n FROM customers
                WHERE length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6 GROUP BY k HAVING count(*) > 1)
            """
        )
        details["duplicate_customers"] = {
            str(matched_on): {"groups": int(groups or 0), "customers": int(customers or 0)}
            for matched_on, groups, customers in dup.itertuples(index=False, name=None)
        }
    if ctx.table_exists("_rejects"):
        reasons = ctx.query(
            'SELECT table_name, reason, count(*) AS n FROM "_rejects" GROUP BY ALL ORDER BY n DESC LIMIT 10'
        )
        details["top_reject_reasons"] = reasons.to_dict(orient="records")
    if table.empty:
        summary = "No canonical tables are loaded yet."
    else:
        problems = table[(table["rejected"] > 0) | (table["repeated_keys"] > 0) | (table["empty_required"] > 0)]
        summary = f"{len(table)} tables, {int(table['rows'].sum()):,} rows; " + (
            "no rejected rows, repeated keys or empty required values."
            if problems.empty
            else f"{int(table['rejected'].sum()):,} rejected rows, {int(table['repeated_keys'].sum()):,} repeated keys "
            f"and {int(table['empty_required'].sum()):,} empty required values, in "
            + ", ".join(problems["table"])
            + "."
        )
        dups = details.get("duplicate_customers")
        if isinstance(dups, dict):
            n = sum(v["groups"] for v in dups.values())
            if n:
                summary += f" {n:,} groups of customers share an e-mail or phone (possible duplicates)."
    return Result(
        title="Data quality",
        table=table,
        columns=[
            Column(name="table", type="VARCHAR"),
            Column(name="rows", type="BIGINT", format="count"),
            Column(name="rejected", type="BIGINT", format="count"),
            Column(name="repeated_keys", type="BIGINT", format="count"),
            Column(name="empty_required", type="BIGINT", format="count"),
        ],
        chart=ChartSpec(kind="bar", x="table", y=["rows"]) if not table.empty else None,
        summary=summary,
        details=details,
    )


ANALYSIS = Analysis(
    name="core.data_quality",
    title="Data quality",
    description="Rows per table, rows rejected by loads and why, repeated keys, empty required values, "
    "and customers that share an e-mail or phone.",
    params=QualityParams,
    requires={},
    run=run,
    examples=["crmlens run core.data_quality", "data quality"],
)
