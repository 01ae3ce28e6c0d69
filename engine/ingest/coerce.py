"""Type coercion as DuckDB SQL: from the VARCHAR text of a source column to a canonical column's type.

Every function here returns an SQL *expression* over another expression (``text``), so the whole
conversion of a source runs inside DuckDB and streams; nothing is converted row by row in Python.
An expression yields NULL when the text cannot be read; the loader turns "text present, value NULL"
into a reject with the reason from :func:`problem_description`.

Rules (also in the user documentation):

* Text is trimmed (spaces, tabs, no-break and ideographic spaces); empty text is NULL. For non-text
  columns ``null``, ``none``, ``nan``, ``n/a`` and ``#n/a`` (any case) are NULL as well.
* Dates and timestamps: ISO (``2025-03-01``, ``2025-03-01 14:30[:00]``, ``2025-03-01T14:30:00Z``),
  ``2025/3/1``, ``2025.3.1``, ``2025年3月1日`` (optionally with a time), ``20250301``,
  ``20250301143000``, ``01-Mar-2025``, ``Mar 1, 2025``, ``1 March 2025``, Unix epoch seconds
  (10 digits) and milliseconds (13 digits, read as UTC), and day/month forms ``03/01/2025``,
  ``03-01-2025``, ``03/01/25`` and ``01.03.2025``. Dotted dates are always day.month.year. For slash
  and dash dates the order is decided per column (see :func:`choose_day_first`): day first when some
  value's first number is above 12, month first when some value's second number is; when every value
  is ambiguous the US order month/day/year is used unless the mapping file says ``day_first = true``.
  A time-zone suffix is dropped (wall-clock time is kept); a date column keeps the date of a timestamp.
* Amounts: currency symbols and codes (``$ ¥ ￥ € £ 元 RMB CNY USD EUR GBP HKD JPY``) and spaces are
  dropped; ``(12.00)`` and ``12.00-`` are negative. With both ``,`` and ``.`` the later one is the
  decimal mark (``1,234.50`` and ``1.234,50``). A lone ``,`` is a thousands separator when it groups
  digits in threes (``1,234`` -> 1234) and a decimal comma otherwise (``12,5`` -> 12.5). Several dots
  grouping threes (``1.234.567``) are thousands separators. Amounts are rounded to cents.
* Integers: ``42``, ``+42``, ``1,234``, ``42.0``; a fraction such as ``2.5`` is rejected.
* Booleans: true/false, t/f, yes/no, y/n, 1/0, 是/否, 对/错.
* Enumerated columns (``allowed``): case-insensitive, with the spellings of :mod:`.values`.
"""

from __future__ import annotations

import re

from crmlens.engine.ingest.sql_literals import sql_string
from crmlens.engine.ingest.values import allowed_value_lookup
from crmlens.engine.schema import ColumnSpec

TRIM_CHARACTERS = " \t\r\n\u00a0\u2009\u202f\u3000\ufeff"
NULL_WORDS = ("null", "none", "nan", "n/a", "#n/a")

_YEAR_FIRST_AND_NAMED = (
    "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y.%m.%d", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%Y年%m月%d日", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日 %H时%M分%S秒", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%H时%M分%S秒",
    "%Y%m%d %H%M%S", "%Y%m%d %H:%M:%S",
    "%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y",
    "%d-%b-%Y %H:%M:%S", "%b %d, %Y %H:%M:%S", "%b %d, %Y %I:%M %p",
)
_MONTH_FIRST = (
    "%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
    "%m-%d-%Y", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
)
_MONTH_FIRST_SHORT_YEAR = (
    "%m/%d/%y", "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%m-%d-%y",
    "%d.%m.%y", "%d.%m.%y %H:%M", "%d-%b-%y",
)
# A value with a two-digit year: DuckDB's %Y would read "3/1/25" as the year 25, so these get their own list.
_SHORT_YEAR_SHAPE = "'^[0-9]{1,2}[/.-]([0-9]{1,2}|[A-Za-z]{3})[/.-][0-9]{2}([^0-9]|$)'"


def _day_first(formats: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f.replace("%m/%d", "%d/%m").replace("%m-%d", "%d-%m") for f in formats)


def trimmed_sql(raw: str) -> str:
    """``raw`` trimmed of white space (spaces, tabs, line breaks, no-break and ideographic spaces), NULL
    when empty. Values that start and end with a printable ASCII character (most) pass through untouched;
    only the others are trimmed. Reference ``raw`` as a column: it is used several times."""
    ends = f"ord({raw}), ord({raw}[-1])"
    return (f"CASE WHEN least({ends}) > 32 AND greatest({ends}) < 127 THEN {raw} "
            f"ELSE NULLIF(trim({raw}, {sql_string(TRIM_CHARACTERS)}), '') END")


def cleaned_sql(trimmed: str, *, column_type: str) -> str:
    """For non-text columns, the null words (``null``, ``n/a``, ...) in trimmed text read as NULL."""
    if _base_type(column_type) == "VARCHAR":
        return trimmed
    words = ", ".join(sql_string(w) for w in NULL_WORDS)
    initials = " OR ".join(f"ord({trimmed}) = {ord(c)}"
                           for c in sorted({w[0] for w in NULL_WORDS} | {w[0].upper() for w in NULL_WORDS}))
    return f"CASE WHEN ({initials}) AND lower({trimmed}) IN ({words}) THEN NULL ELSE {trimmed} END"


def text_sql(raw: str, *, column_type: str) -> str:
    """Both cleaning steps in one expression (for small queries; the loader layers them)."""
    return cleaned_sql(f"({trimmed_sql(raw)})", column_type=column_type)


def value_sql(column: ColumnSpec, text: str, *, day_first: bool = False) -> str:
    """An expression converting cleaned ``text`` to ``column``'s type (NULL when it cannot)."""
    base = _base_type(column.type)
    if column.allowed:
        return allowed_sql(column, text)
    if base == "VARCHAR":
        return text
    if base == "DATE":
        return date_sql(text, day_first=day_first)
    if base == "TIMESTAMP":
        return timestamp_sql(text, day_first=day_first)
    if base == "DECIMAL":
        return amount_sql(text, column.type)
    if base in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT"):
        return integer_sql(text, column.type)
    if base in ("DOUBLE", "FLOAT", "REAL"):
        return f"TRY_CAST(replace({text}, ',', '') AS DOUBLE)"
    if base == "BOOLEAN":
        return boolean_sql(text)
    raise ValueError(f"no coercion is defined for column type {column.type!r} ({column.name})")


def problem_description(column: ColumnSpec) -> str:
    """What is wrong with a text that :func:`value_sql` could not convert, for the reject reason."""
    base = _base_type(column.type)
    if column.allowed:
        return "not one of " + ", ".join(column.allowed)
    return {
        "DATE": "not a date",
        "TIMESTAMP": "not a date and time",
        "DECIMAL": "not an amount",
        "BOOLEAN": "not true or false",
        "DOUBLE": "not a number",
        "FLOAT": "not a number",
        "REAL": "not a number",
    }.get(base, "not a whole number in range" if "INT" in base else f"not a {column.type} value")


def timestamp_sql(text: str, *, day_first: bool = False) -> str:
    """Year-first text goes to DuckDB's cast; all-digit text by its length (``20250301``,
    ``20250301143000``, epoch seconds and milliseconds); the rest through strptime format lists."""
    long_year = _MONTH_FIRST if not day_first else _day_first(_MONTH_FIRST)
    short_year = _MONTH_FIRST_SHORT_YEAR if not day_first else _day_first(_MONTH_FIRST_SHORT_YEAR)
    long_list = ", ".join(sql_string(f) for f in (*_YEAR_FIRST_AND_NAMED, *long_year))
    short_list = ", ".join(sql_string(f) for f in short_year)
    return (
        f"CASE WHEN {_iso_shape(text)} THEN TRY_CAST({text} AS TIMESTAMP) "
        f"WHEN TRY_CAST({text} AS UBIGINT) IS NOT NULL THEN CASE length({text}) "
        f"WHEN 8 THEN try_strptime({text}, '%Y%m%d') WHEN 14 THEN try_strptime({text}, '%Y%m%d%H%M%S') "
        f"WHEN 10 THEN make_timestamp(CAST({text} AS BIGINT) * 1000000) "
        f"WHEN 13 THEN make_timestamp(CAST({text} AS BIGINT) * 1000) END "
        f"WHEN regexp_matches({text}, {_SHORT_YEAR_SHAPE}) THEN try_strptime({text}, [{short_list}]) "
        f"ELSE try_strptime({text}, [{long_list}]) END"
    )


def date_sql(text: str, *, day_first: bool = False) -> str:
    return (
        f"CASE WHEN {_iso_shape(text)} THEN TRY_CAST({text} AS DATE) "
        f"ELSE CAST({timestamp_sql(text, day_first=day_first)} AS DATE) END"
    )


def _iso_shape(text: str) -> str:
    """Year-first text (``2025-03-01``, ``2025/3/1 10:00``) is read by DuckDB's own cast; only such text
    is offered to it, since the cast would read ``3/1/25`` as the year 3."""
    return f"(substr({text}, 5, 1) IN ('-', '/') AND TRY_CAST(substr({text}, 1, 4) AS USMALLINT) >= 1000)"


_CURRENCY = r"(?i:rmb|cny|usd|eur|gbp|hkd|jpy|us\$)|[$¥￥€£元\s\x{00A0}\x{2009}\x{202F}\x{3000}'’]"


def amount_sql(text: str, decimal_type: str = "DECIMAL(18,2)") -> str:
    """Plain numbers take the fast path (one cast); formatted amounts go through the rules above.

    The slow path is one lambda over the stripped text so that each regular expression runs once.
    """
    slow = (
        "list_transform([regexp_replace(" + text + ", " + sql_string(_CURRENCY) + ", '', 'g')], lambda s: "
        "list_transform([CASE WHEN s LIKE '(%)' THEN substr(s, 2, length(s) - 2) "
        "WHEN s LIKE '%-' AND s NOT LIKE '-%' THEN rtrim(s, '-') ELSE s END], lambda c: "
        f"TRY_CAST(CASE "
        "WHEN c LIKE '%,%' AND c LIKE '%.%' THEN CASE WHEN strpos(reverse(c), ',') < strpos(reverse(c), '.') "
        "THEN replace(replace(c, '.', ''), ',', '.') ELSE replace(c, ',', '') END "
        r"WHEN c LIKE '%,%' THEN CASE WHEN regexp_full_match(c, '[+-]?[0-9]{1,3}(,[0-9]{3})+') "
        "THEN replace(c, ',', '') ELSE replace(c, ',', '.') END "
        r"WHEN regexp_full_match(c, '[+-]?[0-9]{1,3}(\.[0-9]{3}){2,}') THEN replace(c, '.', '') "
        f"ELSE c END AS {decimal_type}) "
        "* CASE WHEN s LIKE '(%)' OR (s LIKE '%-' AND s NOT LIKE '-%') THEN -1 ELSE 1 END)[1])[1]"
    )
    return f"COALESCE(TRY_CAST({text} AS {decimal_type}), {slow})"


def integer_sql(text: str, integer_type: str = "INTEGER") -> str:
    return (
        f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+') THEN TRY_CAST({text} AS {integer_type}) "
        f"WHEN regexp_full_match({text}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+') "
        f"THEN TRY_CAST(replace({text}, ',', '') AS {integer_type}) "
        rf"WHEN regexp_full_match({text}, '[+-]?[0-9]+\.0*') "
        rf"THEN TRY_CAST(regexp_replace({text}, '\.0*$', '') AS {integer_type}) END"
    )


_TRUE = ("true", "t", "yes", "y", "1", "是", "对", "真")
_FALSE = ("false", "f", "no", "n", "0", "否", "错", "假")


def boolean_sql(text: str) -> str:
    true_list = ", ".join(sql_string(v) for v in _TRUE)
    false_list = ", ".join(sql_string(v) for v in _FALSE)
    return (
        f"CASE WHEN lower({text}) IN ({true_list}) THEN true "
        f"WHEN lower({text}) IN ({false_list}) THEN false END"
    )


def allowed_sql(column: ColumnSpec, text: str) -> str:
    """The canonical allowed value ``text`` spells, or NULL (one CASE over the lower-cased text)."""
    whens = " ".join(f"WHEN {sql_string(spelling)} THEN {sql_string(value)}"
                     for spelling, value in allowed_value_lookup(column).items())
    return f"CASE lower({text}) {whens} END"


_DAY_MONTH_SHAPE = r"'^([0-9]{1,2})[/-]([0-9]{1,2})[/-][0-9]{2,4}([^0-9]|$)'"


def day_month_numbers_sql(text: str) -> str:
    """For text shaped like ``a/b/yyyy`` or ``a-b-yy``: the struct ``{a, b}`` of its two leading numbers
    (as text); NULL for any other text (checked by cheap character tests before the regex)."""
    candidate = f"(substr({text}, 2, 1) IN ('/', '-') OR substr({text}, 3, 1) IN ('/', '-'))"
    return (f"CASE WHEN {candidate} AND regexp_matches({text}, {_DAY_MONTH_SHAPE}) "
            f"THEN regexp_extract({text}, {_DAY_MONTH_SHAPE}, ['a', 'b']) END")


def day_month_evidence_sql(numbers: str) -> tuple[str, str, str]:
    """Aggregates over :func:`day_month_numbers_sql` results: day/month values, those whose first number
    exceeds 12 (so day first), and those whose second number does (so month first)."""
    return (
        f"count({numbers})",
        f"count_if(CAST({numbers}.a AS INTEGER) > 12)",
        f"count_if(CAST({numbers}.b AS INTEGER) > 12)",
    )


def choose_day_first(slash_values: int, first_over_12: int, second_over_12: int,
                     configured: bool | None) -> tuple[bool, str | None]:
    """Whether day/month dates of a column are day first, and a note for the report when it matters."""
    if configured is not None or slash_values == 0:
        return bool(configured), None
    if first_over_12 and not second_over_12:
        return True, "read as day/month/year (some first numbers are above 12)"
    if second_over_12 and not first_over_12:
        return False, "read as month/day/year (some second numbers are above 12)"
    if first_over_12 and second_over_12:
        day_first = first_over_12 >= second_over_12
        order = "day/month/year" if day_first else "month/day/year"
        return day_first, (
            f"mixes day/month and month/day dates; read as {order} (the majority), the others are rejected. "
            "Set day_first in the mapping file to choose."
        )
    return False, (
        f"has {slash_values:,} dates like 03/01/2025 that could be either order; read as month/day/year (US). "
        "Set day_first = true in the mapping file for day/month/year."
    )


_TYPE_NAME = re.compile(r"^\s*([A-Za-z]+)")


def _base_type(column_type: str) -> str:
    match = _TYPE_NAME.match(column_type)
    return match.group(1).upper() if match else column_type.upper()
