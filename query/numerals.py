"""Numbers written with digits, Chinese numerals or English words.

:func:`parse_number` reads one whole number phrase and returns its value, or ``None`` when the text is
not (only) a number:

* digits: ``"3"``, ``"3.5"``, ``"1,000"``, ``"-2"``; full-width digits (``"３"``) read like ASCII ones;
* digits with a multiplier: ``"1k"``, ``"1.5m"``, ``"2bn"``, ``"10w"`` (w = 万), ``"3千"``, ``"2.5万"``,
  ``"1.2亿"``, ``"5百万"``;
* Chinese numerals: ``"十"``, ``"十二"``, ``"三十五"``, ``"一百零五"``, ``"两"``, ``"一千二百"``, the colloquial
  ``"一千二"`` (1200) and ``"三万五"`` (35000), digit by digit ``"二〇二五"`` (2025), financial ``"贰拾"``,
  decimals ``"三点五"``, ``"半"`` (0.5);
* English words: ``"one"`` … ``"nineteen"``, ``"twenty"`` … ``"ninety"``, ``"twenty-five"``,
  ``"a hundred"``, ``"two hundred and five"``, ``"three thousand"``, ``"a dozen"``.

The result is an ``int`` whenever the value is whole (``"2.5万"`` -> ``25000``, ``"3.0"`` -> ``3``) and a
``float`` otherwise. Decimal arithmetic is used, so ``"1.1k"`` is exactly ``1100``.

Text around a number (``"前十"``, ``"top 10"``, ``"3个月"``) is the caller's business: callers locate a
number with the regular-expression fragments :data:`ARABIC_NUMBER`, :data:`CHINESE_NUMBER` and
:data:`ENGLISH_NUMBER`, then read it with :func:`parse_number` or :func:`parse_int`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = [
    "ARABIC_NUMBER",
    "CHINESE_NUMBER",
    "ENGLISH_NUMBER",
    "ENGLISH_ORDINALS",
    "chinese_to_int",
    "english_to_int",
    "ordinal_to_int",
    "parse_int",
    "parse_number",
]

# -- vocabulary -------------------------------------------------------------------------------------

CN_DIGITS: Final[dict[str, int]] = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
CN_SMALL_UNITS: Final[dict[str, int]] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS: Final[dict[str, int]] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS: Final = frozenset(CN_DIGITS) | frozenset(CN_SMALL_UNITS) | frozenset(CN_BIG_UNITS)

EN_UNITS: Final[dict[str, int]] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
EN_TENS: Final[dict[str, int]] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
EN_SCALES: Final[dict[str, int]] = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}

ENGLISH_ORDINALS: Final[dict[str, int]] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}

# -- regular-expression fragments for callers (no groups, no anchors) ------------------------------------

#: Digits with optional thousands separators, decimals and a multiplier suffix ("1,000", "2.5万", "1k").
ARABIC_NUMBER: Final = r"\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:[kmbw]|bn|mm|[十百千万亿]+)(?![A-Za-z]))?"
#: A run of Chinese numeral characters ("三十五", "两", "二〇二五").
CHINESE_NUMBER: Final = "[" + "".join(sorted(_CN_CHARS)) + "]+"
_EN_UNIT_WORDS = sorted(EN_UNITS, key=len, reverse=True)  # longest first: "seventeen" before "seven"
_EN_DIGIT_WORDS = "|".join(w for w in _EN_UNIT_WORDS if 0 < EN_UNITS[w] < 10)
_EN_TENS_WORDS = "|".join(EN_TENS)
_EN_SMALL = rf"(?:(?:{_EN_TENS_WORDS})(?:[\s-]+(?:{_EN_DIGIT_WORDS}))?|{'|'.join(_EN_UNIT_WORDS)})"
#: English number words from zero to ninety-nine, or "a"/"one"/... "hundred" (bounded by non-letters).
ENGLISH_NUMBER: Final = (
    r"(?<![A-Za-z])(?:(?:a|" + _EN_SMALL + r")\s+hundred(?:\s+(?:and\s+)?" + _EN_SMALL + r")?|a\s+dozen|"
    + _EN_SMALL + r")(?![A-Za-z])"
)

# -- parsing ----------------------------------------------------------------------------------------

_FULLWIDTH: Final = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})
_ARABIC_RE: Final = re.compile(
    r"(?P<sign>[-+]?)\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<suffix>[a-z]+|[十百千万萬亿億]+)?",
    re.IGNORECASE,
)
_LATIN_SUFFIX: Final[dict[str, int]] = {
    "k": 1000, "m": 1_000_000, "mm": 1_000_000, "mn": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000, "w": 10_000,
}
_EN_TOKEN: Final = re.compile(r"[a-z]+")
_EN_WORDS: Final = re.compile(r"[a-z]+(?:[\s-]+[a-z]+)*")


def _whole_or_fraction(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _unit_run(suffix: str) -> int | None:
    """The multiplier of a run of Chinese units after digits: "千" 1000, "百万" 1e6, "千万" 1e7."""
    total = 1
    for ch in suffix:
        unit = CN_SMALL_UNITS.get(ch) or CN_BIG_UNITS.get(ch)
        if unit is None:
            return None
        total *= unit
    return total


def chinese_to_int(text: str) -> int | None:
    """A whole number written in Chinese numerals, or ``None``.

    ``"十二"`` -> 12, ``"二十"`` -> 20, ``"一百零五"`` -> 105, ``"一千二"`` -> 1200, ``"三万五"`` -> 35000,
    ``"二〇二五"`` -> 2025 (digits without units are read one by one).
    """
    s = text.strip()
    if not s or any(ch not in _CN_CHARS for ch in s):
        return None
    if not any(ch in CN_SMALL_UNITS or ch in CN_BIG_UNITS for ch in s):
        if len(s) > 1 and "两" in s:
            return None  # "两" is not used digit by digit
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total = 0  # everything before the last big unit (万, 亿)
    section = 0  # the current section below 万
    digit: int | None = None  # a digit waiting for its unit
    last_small = 10_000  # units within a section must get smaller: 千 > 百 > 十
    last_big = 10**18
    previous = ""  # the previous character, for the colloquial "一千二" (= 1200)
    for ch in s:
        if ch in CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row: "一二"
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if unit >= last_small:
                return None
            if digit is None:
                if section or total or unit != 10:
                    return None  # only 十 may stand alone at the start of a section ("十二")
                digit = 1
            section += digit * unit
            digit, last_small = None, unit
        else:
            big = CN_BIG_UNITS[ch]
            value = section + (digit or 0)
            if value == 0:
                if not total or big <= last_big:
                    return None
                total, last_big = total * big, big  # "一万亿"
                continue
            if big > last_big:
                total = (total + value) * big  # "一万二千亿": a larger unit scales everything before it
            else:
                total += value * big
            section, digit, last_small, last_big = 0, None, 10_000, big
        previous = ch
    if digit is not None:
        before_last = s[-2] if len(s) >= 2 else ""
        trailing = CN_SMALL_UNITS.get(before_last) or CN_BIG_UNITS.get(before_last)
        if trailing is not None and previous in CN_DIGITS and trailing >= 100:
            section += digit * (trailing // 10)  # "一千二" is 1200, "三万五" is 35000
        else:
            section += digit
    return total + section


def english_to_int(text: str) -> int | None:
    """A whole number written in English words, or ``None``: "twelve", "twenty-five", "a hundred and five"."""
    lowered = text.strip().lower()
    if not _EN_WORDS.fullmatch(lowered):
        return None
    tokens = [t for t in _EN_TOKEN.findall(lowered) if t != "and"]
    total = 0
    current = 0
    last = ""  # "unit", "teen", "tens", "scale": what the previous token was
    for i, tok in enumerate(tokens):
        if tok in ("a", "an"):
            if i + 1 >= len(tokens) or tokens[i + 1] not in (*EN_SCALES, "dozen") or current:
                return None
            current, last = 1, "unit"
        elif tok == "dozen":
            current, last = (current or 1) * 12, "scale"
        elif tok in EN_UNITS:
            value = EN_UNITS[tok]
            if last in ("unit", "teen") or (last == "tens" and value >= 10) or (last and value == 0):
                return None
            current += value
            last = "teen" if value >= 10 else "unit"
        elif tok in EN_TENS:
            if last in ("unit", "teen", "tens"):
                return None
            current += EN_TENS[tok]
            last = "tens"
        elif tok in EN_SCALES:
            scale = EN_SCALES[tok]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            last = "scale"
        else:
            return None
    return total + current


def ordinal_to_int(text: str) -> int | None:
    """``"third"`` -> 3, ``"3rd"`` -> 3, ``"第三"`` -> 3; ``None`` for anything else."""
    s = text.strip().lower()
    if s in ENGLISH_ORDINALS:
        return ENGLISH_ORDINALS[s]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", s)
    if m:
        return int(m.group(1))
    if s.startswith("第"):
        return parse_int(s[1:])
    return None


def parse_number(text: str) -> int | float | None:
    """The value of a number phrase (see the module docstring), or ``None`` when ``text`` is not one."""
    s = text.translate(_FULLWIDTH).strip()
    if not s:
        return None
    m = _ARABIC_RE.fullmatch(s)
    if m:
        try:
            value = Decimal(m["num"].replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only lets decimal literals through
            return None
        suffix = m["suffix"]
        if suffix:
            multiplier = _LATIN_SUFFIX.get(suffix.lower()) or _unit_run(suffix)
            if multiplier is None:
                return None
            value *= multiplier
        return _whole_or_fraction(-value if m["sign"] == "-" else value)
    if s[0] in _CN_CHARS or s[0] in "点半":
        return _parse_chinese(s)
    whole = english_to_int(s)
    return whole


def _parse_chinese(s: str) -> int | float | None:
    if s == "半":
        return 0.5
    if "点" in s:
        head, _, tail = s.partition("点")
        whole = chinese_to_int(head) if head else 0
        if whole is None or not tail or any(ch not in CN_DIGITS or ch == "两" for ch in tail):
            return None
        fraction = Decimal("0." + "".join(str(CN_DIGITS[ch]) for ch in tail))
        return _whole_or_fraction(whole + fraction)
    return chinese_to_int(s)


def parse_int(text: str) -> int | None:
    """Like :func:`parse_number`, but only whole numbers (``"3.5"`` -> ``None``)."""
    value = parse_number(text)
    return value if isinstance(value, int) else None
