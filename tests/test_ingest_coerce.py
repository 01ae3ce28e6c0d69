"""Value coercion SQL (engine/ingest/coerce.py): dates, amounts, integers, allowed values, text cleaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlens.engine.ingest.coerce import (
    amount_sql,
    choose_day_first,
    date_sql,
    integer_sql,
    text_sql,
    timestamp_sql,
    value_sql,
)
from crmlens.engine.ingest.values import VALUE_SPELLINGS, allowed_value_lookup
from crmlens.engine.schema import TABLES, table_spec

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def convert(con: duckdb.DuckDBPyConnection, expression: str, value: str | None) -> Any:
    """Run ``expression`` (over the cleaned text ``t``) on one value."""
    row = con.execute(f"SELECT {expression} FROM (SELECT {text_sql('v', column_type='DATE')} AS t "
                      "FROM (SELECT CAST(? AS VARCHAR) AS v))", [value]).fetchone()
    assert row is not None
    return row[0]


def as_date(con: duckdb.DuckDBPyConnection, value: str | None, *, day_first: bool = False) -> Any:
    return convert(con, date_sql("t", day_first=day_first), value)


def as_timestamp(con: duckdb.DuckDBPyConnection, value: str | None, *, day_first: bool = False) -> Any:
    return convert(con, timestamp_sql("t", day_first=day_first), value)


def as_amount(con: duckdb.DuckDBPyConnection, value: str | None) -> Any:
    return convert(con, amount_sql("t"), value)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-01", dt.date(2025, 3, 1)),
    ("2025/3/1", dt.date(2025, 3, 1)),
    ("2025.03.01", dt.date(2025, 3, 1)),
    ("2025年3月1日", dt.date(2025, 3, 1)),
    ("2025年3月1日 14:30", dt.date(2025, 3, 1)),
    ("20250301", dt.date(2025, 3, 1)),
    ("03/01/2025", dt.date(2025, 3, 1)),  # US order unless the column says otherwise
    ("3/1/25", dt.date(2025, 3, 1)),
    ("01.03.2025", dt.date(2025, 3, 1)),  # dotted dates are always day.month.year
    ("01-Mar-2025", dt.date(2025, 3, 1)),
    ("Mar 1, 2025", dt.date(2025, 3, 1)),
    ("1 March 2025", dt.date(2025, 3, 1)),
    ("2025-03-01 23:59:59", dt.date(2025, 3, 1)),
    ("2025-03-01T10:00:00Z", dt.date(2025, 3, 1)),
    ("1740787200", dt.date(2025, 3, 1)),
    ("  2025-03-01\t", dt.date(2025, 3, 1)),
    ("2025-02-30", None),
    ("13/13/2025", None),
    ("tomorrow", None),
    ("", None),
    ("N/A", None),
])
def test_dates(con: duckdb.DuckDBPyConnection, text: str, expected: dt.date | None) -> None:
    assert as_date(con, text) == expected


def test_day_first_reads_the_other_order(con: duckdb.DuckDBPyConnection) -> None:
    assert as_date(con, "03/01/2025", day_first=True) == dt.date(2025, 1, 3)
    assert as_date(con, "13/01/2025", day_first=False) is None
    assert as_date(con, "13/01/2025", day_first=True) == dt.date(2025, 1, 13)
    assert as_date(con, "2025-03-01", day_first=True) == dt.date(2025, 3, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-01 14:30:05", dt.datetime(2025, 3, 1, 14, 30, 5)),
    ("2025/03/01 14:30", dt.datetime(2025, 3, 1, 14, 30)),
    ("2025年3月1日 14:30:05", dt.datetime(2025, 3, 1, 14, 30, 5)),
    ("20250301143005", dt.datetime(2025, 3, 1, 14, 30, 5)),
    ("12/31/2024 11:30 PM", dt.datetime(2024, 12, 31, 23, 30)),
    ("1740787200", dt.datetime(2025, 3, 1)),
    ("1740787200123", dt.datetime(2025, 3, 1, 0, 0, 0, 123000)),
    ("2025-03-01", dt.datetime(2025, 3, 1)),
    ("25:00", None),
])
def test_timestamps(con: duckdb.DuckDBPyConnection, text: str, expected: dt.datetime | None) -> None:
    assert as_timestamp(con, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.5", Decimal("1234.50")),
    ("$1,234.50", Decimal("1234.50")),
    ("¥1,234", Decimal("1234.00")),
    ("￥99", Decimal("99.00")),
    ("1 234,50 €", Decimal("1234.50")),
    ("1.234,50", Decimal("1234.50")),
    ("RMB 99", Decimal("99.00")),
    ("99元", Decimal("99.00")),
    ("USD 1,000,000.00", Decimal("1000000.00")),
    ("(12.00)", Decimal("-12.00")),
    ("12.00-", Decimal("-12.00")),
    ("-$5", Decimal("-5.00")),
    ("12,5", Decimal("12.50")),
    ("1,234", Decimal("1234.00")),  # a comma grouping digits in threes is a thousands separator
    ("1.234.567", Decimal("1234567.00")),
    ("1'234.50", Decimal("1234.50")),
    ("0.005", Decimal("0.01")),
    ("abc", None),
    ("12.5%", None),
    ("1,2,3", None),
    ("99999999999999999999", None),
    ("", None),
    ("null", None),
])
def test_amounts(con: duckdb.DuckDBPyConnection, text: str, expected: Decimal | None) -> None:
    assert as_amount(con, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), ("+42", 42), ("-3", -3), ("1,234", 1234), ("42.0", 42), ("2.5", None), ("x", None),
    ("99999999999", None),
])
def test_integers(con: duckdb.DuckDBPyConnection, text: str, expected: int | None) -> None:
    assert convert(con, integer_sql("t"), text) == expected


@pytest.mark.parametrize(("column", "text", "expected"), [
    (("customers", "gender"), "女", "female"),
    (("customers", "gender"), "F", "female"),
    (("customers", "gender"), "Female", "female"),
    (("customers", "gender"), "男", "male"),
    (("customers", "gender"), "robot", None),
    (("orders", "status"), "已完成", "completed"),
    (("orders", "status"), "Complete", "completed"),
    (("orders", "status"), "CANCELED", "cancelled"),
    (("orders", "status"), "refunded", "returned"),
    (("orders", "status"), "lost in space", None),
    (("opportunities", "status"), "Closed_Won", "won"),
    (("opportunities", "status"), "closed", None),  # closed means something else for tickets only
    (("tickets", "status"), "closed", "closed"),
    (("tickets", "priority"), "紧急", "urgent"),
    (("reviews", "language"), "中文", "zh"),
])
def test_allowed_values(con: duckdb.DuckDBPyConnection, column: tuple[str, str], text: str,
                        expected: str | None) -> None:
    spec = table_spec(column[0]).column(column[1])
    row = con.execute(f"SELECT {value_sql(spec, 't')} FROM (SELECT {text_sql('v', column_type=spec.type)} AS t "
                      "FROM (SELECT CAST(? AS VARCHAR) AS v))", [text]).fetchone()
    assert row is not None and row[0] == expected


def test_no_spelling_means_two_values_of_one_column() -> None:
    for table in TABLES:
        for column in table.columns:
            if not column.allowed:
                continue
            seen: dict[str, str] = {}
            for value in column.allowed:
                for spelling in (value, *VALUE_SPELLINGS.get(value, ())):
                    key = spelling.lower()
                    assert seen.setdefault(key, value) == value, f"{table.name}.{column.name}: {spelling!r}"
            assert set(allowed_value_lookup(column).values()) == set(column.allowed)


@pytest.mark.parametrize(("text", "column_type", "expected"), [
    ("  Ann \t", "VARCHAR", "Ann"),
    ("\u3000上海\u00a0", "VARCHAR", "上海"),
    ("", "VARCHAR", None),
    ("   ", "VARCHAR", None),
    ("N/A", "VARCHAR", "N/A"),  # a text column keeps what was written
    ("N/A", "DATE", None),
    ("none", "DECIMAL(18,2)", None),
    ("Nancy", "DATE", "Nancy"),
])
def test_text_cleaning(con: duckdb.DuckDBPyConnection, text: str, column_type: str, expected: str | None) -> None:
    row = con.execute(f"SELECT {text_sql('v', column_type=column_type)} FROM (SELECT CAST(? AS VARCHAR) AS v)",
                      [text]).fetchone()
    assert row is not None and row[0] == expected


def test_day_first_decision() -> None:
    assert choose_day_first(0, 0, 0, None) == (False, None)
    assert choose_day_first(10, 3, 0, None)[0] is True
    assert choose_day_first(10, 0, 3, None)[0] is False
    ambiguous = choose_day_first(10, 0, 0, None)
    assert ambiguous[0] is False and ambiguous[1] is not None and "day_first" in ambiguous[1]
    assert choose_day_first(10, 5, 2, None)[0] is True
    assert choose_day_first(10, 5, 0, False) == (False, None)


# -- properties --------------------------------------------------------------------------------------

_DATE_FORMATS: dict[str, Callable[[dt.date], str]] = {
    "iso": lambda d: d.isoformat(),
    "slash year first": lambda d: f"{d.year}/{d.month}/{d.day}",
    "compact": lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "dotted": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "month name": lambda d: f"{d.day:02d}-{d.strftime('%b')}-{d.year}",
    "us": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
}


@SETTINGS
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)),
       style=st.sampled_from(sorted(_DATE_FORMATS)))
def test_formatted_dates_round_trip(con: duckdb.DuckDBPyConnection, day: dt.date, style: str) -> None:
    assert as_date(con, _DATE_FORMATS[style](day)) == day


@SETTINGS
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_day_first_dates_round_trip(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    assert as_date(con, f"{day.day}/{day.month}/{day.year}", day_first=True) == day


@SETTINGS
@given(moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2199, 12, 31)),
       separator=st.sampled_from([" ", "T"]))
def test_timestamps_round_trip(con: duckdb.DuckDBPyConnection, moment: dt.datetime, separator: str) -> None:
    moment = moment.replace(microsecond=0)
    assert as_timestamp(con, moment.isoformat(sep=separator)) == moment


def _grouped(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return separator.join([digits, *groups])


_AMOUNT_FORMATS: dict[str, Callable[[str, str, str], str]] = {
    "plain": lambda sign, whole, cents: f"{sign}{whole}.{cents}",
    "us": lambda sign, whole, cents: f"{sign}${_grouped(whole, ',')}.{cents}",
    "yuan": lambda sign, whole, cents: f"{sign}¥{_grouped(whole, ',')}.{cents}",
    "euro": lambda sign, whole, cents: f"{sign}{_grouped(whole, '.')},{cents} €",
    "spaces": lambda sign, whole, cents: f"{sign}{_grouped(whole, ' ')},{cents}",
    "code": lambda sign, whole, cents: f"RMB {sign}{_grouped(whole, ',')}.{cents}",
    "accounting": lambda sign, whole, cents: (f"({_grouped(whole, ',')}.{cents})" if sign
                                              else f"{_grouped(whole, ',')}.{cents}"),
}


@SETTINGS
@given(cents=st.integers(min_value=-10**14, max_value=10**14), style=st.sampled_from(sorted(_AMOUNT_FORMATS)))
def test_formatted_amounts_round_trip(con: duckdb.DuckDBPyConnection, cents: int, style: str) -> None:
    value = Decimal(cents).scaleb(-2)
    whole, fraction = divmod(abs(cents), 100)
    text = _AMOUNT_FORMATS[style]("-" if cents < 0 else "", str(whole), f"{fraction:02d}")
    assert as_amount(con, text) == value


_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30)


@SETTINGS
@given(text=_TEXT)
def test_garbage_never_crashes(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert as_date(con, text) is None or isinstance(as_date(con, text), dt.date)
    assert as_timestamp(con, text) is None or isinstance(as_timestamp(con, text), dt.datetime)
    amount = as_amount(con, text)
    assert amount is None or isinstance(amount, Decimal)
    assert convert(con, integer_sql("t"), text) is None or isinstance(convert(con, integer_sql("t"), text), int)
