"""funnel.campaigns and the two-proportion statistics: counts by hand, p-values against SciPy, the
confidence interval against the published values of Newcombe (1998), Holm's adjustment by hand."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from crmlens.engine import Engine, UsageError
from crmlens.engine.database import ensure_canonical_tables
from crmlens.plugins.funnel.proportions import compare, fisher_exact, holm, newcombe_interval, wilson, z_test

# ── statistics ────────────────────────────────────────────────────────────────────────────────────


def test_newcombe_interval_reproduces_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a): 56/70 - 48/80,
    # method 10 (hybrid score): 0.0524 to 0.3339 (statsmodels' 'newcomb' gives the same)
    low, high = newcombe_interval(48, 80, 56, 70, 0.95)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # example (e) 0/10 - 0/20: -0.1611 to 0.2775
    low, high = newcombe_interval(0, 20, 0, 10, 0.95)
    assert (round(low, 4), round(high, 4)) == (-0.1611, 0.2775)


def test_wilson_interval() -> None:
    z = 1.959963984540054
    # statsmodels.stats.proportion.proportion_confint(81, 263, method="wilson")
    assert wilson(81, 263, z) == pytest.approx((0.2552885199, 0.3662095770), abs=1e-9)
    # closed forms at the edges: 0 of n -> [0, z²/(n+z²)], n of n -> [n/(n+z²), 1]
    assert wilson(0, 10, z) == pytest.approx((0.0, z * z / (10 + z * z)))
    assert wilson(10, 10, z) == pytest.approx((10 / (10 + z * z), 1.0))


def test_z_test_and_fisher_against_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for xa, na, xb, nb in [(30, 1000, 45, 1000), (56, 70, 48, 80), (120, 400, 90, 410)]:
        pooled = (xa + xb) / (na + nb)
        z = (xb / nb - xa / na) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        assert z_test(xa, na, xb, nb) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    for xa, na, xb, nb in [(3, 20, 9, 22), (0, 10, 4, 10), (1, 188, 17, 179), (2, 50, 10, 50), (5, 5, 0, 7)]:
        expected = stats.fisher_exact([[xa, na - xa], [xb, nb - xb]])[1]
        assert fisher_exact(xa, na, xb, nb) == pytest.approx(expected, rel=1e-9)
    assert z_test(0, 10, 0, 12) == 1.0  # nothing to compare


def test_compare_chooses_the_test_by_cell_size() -> None:
    assert compare(30, 1000, 45, 1000).test == "z"  # type: ignore[union-attr]
    small = compare(2, 50, 10, 50)
    assert small is not None and small.test == "fisher"
    assert small.difference == pytest.approx(0.16)
    assert compare(0, 0, 1, 10) is None


def test_holm_by_hand() -> None:
    # sorted 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


# ── the analysis on hand-made responses ───────────────────────────────────────────────────────────

SENT = dt.datetime(2025, 3, 1, 9, 0)


def responses(campaign: str, variant: str | None, sent: int, opened: int, clicked: int, converted: int) -> list[tuple]:
    rows = []
    for i in range(sent):
        rows.append(
            (
                campaign,
                f"{campaign}-{variant}-{i}",
                variant,
                SENT,
                SENT + dt.timedelta(hours=1) if i < opened else None,
                SENT + dt.timedelta(hours=2) if i < clicked else None,
                SENT + dt.timedelta(hours=3) if i < converted else None,
            )
        )
    return rows


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    e = Engine.memory(as_of="2025-12-31")
    ensure_canonical_tables(e.con, ["campaigns", "campaign_responses", "customers"])
    e.con.execute(
        "INSERT INTO campaigns (campaign_id, name, channel, start_date) VALUES "
        "('C1', 'Spring mail', 'email', '2025-03-01'), ('C2', 'Spring SMS', 'sms', '2025-03-01'), "
        "('C3', 'Newsletter', 'email', '2025-03-01')"
    )
    rows = (
        responses("C1", "A", 100, 40, 10, 5)
        + responses("C1", "B", 100, 50, 20, 15)
        + responses("C2", "control", 50, 20, 5, 2)
        + responses("C2", "A", 50, 20, 6, 3)
        + responses("C2", "B", 50, 25, 12, 10)
        + responses("C3", None, 30, 12, 4, 3)
    )
    e.con.executemany(
        "INSERT INTO campaign_responses (campaign_id, customer_id, variant, sent_at, opened_at, "
        "clicked_at, converted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    # a conversion without a click, and one after the as-of date (not counted)
    e.con.execute(
        "UPDATE campaign_responses SET converted_at = TIMESTAMP '2025-03-02' WHERE customer_id = 'C3-None-29'"
    )
    e.con.execute(
        "UPDATE campaign_responses SET converted_at = TIMESTAMP '2026-01-02' WHERE customer_id = 'C3-None-28'"
    )
    yield e
    e.close()


def test_counts_rates_and_warnings(engine: Engine) -> None:
    result = engine.run("funnel.campaigns")
    t = result.table.set_index(["campaign_id", result.table["variant"].fillna("-")])
    assert t.loc[("C1", "A"), ["sent", "opened", "clicked", "converted"]].tolist() == [100, 40, 10, 5]
    assert t.loc[("C3", "-"), "converted"] == 4 - 1 + 1  # 3 by construction, +1 without click, -1 after as-of
    c1b = t.loc[("C1", "B")]
    assert (c1b["open_rate"], c1b["click_to_open_rate"], c1b["conversion_from_click"], c1b["conversion_rate"]) == (
        pytest.approx(0.5),
        pytest.approx(0.4),
        pytest.approx(0.75),
        pytest.approx(0.15),
    )
    assert any("1 recipients converted without a recorded click" in w for w in result.warnings)
    assert result.details["totals"]["sent"] == 380


def test_variants_are_compared_with_the_reference(engine: Engine) -> None:
    stats = pytest.importorskip("scipy.stats")
    t = engine.run("funnel.campaigns").table
    tested = t[t["p_value"].notna()].set_index(["campaign_id", "variant"])
    assert sorted(tested.index) == [("C1", "B"), ("C2", "A"), ("C2", "B")]
    assert tested["reference_variant"].tolist() == ["A", "control", "control"]
    # C1: 5/100 vs 15/100, cells >= 5: pooled z-test
    c1 = tested.loc[("C1", "B")]
    pooled = 20 / 200
    z = 0.10 / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert c1["test"] == "z" and c1["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert c1["difference"] == pytest.approx(0.10)
    assert (c1["ci_low"], c1["ci_high"]) == pytest.approx(newcombe_interval(5, 100, 15, 100, 0.95))
    # C2: control has 2 conversions: Fisher's exact test
    c2b = tested.loc[("C2", "B")]
    assert c2b["test"] == "fisher"
    assert c2b["p_value"] == pytest.approx(stats.fisher_exact([[2, 48], [10, 40]])[1])
    assert tested["p_value_holm"].tolist() == pytest.approx(holm(tested["p_value"].tolist()))
    assert tested["significant"].tolist() == [p < 0.05 for p in tested["p_value"]]
    # C3 has no variants: no comparison
    assert t[t["campaign_id"] == "C3"]["p_value"].isna().all()


def test_summary_names_the_largest_significant_gap(engine: Engine) -> None:
    result = engine.run("funnel.campaigns", channel="EMAIL")
    assert set(result.table["campaign_id"]) == {"C1", "C3"}
    assert "Largest gap: C1 (Spring mail), variant B 15.0% vs A 5.0% (+10.0 points" in result.summary
    assert "B did better than A" in result.summary


def test_filters_and_bad_names(engine: Engine) -> None:
    assert set(engine.run("funnel.campaigns", campaign="spring sms").table["campaign_id"]) == {"C2"}
    assert set(engine.run("funnel.campaigns", campaign="c1").table["campaign_id"]) == {"C1"}
    with pytest.raises(UsageError, match="No campaign has the channel 'fax'") as info:
        engine.run("funnel.campaigns", channel="fax")
    assert "email, sms" in str(info.value)
    with pytest.raises(UsageError, match="No campaign is called 'Winter'"):
        engine.run("funnel.campaigns", campaign="Winter")
    # a question's ambiguous "email" arrives as one filter per dimension: the campaign channel is kept
    ambiguous = [{"dimension": d, "op": "=", "values": ["email"]} for d in ("event_source", "campaign_channel")]
    assert set(engine.run("funnel.campaigns", filters=ambiguous).table["campaign_id"]) == {"C1", "C3"}
    by_step = engine.run("funnel.campaigns", test_step="clicked", campaign="C1").table
    assert by_step["difference"].dropna().tolist() == pytest.approx([0.10])


# ── demo data ────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("funnel-campaigns") / "demo.duckdb"
    e = Engine.open(path)
    e.generate_demo(customers=3000, seed=7)
    yield e
    e.close()


def test_demo_matches_the_campaign_conversion_metric(demo: Engine) -> None:
    expected = demo.con.execute("""
        SELECT r.campaign_id, r.variant, count(*) AS sent, count(r.opened_at) AS opened, count(r.clicked_at) AS clicked,
               count(r.converted_at) AS converted, count(r.converted_at) / count(*) AS conversion_rate
        FROM campaign_responses r GROUP BY ALL
    """).df()
    got = demo.run("funnel.campaigns").table
    merged = expected.merge(got, on=["campaign_id", "variant"], suffixes=("", "_got"), how="outer")
    assert len(merged) == len(expected) == len(got)
    for c in ("sent", "opened", "clicked", "converted", "conversion_rate"):
        assert merged[c].tolist() == pytest.approx(merged[f"{c}_got"].tolist()), c
    overall = demo.ask("campaign conversion rate").table["campaign_conversion_rate"].iloc[0]
    assert got["converted"].sum() / got["sent"].sum() == pytest.approx(overall)
    assert isinstance(got, pd.DataFrame)
