"""funnel.pipeline: stage conversion, pipeline value, time in stage and sales cycle, checked against
numbers worked out by hand on seven opportunities, and against hand-written SQL of the metric
definitions (docs/metrics.md) on demo data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from crmlens.engine import Engine, MissingDataError, UsageError
from crmlens.engine.database import ensure_canonical_tables

# (id, owner, created, closed, status, amount, [(stage, entered)]) — as of 2025-12-31
OPPORTUNITIES = [
    (
        "O1",
        "Ann",
        "2025-01-01",
        "2025-02-01",
        "won",
        100,
        [
            ("lead", "2025-01-01"),
            ("qualified", "2025-01-05"),
            ("proposal", "2025-01-15"),
            ("negotiation", "2025-01-20"),
            ("closed", "2025-02-01"),
        ],
    ),
    (
        "O2",
        "Ann",
        "2025-01-10",
        "2025-01-22",
        "lost",
        50,
        [("lead", "2025-01-10"), ("qualified", "2025-01-12"), ("closed", "2025-01-22")],
    ),
    (
        "O3",
        "Bob",
        "2025-02-01",
        None,
        "open",
        70,
        [("lead", "2025-02-01"), ("qualified", "2025-02-03"), ("proposal", "2025-02-10")],
    ),
    ("O4", "Bob", "2025-03-01", None, "open", 30, [("lead", "2025-03-01")]),
    # won after the as-of date: still open at negotiation as of 2025-12-31
    (
        "O5",
        "Bob",
        "2025-03-05",
        "2026-01-10",
        "won",
        200,
        [
            ("lead", "2025-03-05"),
            ("qualified", "2025-03-06"),
            ("proposal", "2025-03-08"),
            ("negotiation", "2025-03-09"),
            ("closed", "2026-01-10"),
        ],
    ),
    ("O6", "Bob", "2025-04-01", "2025-04-03", "lost", 10, [("lead", "2025-04-01"), ("closed", "2025-04-03")]),
    # skips qualified
    (
        "O7",
        "Ann",
        "2025-05-01",
        "2025-05-10",
        "won",
        60,
        [("lead", "2025-05-01"), ("proposal", "2025-05-03"), ("negotiation", "2025-05-04"), ("closed", "2025-05-10")],
    ),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    e = Engine.memory(as_of="2025-12-31")
    ensure_canonical_tables(e.con, ["opportunities", "opportunity_stages", "customers"])
    for oid, owner, created, closed, status, amount, stages in OPPORTUNITIES:
        e.con.execute(
            "INSERT INTO opportunities (opportunity_id, owner, created_at, closed_at, status, amount, stage) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [oid, owner, created, closed, status, amount, stages[-1][0]],
        )
        for stage, entered in stages:
            e.con.execute("INSERT INTO opportunity_stages VALUES (?, ?, ?)", [oid, stage, entered])
    yield e
    e.close()


def test_stage_funnel_by_hand(engine: Engine) -> None:
    result = engine.run("funnel.pipeline")
    t = result.table
    assert t["stage"].tolist() == ["lead", "qualified", "proposal", "negotiation", "won"]
    assert t["reached"].tolist() == [7, 5, 4, 3, 2]
    assert t["conversion_from_previous"].tolist()[1:] == pytest.approx([5 / 7, 4 / 5, 3 / 4, 2 / 3])
    assert t["conversion_from_first"].tolist() == pytest.approx([1, 5 / 7, 4 / 7, 3 / 7, 2 / 7])
    assert t["open_now"].tolist()[:4] == [1, 0, 1, 1]
    assert t["pipeline_value"].astype(float).tolist()[:4] == pytest.approx([30, float("nan"), 70, 200], nan_ok=True)
    assert t["lost_here"].tolist()[:4] == [1, 1, 0, 0]
    # days in stage: lead [4, 2, 2, 1, 2, 2]; qualified [10, 10, 7, 2]; proposal [5, 1, 1]; negotiation [12, 6]
    assert t["median_days_in_stage"].tolist()[:4] == pytest.approx([2, 8.5, 1, 9])
    assert t["mean_days_in_stage"].tolist()[:4] == pytest.approx([13 / 6, 29 / 4, 7 / 3, 9])
    assert result.details["won"] == 2 and result.details["lost"] == 2 and result.details["open"] == 3
    assert result.details["win_rate"] == pytest.approx(0.5)
    assert result.details["average_deal_size"] == pytest.approx(80)
    assert "Of 7 opportunities created" in result.summary
    assert "The biggest leak is negotiation → won: 66.7% moved on" in result.summary  # 2/3 < 5/7 < 3/4 < 4/5
    assert "Open pipeline 300.00 in 3 deals, the most at negotiation (200.00)" in result.summary


def test_stages_by_owner_and_explicit_order(engine: Engine) -> None:
    t = engine.run("funnel.pipeline", by="owner").table
    ann = t[t["owner"] == "Ann"]
    assert ann["reached"].tolist() == [3, 3, 2, 2, 2]  # O1, O2, O7; O7 reached qualified by skipping it
    bob = t[t["owner"] == "Bob"]
    assert bob["reached"].tolist() == [4, 2, 2, 1, 0]
    # only two stages, written loosely: lead and proposal; qualified is no longer a step
    t = engine.run("funnel.pipeline", stages="Lead > Proposal > closed").table
    assert t["stage"].tolist() == ["lead", "proposal", "won"]
    assert t["reached"].tolist() == [7, 4, 2]
    with pytest.raises(UsageError, match="'demo' is not in the stage history") as info:
        engine.run("funnel.pipeline", stages=["lead", "demo"])
    assert "lead, qualified, proposal, negotiation" in str(info.value)


def test_created_in_a_period(engine: Engine) -> None:
    t = engine.run("funnel.pipeline", start="2025-03-01", end="2025-04-30").table  # O4, O5, O6
    assert t["reached"].tolist() == [3, 1, 1, 1, 0]


def test_cycle_view_by_hand(engine: Engine) -> None:
    result = engine.run("funnel.pipeline", view="cycle")
    o = result.table.iloc[0]
    assert (o["closed"], o["won"], o["lost"]) == (4, 2, 2)  # O5 closes after the as-of date
    assert o["win_rate"] == pytest.approx(0.5)
    assert float(o["won_value"]) == pytest.approx(160)
    assert o["average_deal_size"] == pytest.approx(80)
    assert o["median_cycle_days"] == pytest.approx(20)  # 31 and 9 days
    assert o["mean_cycle_days"] == pytest.approx(20)
    by_owner = engine.run("funnel.pipeline", view="cycle", by="owner").table.set_index("owner")
    assert by_owner.loc["Ann", "closed"] == 3 and by_owner.loc["Ann", "win_rate"] == pytest.approx(2 / 3)
    assert by_owner.loc["Bob", "won"] == 0 and pd.isna(by_owner.loc["Bob", "median_cycle_days"])
    monthly = engine.run("funnel.pipeline", view="cycle", grain="month").table
    assert monthly["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-04", "2025-05"]
    assert monthly["won"].tolist() == [0, 1, 0, 1]


def test_stage_view_needs_the_history() -> None:
    e = Engine.memory(as_of="2025-12-31")
    ensure_canonical_tables(e.con, ["opportunities", "opportunity_stages"])
    e.con.execute(
        "INSERT INTO opportunities (opportunity_id, owner, created_at, closed_at, status, amount) "
        "VALUES ('O1', 'Ann', '2025-01-01', '2025-02-01', 'won', 10)"
    )
    with pytest.raises(MissingDataError, match="opportunity_stages"):
        e.run("funnel.pipeline")
    assert e.run("funnel.pipeline", view="cycle").table["won"].tolist() == [1]
    e.close()


# ── demo data: the cycle view agrees with the metric definitions ─────────────────────────────────


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("funnel-pipeline") / "demo.duckdb"
    e = Engine.open(path)
    e.generate_demo(customers=3000, seed=7)
    yield e
    e.close()


def test_cycle_by_owner_matches_hand_written_sql(demo: Engine) -> None:
    expected = demo.con.execute("""
        SELECT owner,
               count(*) FILTER (WHERE status = 'won') / count(*) FILTER (WHERE status IN ('won', 'lost')) AS win_rate,
               avg(amount) FILTER (WHERE status = 'won') AS average_deal_size,
               avg(date_diff('second', created_at, closed_at)) FILTER (WHERE status = 'won') / 86400.0
                   AS mean_cycle_days,
               quantile_cont(epoch(closed_at) - epoch(created_at), 0.5) FILTER (WHERE status = 'won') / 86400.0
                   AS median_cycle_days
        FROM opportunities WHERE status IN ('won', 'lost') GROUP BY owner ORDER BY owner
    """).df()
    got = demo.run("funnel.pipeline", view="cycle", by="owner").table.sort_values("owner").reset_index(drop=True)
    assert got["owner"].tolist() == expected["owner"].tolist()
    for column in ("win_rate", "average_deal_size", "mean_cycle_days", "median_cycle_days"):
        assert got[column].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True), column
    # and with the metric path of the query layer
    answer = demo.ask("average sales cycle by owner").table.set_index("owner")["sales_cycle_days"]
    mine = got.set_index("owner")["mean_cycle_days"].dropna().sort_index()
    assert mine.index.tolist() == sorted(answer.index)
    assert mine.tolist() == pytest.approx(answer.sort_index().tolist())


def test_demo_stage_funnel_is_consistent(demo: Engine) -> None:
    result = demo.run("funnel.pipeline")
    t = result.table
    assert t["stage"].tolist() == ["lead", "qualified", "proposal", "negotiation", "won"]
    assert t["reached"].is_monotonic_decreasing
    total, won = demo.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'won') FROM opportunities"
    ).fetchone()
    assert t["reached"].iloc[0] == total and t["reached"].iloc[-1] == won
    open_value = demo.con.execute("SELECT sum(amount) FROM opportunities WHERE status = 'open'").fetchone()[0]
    assert t["pipeline_value"].astype(float).sum() == pytest.approx(float(open_value))
    lost = demo.con.execute("SELECT count(*) FROM opportunities WHERE status = 'lost'").fetchone()[0]
    assert t["lost_here"].sum() == lost
