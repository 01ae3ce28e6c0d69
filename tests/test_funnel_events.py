"""funnel.events: the window-funnel semantics of docs/funnel.md, checked against an independent
plain-Python reference implementation (exhaustive search over chains, not the SQL's greedy ASOF joins),
hypothesis properties, hand-made edge cases, and the breakdown / trend equivalences on demo data."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlens.engine import Engine, UsageError
from crmlens.engine.database import ensure_canonical_tables

T0 = dt.datetime(2025, 3, 1, 12, 0, 0)
AS_OF = dt.date(2025, 12, 31)


# ── the reference implementation ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Ev:
    event_id: str
    unit: str | None
    ts: dt.datetime
    type: str
    device: str = "desktop"


@dataclass
class Reference:
    units: list[int]  # units reaching each step
    gaps: list[list[float]]  # minutes from the previous step, per step (index 0 empty)

    def median(self, j: int) -> float | None:
        return statistics.median(self.gaps[j]) if self.gaps[j] else None

    def mean(self, j: int) -> float | None:
        return statistics.fmean(self.gaps[j]) if self.gaps[j] else None


def reference_funnel(
    events: list[Ev],
    steps: list[str],
    window: dt.timedelta,
    *,
    strict: bool = False,
    start: dt.datetime | None = None,
    end_excl: dt.datetime | None = None,
) -> Reference:
    """docs/funnel.md, written out naively: every chain from every start is enumerated."""
    k = len(steps)
    first_step = {t: steps.index(t) for t in steps}
    per_unit: dict[str, list[Ev]] = {}
    for e in events:
        if e.unit is not None and e.type in first_step and (start is None or e.ts >= start):
            per_unit.setdefault(e.unit, []).append(e)
    units = [0] * k
    gaps: list[list[float]] = [[] for _ in range(k)]
    for evs in per_unit.values():
        # time, then the first funnel step the event matches, then the event id
        evs.sort(key=lambda e: (e.ts, first_step[e.type], e.event_id))
        best: list[int] = []
        for i, e in enumerate(evs):
            if e.type != steps[0] or (end_excl is not None and e.ts >= end_excl):
                continue
            chain = _strict_chain(evs, i, steps, window) if strict else _longest_chain(evs, i, steps, window)
            # furthest step first; on ties the earliest start (starts come in time order)
            if len(chain) > len(best):
                best = chain
        for j in range(len(best)):
            units[j] += 1
            if j:
                gaps[j].append((evs[best[j]].ts - evs[best[j - 1]].ts).total_seconds() / 60)
    return Reference(units, gaps)


def _longest_chain(evs: list[Ev], i: int, steps: list[str], window: dt.timedelta) -> list[int]:
    """Among all chains of events in order from start i within the window, the longest; among those the
    lexicographically smallest (the earliest events)."""
    best: list[int] = [i]

    def extend(chain: list[int]) -> None:
        nonlocal best
        if len(chain) > len(best) or (len(chain) == len(best) and chain < best):
            best = list(chain)
        if len(chain) == len(steps):
            return
        for j in range(chain[-1] + 1, len(evs)):
            if evs[j].type == steps[len(chain)] and evs[j].ts - evs[i].ts <= window:
                extend([*chain, j])

    extend([i])
    return best


def _strict_chain(evs: list[Ev], i: int, steps: list[str], window: dt.timedelta) -> list[int]:
    """Strict order: each next funnel event must be the next step."""
    chain = [i]
    while len(chain) < len(steps):
        j = chain[-1] + 1
        if j < len(evs) and evs[j].type == steps[len(chain)] and evs[j].ts - evs[i].ts <= window:
            chain.append(j)
        else:
            break
    return chain


# ── running the analysis on hand-made events ───────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    e = Engine.memory(as_of=AS_OF)
    ensure_canonical_tables(e.con, ["events", "customers"])
    yield e
    e.close()


def load(engine: Engine, events: list[Ev], *, known_types: tuple[str, ...] = ("a", "b", "c", "x")) -> None:
    """Replace the events; an anonymous event of each known type makes every type exist in the data
    without counting for any customer."""
    con = engine.con
    con.execute("DELETE FROM events")
    rows = [(e.event_id, f"S-{e.unit}", e.unit, e.ts, e.type, e.device) for e in events]
    rows += [(f"anon-{t}", "S-anon", None, T0 - dt.timedelta(days=300), t, "desktop") for t in known_types]
    con.executemany(
        "INSERT INTO events (event_id, session_id, customer_id, event_time, event_type, device) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def run(engine: Engine, steps: list[str], window: dt.timedelta, **params: object) -> pd.DataFrame:
    result = engine.run("funnel.events", steps=steps, window_days=window.total_seconds() / 86400, **params)
    return result.table


def assert_matches(table: pd.DataFrame, ref: Reference) -> None:
    assert table["units"].tolist() == ref.units
    for j in range(1, len(ref.units)):
        for column, expected in (
            ("median_minutes_from_previous", ref.median(j)),
            ("mean_minutes_from_previous", ref.mean(j)),
        ):
            got = table[column].iloc[j]
            if expected is None:
                assert pd.isna(got), (column, j, got)
            else:
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (column, j)


def ev(event_id: str, unit: str | None, minutes: float, type_: str, device: str = "desktop") -> Ev:
    return Ev(event_id, unit, T0 + dt.timedelta(minutes=minutes), type_, device)


# ── hypothesis: the SQL equals the reference, and the properties hold ─────────────────────────────

unit_events = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 40), st.sampled_from(["a", "b", "c", "x"])),
    min_size=1,
    max_size=18,
)
funnel_steps = st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=4)
windows = st.integers(1, 45).map(lambda m: dt.timedelta(minutes=m))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def to_events(raw: list[tuple[str, int, str]]) -> list[Ev]:
    # minutes on a coarse grid, so identical timestamps are frequent
    return [ev(f"e{i:03d}", unit, minute, type_) for i, (unit, minute, type_) in enumerate(raw)]


@settings(SETTINGS, max_examples=80)
@given(raw=unit_events, steps=funnel_steps, window=windows, strict=st.booleans())
def test_sql_equals_the_reference_implementation(
    engine: Engine, raw: list[tuple[str, int, str]], steps: list[str], window: dt.timedelta, strict: bool
) -> None:
    events = to_events(raw)
    load(engine, events)
    table = run(engine, steps, window, strict=strict)
    assert_matches(table, reference_funnel(events, steps, window, strict=strict))
    # step counts never increase
    units = table["units"].tolist()
    assert all(a >= b for a, b in itertools.pairwise(units))


@SETTINGS
@given(raw=unit_events, steps=funnel_steps, narrow=windows, extra=st.integers(0, 30), strict=st.booleans())
def test_a_narrower_window_never_converts_more(
    engine: Engine, raw: list[tuple[str, int, str]], steps: list[str], narrow: dt.timedelta, extra: int, strict: bool
) -> None:
    load(engine, to_events(raw))
    small = run(engine, steps, narrow, strict=strict)["units"].tolist()
    large = run(engine, steps, narrow + dt.timedelta(minutes=extra), strict=strict)["units"].tolist()
    assert all(s <= g for s, g in zip(small, large, strict=True))


@SETTINGS
@given(
    raw=unit_events,
    steps=funnel_steps,
    window=windows,
    noise=st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 40)), min_size=1, max_size=10),
    strict=st.booleans(),
)
def test_events_of_unrelated_types_change_nothing(
    engine: Engine,
    raw: list[tuple[str, int, str]],
    steps: list[str],
    window: dt.timedelta,
    noise: list[tuple[str, int]],
    strict: bool,
) -> None:
    clean = [e for e in to_events(raw) if e.type != "x"]
    load(engine, clean)
    before = run(engine, steps, window, strict=strict)
    # unrelated types, some at exactly the timestamps of funnel events
    load(engine, clean + [ev(f"n{i:03d}", unit, minute, "x") for i, (unit, minute) in enumerate(noise)])
    after = run(engine, steps, window, strict=strict)
    pd.testing.assert_frame_equal(before, after)


# ── edge cases, by hand ───────────────────────────────────────────────────────────────────────────

WEEK = dt.timedelta(days=7)


def test_identical_timestamps_count_in_funnel_order(engine: Engine) -> None:
    # u1: add-to-cart stored "before" the view at the same second; u2: the reverse; both converted
    load(engine, [ev("2", "u1", 0, "b"), ev("1", "u1", 0, "a"), ev("3", "u2", 0, "a"), ev("4", "u2", 0, "b")])
    for strict in (False, True):
        table = run(engine, ["a", "b"], WEEK, strict=strict)
        assert table["units"].tolist() == [2, 2]
        assert table["median_minutes_from_previous"].iloc[1] == 0


def test_one_event_fills_one_step_when_steps_repeat(engine: Engine) -> None:
    load(
        engine,
        [
            ev("1", "u1", 0, "a"),
            ev("2", "u1", 1, "b"),
            ev("3", "u2", 0, "a"),
            ev("4", "u2", 1, "a"),
            ev("5", "u2", 2, "b"),
        ],
    )
    table = run(engine, ["a", "a", "b"], WEEK)
    assert table["units"].tolist() == [2, 1, 1]
    assert table["step_name"].tolist() == ["1. a", "2. a", "3. b"]


def test_a_unit_starting_twice_counts_once_at_its_furthest_step(engine: Engine) -> None:
    # u1 starts on day 0 (a, b) and again on day 20 (a, b, c): counted once, at c, with day 20's times
    day = 24 * 60
    load(
        engine,
        [
            ev("1", "u1", 0, "a"),
            ev("2", "u1", 5, "b"),
            ev("3", "u1", 20 * day, "a"),
            ev("4", "u1", 20 * day + 2, "b"),
            ev("5", "u1", 20 * day + 3, "c"),
        ],
    )
    table = run(engine, ["a", "b", "c"], dt.timedelta(days=1))
    assert table["units"].tolist() == [1, 1, 1]
    assert table["median_minutes_from_previous"].tolist()[1:] == [2, 1]
    # with a 30-day window the first start reaches c too (b on day 20 is after the day-0 b): earliest start wins
    table = run(engine, ["a", "b", "c"], dt.timedelta(days=30))
    assert table["median_minutes_from_previous"].tolist()[1:] == [5, 20 * day + 3 - 5]


def test_steps_beyond_the_window_do_not_count(engine: Engine) -> None:
    load(engine, [ev("1", "u1", 0, "a"), ev("2", "u1", 10, "b"), ev("3", "u1", 11, "c")])
    assert run(engine, ["a", "b", "c"], dt.timedelta(minutes=10))["units"].tolist() == [1, 1, 0]
    assert run(engine, ["a", "b", "c"], dt.timedelta(minutes=11))["units"].tolist() == [1, 1, 1]


def test_strict_order_stops_at_another_funnel_step(engine: Engine) -> None:
    # a, c, b, c: in order a → b → c, but in strict order c comes between a and b
    load(
        engine,
        [
            ev("1", "u1", 0, "a"),
            ev("2", "u1", 1, "c"),
            ev("3", "u1", 2, "b"),
            ev("4", "u1", 3, "c"),
            ev("5", "u1", 1.5, "x"),
        ],
    )
    assert run(engine, ["a", "b", "c"], WEEK)["units"].tolist() == [1, 1, 1]
    assert run(engine, ["a", "b", "c"], WEEK, strict=True)["units"].tolist() == [1, 0, 0]
    # an unrelated event between two steps does not break strict order
    assert run(engine, ["a", "c", "b"], WEEK, strict=True)["units"].tolist() == [1, 1, 1]


def test_a_step_nobody_reaches_gives_zeros_not_an_error(engine: Engine) -> None:
    load(engine, [ev("1", "u1", 0, "b"), ev("2", "u1", 1, "a")])
    result = engine.run("funnel.events", steps=["a", "b"])
    assert result.table["units"].tolist() == [1, 0]
    assert result.table["conversion_from_previous"].iloc[1] == 0
    assert pd.isna(result.table["median_minutes_from_previous"].iloc[1])
    assert "0 (0.0%) reached 'b'" in result.summary


def test_nobody_entering_the_period(engine: Engine) -> None:
    load(engine, [ev("1", "u1", 0, "a"), ev("2", "u1", 1, "b")])
    result = engine.run("funnel.events", steps=["a", "b"], start="2025-06-01", end="2025-06-30")
    assert result.table["units"].tolist() == [0, 0]
    assert "nobody entered the funnel" in result.summary


@pytest.mark.parametrize("steps", [[], ["a"], "a"])
def test_empty_or_single_step_funnels_are_refused(engine: Engine, steps: object) -> None:
    load(engine, [ev("1", "u1", 0, "a")])
    with pytest.raises(UsageError, match="2 to 10 steps"):
        engine.run("funnel.events", steps=steps)


def test_steps_not_in_the_data_name_the_known_event_types(engine: Engine) -> None:
    load(engine, [ev("1", "u1", 0, "a")], known_types=("a", "b"))
    with pytest.raises(UsageError, match=r"'wishlist', which is not in the data") as info:
        engine.run("funnel.events", steps=["a", "wishlist"])
    assert "Event types in the data: a, b" in str(info.value)
    with pytest.raises(UsageError, match=r"no event has device = 'watch'") as info:
        engine.run("funnel.events", steps=["a", "b[device=watch]"])
    assert "desktop" in str(info.value)


def test_default_steps_need_the_default_events(engine: Engine) -> None:
    load(engine, [ev("1", "u1", 0, "a")])
    with pytest.raises(UsageError, match="No steps given") as info:
        engine.run("funnel.events")
    assert "visit, view_product" in str(info.value)


def test_step_conditions_and_loosely_written_types(engine: Engine) -> None:
    load(
        engine,
        [
            ev("1", "u1", 0, "a", "mobile"),
            ev("2", "u1", 1, "b", "mobile"),
            ev("3", "u2", 0, "a", "app"),
            ev("4", "u2", 1, "b", "desktop"),
        ],
        known_types=("a", "b", "add_to_cart"),
    )
    table = run(engine, ["a", "b[device=mobile|tablet]"], WEEK)
    assert table["units"].tolist() == [2, 1]
    assert table["step_name"].tolist() == ["a", "b[device=mobile|tablet]"]
    assert engine.run("funnel.events", steps="A > Add to cart").details["steps"] == ["a", "add_to_cart"]


def test_units_session_and_visitor(engine: Engine) -> None:
    con = engine.con
    con.execute("DELETE FROM events")
    rows = [
        ("1", "s1", "c1", T0, "a"),
        ("2", "s1", "c1", T0 + dt.timedelta(minutes=1), "b"),  # known customer
        ("3", "s2", None, T0, "a"),
        ("4", "s2", None, T0 + dt.timedelta(minutes=1), "b"),  # anonymous, converts
        ("5", "s3", None, T0, "a"),  # anonymous, does not
        ("6", "s4", "c1", T0 + dt.timedelta(days=1), "a"),  # c1's second session
    ]
    con.executemany(
        "INSERT INTO events (event_id, session_id, customer_id, event_time, event_type) VALUES (?, ?, ?, ?, ?)", rows
    )
    customer = engine.run("funnel.events", steps=["a", "b"])
    assert customer.table["units"].tolist() == [1, 1]
    assert any("anonymous traffic" in w and "2 'a' events" in w for w in customer.warnings)
    assert engine.run("funnel.events", steps=["a", "b"], unit="session").table["units"].tolist() == [4, 2]
    assert engine.run("funnel.events", steps=["a", "b"], unit="visitor").table["units"].tolist() == [3, 2]


def test_hand_computed_times_and_rates(engine: Engine) -> None:
    load(
        engine,
        [
            ev("1", "u1", 0, "a"),
            ev("2", "u1", 2, "b"),
            ev("3", "u1", 10, "c"),
            ev("4", "u2", 0, "a"),
            ev("5", "u2", 4, "b"),
            ev("6", "u3", 0, "a"),
            ev("7", "u3", 9, "b"),
            ev("8", "u3", 12, "c"),
            ev("9", "u4", 0, "a"),
        ],
    )
    result = engine.run("funnel.events", steps=["a", "b", "c"])
    t = result.table
    assert t["units"].tolist() == [4, 3, 2]
    assert t["conversion_from_previous"].tolist()[1:] == pytest.approx([3 / 4, 2 / 3])
    assert t["conversion_from_first"].tolist() == pytest.approx([1, 3 / 4, 2 / 4])
    assert t["drop_off"].tolist()[1:] == [1, 1]
    assert t["median_minutes_from_previous"].tolist()[1:] == pytest.approx([4, 5.5])
    assert t["mean_minutes_from_previous"].tolist()[1:] == pytest.approx([5, 5.5])
    assert result.details["bottleneck"]["to"] == "c"  # 2/3 < 3/4
    assert "The biggest drop is 'b' → 'c'" in result.summary
    assert "Of 4 customers that did 'a'" in result.summary


# ── on demo data: breakdown and trend rows are funnels of their own ───────────────────────────────


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("funnel-events") / "demo.duckdb"
    e = Engine.open(path)
    e.generate_demo(customers=3000, seed=7)
    yield e
    e.close()


def test_each_breakdown_row_is_the_funnel_of_its_starts(demo: Engine) -> None:
    steps = ["visit", "view_product", "add_to_cart", "purchase"]
    by_device = demo.run("funnel.events", steps=steps, by="device", window_days=2).table
    for device, rows in by_device.groupby("device"):
        alone = demo.run("funnel.events", steps=[f"visit[device={device}]", *steps[1:]], window_days=2).table
        assert rows["units"].tolist() == alone["units"].tolist(), device
        assert rows["median_minutes_from_previous"].tolist()[1:] == pytest.approx(
            alone["median_minutes_from_previous"].tolist()[1:], nan_ok=True
        )


def test_each_trend_row_is_the_funnel_of_its_period(demo: Engine) -> None:
    steps = ["view_product", "add_to_cart", "checkout"]
    trend = demo.run("funnel.events", steps=steps, grain="month", start="2025-01-01", window_days=3).table
    assert trend["period"].nunique() == 12
    for month in ("2025-02-01", "2025-07-01"):
        first = dt.date.fromisoformat(month)
        last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
        alone = demo.run("funnel.events", steps=steps, start=first, end=last, window_days=3).table
        rows = trend[trend["period"] == pd.Timestamp(first)]
        assert rows["units"].tolist() == alone["units"].tolist()


def test_demo_funnel_equals_the_reference(demo: Engine) -> None:
    """The default funnel per session over a week of demo traffic, against the reference."""
    steps = ["visit", "view_product", "add_to_cart", "checkout", "purchase"]
    raw = demo.con.execute(
        "SELECT event_id, session_id, event_time, event_type FROM events "
        "WHERE event_time >= TIMESTAMP '2025-06-02' AND event_time < TIMESTAMP '2025-06-09'"
    ).fetchall()
    events = [Ev(i, s, t, typ) for i, s, t, typ in raw]
    window = dt.timedelta(hours=1)
    result = demo.run(
        "funnel.events", steps=steps, unit="session", start="2025-06-02", end="2025-06-08", window_days=1 / 24
    )
    # the analysis also sees events up to an hour after the period: give the reference the same
    raw_after = demo.con.execute(
        "SELECT event_id, session_id, event_time, event_type FROM events "
        "WHERE event_time >= TIMESTAMP '2025-06-09' AND event_time < TIMESTAMP '2025-06-09 01:00:00'"
    ).fetchall()
    events += [Ev(i, s, t, typ) for i, s, t, typ in raw_after]
    ref = reference_funnel(events, steps, window, end_excl=dt.datetime(2025, 6, 9))
    assert ref.units[0] > 100
    assert_matches(result.table, ref)


def test_default_funnel_on_demo_names_the_bottleneck(demo: Engine) -> None:
    result = demo.run("funnel.events", by="device")
    assert result.details["steps"] == ["visit", "view_product", "add_to_cart", "checkout", "purchase"]
    overall = pd.DataFrame(result.details["overall"])
    worst = overall.iloc[1:]["conversion_from_previous"].idxmin()
    assert result.details["bottleneck"]["to"] == overall.loc[worst, "step_name"]
    assert f"'{result.details['bottleneck']['from']}' → '{result.details['bottleneck']['to']}'" in result.summary
    assert set(result.table["device"].dropna()) == {"app", "desktop", "mobile", "tablet"}
    # the overall row counts every customer once; device groups may count a customer in several devices
    assert overall["units"].iloc[0] <= result.table.groupby("step")["units"].sum().iloc[0]
    assert any(sql.lstrip().upper().startswith("WITH EV AS") for sql in result.sql)


def test_filters_and_unknown_breakdowns(demo: Engine) -> None:
    app = demo.run("funnel.events", steps=["visit", "purchase"], filters=[{"dimension": "device", "values": ["app"]}])
    by_device = demo.run("funnel.events", steps=["visit", "purchase"], by="device").table
    # a filter on the event's device keeps only app events: the app row of the breakdown may differ only
    # by customers whose app visit converted through a purchase on another device
    assert app.table["units"].iloc[0] == by_device[by_device["device"] == "app"]["units"].iloc[0]
    with pytest.raises(UsageError, match="cannot be broken down or filtered by 'weather'") as info:
        demo.run("funnel.events", steps=["visit", "purchase"], by="weather")
    assert "device" in str(info.value) and "region" in str(info.value)
    region = demo.run("funnel.events", steps=["visit", "purchase"], by="region").table
    assert "region" in region.columns
