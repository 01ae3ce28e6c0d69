"""Time expressions in questions typed in English or simplified Chinese.

:func:`find_time_expressions` finds every expression of time in a question and returns non-overlapping
:class:`TimeMatch` objects sorted by position; the caller blanks their spans out and parses the rest.
Four kinds of match:

``range``    one period: "last month", "2025年3月", "since March", "between 2025-01-01 and 2025-03-31"
``grain``    a time bucket to group by: "monthly", "by week", "按季度"; ``grain=None`` for "trend", "over time",
             "趋势" (a time series at a default grain)
``compare``  two periods side by side: "2024 vs 2025", "Q1 vs Q2 2025", "本月和上月", "March vs last year"
``growth``   a change against an earlier period: "mom", "环比" (``previous_period``); "yoy", "同比",
             "去年同期" (``previous_year``)

Conventions (``as_of`` is "today"; every range includes both ends)
------------------------------------------------------------------
* Weeks start on Monday (ISO 8601); quarters and halves are calendar quarters and halves.
* "this week/month/quarter/year", "本周", "本月", "今年" run from the start of the period *to as_of*, as do
  "ytd"/"mtd"/"qtd"/"wtd" and "年初至今". "today"/"今天" is as_of itself.
* "last/previous/past week/month/quarter/year", "上周", "上个月", "去年" are the previous *whole* calendar
  period; "next …", "下个月", "明年" the next whole one.
* Counted windows. With days they are rolling: "last N days", "past N days", "近N天" are the N days ending
  on as_of inclusive (last 7 days = as_of-6 … as_of). With any other unit they are whole calendar periods:
  "last N weeks/months/quarters/years", "近三个月", "近半年" (6 months), "近一年" are the N whole periods
  before the current one (at 2025-05-14, "last 3 months" = 2025-02-01 … 2025-04-30; the current, unfinished
  month is not included). "next N …", "未来N…" mirror this forwards (next 7 days = as_of+1 … as_of+7).
  "N months ago" is the single calendar month N months back.
* Named periods are whole calendar periods even when they contain as_of ("Q2 2025" is 04-01 … 06-30).
  Without a year ("March", "Q3", "三月", "上半年", "3月1日") a period is its most recent occurrence that has
  *started* by as_of: at 2025-05-14, "Q3" is 2024-Q3 while "May" and "Q2" are those of 2025.
* "since X", "自X以来", "X以来", "从X开始", "X起", "X至今", "X onwards" run from the start of X to as_of;
  "after X", "X之后" from the day after X to as_of; "before X", "X之前" from :data:`UNBOUNDED_START` to the
  day before X; "until X", "截至X" from :data:`UNBOUNDED_START` to the end of X.
* "from X to Y", "between X and Y", "X-Y", "X至Y", "从X到Y" run from the start of X to the end of Y. In
  ranges and comparisons a period without a year takes its partner's year ("Jan to Mar 2025",
  "Q1 vs Q2 2025", "2025年1月至3月"); when neither has one, both take the latest year in which both have
  started, and a range that would run backwards ("Nov to Feb") starts a year earlier.
* "X vs last year", "X compared to last year", "X和去年": when X is a year ("2024", "this year", "ytd") the
  other side is the whole calendar year before X; otherwise it is X moved back a year ("March vs last
  year" = March 2025 vs March 2024). "X vs same period last year", "X和去年同期" always move X back a year
  (so "ytd vs same period last year" compares like with like). Feb 29 moves to Feb 28, and a range ending
  on the last day of a month still ends on the last day of that month. Only a period *directly* before
  the phrase is compared; otherwise the phrase is a growth match, ``previous_year``.
* Two periods joined by "vs", "versus", "compared to/with", "against", "and", "和", "与", "跟", "对比",
  "比" are compared as written ("this month vs last month" is month-to-date against the whole previous
  month). Only pairs are recognised; a third period stays a separate range.
* A bare four-digit number 1990–2100 is a year ("2025", "in 2025", "2024 vs 2025") unless it reads as a
  quantity or an identifier: right after "top", "over", "than", "#", "order", "id", "customer", "前",
  "超过", "订单"… or before "%", "k", "元", "个", "人"…. So "order 2025" and "top 2025" carry no time while
  "orders in 2025" does. With a marker a number is always a year ("2025年", "Q3 2025", "2025-03").
* English month abbreviations ("Jan", "Mar", "Sep") and "may" are months only with a day or a year, after
  a preposition ("in May", "since Jan") or before a range or comparison word ("Jan to Mar", "May vs
  June"); "customer Jan Smith" and "which customers may churn" carry no time. Full month names always
  count.
* A preposition or article right before a range or comparison ("in", "for", "during", "over", "within",
  "of", "on", "from", "across", "the", "在") is included in its span, so no dangling "in" is left behind.
* Growth matches carry in ``grain`` the period the phrase names ("month over month", "mom" -> "month",
  "wow" -> "week"); "环比", "yoy" leave it ``None``. The word "growth" alone is not a time expression.
* Full-width characters read like ASCII ones; spans always index the original text.

Not supported: fiscal years ("FY2025"), US/European numeric dates ("3/1/2025"), two-digit years ("'25",
"25年"), times of day, week numbers other than ISO "2025-W12", and "前N个月" without a year (ambiguous).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, Literal

from .numerals import CHINESE_NUMBER, ENGLISH_NUMBER, chinese_to_int, ordinal_to_int, parse_int

__all__ = ["UNBOUNDED_START", "Grain", "GrowthKind", "MatchKind", "TimeMatch", "TimeRange", "find_time_expressions"]

Grain = Literal["day", "week", "month", "quarter", "year"]
MatchKind = Literal["range", "grain", "compare", "growth"]
GrowthKind = Literal["previous_period", "previous_year"]
_VsYear = Literal["auto", "same_period"]

#: The start of a range with no lower bound ("before 2025", "截至3月").
UNBOUNDED_START: Final = date.min
_ONE_DAY: Final = timedelta(days=1)
_MAX_COUNT: Final[dict[Grain, int]] = {"day": 36_600, "week": 5_300, "month": 1_200, "quarter": 400, "year": 100}


# == public data ======================================================================================


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A period of whole days, ``start`` to ``end`` inclusive. ``label`` is derived when not given:
    "2025", "2025-H1", "2025-Q3", "2025-03", "2025-W12", "2025-03-01" or "2025-07-01 → 2025-08-15"."""

    start: date
    end: date
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"time range starts after it ends: {self.start} > {self.end}")
        if not self.label:
            object.__setattr__(self, "label", _label(self.start, self.end))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class TimeMatch:
    """One time expression found in a question (see the module docstring for the kinds)."""

    span: tuple[int, int]  # characters of the original text consumed: text[span[0]:span[1]] == self.text
    kind: MatchKind
    range: TimeRange | None = None  # kind "range"
    grain: Grain | None = None  # kind "grain" (None: a time series at a default grain); growth: the period named
    compare: tuple[TimeRange, TimeRange] | None = None  # kind "compare", in the order written
    growth: GrowthKind | None = None  # kind "growth"
    text: str = ""


# == calendar arithmetic ===============================================================================


def _label(start: date, end: date) -> str:
    if start == UNBOUNDED_START:
        return f"… → {end.isoformat()}"
    if start == end:
        return start.isoformat()
    if start.day == 1 and end < date.max and (end + _ONE_DAY).day == 1:
        after = end + _ONE_DAY
        months = (after.year - start.year) * 12 + after.month - start.month
        if months == 12 and start.month == 1:
            return f"{start.year}"
        if months == 6 and start.month in (1, 7):
            return f"{start.year}-H{1 if start.month == 1 else 2}"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{(start.month + 2) // 3}"
        if months == 1:
            return f"{start.year}-{start.month:02d}"
    if start.weekday() == 0 and (end - start).days == 6:
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{start.isoformat()} → {end.isoformat()}"


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    y, m0 = divmod(year * 12 + month - 1 + delta, 12)
    return y, m0 + 1


def _unit_start(unit: Grain, d: date) -> date:
    """The first day of the calendar ``unit`` containing ``d``."""
    if unit == "day":
        return d
    if unit == "week":
        return d - timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


def _unit_add(unit: Grain, start: date, n: int) -> date:
    """The first day of the unit ``n`` units after the one starting on ``start``."""
    if unit == "day":
        return start + timedelta(days=n)
    if unit == "week":
        return start + timedelta(weeks=n)
    if unit == "year":
        return date(start.year + n, 1, 1)
    y, m = _add_months(start.year, start.month, n * (3 if unit == "quarter" else 1))
    return date(y, m, 1)


def _periods(unit: Grain, as_of: date, offset: int, count: int = 1) -> TimeRange:
    """``count`` whole units, the first ``offset`` units after the one containing ``as_of``."""
    start = _unit_add(unit, _unit_start(unit, as_of), offset)
    return TimeRange(start, _unit_add(unit, start, count) - _ONE_DAY)


def _to_date(unit: Grain, as_of: date) -> TimeRange:
    return TimeRange(_unit_start(unit, as_of), as_of)


def _last_n(unit: Grain, n: int, as_of: date) -> TimeRange:
    _check_count(unit, n)
    if unit == "day":
        return TimeRange(as_of - timedelta(days=n - 1), as_of)
    return _periods(unit, as_of, -n, n)


def _next_n(unit: Grain, n: int, as_of: date) -> TimeRange:
    _check_count(unit, n)
    if unit == "day":
        return TimeRange(as_of + _ONE_DAY, as_of + timedelta(days=n))
    return _periods(unit, as_of, 1, n)


def _check_count(unit: Grain, n: int) -> None:
    if not 0 < n <= _MAX_COUNT[unit]:
        raise ValueError(f"{n} {unit}s is not a usable window")


def _months(year: int, month: int, count: int) -> TimeRange:
    ny, nm = _add_months(year, month, count)
    return TimeRange(date(year, month, 1), date(ny, nm, 1) - _ONE_DAY)


def _year_range(year: int) -> TimeRange:
    return TimeRange(date(year, 1, 1), date(year, 12, 31))


def _year_before(d: date, *, month_end: bool) -> date:
    """``d`` a year earlier; Feb 29 becomes Feb 28, and with ``month_end`` a last day stays a last day."""
    last = calendar.monthrange(d.year - 1, d.month)[1]
    if month_end and d.day == calendar.monthrange(d.year, d.month)[1]:
        return date(d.year - 1, d.month, last)
    return date(d.year - 1, d.month, min(d.day, last))


def _check_year(year: int, low: int = 1900) -> int:
    if not low <= year <= 2100:
        raise ValueError(f"{year} is not a year")
    return year


def _latest_year(builder: Callable[[int], TimeRange], as_of: date) -> int:
    """The latest year whose occurrence of a year-less period has started by ``as_of``."""
    for year in range(as_of.year, as_of.year - 9, -1):
        try:
            if builder(year).start <= as_of:
                return year
        except ValueError:  # Feb 29 in a common year
            continue
    raise ValueError("the period never started before as_of")


# == internal items and the rule table ==================================================================


@dataclass(frozen=True, slots=True)
class _Item:
    """A match in progress. ``builder`` rebuilds a year-less named period for any year; ``year`` is the
    year a period names explicitly; ``unit`` the calendar unit of a single named or relative period."""

    start: int
    end: int
    kind: MatchKind
    range: TimeRange | None = None
    grain: Grain | None = None
    growth: GrowthKind | None = None
    compare: tuple[TimeRange, TimeRange] | None = None
    unit: Grain | None = None
    builder: Callable[[int], TimeRange] | None = None
    year: int | None = None
    vs_year: _VsYear | None = None


@dataclass(frozen=True, slots=True)
class _Ctx:
    text: str  # the question with full-width characters made ASCII (same length as the original)
    as_of: date


_Handler = Callable[[re.Match[str], _Ctx], _Item | None]


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    regex: re.Pattern[str]
    handler: _Handler


_RULES: list[_Rule] = []


def _rule(pattern: str) -> Callable[[_Handler], _Handler]:
    """Register ``handler`` for ``pattern`` (case-insensitive). A handler returns ``None`` (or raises
    ValueError, e.g. for 2025-02-30) to reject a match. Earlier rules win ties between equally long matches."""
    regex = re.compile(pattern, re.IGNORECASE)

    def register(handler: _Handler) -> _Handler:
        _RULES.append(_Rule(handler.__name__.lstrip("_"), regex, handler))
        return handler

    return register


def _range(m: re.Match[str], r: TimeRange, unit: Grain | None = None, year: int | None = None) -> _Item:
    return _Item(m.start(), m.end(), "range", range=r, unit=unit, year=year)


def _named(m: re.Match[str], ctx: _Ctx, unit: Grain, builder: Callable[[int], TimeRange], year: int | None) -> _Item:
    """A named calendar period: in ``year`` if the text gives one, else its latest occurrence."""
    if year is not None:
        return _range(m, builder(year), unit, year)
    r = builder(_latest_year(builder, ctx.as_of))
    return _Item(m.start(), m.end(), "range", range=r, unit=unit, builder=builder)


# == vocabulary and pattern fragments ===================================================================

_B = r"(?<![A-Za-z0-9_])"  # an English word starts here (Chinese neighbours are fine: "revenue上个月")
_E = r"(?![A-Za-z0-9_])"  # an English word ends here
_YEAR4 = r"(?<!\d)(?:19|20|21)\d\d(?!\d)"
_CN_DIGIT_YEAR = "[零〇○一二三四五六七八九]{4}"
_INT = r"\d{1,5}"
_EN_COUNT = rf"(?:{_INT}|{ENGLISH_NUMBER})"
_CN_COUNT = rf"(?:\d{{1,5}}|{CHINESE_NUMBER}|半)"
_EN_UNIT = r"(?:days?|d|weeks?|wks?|w|months?|mos?|m|quarters?|qtrs?|q|years?|yrs?|y)"
_CN_UNIT = r"(?:个|個)?(?:自然)?(?:天|日|周|星期|礼拜|月|季度|季|年)"
_EN_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_EN_REL_YEAR = r"(?:the\s+)?(?:this|current|last|previous|prior|next)\s+year"
# "Q3 2025", "Q3, 2025", "Q3 of 2025", "Q3 last year"
_EN_YEAR_AFTER = rf"(?:\s*[-/,]?\s*(?:of\s+)?(?P<y>{_YEAR4})|\s*,?\s+(?:of\s+)?(?P<yrel>{_EN_REL_YEAR}))"
_CN_YEAR = rf"(?:(?:{_YEAR4}|{_CN_DIGIT_YEAR})\s*年(?:度)?|今年|去年|前年|明年|本年度?|上一?年度?)"
_CN_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_CN_DAY = r"(?:3[01]|[12]\d|0?[1-9]|三十一?|[二]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_CN_NOT_NUM = r"(?<![零〇○一二两三四五六七八九十百千\d])"

_UNIT_WORDS: Final[dict[str, Grain]] = {
    "day": "day", "days": "day", "d": "day", "date": "day", "天": "day", "日": "day", "日期": "day",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week", "w": "week", "周": "week", "星期": "week",
    "礼拜": "week",
    "month": "month", "months": "month", "mo": "month", "mos": "month", "m": "month", "月": "month", "月份": "month",
    "quarter": "quarter", "quarters": "quarter", "qtr": "quarter", "qtrs": "quarter", "q": "quarter",
    "季": "quarter", "季度": "quarter",
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "y": "year", "年": "year", "年度": "year",
}
_MONTH_ABBREVIATIONS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS_EN: Final[dict[str, int]] = {name: i for i, name in enumerate(_MONTH_ABBREVIATIONS, 1)}
_EN_OFFSET: Final[dict[str, int]] = {
    "this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1, "past": -1, "preceding": -1, "next": 1,
    "coming": 1, "following": 1, "upcoming": 1,
}
_CN_YEAR_OFFSET: Final[dict[str, int]] = {"今": 0, "本": 0, "去": -1, "上": -1, "上一": -1, "前": -2, "明": 1}
_CN_PREFIX_OFFSET: Final[dict[str, int]] = {"本": 0, "这": 0, "上": -1, "上上": -2, "下": 1}
# words after which a four-digit number is a quantity or an identifier, not a year
_NOT_YEAR_BEFORE: Final = re.compile(
    r"(?:(?<![A-Za-z])(?:top|bottom|first|last|over|above|below|under|than|least|most|exceeding|exceeds?|no|"
    r"number|id|order|customer|product|ticket|invoice|sku|item|code|user|account|store|batch|version|rank|page|"
    r"room|phone|zip)\s*\.?|[#>=<$¥€£+*/^]|前|第|超过|大于|小于|多于|少于|不少于|不超过|至少|最多|编号|单号|订单号?|"
    r"客户|产品|商品|门店|号码|"
    r"(?<![\d.])(?!(?:19|20|21)\d\d(?!\d))\d+(?:\.\d+)?\s*(?:and|to|or|-|–|~|至|到|和))\s*\Z",  # "1000 to 2025"
    re.IGNORECASE,
)
# ... and before which it is a quantity
_NOT_YEAR_AFTER: Final = re.compile(
    r"\s*(?:%|percent|(?:k|m|bn|mm|dollars?|usd|rmb|cny|eur|yuan|units?|pieces?|pcs|times|rows|x)(?![A-Za-z])|"
    r"元|块|美元|万|千|百|亿|个|名|位|件|笔|次|人|单|条|家|天|号|岁|"
    r"\s*(?:and|to|or|-|–|~|至|到|和)\s*(?!(?:19|20|21)\d\d(?!\d))\d)",  # "2000 and 3000" are amounts
    re.IGNORECASE,
)
_MONTH_CONTEXT_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?:in|since|from|during|of|until|till|through|before|after|for|to|vs|versus|and|between|by|on|"
    r"compare|starting|beginning|early|mid|late|end\s+of|start\s+of)\s+\Z",
    re.IGNORECASE,
)
_MONTH_CONTEXT_AFTER: Final = re.compile(
    r"\s*(?:-|–|—|~|(?:to|through|thru|till|until|vs\.?|versus|and|compared|onwards?)(?![A-Za-z]))", re.IGNORECASE
)


def _en_year_offset(spec: str) -> int:
    words = spec.lower().split()
    return _EN_OFFSET[words[1] if words[0] == "the" else words[0]]


def _year_from(m: re.Match[str], ctx: _Ctx) -> int | None:
    """The year named by groups ``y`` (digits, Chinese digits, 今年/去年…) or ``yrel`` ("last year"), if any."""
    groups = m.groupdict()
    rel = groups.get("yrel")
    if rel:
        return _check_year(ctx.as_of.year + _en_year_offset(rel))
    spec = groups.get("y")
    if not spec:
        return None
    core = re.sub(r"[\s年度]", "", spec)
    if core.isascii() and core.isdigit():
        return _check_year(int(core))
    digits = chinese_to_int(core) if len(core) == 4 else None
    if digits is not None:
        return _check_year(digits)
    return _check_year(ctx.as_of.year + _CN_YEAR_OFFSET[core])


def _count(text: str) -> int:
    value = parse_int(text.replace(",", ""))
    if value is None:
        raise ValueError(f"not a count: {text!r}")
    return value


def _unit(word: str) -> Grain:
    key = word.lower()
    if key not in _UNIT_WORDS:
        key = key.removeprefix("个").removeprefix("個").removeprefix("自然")
    return _UNIT_WORDS[key]


# == rules: days and relative periods ===================================================================


@_rule(rf"{_B}(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|the\s+day\s+after\s+tomorrow){_E}"
       r"|大前天|前天|昨天|昨日|今天|今日|明天|明日")
def _day_word(m: re.Match[str], ctx: _Ctx) -> _Item:
    offsets = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "大前天": -3, "前天": -2, "昨天": -1,
               "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1}
    word = " ".join(m.group().lower().split())
    offset = offsets.get(word, -2 if "before" in word else 2)
    day = ctx.as_of + timedelta(days=offset)
    return _range(m, TimeRange(day, day), "day")


@_rule(rf"{_B}(?:the\s+)?(?P<rel>this\s+past|this|current|last|previous|prior|past|preceding|next|coming|following"
       r"|upcoming)\s+(?:full\s+|calendar\s+|whole\s+|entire\s+|complete\s+)?(?P<u>week|wk|month|mo|quarter|qtr|year|yr)"
       rf"(?P<todate>\s+(?:so\s+far|to\s+date))?{_E}")
def _en_relative(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit = _unit(m["u"])
    rel = m["rel"].lower()
    offset = -1 if rel.startswith("this ") else _EN_OFFSET[rel]
    if offset == 0:
        return _range(m, _to_date(unit, ctx.as_of), unit, ctx.as_of.year if unit == "year" else None)
    r = _periods(unit, ctx.as_of, offset)
    return _range(m, r, unit, r.start.year if unit == "year" else None)


@_rule(rf"{_B}(?:(?P<u>year|yr|month|quarter|qtr|week)[\s-]+to[\s-]+date|(?P<abbr>ytd|mtd|qtd|wtd)"
       rf"|so\s+far\s+this\s+(?P<u2>year|month|quarter|week)){_E}")
def _en_to_date(m: re.Match[str], ctx: _Ctx) -> _Item:
    abbr = (m["abbr"] or "").lower()
    unit = _unit(m["u"] or m["u2"] or {"y": "year", "m": "month", "q": "quarter", "w": "week"}[abbr[:1]])
    return _range(m, _to_date(unit, ctx.as_of), unit, ctx.as_of.year if unit == "year" else None)


@_rule(rf"{_B}(?:the\s+)?(?P<rel>last|past|previous|prior|preceding|trailing|rolling|recent|most\s+recent|next|coming"
       rf"|upcoming|following)\s+(?P<n>{_EN_COUNT})\s*(?P<u>{_EN_UNIT})(?:\s+(?:so\s+far|to\s+date))?{_E}")
def _en_last_n(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit, n = _unit(m["u"]), _count(m["n"])
    future = m["rel"].lower() in ("next", "coming", "upcoming", "following")
    return _range(m, _next_n(unit, n, ctx.as_of) if future else _last_n(unit, n, ctx.as_of))


@_rule(rf"{_B}within\s+(?P<n>{_EN_COUNT})\s*(?P<u>{_EN_UNIT}){_E}|{_B}(?P<ttm>ttm|ltm){_E}")
def _en_within(m: re.Match[str], ctx: _Ctx) -> _Item:
    if m["ttm"]:
        return _range(m, _last_n("month", 12, ctx.as_of))
    return _range(m, _last_n(_unit(m["u"]), _count(m["n"]), ctx.as_of))


@_rule(rf"{_B}(?P<n>{_EN_COUNT}|an?)\s+(?P<u>days?|weeks?|months?|quarters?|years?)\s+ago{_E}")
def _en_ago(m: re.Match[str], ctx: _Ctx) -> _Item:
    n = 1 if m["n"].lower() in ("a", "an") else _count(m["n"])
    unit = _unit(m["u"])
    _check_count(unit, n)
    return _range(m, _periods(unit, ctx.as_of, -n), unit)


@_rule(r"(?P<u>年|月|季度?|周)初(?:至今|到现在|到今天|以来|迄今)|(?:今年|本年)(?:迄今|至今)")
def _cn_to_date(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit = _unit(m["u"] or "年")
    return _range(m, _to_date(unit, ctx.as_of), unit, ctx.as_of.year if unit == "year" else None)


@_rule(r"(?P<rel>(?<![成资基根样版剧日文账课])本|这一?个?|(?<![线以之网晚早马加向往])上上个?|"
       r"(?<![线以之网晚早马加向往])上一?个?|(?<![线以之地底乡私天上])下一?个?)"
       r"\s*(?P<u>周(?![期末])|星期|礼拜|月份?|季度?|年度?)")
def _cn_relative(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    rel = m["rel"].rstrip("个一")
    unit = _unit(m["u"])
    if unit == "year" and rel in ("这", "下"):
        return None  # "这年", "下年" are not idiomatic
    offset = _CN_PREFIX_OFFSET[rel]
    if offset == 0:
        return _range(m, _to_date(unit, ctx.as_of), unit, ctx.as_of.year if unit == "year" else None)
    r = _periods(unit, ctx.as_of, offset)
    return _range(m, r, unit, r.start.year if unit == "year" else None)


@_rule(r"(?P<w>大前年|前年|去年|今年|明年)(?:度)?")
def _cn_year_word(m: re.Match[str], ctx: _Ctx) -> _Item:
    offset = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0, "明年": 1}[m["w"]]
    if offset == 0:
        return _range(m, _to_date("year", ctx.as_of), "year", ctx.as_of.year)
    r = _periods("year", ctx.as_of, offset)
    return _range(m, r, "year", r.start.year)


@_rule(rf"(?P<rel>最近|近|过去|过往|往前|未来|接下来|今后)\s*的?\s*(?P<n>{_CN_COUNT})\s*(?P<u>{_CN_UNIT})"
       r"(?:内|以内|之内|里|来|以来)?")
def _cn_last_n(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit, n = _cn_count_unit(m["n"], m["u"])
    if m["rel"] in ("未来", "接下来", "今后"):
        return _range(m, _next_n(unit, n, ctx.as_of))
    return _range(m, _last_n(unit, n, ctx.as_of))


@_rule(rf"{_CN_NOT_NUM}(?P<n>{_CN_COUNT})\s*(?P<u>{_CN_UNIT})(?:内|以内|之内)")
def _cn_within(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit, n = _cn_count_unit(m["n"], m["u"])
    return _range(m, _last_n(unit, n, ctx.as_of))


def _cn_count_unit(count: str, unit_word: str) -> tuple[Grain, int]:
    unit = _unit(unit_word)
    if count == "半":
        if unit != "year":
            raise ValueError("only 半年 is a half period")
        return "month", 6
    return unit, _count(count)


# == rules: named periods ===============================================================================


def _quarter(q: int) -> Callable[[int], TimeRange]:
    return lambda year: _months(year, 3 * q - 2, 3)


def _half(h: int) -> Callable[[int], TimeRange]:
    return lambda year: _months(year, 6 * h - 5, 6)


def _month(month: int) -> Callable[[int], TimeRange]:
    return lambda year: _months(year, month, 1)


def _day(month: int, day: int) -> Callable[[int], TimeRange]:
    return lambda year: TimeRange(date(year, month, day), date(year, month, day))


@_rule(rf"{_B}(?P<y>{_YEAR4})\s*[-/]?\s*(?P<p>q|h)(?P<n>[1-4]){_E}")
def _year_quarter(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    return _quarter_or_half(m, ctx)


@_rule(rf"{_B}(?P<p>q|h)(?P<n>[1-4])(?:{_EN_YEAR_AFTER})?{_E}")
def _quarter_year(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    return _quarter_or_half(m, ctx)


def _quarter_or_half(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    n = int(m["n"])
    if m["p"].lower() == "h":
        return None if n > 2 else _named(m, ctx, "month", _half(n), _year_from(m, ctx))
    return _named(m, ctx, "quarter", _quarter(n), _year_from(m, ctx))


@_rule(rf"{_B}(?:the\s+)?(?P<o>first|second|third|fourth|last|final|1st|2nd|3rd|4th)\s+(?P<p>quarter|half)"
       rf"(?:{_EN_YEAR_AFTER}|\s+of\s+the\s+year)?{_E}")
def _ordinal_period(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    word = m["o"].lower()
    half = m["p"].lower() == "half"
    year = _year_from(m, ctx)
    if word in ("last", "final"):
        if year is None:
            return None  # "last quarter" is the previous quarter (a relative rule)
        n = 2 if half else 4
    else:
        n = ordinal_to_int(word) or 0
    if half:
        return None if n > 2 else _named(m, ctx, "month", _half(n), year)
    return _named(m, ctx, "quarter", _quarter(n), year)


@_rule(rf"{_B}(?:the\s+)?first\s+(?P<n>{_EN_COUNT})\s+(?P<u>months|quarters)\s+of\s+(?:(?P<y>{_YEAR4})|"
       rf"(?P<yrel>{_EN_REL_YEAR})|the\s+year){_E}")
def _en_first_n(m: re.Match[str], ctx: _Ctx) -> _Item:
    per = 3 if m["u"].lower().startswith("q") else 1
    n = _count(m["n"])
    if not 0 < n * per <= 12:
        raise ValueError("more than a year")
    return _named(m, ctx, "month", lambda year: _months(year, 1, n * per), _year_from(m, ctx))


@_rule(rf"{_B}(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_EN_MONTH})"
       rf"(?:\.?,?\s*(?P<y>{_YEAR4}))?{_E}")
def _day_month(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    return _en_month_day(m, ctx)


@_rule(rf"{_B}(?P<mon>{_EN_MONTH})\.?\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
       rf"(?:,?\s*(?P<y>{_YEAR4}))?{_E}")
def _month_day(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    return _en_month_day(m, ctx)


def _en_month_day(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    word = m["mon"]
    if word.lower() == "may" and not m["y"] and not word[0].isupper():
        return None  # "5 may churn"
    return _named(m, ctx, "day", _day(_MONTHS_EN[word[:3].lower()], int(m["d"])), _year_from(m, ctx))


@_rule(rf"{_B}(?:(?P<rel>last|this|next)\s+)?(?P<mon>{_EN_MONTH})(?:\.?,?\s*(?:of\s+)?(?P<y>{_YEAR4})|"
       rf"\s*,?\s+(?:of\s+)?(?P<yrel>{_EN_REL_YEAR}))?{_E}")
def _en_month(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    word = m["mon"]
    lowered = word.lower()
    builder = _month(_MONTHS_EN[lowered[:3]])
    year = _year_from(m, ctx)
    rel = (m["rel"] or "").lower()
    if year is None and (len(lowered) == 3 or lowered == "sept"):  # "Jan Smith", "customers who may churn"
        if rel == "this" and lowered == "may" and not word[0].isupper():
            return None  # "this may help"
        if not rel and not _month_in_context(m, ctx):
            return None
    if rel:
        if year is not None:
            return None
        this_year = builder(ctx.as_of.year)
        if rel == "this":
            year = ctx.as_of.year
        elif rel == "last":  # the latest one that has ended
            year = ctx.as_of.year if this_year.end < ctx.as_of else ctx.as_of.year - 1
        else:
            year = ctx.as_of.year if this_year.start > ctx.as_of else ctx.as_of.year + 1
    return _named(m, ctx, "month", builder, year)


def _month_in_context(m: re.Match[str], ctx: _Ctx) -> bool:
    before = _MONTH_CONTEXT_BEFORE.search(ctx.text, max(0, m.start() - 12), m.start())
    return before is not None or _MONTH_CONTEXT_AFTER.match(ctx.text, m.end()) is not None


@_rule(rf"(?<![\d.])(?P<y>{_YEAR4})(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)(?!\d|[-/.]\d)")
def _iso_date(m: re.Match[str], ctx: _Ctx) -> _Item:
    year = _check_year(int(m["y"]))
    return _range(m, _day(int(m["m"]), int(m["d"]))(year), "day", year)


@_rule(rf"(?<![\d./-])(?P<y>{_YEAR4})[-/](?P<m>[01]?\d)(?!\d|[-/.]\d)")
def _iso_month(m: re.Match[str], ctx: _Ctx) -> _Item:
    year = _check_year(int(m["y"]))
    return _range(m, _months(year, int(m["m"]), 1), "month", year)


@_rule(rf"{_B}(?P<y>{_YEAR4})-?w(?P<w>[0-5]?\d){_E}")
def _iso_week(m: re.Match[str], ctx: _Ctx) -> _Item:
    year = _check_year(int(m["y"]))
    start = date.fromisocalendar(year, int(m["w"]), 1)
    return _range(m, TimeRange(start, start + timedelta(days=6)), "week", year)


@_rule(rf"(?<![\d.,/-])(?P<a>{_YEAR4})\s*(?:-|–|—|~)\s*(?P<b>{_YEAR4})(?!\d|[-/.]\d)")
def _year_span(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    a, b = _check_year(int(m["a"]), 1990), _check_year(int(m["b"]), 1990)
    return _range(m, TimeRange(date(a, 1, 1), date(b, 12, 31))) if a < b else None


@_rule(rf"(?:{_B}(?:the\s+)?(?:calendar\s+)?year\s+)?(?<![A-Za-z0-9_.,:/-])(?P<y>{_YEAR4})(?!\d|[.,:/-]\d)")
def _bare_year(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    year = _check_year(int(m["y"]), 1990)
    explicit = m.start("y") > m.start()  # "year 2025"
    if not explicit and (_NOT_YEAR_BEFORE.search(ctx.text, max(0, m.start() - 16), m.start())
                         or _NOT_YEAR_AFTER.match(ctx.text, m.end())):
        return None
    return _range(m, _year_range(year), "year", year)


@_rule(rf"(?P<y>{_YEAR4}|{_CN_DIGIT_YEAR})\s*年(?:度)?")
def _cn_year(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    year = _year_from(m, ctx)
    return None if year is None else _range(m, _year_range(year), "year", year)


@_rule(rf"(?:(?P<y>{_CN_YEAR})\s*的?\s*)?{_CN_NOT_NUM}(?P<m>{_CN_MONTH})\s*月份?(?:\s*(?P<d>{_CN_DAY})\s*[日号])?")
def _cn_month(m: re.Match[str], ctx: _Ctx) -> _Item:
    month = _count(m["m"])
    year = _year_from(m, ctx)
    if m["d"]:
        return _named(m, ctx, "day", _day(month, _count(m["d"])), year)
    return _named(m, ctx, "month", _month(month), year)


@_rule(rf"(?:(?P<y>{_CN_YEAR})\s*的?\s*)?{_CN_NOT_NUM}(?:第\s*(?P<q1>[一二三四1-4])\s*(?:季度|季)|"
       r"(?P<q2>[一二三四1-4])\s*季度|(?<=年)\s*Q(?P<q3>[1-4])(?![A-Za-z0-9_]))")
def _cn_quarter(m: re.Match[str], ctx: _Ctx) -> _Item:
    q = _count(m["q1"] or m["q2"] or m["q3"])
    return _named(m, ctx, "quarter", _quarter(q), _year_from(m, ctx))


@_rule(rf"(?:(?P<y>{_CN_YEAR})\s*的?\s*)?前\s*(?P<n>十[一二]?|[一二三四五六七八九两]|\d{{1,2}})\s*(?P<u>个?季度|个?月)")
def _cn_first_n(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    quarters = m["u"].endswith("季度")
    year = _year_from(m, ctx)
    if not quarters and year is None:
        return None  # "前3个月" alone may mean "3 months ago"
    per = 3 if quarters else 1
    n = _count(m["n"])
    if not 0 < n * per <= 12:
        raise ValueError("more than a year")
    return _named(m, ctx, "month", lambda y: _months(y, 1, n * per), year)


@_rule(rf"(?:(?P<y>{_CN_YEAR})\s*的?\s*)?(?P<h>上|下)半年(?:度)?")
def _cn_half(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _named(m, ctx, "month", _half(1 if m["h"] == "上" else 2), _year_from(m, ctx))


# == rules: grains ======================================================================================


@_rule(rf"{_B}(?P<w>daily|weekly|monthly|quarterly|yearly|annually){_E}")
def _en_grain_adverb(m: re.Match[str], ctx: _Ctx) -> _Item:
    grains: dict[str, Grain] = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
                                "yearly": "year", "annually": "year"}
    return _Item(m.start(), m.end(), "grain", grain=grains[m["w"].lower()])


@_rule(rf"{_B}(?:(?:broken\s+down|grouped|split|bucketed|aggregated|rolled\s+up)\s+)?(?:by|per|each|every|"
       r"for\s+each|for\s+every)\s+(?:the\s+)?(?:calendar\s+)?(?P<u>day|date|week|month|quarter|qtr|year|yr)s?"
       rf"{_E}(?!\s+of\s+(?:the\s+)?(?:week|month|quarter|year){_E})")
def _en_grain_by(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "grain", grain=_unit(m["u"]))


@_rule(rf"{_B}(?P<u>day|week|month|quarter|year)[\s-]+(?:by|to)[\s-]+(?P=u){_E}")
def _en_grain_repeat(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "grain", grain=_unit(m["u"]))


@_rule(rf"{_B}(?:over\s+time|trends?|trend\s+line|time[\s-]series){_E}"
       r"|变化趋势|趋势|走势|变化|变动|时间序列")
def _series(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "grain")


@_rule(r"(?:每|按|逐|分|各)(?:一)?(?:个)?\s*(?P<u>月份|日期|季度|年度|天|日|周|星期|月|季|年)"
       r"(?![龄纪级费薪数期末节初底息利率])|历年")
def _cn_grain(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "grain", grain=_unit(m["u"] or "年"))


@_rule(r"(?<![\d零〇一二三四两])(?P<u>日|周|月|季|年)度(?![龄])")
def _cn_grain_noun(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "grain", grain=_unit(m["u"]))


# == rules: growth ======================================================================================


@_rule(rf"{_B}(?P<u>day|week|month|quarter|year)[\s-]+(?:over|on)[\s-]+(?P=u){_E}")
def _en_growth_phrase(m: re.Match[str], ctx: _Ctx) -> _Item:
    unit = _unit(m["u"])
    return _Item(m.start(), m.end(), "growth", grain=unit,
                 growth="previous_year" if unit == "year" else "previous_period")


@_rule(rf"{_B}(?P<a>mom|m/m|m-o-m|wow|w/w|w-o-w|qoq|q/q|q-o-q|yoy|y/y|y-o-y|dod|d/d){_E}")
def _en_growth_abbr(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    abbr = m["a"].lower()
    if abbr == "mom" and re.match(r"\s*(?:&|and\b|baby|babies|kid|s\b|'s)", ctx.text[m.end():], re.IGNORECASE):
        return None  # "mom & baby" is a product category
    unit = {"d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}[abbr[0]]
    grain: Grain | None = None if unit == "year" else _unit(unit)
    return _Item(m.start(), m.end(), "growth", grain=grain,
                 growth="previous_year" if unit == "year" else "previous_period")


@_rule(rf"{_B}(?:period[\s-]+over[\s-]+period|(?:vs\.?|versus|compared\s+(?:to|with)|relative\s+to|against)\s+"
       rf"(?:the\s+)?(?:previous|prior|preceding|last)\s+period){_E}|(?:(?:较|比|和|与|相比|对比)\s*)?上一?期")
def _previous_period(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "growth", growth="previous_period")


@_rule(rf"{_B}(?:(?P<conn>vs\.?|v\.?|v/s|versus|compared\s+(?:to|with)|relative\s+to|against)\s+)?(?:the\s+)?"
       r"(?:(?P<sp>same\s+(?:period|time|months?|quarter|week|day)\s+(?:of\s+)?(?:last|a|the\s+previous|the\s+prior|"
       r"previous|prior)\s+year|sply)|(?P<ly>(?:last|previous|prior|preceding)\s+year|a\s+year\s+(?:ago|earlier|before)"
       rf"|the\s+year\s+before))(?:'s)?{_E}")
def _en_vs_year(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    if not m["sp"] and not m["conn"]:
        return None  # plain "last year" is a range
    return _Item(m.start(), m.end(), "growth", growth="previous_year", vs_year="same_period" if m["sp"] else "auto")


@_rule(r"(?:(?P<conn>同比|和|与|跟|同|较|比|对比|相比|相较于?|比较)\s*)?(?:(?P<ly>去年|上年|上一年)\s*(?P<sp>同期)?|"
       r"(?P<sp2>同期))(?:\s*(?:相比|对比|比较|比))?")
def _cn_vs_year(m: re.Match[str], ctx: _Ctx) -> _Item | None:
    same = bool(m["sp"] or m["sp2"])
    if not same and not m["conn"]:
        return None  # plain "去年" is a range
    return _Item(m.start(), m.end(), "growth", growth="previous_year", vs_year="same_period" if same else "auto")


@_rule(r"环比|同比")
def _cn_growth(m: re.Match[str], ctx: _Ctx) -> _Item:
    return _Item(m.start(), m.end(), "growth", growth="previous_period" if m.group() == "环比" else "previous_year")


# == finding and combining ==============================================================================

_FULLWIDTH: Final = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})
_WINDOW: Final = 32  # how far back a prefix ("since", "between", "compare") is looked for

_SPAN_GAP: Final = re.compile(r"\s*(?:-|–|—|~|to|through|thru|till|until|至|到|一直到|直到)\s*", re.IGNORECASE)
_AND_GAP: Final = re.compile(r"\s*(?:and|&|和|与)\s*", re.IGNORECASE)
_SPAN_PREFIX: Final = re.compile(
    r"(?:(?<![A-Za-z])(?:from|(?P<between>between)|starting\s+from)|从|自|由)\s*\Z", re.IGNORECASE
)
_SPAN_SUFFIX: Final = re.compile(r"\s*(?:之间|期间|为止|止|inclusive(?![A-Za-z]))", re.IGNORECASE)

_COMPARE_GAP: Final = re.compile(
    r"\s*(?:vs\.?|v\.?|v/s|versus|compared\s+(?:to|with)|against|relative\s+to|and|&|"
    r"和|与|跟|同|对比|比较|相比|相较于?|较|比|对)\s*",
    re.IGNORECASE,
)
_COMPARE_PREFIX: Final = re.compile(r"(?:(?<![A-Za-z])(?:compare|comparing|comparison\s+of|contrast)|对比|比较)\s*\Z",
                                    re.IGNORECASE)
_COMPARE_PREFIXED_GAP: Final = re.compile(r"\s*(?:with|to|and|&|vs\.?|versus|和|与|跟)\s*", re.IGNORECASE)
_COMPARE_SUFFIX: Final = re.compile(r"\s*的?(?:对比|相比较?|比较|之比)")
_VS_GAP: Final = re.compile(r"\s*,?\s*")

_MOD_PREFIX: Final = re.compile(
    r"(?:(?P<since>(?<![A-Za-z])(?:since|starting(?:\s+(?:from|in|on|with))?|beginning(?:\s+(?:from|in|on|with))?)|"
    r"自从?|打从)|(?P<before>(?<![A-Za-z])(?:before|prior\s+to|earlier\s+than))|"
    r"(?P<after>(?<![A-Za-z])(?:after|later\s+than))|"
    r"(?P<until>(?<![A-Za-z])(?:until|till|up\s+(?:un)?to|through)|截至|截止(?:到|至)?)|"
    r"(?P<neutral>(?<![A-Za-z])(?:from|in|on)|从|由|在|到))\s*\Z",
    re.IGNORECASE,
)
_MOD_SUFFIX: Final = re.compile(
    r"\s*(?:(?P<since>(?:onwards?|and\s+later|or\s+later|(?:to|until|till|through)\s+(?:now|today|date|present|"
    r"the\s+present))(?![A-Za-z])|以来|至今|迄今|开始|起|到现在|到今天|到目前为止|到目前)|"
    r"(?P<before>(?:or|and)\s+(?:earlier|before)(?![A-Za-z])|之前|以前|前(?![零〇一二两三四五六七八九十百千\d名]))|"
    r"(?P<after>(?:and|or)\s+after(?![A-Za-z])|之后|以后|后(?![零〇一二两三四五六七八九十百千\d名]))|"
    r"(?P<until>为止|止))",
    re.IGNORECASE,
)
_PREPOSITION: Final = re.compile(
    r"(?:(?<![A-Za-z0-9_])(?:(?:in|for|during|over|within|throughout|on|of|from|across)\s+(?:the\s+)?|the\s+)|在\s*)\Z",
    re.IGNORECASE,
)


def find_time_expressions(text: str, as_of: date) -> list[TimeMatch]:
    """Every time expression in ``text``, non-overlapping and sorted by position (see the module docstring).

    Pure and total: any string gives a list (possibly empty), never an exception.
    """
    ctx = _Ctx(text.translate(_FULLWIDTH), as_of)
    items = _select(_candidates(ctx), len(ctx.text))
    items = _pairwise(items, ctx, _span_pair)
    items = [_modified(item, ctx, lo, hi) for item, lo, hi in _with_bounds(items, len(ctx.text))]
    items = _pairwise(items, ctx, _compare_pair)
    items = [_with_preposition(item, ctx, lo) for item, lo, _ in _with_bounds(items, len(ctx.text))]
    return [
        TimeMatch(span=(it.start, it.end), kind=it.kind, range=it.range, grain=it.grain, compare=it.compare,
                  growth=it.growth, text=text[it.start:it.end])
        for it in items
    ]


def _candidates(ctx: _Ctx) -> list[tuple[int, _Item]]:
    out: list[tuple[int, _Item]] = []
    for index, rule in enumerate(_RULES):
        for m in rule.regex.finditer(ctx.text):
            if m.end() == m.start():
                continue
            try:
                item = rule.handler(m, ctx)
            except (ValueError, OverflowError, KeyError):
                item = None
            if item is not None:
                out.append((index, item))
    return out


def _select(candidates: list[tuple[int, _Item]], length: int) -> list[_Item]:
    """Longest first (then leftmost, then the earlier rule); drop whatever overlaps a kept match."""
    taken = bytearray(length)
    kept: list[_Item] = []
    for _, item in sorted(candidates, key=lambda c: (c[1].start - c[1].end, c[1].start, c[0])):
        if taken.find(1, item.start, item.end) == -1:
            taken[item.start:item.end] = b"\x01" * (item.end - item.start)
            kept.append(item)
    return sorted(kept, key=lambda it: it.start)


def _with_bounds(items: list[_Item], length: int) -> list[tuple[_Item, int, int]]:
    """Each item with the end of the one before it and the start of the one after it."""
    return [(it, items[i - 1].end if i else 0, items[i + 1].start if i + 1 < len(items) else length)
            for i, it in enumerate(items)]


_Pair = Callable[[_Item, _Item, _Ctx, int, int], _Item | None]


def _pairwise(items: list[_Item], ctx: _Ctx, combine: _Pair) -> list[_Item]:
    """Merge neighbours left to right wherever ``combine`` accepts them."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        if i + 1 < len(items):
            lo = out[-1].end if out else 0
            hi = items[i + 2].start if i + 2 < len(items) else len(ctx.text)
            try:
                merged = combine(items[i], items[i + 1], ctx, lo, hi)
            except (ValueError, OverflowError):
                merged = None
            if merged is not None:
                out.append(merged)
                i += 2
                continue
        out.append(items[i])
        i += 1
    return out


def _prefix(regex: re.Pattern[str], ctx: _Ctx, lo: int, start: int) -> re.Match[str] | None:
    return regex.search(ctx.text, max(lo, start - _WINDOW), start)


def _pair_ranges(a: _Item, b: _Item, as_of: date, *, ordered: bool) -> tuple[TimeRange, TimeRange]:
    """Both ranges, a year-less period taking its partner's year (see the module docstring)."""
    assert a.range is not None and b.range is not None
    ra, rb = a.range, b.range
    if a.builder is not None and b.builder is not None:
        if ordered:
            year = _latest_year(b.builder, as_of)
        else:
            year = min(_latest_year(a.builder, as_of), _latest_year(b.builder, as_of))
        ra, rb = a.builder(year), b.builder(year)
        if ordered and ra.start > rb.start:
            ra = a.builder(year - 1)
    elif a.builder is not None and b.year is not None:
        ra = a.builder(b.year)
        if ordered and ra.start > rb.start:
            ra = a.builder(b.year - 1)
    elif b.builder is not None and a.year is not None:
        rb = b.builder(a.year)
        if ordered and rb.start < ra.start:
            rb = b.builder(a.year + 1)
    return ra, rb


def _span_pair(a: _Item, b: _Item, ctx: _Ctx, lo: int, hi: int) -> _Item | None:
    """"from X to Y", "between X and Y", "X-Y", "X至Y" -> one range."""
    if a.kind != "range" or b.kind != "range":
        return None
    gap = ctx.text[a.end:b.start]
    prefix = _prefix(_SPAN_PREFIX, ctx, lo, a.start)
    suffix = _SPAN_SUFFIX.match(ctx.text, b.end, hi)
    between = (prefix is not None and prefix["between"] is not None) or (suffix is not None and "之间" in suffix[0])
    if not (_SPAN_GAP.fullmatch(gap) or (between and _AND_GAP.fullmatch(gap))):
        return None
    if _prefix(_COMPARE_PREFIX, ctx, lo, a.start):
        return None  # "compare 2024 to 2025"
    ra, rb = _pair_ranges(a, b, ctx.as_of, ordered=True)
    return _Item(prefix.start() if prefix else a.start, suffix.end() if suffix else b.end, "range",
                 range=TimeRange(ra.start, rb.end))


def _compare_pair(a: _Item, b: _Item, ctx: _Ctx, lo: int, hi: int) -> _Item | None:
    """"X vs Y", "X和Y对比", "X vs last year", "X和去年同期" -> a comparison."""
    if a.kind != "range":
        return None
    assert a.range is not None
    gap = ctx.text[a.end:b.start]
    prefix = _prefix(_COMPARE_PREFIX, ctx, lo, a.start)
    start = prefix.start() if prefix else a.start
    if b.vs_year is not None:
        if not _VS_GAP.fullmatch(gap):
            return None
        return _Item(start, b.end, "compare", compare=(a.range, _year_earlier(a, b.vs_year)))
    if b.kind != "range":
        return None
    if not (_COMPARE_GAP.fullmatch(gap) or (prefix is not None and _COMPARE_PREFIXED_GAP.fullmatch(gap))):
        return None
    ra, rb = _pair_ranges(a, b, ctx.as_of, ordered=False)
    suffix = _COMPARE_SUFFIX.match(ctx.text, b.end, hi)
    return _Item(start, suffix.end() if suffix else b.end, "compare", compare=(ra, rb))


def _year_earlier(a: _Item, how: _VsYear) -> TimeRange:
    assert a.range is not None
    r = a.range
    if how == "auto" and a.unit == "year":
        return _year_range(r.start.year - 1)
    return TimeRange(_year_before(r.start, month_end=False), _year_before(r.end, month_end=True))


def _modified(item: _Item, ctx: _Ctx, lo: int, hi: int) -> _Item:
    """"since X", "before X", "after X", "until X" and their Chinese forms (see the module docstring)."""
    if item.kind != "range" or item.range is None:
        return item
    prefix = _prefix(_MOD_PREFIX, ctx, lo, item.start)
    suffix = _MOD_SUFFIX.match(ctx.text, item.end, hi)
    how = suffix.lastgroup if suffix else None
    if how is None:
        if prefix is None or prefix.lastgroup == "neutral":
            return item
        how = prefix.lastgroup
    absorb = prefix is not None and prefix.lastgroup in (how, "neutral")
    r, as_of = item.range, ctx.as_of
    try:
        if how == "since":
            new = TimeRange(r.start, as_of)
        elif how == "after":
            new = TimeRange(r.end + _ONE_DAY, as_of)
        elif how == "before":
            new = TimeRange(UNBOUNDED_START, r.start - _ONE_DAY)
        else:
            new = TimeRange(UNBOUNDED_START, r.end)
    except (ValueError, OverflowError):
        return item  # "since 2030" asked in 2025: leave the period alone
    start = prefix.start() if absorb and prefix is not None else item.start
    return _Item(start, suffix.end() if suffix else item.end, "range", range=new)


def _with_preposition(item: _Item, ctx: _Ctx, lo: int) -> _Item:
    if item.kind not in ("range", "compare"):
        return item
    m = _prefix(_PREPOSITION, ctx, lo, item.start)
    if m is None:
        return item
    return _Item(m.start(), item.end, item.kind, range=item.range, compare=item.compare)
