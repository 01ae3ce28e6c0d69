"""Time expressions (crmlens.query.timeparse) and number words (crmlens.query.numerals).

Expected dates are written out by hand. Two "todays" are used throughout: A = 2025-12-31 (the last day of a
year, a Wednesday) and B = 2025-05-14 (mid-month, mid-quarter, a Wednesday), so "this month", "Q3" in the
future and "in March" are all exercised.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlens.query.numerals import chinese_to_int, english_to_int, ordinal_to_int, parse_int, parse_number
from crmlens.query.timeparse import UNBOUNDED_START, TimeMatch, TimeRange, find_time_expressions

A = date(2025, 12, 31)
B = date(2025, 5, 14)
LEAP = date(2024, 3, 15)
MIN = UNBOUNDED_START.isoformat()


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def only(text: str, as_of: date) -> TimeMatch:
    matches = find_time_expressions(text, as_of)
    assert len(matches) == 1, matches
    return matches[0]


def ranges(text: str, as_of: date) -> list[TimeRange]:
    return [m.range for m in find_time_expressions(text, as_of) if m.kind == "range" and m.range is not None]


# == ranges: (question, as_of, start, end) — the question holds exactly one range ===========================

ENGLISH_RANGES = [
    ("revenue by region last quarter", B, "2025-01-01", "2025-03-31"),
    ("revenue by region last quarter", A, "2025-07-01", "2025-09-30"),
    ("today", B, "2025-05-14", "2025-05-14"),
    ("orders placed TODAY", A, "2025-12-31", "2025-12-31"),
    ("yesterday", B, "2025-05-13", "2025-05-13"),
    ("yesterday", date(2025, 1, 1), "2024-12-31", "2024-12-31"),
    ("the day before yesterday", B, "2025-05-12", "2025-05-12"),
    ("tomorrow", A, "2026-01-01", "2026-01-01"),
    ("this week", B, "2025-05-12", "2025-05-14"),
    ("this week", A, "2025-12-29", "2025-12-31"),
    ("last week", B, "2025-05-05", "2025-05-11"),
    ("previous week", A, "2025-12-22", "2025-12-28"),
    ("past week", B, "2025-05-05", "2025-05-11"),
    ("this month", B, "2025-05-01", "2025-05-14"),
    ("this month", A, "2025-12-01", "2025-12-31"),
    ("current month", B, "2025-05-01", "2025-05-14"),
    ("last month", B, "2025-04-01", "2025-04-30"),
    ("last month", A, "2025-11-01", "2025-11-30"),
    ("last month", LEAP, "2024-02-01", "2024-02-29"),
    ("last month", date(2025, 1, 10), "2024-12-01", "2024-12-31"),
    ("previous month", B, "2025-04-01", "2025-04-30"),
    ("past month", B, "2025-04-01", "2025-04-30"),
    ("last calendar month", B, "2025-04-01", "2025-04-30"),
    ("this quarter", B, "2025-04-01", "2025-05-14"),
    ("this quarter", A, "2025-10-01", "2025-12-31"),
    ("last quarter", date(2025, 2, 1), "2024-10-01", "2024-12-31"),
    ("previous quarter", B, "2025-01-01", "2025-03-31"),
    ("this year", B, "2025-01-01", "2025-05-14"),
    ("this year so far", B, "2025-01-01", "2025-05-14"),
    ("last year", B, "2024-01-01", "2024-12-31"),
    ("previous year", A, "2024-01-01", "2024-12-31"),
    ("over the past year", B, "2024-01-01", "2024-12-31"),
    ("this past year", B, "2024-01-01", "2024-12-31"),
    ("next month", B, "2025-06-01", "2025-06-30"),
    ("next quarter", A, "2026-01-01", "2026-03-31"),
    ("next year", B, "2026-01-01", "2026-12-31"),
    # counted windows: days roll up to as_of, other units are whole periods before the current one
    ("last 7 days", B, "2025-05-08", "2025-05-14"),
    ("last 7 days", A, "2025-12-25", "2025-12-31"),
    ("last 1 day", B, "2025-05-14", "2025-05-14"),
    ("last 90 days", B, "2025-02-14", "2025-05-14"),
    ("last 30 days", date(2025, 3, 1), "2025-01-31", "2025-03-01"),
    ("past 14 days", B, "2025-05-01", "2025-05-14"),
    ("in the last 30 days", B, "2025-04-15", "2025-05-14"),
    ("the last 2 weeks", B, "2025-04-28", "2025-05-11"),
    ("last 4 weeks", A, "2025-12-01", "2025-12-28"),
    ("last 3 months", B, "2025-02-01", "2025-04-30"),
    ("last 3 months", A, "2025-09-01", "2025-11-30"),
    ("last three months", B, "2025-02-01", "2025-04-30"),
    ("past 12 months", B, "2024-05-01", "2025-04-30"),
    ("the previous twelve months", A, "2024-12-01", "2025-11-30"),
    ("trailing 6 months", B, "2024-11-01", "2025-04-30"),
    ("last 2 quarters", B, "2024-10-01", "2025-03-31"),
    ("last 2 years", B, "2023-01-01", "2024-12-31"),
    ("past 3 years", A, "2022-01-01", "2024-12-31"),
    ("last 30d", B, "2025-04-15", "2025-05-14"),
    ("within 30 days", B, "2025-04-15", "2025-05-14"),
    ("ttm revenue", B, "2024-05-01", "2025-04-30"),
    ("next 30 days", B, "2025-05-15", "2025-06-13"),
    ("next 2 months", A, "2026-01-01", "2026-02-28"),
    ("3 months ago", B, "2025-02-01", "2025-02-28"),
    ("a week ago", B, "2025-05-05", "2025-05-11"),
    ("2 years ago", B, "2023-01-01", "2023-12-31"),
    # to date
    ("year to date", B, "2025-01-01", "2025-05-14"),
    ("year-to-date revenue", A, "2025-01-01", "2025-12-31"),
    ("ytd revenue", B, "2025-01-01", "2025-05-14"),
    ("YTD", date(2025, 1, 1), "2025-01-01", "2025-01-01"),
    ("month to date", B, "2025-05-01", "2025-05-14"),
    ("mtd", B, "2025-05-01", "2025-05-14"),
    ("quarter to date", B, "2025-04-01", "2025-05-14"),
    ("qtd", A, "2025-10-01", "2025-12-31"),
    ("wtd", B, "2025-05-12", "2025-05-14"),
    # years
    ("in 2025", B, "2025-01-01", "2025-12-31"),
    ("revenue 2023", B, "2023-01-01", "2023-12-31"),
    ("for 2024", A, "2024-01-01", "2024-12-31"),
    ("during 1999", A, "1999-01-01", "1999-12-31"),
    ("year 2024", A, "2024-01-01", "2024-12-31"),
    ("orders in 2025", B, "2025-01-01", "2025-12-31"),
    ("2025 orders by channel", B, "2025-01-01", "2025-12-31"),
    ("revenue 2024-2025", B, "2024-01-01", "2025-12-31"),
    # quarters and halves
    ("Q3 2025", B, "2025-07-01", "2025-09-30"),
    ("2025 Q3", B, "2025-07-01", "2025-09-30"),
    ("2025-Q3", B, "2025-07-01", "2025-09-30"),
    ("2025Q3", B, "2025-07-01", "2025-09-30"),
    ("q4 2024", B, "2024-10-01", "2024-12-31"),
    ("Q3, 2023", B, "2023-07-01", "2023-09-30"),
    ("Q3", B, "2024-07-01", "2024-09-30"),  # Q3 2025 has not started on 2025-05-14
    ("Q3", A, "2025-07-01", "2025-09-30"),
    ("Q2", B, "2025-04-01", "2025-06-30"),  # the current quarter, whole
    ("Q1 last year", B, "2024-01-01", "2024-03-31"),
    ("the third quarter of 2024", B, "2024-07-01", "2024-09-30"),
    ("first quarter of this year", A, "2025-01-01", "2025-03-31"),
    ("the last quarter of 2024", B, "2024-10-01", "2024-12-31"),
    ("4th quarter", B, "2024-10-01", "2024-12-31"),
    ("H1 2025", B, "2025-01-01", "2025-06-30"),
    ("2025 H2", B, "2025-07-01", "2025-12-31"),
    ("H2", B, "2024-07-01", "2024-12-31"),
    ("first half of 2025", A, "2025-01-01", "2025-06-30"),
    ("the second half of 2024", B, "2024-07-01", "2024-12-31"),
    ("first 3 months of 2025", B, "2025-01-01", "2025-03-31"),
    ("the first two quarters of 2024", B, "2024-01-01", "2024-06-30"),
    # months and days
    ("March 2025", B, "2025-03-01", "2025-03-31"),
    ("in March", B, "2025-03-01", "2025-03-31"),
    ("in June", B, "2024-06-01", "2024-06-30"),  # June 2025 has not started
    ("in June", A, "2025-06-01", "2025-06-30"),
    ("in May", B, "2025-05-01", "2025-05-31"),
    ("december", B, "2024-12-01", "2024-12-31"),
    ("Mar 2025", A, "2025-03-01", "2025-03-31"),
    ("Sept 2024", A, "2024-09-01", "2024-09-30"),
    ("since Jan", B, "2025-01-01", "2025-05-14"),
    ("February 2024", A, "2024-02-01", "2024-02-29"),
    ("March of last year", B, "2024-03-01", "2024-03-31"),
    ("last March", B, "2025-03-01", "2025-03-31"),
    ("last May", B, "2024-05-01", "2024-05-31"),  # May 2025 has not ended
    ("last may", B, "2024-05-01", "2024-05-31"),
    ("this March", A, "2025-03-01", "2025-03-31"),
    ("next March", B, "2026-03-01", "2026-03-31"),
    ("2025-03", B, "2025-03-01", "2025-03-31"),
    ("2025/11", B, "2025-11-01", "2025-11-30"),
    ("2025-03-01", B, "2025-03-01", "2025-03-01"),
    ("2025/3/1", B, "2025-03-01", "2025-03-01"),
    ("2025.03.01", B, "2025-03-01", "2025-03-01"),
    ("on 2024-02-29", B, "2024-02-29", "2024-02-29"),
    ("March 5, 2025", A, "2025-03-05", "2025-03-05"),
    ("5 March 2025", A, "2025-03-05", "2025-03-05"),
    ("1st of May 2025", A, "2025-05-01", "2025-05-01"),
    ("Dec 25", B, "2024-12-25", "2024-12-25"),
    ("2025-W12", B, "2025-03-17", "2025-03-23"),
    # open ranges
    ("since March", B, "2025-03-01", "2025-05-14"),
    ("since March", A, "2025-03-01", "2025-12-31"),
    ("since March", date(2025, 2, 10), "2024-03-01", "2025-02-10"),
    ("since 2024-06-01", B, "2024-06-01", "2025-05-14"),
    ("since last month", B, "2025-04-01", "2025-05-14"),
    ("from March onwards", B, "2025-03-01", "2025-05-14"),
    ("starting from Q1 2025", B, "2025-01-01", "2025-05-14"),
    ("before 2025", B, MIN, "2024-12-31"),
    ("prior to March 2025", B, MIN, "2025-02-28"),
    ("after 2024-06-30", B, "2024-07-01", "2025-05-14"),
    ("until March 2025", B, MIN, "2025-03-31"),
    # spans
    ("from Jan to Mar 2025", A, "2025-01-01", "2025-03-31"),
    ("Jan-Mar 2025", A, "2025-01-01", "2025-03-31"),
    ("Jan to Mar", B, "2025-01-01", "2025-03-31"),
    ("Nov to Feb", B, "2024-11-01", "2025-02-28"),
    ("between 2025-01-01 and 2025-03-31", B, "2025-01-01", "2025-03-31"),
    ("from 2025-01-01 to 2025-02-15", B, "2025-01-01", "2025-02-15"),
    ("2025-01-01 - 2025-03-31", B, "2025-01-01", "2025-03-31"),
    ("from March to today", B, "2025-03-01", "2025-05-14"),
    ("customers who signed up between March and May", B, "2025-03-01", "2025-05-31"),
    ("Q1 through Q3 2024", A, "2024-01-01", "2024-09-30"),
    ("from 2023 to 2024", A, "2023-01-01", "2024-12-31"),
]

CHINESE_RANGES = [
    ("上个月各渠道销售额", B, "2025-04-01", "2025-04-30"),
    ("今天", B, "2025-05-14", "2025-05-14"),
    ("昨天", B, "2025-05-13", "2025-05-13"),
    ("前天的订单", B, "2025-05-12", "2025-05-12"),
    ("本周", B, "2025-05-12", "2025-05-14"),
    ("这周", A, "2025-12-29", "2025-12-31"),
    ("上周", B, "2025-05-05", "2025-05-11"),
    ("上个星期", B, "2025-05-05", "2025-05-11"),
    ("本月", B, "2025-05-01", "2025-05-14"),
    ("这个月", B, "2025-05-01", "2025-05-14"),
    ("上个月", A, "2025-11-01", "2025-11-30"),
    ("上月", B, "2025-04-01", "2025-04-30"),
    ("上上个月", B, "2025-03-01", "2025-03-31"),
    ("下个月", B, "2025-06-01", "2025-06-30"),
    ("本季度", B, "2025-04-01", "2025-05-14"),
    ("上季度", B, "2025-01-01", "2025-03-31"),
    ("上个季度", A, "2025-07-01", "2025-09-30"),
    ("今年", B, "2025-01-01", "2025-05-14"),
    ("去年", B, "2024-01-01", "2024-12-31"),
    ("前年", B, "2023-01-01", "2023-12-31"),
    ("明年", B, "2026-01-01", "2026-12-31"),
    ("本年度", B, "2025-01-01", "2025-05-14"),
    ("上一年度", B, "2024-01-01", "2024-12-31"),
    ("近7天", B, "2025-05-08", "2025-05-14"),
    ("最近7天", A, "2025-12-25", "2025-12-31"),
    ("过去7天", B, "2025-05-08", "2025-05-14"),
    ("近三十天", B, "2025-04-15", "2025-05-14"),
    ("近30天", B, "2025-04-15", "2025-05-14"),
    ("近 30 天", B, "2025-04-15", "2025-05-14"),
    ("最近一周", B, "2025-05-05", "2025-05-11"),
    ("近一个月", B, "2025-04-01", "2025-04-30"),
    ("近三个月", B, "2025-02-01", "2025-04-30"),
    ("近3个月", A, "2025-09-01", "2025-11-30"),
    ("近半年", B, "2024-11-01", "2025-04-30"),
    ("近一年", B, "2024-01-01", "2024-12-31"),
    ("近两周", B, "2025-04-28", "2025-05-11"),
    ("过去的12个月", B, "2024-05-01", "2025-04-30"),
    ("30天内下单的客户", B, "2025-04-15", "2025-05-14"),
    ("未来7天", B, "2025-05-15", "2025-05-21"),
    ("2025年", B, "2025-01-01", "2025-12-31"),
    ("2025年度", B, "2025-01-01", "2025-12-31"),
    ("二〇二四年", B, "2024-01-01", "2024-12-31"),
    ("2025年3月", B, "2025-03-01", "2025-03-31"),
    ("2024年2月", B, "2024-02-01", "2024-02-29"),
    ("2025年3月1日", B, "2025-03-01", "2025-03-01"),
    ("2025年3月1号", B, "2025-03-01", "2025-03-01"),
    ("3月", B, "2025-03-01", "2025-03-31"),
    ("3月份", B, "2025-03-01", "2025-03-31"),
    ("三月", B, "2025-03-01", "2025-03-31"),
    ("十二月", B, "2024-12-01", "2024-12-31"),
    ("十二月", A, "2025-12-01", "2025-12-31"),
    ("6月", B, "2024-06-01", "2024-06-30"),
    ("3月1日", B, "2025-03-01", "2025-03-01"),
    ("今年3月", A, "2025-03-01", "2025-03-31"),
    ("去年12月", B, "2024-12-01", "2024-12-31"),
    ("第三季度", B, "2024-07-01", "2024-09-30"),
    ("第三季度", A, "2025-07-01", "2025-09-30"),
    ("三季度", A, "2025-07-01", "2025-09-30"),
    ("一季度", B, "2025-01-01", "2025-03-31"),
    ("第2季度", B, "2025-04-01", "2025-06-30"),
    ("2025年第三季度", B, "2025-07-01", "2025-09-30"),
    ("2025年三季度", B, "2025-07-01", "2025-09-30"),
    ("2025年Q3", B, "2025-07-01", "2025-09-30"),
    ("去年第四季度", B, "2024-10-01", "2024-12-31"),
    ("前三季度", A, "2025-01-01", "2025-09-30"),
    ("2025年前3个月", A, "2025-01-01", "2025-03-31"),
    ("2025年上半年", B, "2025-01-01", "2025-06-30"),
    ("2025年下半年", B, "2025-07-01", "2025-12-31"),
    ("上半年", B, "2025-01-01", "2025-06-30"),
    ("下半年", B, "2024-07-01", "2024-12-31"),
    ("下半年", A, "2025-07-01", "2025-12-31"),
    ("去年上半年", A, "2024-01-01", "2024-06-30"),
    ("今年以来", B, "2025-01-01", "2025-05-14"),
    ("年初至今", B, "2025-01-01", "2025-05-14"),
    ("本月至今", B, "2025-05-01", "2025-05-14"),
    ("自3月以来", B, "2025-03-01", "2025-05-14"),
    ("3月以来", B, "2025-03-01", "2025-05-14"),
    ("从3月开始", B, "2025-03-01", "2025-05-14"),
    ("2024年6月起", B, "2024-06-01", "2025-05-14"),
    ("从2025年1月到2025年3月", B, "2025-01-01", "2025-03-31"),
    ("2025年1月至3月", B, "2025-01-01", "2025-03-31"),
    ("1月到3月", B, "2025-01-01", "2025-03-31"),
    ("2025-01-01到2025-03-31", B, "2025-01-01", "2025-03-31"),
    ("3月1日到3月15日", B, "2025-03-01", "2025-03-15"),
    ("2024年11月到2月", B, "2024-11-01", "2025-02-28"),
    ("2024年和2025年之间", B, "2024-01-01", "2025-12-31"),
    ("2025年之前", B, MIN, "2024-12-31"),
    ("2025年3月以前", B, MIN, "2025-02-28"),
    ("2024年以后", B, "2025-01-01", "2025-05-14"),
    ("截至2025年3月", B, MIN, "2025-03-31"),
    ("到2025年3月为止", B, MIN, "2025-03-31"),
    ("２０２５年３月的销售额", B, "2025-03-01", "2025-03-31"),  # full-width digits
]

MIXED_RANGES = [
    ("2025年 revenue by 渠道", B, "2025-01-01", "2025-12-31"),
    ("revenue 上个月", B, "2025-04-01", "2025-04-30"),
    ("revenue上个月", B, "2025-04-01", "2025-04-30"),
    ("top 10 products 近30天", B, "2025-04-15", "2025-05-14"),
    ("近30天 top 10 products", B, "2025-04-15", "2025-05-14"),
    ("销售额 last month", B, "2025-04-01", "2025-04-30"),
    ("Q3 销售额", A, "2025-07-01", "2025-09-30"),
    ("2025年3月 revenue", B, "2025-03-01", "2025-03-31"),
    ("订单数 since 2024-06-01", B, "2024-06-01", "2025-05-14"),
]


@pytest.mark.parametrize(("text", "as_of", "start", "end"), ENGLISH_RANGES + CHINESE_RANGES + MIXED_RANGES)
def test_range(text: str, as_of: date, start: str, end: str) -> None:
    found = ranges(text, as_of)
    assert len(found) == 1, find_time_expressions(text, as_of)
    assert (found[0].start, found[0].end) == (d(start), d(end))


# == comparisons: (question, as_of, first start, first end, second start, second end) =========================

COMPARES = [
    ("2024 vs 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("2024 vs. 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("2024 versus 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("2024 compared to 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("compare 2024 to 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("compare 2024 with 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("revenue in 2024 and 2025", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("Q1 vs Q2 2025", A, "2025-01-01", "2025-03-31", "2025-04-01", "2025-06-30"),
    ("Q1 2025 vs Q1 2024", A, "2025-01-01", "2025-03-31", "2024-01-01", "2024-03-31"),
    ("Q3 2024 vs Q4", A, "2024-07-01", "2024-09-30", "2024-10-01", "2024-12-31"),
    ("this month vs last month", B, "2025-05-01", "2025-05-14", "2025-04-01", "2025-04-30"),
    ("this week vs last week", A, "2025-12-29", "2025-12-31", "2025-12-22", "2025-12-28"),
    ("March vs April", B, "2025-03-01", "2025-03-31", "2025-04-01", "2025-04-30"),
    # April 2025 has not started on 2025-03-20: both months of 2024
    ("March vs April", date(2025, 3, 20), "2024-03-01", "2024-03-31", "2024-04-01", "2024-04-30"),
    ("Jan-Mar 2025 vs Jan-Mar 2024", B, "2025-01-01", "2025-03-31", "2024-01-01", "2024-03-31"),
    # "vs last year" after a period: the same period a year earlier; after a year: the year before it
    ("revenue this month compared to last year", B, "2025-05-01", "2025-05-14", "2024-05-01", "2024-05-14"),
    ("revenue in March vs last year", B, "2025-03-01", "2025-03-31", "2024-03-01", "2024-03-31"),
    ("Q3 2025 versus the previous year", A, "2025-07-01", "2025-09-30", "2024-07-01", "2024-09-30"),
    ("last 7 days vs last year", B, "2025-05-08", "2025-05-14", "2024-05-08", "2024-05-14"),
    ("this year vs last year", B, "2025-01-01", "2025-05-14", "2024-01-01", "2024-12-31"),
    ("2024 compared to last year", B, "2024-01-01", "2024-12-31", "2023-01-01", "2023-12-31"),
    ("ytd vs same period last year", B, "2025-01-01", "2025-05-14", "2024-01-01", "2024-05-14"),
    ("Feb 2025 vs same period last year", B, "2025-02-01", "2025-02-28", "2024-02-01", "2024-02-29"),
    ("Feb 2024 vs same period last year", B, "2024-02-01", "2024-02-29", "2023-02-01", "2023-02-28"),
    ("2024-02-29 vs same day last year", B, "2024-02-29", "2024-02-29", "2023-02-28", "2023-02-28"),
    ("2024年和2025年对比", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("2024年与2025年", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("对比2024年和2025年", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
    ("今年和去年", B, "2025-01-01", "2025-05-14", "2024-01-01", "2024-12-31"),
    ("今年较去年", A, "2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"),
    ("本月和上月", B, "2025-05-01", "2025-05-14", "2025-04-01", "2025-04-30"),
    ("本月对比上月", B, "2025-05-01", "2025-05-14", "2025-04-01", "2025-04-30"),
    ("3月和4月的销售额", B, "2025-03-01", "2025-03-31", "2025-04-01", "2025-04-30"),
    ("2025年1月和2月", B, "2025-01-01", "2025-01-31", "2025-02-01", "2025-02-28"),
    ("今年3月和去年同期", B, "2025-03-01", "2025-03-31", "2024-03-01", "2024-03-31"),
    ("本月与去年同期相比", B, "2025-05-01", "2025-05-14", "2024-05-01", "2024-05-14"),
    ("上半年和去年同期", B, "2025-01-01", "2025-06-30", "2024-01-01", "2024-06-30"),
    ("2024 vs 2025 按月", B, "2024-01-01", "2024-12-31", "2025-01-01", "2025-12-31"),
]


@pytest.mark.parametrize(("text", "as_of", "s1", "e1", "s2", "e2"), COMPARES)
def test_compare(text: str, as_of: date, s1: str, e1: str, s2: str, e2: str) -> None:
    found = [m for m in find_time_expressions(text, as_of) if m.kind == "compare"]
    assert len(found) == 1, find_time_expressions(text, as_of)
    assert found[0].compare is not None
    first, second = found[0].compare
    assert (first.start, first.end, second.start, second.end) == (d(s1), d(e1), d(s2), d(e2))
    assert not ranges(text, as_of), "both periods belong to the comparison"


# == grains and growth =====================================================================================

GRAINS = [
    ("daily revenue", "day"), ("weekly orders", "week"), ("monthly", "month"), ("quarterly sales", "quarter"),
    ("yearly", "year"), ("annually", "year"), ("revenue by day", "day"), ("orders by date", "day"),
    ("revenue by week", "week"), ("by month", "month"), ("by quarter", "quarter"), ("by year", "year"),
    ("per month", "month"), ("each month", "month"), ("every week", "week"), ("for each quarter", "quarter"),
    ("broken down by month", "month"), ("month by month", "month"), ("revenue over time", None),
    ("sales trend", None), ("trends", None), ("time series of orders", None),
    ("每天销售额", "day"), ("每日", "day"), ("按天", "day"), ("按日", "day"), ("每周", "week"), ("按周", "week"),
    ("每月", "month"), ("按月", "month"), ("按月份", "month"), ("每个月", "month"), ("月度销售额", "month"),
    ("各月", "month"), ("每季度", "quarter"), ("按季度", "quarter"), ("季度销售额", "quarter"), ("每年", "year"),
    ("按年", "year"), ("年度", "year"), ("历年", "year"), ("销售趋势", None), ("走势", None), ("客户数量变化", None),
    ("成本月度分析", "month"),
]


@pytest.mark.parametrize(("text", "grain"), GRAINS)
def test_grain(text: str, grain: str | None) -> None:
    found = [m for m in find_time_expressions(text, B) if m.kind == "grain"]
    assert [m.grain for m in found] == [grain]


GROWTH = [
    ("month over month", "previous_period", "month"), ("month-over-month growth", "previous_period", "month"),
    ("mom", "previous_period", "month"), ("MoM revenue", "previous_period", "month"),
    ("m/m", "previous_period", "month"), ("week over week", "previous_period", "week"),
    ("wow", "previous_period", "week"), ("w/w", "previous_period", "week"),
    ("quarter over quarter", "previous_period", "quarter"), ("qoq", "previous_period", "quarter"),
    ("q/q", "previous_period", "quarter"), ("year over year", "previous_year", "year"),
    ("year-on-year", "previous_year", "year"), ("yoy", "previous_year", None), ("YoY growth", "previous_year", None),
    ("y/y", "previous_year", None), ("compared to last year", "previous_year", None),
    ("revenue by region compared to last year", "previous_year", None),
    ("same period last year", "previous_year", None), ("vs the same period last year", "previous_year", None),
    ("vs previous period", "previous_period", None),
    ("环比", "previous_period", None), ("环比增长", "previous_period", None), ("同比", "previous_year", None),
    ("去年同期", "previous_year", None), ("销售额和去年同期相比", "previous_year", None),
    ("较上期", "previous_period", None), ("同比去年", "previous_year", None),
]


@pytest.mark.parametrize(("text", "growth", "grain"), GROWTH)
def test_growth(text: str, growth: str, grain: str | None) -> None:
    found = [m for m in find_time_expressions(text, B) if m.kind == "growth"]
    assert [(m.growth, m.grain) for m in found] == [(growth, grain)]
    assert all(m.range is None and m.compare is None for m in found)


def test_growth_next_to_a_period_stays_separate() -> None:
    matches = find_time_expressions("本月环比增长", B)
    assert [(m.kind, m.text) for m in matches] == [("range", "本月"), ("growth", "环比")]
    matches = find_time_expressions("March revenue yoy", B)
    assert [(m.kind, m.text) for m in matches] == [("range", "March"), ("growth", "yoy")]


def test_vs_last_year_not_directly_after_a_period_is_growth() -> None:
    matches = find_time_expressions("March revenue vs last year", B)
    assert [(m.kind, m.text, m.growth) for m in matches] == [
        ("range", "March", None), ("growth", "vs last year", "previous_year")]


# == no time ================================================================================================

NO_TIME = [
    "top 10 customers by revenue",
    "customers with more than 3 orders",
    "前十名客户",
    "前10名客户",
    "order 2025",  # an order number, not a year
    "ticket #2025",
    "customer 2025",
    "top 2025 customers",
    "customers with over 2025 points",
    "amount > 2025",
    "SELECT * FROM orders WHERE id = 2025",
    "金额超过2025元",
    "2025元以上的订单",
    "2025个客户",
    "revenue 1,2025",
    "2025.5 units",
    "revenue growth",
    "growth by region",
    "revenue by day of week",
    "orders by month of year",
    "revenue per customer",
    "which customers may churn",
    "this may help",
    "5 may churn",
    "customer Jan Smith",
    "mom & baby products",
    "按年龄段统计客户",
    "线上月活跃用户",
    "以上月份",
    "基本情况",
    "phone 13800138000",
    "the last customer",
    "first purchase",
    "3 orders",
    "",
    "   ",
    "🙂🙃",
    "'; DROP TABLE orders; --",
    "FY2025",
    "orders with amount between 2000 and 3000",
    "订单金额在2000到3000之间",
    "1000 to 2025 points",
]


@pytest.mark.parametrize("text", NO_TIME)
def test_no_time(text: str) -> None:
    assert find_time_expressions(text, B) == []


def test_top_ten_next_to_a_period() -> None:
    # "前" after 上个月 starts "前十名", not "before last month"
    match = only("上个月前十名客户", B)
    assert match.text == "上个月"
    assert match.range == TimeRange(d("2025-04-01"), d("2025-04-30"))


# == spans ===================================================================================================

SPANS = [
    ("revenue in March vs last year by channel", ["in March vs last year"]),
    ("what was revenue in the last 30 days?", ["in the last 30 days"]),
    ("monthly revenue trend in 2024 vs 2025", ["monthly", "trend", "in 2024 vs 2025"]),
    ("average order value by week over the past 12 months", ["by week", "over the past 12 months"]),
    ("从2025年1月到2025年3月各渠道销售额环比", ["从2025年1月到2025年3月", "环比"]),
    ("本月和上月对比各地区客户数", ["本月和上月对比"]),
    ("Q1 vs Q2 2025 revenue by product category", ["Q1 vs Q2 2025"]),
    ("customers with more than 3 orders since March", ["since March"]),
    ("在2025年的订单", ["在2025年"]),
    ("revenue between  2025-01-01   and 2025-03-31 inclusive", ["between  2025-01-01   and 2025-03-31 inclusive"]),
    ("REVENUE IN Q3 2025", ["IN Q3 2025"]),
    ("revenue for 2024, by region", ["for 2024"]),
    ("2025年 revenue by 渠道", ["2025年"]),
    ("top 10 products 近30天", ["近30天"]),
    ("每月 revenue 近三个月", ["每月", "近三个月"]),
    ("２０２５年３月的销售额", ["２０２５年３月"]),
]


@pytest.mark.parametrize(("text", "expected"), SPANS)
def test_spans(text: str, expected: list[str]) -> None:
    matches = find_time_expressions(text, B)
    assert [m.text for m in matches] == expected
    for m in matches:
        assert text[m.span[0]:m.span[1]] == m.text


def test_mixed_question_leaves_the_rest_for_the_caller() -> None:
    text = "2025年 revenue by 渠道 monthly"
    matches = find_time_expressions(text, B)
    rest = text
    for m in reversed(matches):
        rest = rest[:m.span[0]] + rest[m.span[1]:]
    assert " ".join(rest.split()) == "revenue by 渠道"
    assert [m.kind for m in matches] == ["range", "grain"]


def test_range_and_grain_together() -> None:
    matches = find_time_expressions("2025年各月销售额", B)
    assert [(m.kind, m.text) for m in matches] == [("range", "2025年"), ("grain", "各月")]
    matches = find_time_expressions("revenue by month in 2025", B)
    assert [(m.kind, m.text) for m in matches] == [("grain", "by month"), ("range", "in 2025")]


def test_growth_match_fields() -> None:
    match = only("yoy", B)
    assert (match.kind, match.growth, match.range, match.compare) == ("growth", "previous_year", None, None)


def test_compare_match_fields() -> None:
    match = only("2024 vs 2025", B)
    assert (match.kind, match.range, match.grain, match.growth) == ("compare", None, None, None)
    assert match.span == (0, 12)


# == labels and the data classes =============================================================================

LABELS = [
    ("2025", "2025"), ("Q3 2025", "2025-Q3"), ("H1 2025", "2025-H1"), ("2025年3月", "2025-03"),
    ("2025-03-01", "2025-03-01"), ("last week", "2025-W19"), ("this month", "2025-05-01 → 2025-05-14"),
    ("before 2025", "… → 2024-12-31"), ("from 2025-01-01 to 2025-02-15", "2025-01-01 → 2025-02-15"),
    ("from Jan to Mar 2025", "2025-Q1"),
]


@pytest.mark.parametrize(("text", "label"), LABELS)
def test_labels(text: str, label: str) -> None:
    (r,) = ranges(text, B)
    assert r.label == label


def test_time_range_validates_and_compares_without_label() -> None:
    with pytest.raises(ValueError, match="starts after it ends"):
        TimeRange(d("2025-02-01"), d("2025-01-01"))
    assert TimeRange(d("2025-01-01"), d("2025-01-31"), "January") == TimeRange(d("2025-01-01"), d("2025-01-31"))
    assert TimeRange(d("2025-01-01"), d("2025-01-31")).days == 31
    assert date.min == UNBOUNDED_START


def test_as_of_is_respected_not_today() -> None:
    assert ranges("last month", date(2001, 3, 3)) == [TimeRange(d("2001-02-01"), d("2001-02-28"))]


# == numbers =================================================================================================

NUMBERS = [
    ("3", 3), ("3.5", 3.5), ("1,000", 1000), ("1k", 1000), ("1.5k", 1500), ("1.1k", 1100), ("2.5万", 25000),
    ("3千", 3000), ("1.2亿", 120_000_000), ("5百万", 5_000_000), ("10w", 100_000), ("2bn", 2_000_000_000),
    ("1.5M", 1_500_000), ("-3", -3), ("3.0", 3), ("３", 3), (" 42 ", 42),
    ("十", 10), ("十二", 12), ("二十", 20), ("三十五", 35), ("一百", 100), ("一百零五", 105), ("两", 2),
    ("一千二百", 1200), ("一千二", 1200), ("三万五", 35000), ("两万", 20000), ("十万", 100_000),
    ("一亿二千万", 120_000_000), ("二〇二五", 2025), ("贰拾", 20), ("三点五", 3.5), ("半", 0.5), ("零", 0),
    ("one", 1), ("two", 2), ("ten", 10), ("twelve", 12), ("seventeen", 17), ("twenty", 20), ("fifty", 50),
    ("twenty-five", 25), ("twenty five", 25), ("ninety nine", 99), ("a hundred", 100), ("hundred", 100),
    ("one hundred and five", 105), ("two thousand", 2000), ("a dozen", 12), ("Three", 3),
]


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_parse_number(text: str, value: float) -> None:
    result = parse_number(text)
    assert result == value
    assert isinstance(result, int) == float(value).is_integer()


NOT_NUMBERS = ["", "前十", "3 orders", "1,00", "十十", "万", "twenty thirty", "one two", "twenty zero", "abc", "3%",
               "十二月", "a", "1e5", "--3"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_number_helpers() -> None:
    assert chinese_to_int("三十一") == 31
    assert chinese_to_int("3") is None
    assert english_to_int("forty-two") == 42
    assert english_to_int("forty two apples") is None
    assert ordinal_to_int("third") == 3
    assert ordinal_to_int("3rd") == 3
    assert ordinal_to_int("第三") == 3
    assert ordinal_to_int("thrice") is None
    assert parse_int("3.5") is None
    assert parse_int("十二") == 12


# == properties ==============================================================================================

FRAGMENTS = [
    "last", "past", "next", "this", "7", "30", "three", "days", "weeks", "months", "quarter", "year", "2024", "2025",
    "年", "月", "日", "3", "12", "31", "Q3", "H1", "vs", "versus", "and", "to", "-", "since", "before", "after",
    "between", "from", "in", "the", "March", "may", "Jan", "ytd", "mom", "yoy", "by month", "daily", "trend",
    "上个月", "本月", "近", "天", "个月", "去年", "同期", "和", "与", "至", "到", "以来", "之前", "前", "十", "三",
    "第", "季度", "上半年", "环比", "同比", "每月", "按季度", "revenue", "top 10", "前十名", "客户", "销售额",
    "2024-02-29", "2025-13-45", "2025/3/1", "W53", "1899", "2101", "🙂", "'", '"', ";", "SELECT * FROM t --",
    "\n", "\t", "，", "～", "２０２５",
]
phrases = st.lists(st.sampled_from(FRAGMENTS), max_size=14).flatmap(
    lambda parts: st.sampled_from(["", " "]).map(lambda sep: sep.join(parts)))
any_text = st.text(max_size=80) | phrases | st.text(alphabet="0123456789-/年月日 vsQ", max_size=40)


def _check_invariants(text: str, matches: list[TimeMatch]) -> None:
    last_end = 0
    for m in matches:
        start, end = m.span
        assert 0 <= start < end <= len(text)
        assert start >= last_end, "matches overlap or are out of order"
        last_end = end
        assert text[start:end] == m.text
        if m.kind == "range":
            assert m.range is not None and m.compare is None and m.growth is None
            assert m.range.start <= m.range.end
        elif m.kind == "compare":
            assert m.compare is not None and m.range is None
            assert all(r.start <= r.end for r in m.compare)
        elif m.kind == "growth":
            assert m.growth in ("previous_period", "previous_year") and m.range is None
        else:
            assert m.kind == "grain" and m.range is None and m.growth is None


@settings(max_examples=400, deadline=None)
@given(text=any_text, as_of=st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)))
def test_property_invariants(text: str, as_of: date) -> None:
    _check_invariants(text, find_time_expressions(text, as_of))


@settings(max_examples=200, deadline=None)
@given(text=any_text, as_of=st.dates())
def test_property_never_raises_even_at_the_ends_of_the_calendar(text: str, as_of: date) -> None:
    _check_invariants(text, find_time_expressions(text, as_of))


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=500, max_size=3000) | phrases.map(lambda s: s * 20))
def test_property_long_text(text: str) -> None:
    _check_invariants(text, find_time_expressions(text, B))


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=100),
    unit=st.sampled_from(["days", "weeks", "months", "quarters", "years", "天", "周", "个月", "个季度", "年"]),
    lead=st.sampled_from(["last", "past", "the last", "in the last", "over the past", "近", "最近", "过去"]),
    as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
)
def test_property_last_n_never_ends_after_as_of(n: int, unit: str, lead: str, as_of: date) -> None:
    chinese = not unit.isascii()
    if chinese != (not lead.isascii()):
        lead = "近" if chinese else "last"
    text = f"{lead}{n}{unit}" if chinese else f"{lead} {n} {unit}"
    (r,) = ranges(text, as_of)
    assert r.start <= r.end <= as_of
    if unit in ("days", "天"):
        assert r.end == as_of and r.days == n
    else:
        assert r.end < as_of


@settings(max_examples=200, deadline=None)
@given(as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       phrase=st.sampled_from(["this week", "this month", "this quarter", "this year", "ytd", "mtd", "今年", "本月",
                               "本季度", "本周", "年初至今", "today", "今天"]))
def test_property_to_date_ends_on_as_of(as_of: date, phrase: str) -> None:
    (r,) = ranges(phrase, as_of)
    assert r.end == as_of and r.start <= as_of


@settings(max_examples=200, deadline=None)
@given(as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       name=st.sampled_from(["March", "in June", "Q3", "H2", "三月", "第四季度", "下半年", "3月1日", "December 25"]))
def test_property_named_periods_without_a_year_have_started(as_of: date, name: str) -> None:
    (r,) = ranges(name, as_of)
    assert r.start <= as_of
    # ... and are the latest that have: the same period a year later has not started yet
    assert r.start.replace(year=r.start.year + 1) > as_of

