"""Small patterns of a question that carry numbers: top/bottom N, comparisons with a number
("more than 3 orders", "金额超过1000"), inactivity ("have not ordered for 90 days", "90天未下单"),
and the slots analyses take (k groups, a horizon, a conversion window, funnel steps).

Each extractor works on normalised text and returns what it found with the character spans it used,
so the parser can blank them out before matching words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from crmlens.query.numerals import parse_number

_NUM = (
    r"(\d[\d,]*(?:\.\d+)?\s*[kw万千]?|[零一二两三四五六七八九十百千万]+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|fifteen|twenty|thirty|fifty|hundred)"
)


@dataclass(frozen=True)
class Found:
    span: tuple[int, int]
    kind: str
    value: float | int | str | None = None
    op: str | None = None
    unit: str | None = None  # a word right after (or, in Chinese, before) the number, e.g. "orders", "金额"
    direction: Literal["desc", "asc"] | None = None


def _num(text: str) -> float | int | None:
    cleaned = text.replace(",", "").replace(" ", "")
    return parse_number(cleaned)


# -- top / bottom N ---------------------------------------------------------------------------------
_UNIT_ZH = r"(?:名|个|位|大|家|款|条|种|类|项)?"
_TOP = [
    (re.compile(rf"哪\s*{_NUM}\s*{_UNIT_ZH}"), "desc"),
    (re.compile(rf"\b(?:top|best|highest|largest|biggest|greatest)\s+{_NUM}\b"), "desc"),
    (re.compile(rf"\b(?:bottom|worst|lowest|smallest|least)\s+{_NUM}\b"), "asc"),
    (re.compile(rf"\b{_NUM}\s+(?:best|biggest|largest|highest|top|most|greatest|leading)\b"), "desc"),
    (re.compile(rf"\bwhich\s+{_NUM}\b"), "desc"),
    (re.compile(rf"\b{_NUM}\s+(?:worst|smallest|lowest|least|fewest)\b"), "asc"),
    (re.compile(rf"(?:排名|排行)?前\s*{_NUM}\s*{_UNIT_ZH}"), "desc"),
    (re.compile(rf"(?:最高|最多|最大|最好|最强|最佳|最常见)的?\s*{_NUM}\s*{_UNIT_ZH}"), "desc"),
    (re.compile(rf"(?:倒数|后|末)\s*(?:第)?\s*{_NUM}\s*{_UNIT_ZH}"), "asc"),
    (re.compile(rf"(?:最低|最少|最小|最差|最弱)的?\s*{_NUM}\s*{_UNIT_ZH}"), "asc"),
]
_TOP_WORD = [
    (re.compile(r"\btop\b"), "desc"),
    (re.compile(r"\bbottom\b"), "asc"),
]


def find_top_n(text: str) -> list[Found]:
    out: list[Found] = []
    for pattern, direction in _TOP:
        for m in pattern.finditer(text):
            n = _num(m.group(m.lastindex or 1))
            if n is not None and 0 < n <= 100_000 and float(n).is_integer():
                out.append(Found(m.span(), "top", int(n), direction=direction))  # type: ignore[arg-type]
    if not out:
        for pattern, direction in _TOP_WORD:
            for m in pattern.finditer(text):
                out.append(Found(m.span(), "top", None, direction=direction))  # type: ignore[arg-type]
    return _non_overlapping(out)


# -- comparisons with a number ------------------------------------------------------------------------
_EN_OPS = [
    (r"more than|greater than|higher than|larger than|over|above|exceeding|exceeds|>", ">"),
    (r"at least|no less than|not less than|>=|minimum of", ">="),
    (r"less than|fewer than|lower than|under|below|<", "<"),
    (r"at most|no more than|not more than|<=|maximum of|up to", "<="),
    (r"exactly|equal to|=", "="),
]
_ZH_OPS = [
    (r"超过|大于|高于|多于|超出|>", ">"),
    (r"不少于|至少|不低于|不小于|>=", ">="),
    (r"少于|小于|低于|不到|不足|<", "<"),
    (r"不超过|不高于|不多于|至多|最多|<=", "<="),
    (r"等于|=", "="),
]
_UNIT_AFTER = r"(?:\s*(?:\$|¥|元|块|rmb|usd|dollars?|yuan))?\s*([a-z_\u4e00-\u9fff][a-z_\u4e00-\u9fff ]{0,24})?"


def find_comparisons(text: str) -> list[Found]:
    """``(op, number, unit)`` triples. EN: "more than 3 orders"; ZH: "金额超过1000", "订单数大于3", "1000元以上"."""
    out: list[Found] = []
    for words, op in _EN_OPS:
        pattern = re.compile(rf"(?<![a-z])(?:{words})\s*\$?\s*{_NUM}{_UNIT_AFTER}")
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            if n is None:
                continue
            unit = (m.group(2) or "").strip()
            out.append(
                Found(
                    (m.start(), m.end(1) if not unit else m.start(2) + len(m.group(2).rstrip())),
                    "compare",
                    n,
                    op=op,
                    unit=unit or None,
                )
            )
    for words, op in _ZH_OPS:
        # The measure stands before the operator ("金额超过1000"); the parser finds it in its vocabulary.
        pattern = re.compile(rf"(?:{words})\s*[¥$]?\s*{_NUM}\s*(元|块|单|笔|次|个|天|件|分|星)?")
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            if n is not None:
                out.append(Found(m.span(), "compare", n, op=op, unit=m.group(2)))
    for m in re.finditer(rf"{_NUM}\s*(元|块|单|笔|次|个|件)?\s*(以上|以下|及以上|及以下)", text):
        n = _num(m.group(1))
        if n is not None:
            op = ">=" if "以上" in m.group(3) else "<="
            out.append(Found(m.span(), "compare", n, op=op, unit=m.group(2)))
    return _non_overlapping(out)


# -- inactivity ------------------------------------------------------------------------------------------
_INACTIVE = [
    re.compile(
        rf"(?:have not|haven't|has not|hasn't|did not|didn't|not)\s+(?:ordered|bought|purchased|placed an order|"
        rf"made a purchase|shopped)(?:\s+anything)?\s+(?:in|for|within|during)\s+(?:more than\s+|over\s+|at least\s+)?"
               rf"(?:the\s+)?(?:last\s+|past\s+)?{_NUM}"
        rf"\s*(days?|weeks?|months?)"
    ),
    re.compile(
        rf"(?:inactive|dormant|no orders?|no purchases?|without (?:an )?orders?|without (?:a )?purchases?)\s+"
        rf"(?:in|for|within|during)?\s*(?:the\s+)?(?:last\s+|past\s+)?{_NUM}\s*(days?|weeks?|months?)"
    ),
    re.compile(
        rf"{_NUM}\s*(天|周|个月|月)\s*(?:以上|多)?\s*(?:内)?\s*(?:都)?(?:未|没有|没|无)\s*(?:下单|购买|消费|下过单|买过|复购|交易)"
    ),
    re.compile(
        rf"(?:超过|已经|已|连续)\s*{_NUM}\s*(天|周|个月|月)\s*(?:都)?(?:未|没有|没|无)\s*(?:下单|购买|消费|下过单|买过|交易)"
    ),
    re.compile(rf"(?:未|没有|没)\s*(?:下单|购买|消费|交易)\s*(?:超过|已经|已|达)?\s*{_NUM}\s*(天|周|个月|月)"),
]
_DAYS = {"day": 1, "days": 1, "天": 1, "week": 7, "weeks": 7, "周": 7, "month": 30, "months": 30, "月": 30, "个月": 30}


def find_inactivity(text: str) -> list[Found]:
    """ "have not ordered for 90 days" -> 90 (days since the last completed order)."""
    out = []
    for pattern in _INACTIVE:
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            unit = m.group(2)
            if n is not None:
                out.append(Found(m.span(), "inactive", int(n * _DAYS.get(unit, 1))))
    return _non_overlapping(out)


# -- analysis slots -------------------------------------------------------------------------------------
_GROUPS = [
    re.compile(rf"(?:into|in)\s+{_NUM}\s*(?:groups?|clusters?|segments?|buckets?|tiers?)"),
    re.compile(rf"{_NUM}\s*(?:clusters?|segments?)"),
    re.compile(rf"(?:分成|分为|聚成|聚为|划分为|划分成|聚类成|聚类为)\s*{_NUM}\s*(?:类|组|群|个群|个组|个类|档|层)"),
    re.compile(rf"{_NUM}\s*(?:个群|个簇|个聚类)"),
]
_HORIZON = [
    re.compile(rf"(?:next|coming|following|upcoming)\s+{_NUM}\s*(days?|weeks?|months?|quarters?|years?)"),
    re.compile(rf"(?:for|over)\s+{_NUM}\s*(days?|weeks?|months?|quarters?|years?)\s+(?:ahead|forward|out)"),
    re.compile(rf"(?:未来|接下来|今后|之后)\s*{_NUM}\s*(天|周|个月|月|个季度|季度|年)"),
]
_HORIZON_ONE = [
    (re.compile(r"\bnext\s+(day|week|month|quarter|year)\b"), 1),
    (re.compile(r"(明天|下周|下个?月|下个?季度|明年)"), 1),
]
_WINDOW = [
    re.compile(rf"within\s+{_NUM}\s*(days?|hours?|weeks?)"),
    re.compile(rf"{_NUM}\s*(天|小时|周)\s*内"),
]
_GRAIN_WORD = {
    "day": "day",
    "days": "day",
    "天": "day",
    "明天": "day",
    "week": "week",
    "weeks": "week",
    "周": "week",
    "下周": "week",
    "month": "month",
    "months": "month",
    "个月": "month",
    "月": "month",
    "下月": "month",
    "下个月": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "季度": "quarter",
    "个季度": "quarter",
    "下季度": "quarter",
    "下个季度": "quarter",
    "year": "year",
    "years": "year",
    "年": "year",
    "明年": "year",
}


def find_groups(text: str) -> list[Found]:
    """ "cluster customers into 5 groups", "分成5类" -> 5."""
    out = []
    for pattern in _GROUPS:
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            if n is not None and 2 <= n <= 50:
                out.append(Found(m.span(), "groups", int(n)))
    return _non_overlapping(out)[:1]


def find_horizon(text: str) -> list[Found]:
    """ "next 6 months" -> (6, month); "下季度" -> (1, quarter)."""
    out = []
    for pattern in _HORIZON:
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            if n is not None and 0 < n <= 1000:
                out.append(Found(m.span(), "horizon", int(n), unit=_GRAIN_WORD.get(m.group(2), "month")))
    for pattern, n in _HORIZON_ONE:
        for m in pattern.finditer(text):
            out.append(Found(m.span(), "horizon", n, unit=_GRAIN_WORD.get(m.group(1), "month")))
    return _non_overlapping(out)[:1]


def find_window(text: str) -> list[Found]:
    """ "within 3 days", "3天内" -> conversion window in days."""
    out = []
    for pattern in _WINDOW:
        for m in pattern.finditer(text):
            n = _num(m.group(1))
            unit = m.group(2)
            if n is None:
                continue
            days = n / 24 if unit.startswith(("hour", "小时")) else n * (7 if unit.startswith(("week", "周")) else 1)
            out.append(Found(m.span(), "window", days))
    return _non_overlapping(out)[:1]


def _non_overlapping(found: list[Found]) -> list[Found]:
    """Longest first, then by position; drop anything overlapping a kept match."""
    kept: list[Found] = []
    for f in sorted(found, key=lambda f: (-(f.span[1] - f.span[0]), f.span[0])):
        if all(f.span[1] <= k.span[0] or f.span[0] >= k.span[1] for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.span[0])
