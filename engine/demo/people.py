"""Demo customers: who they are (the ``customers`` table) and how they behave (hidden traits that drive
every other table).

Each customer gets a latent satisfaction ``z``. It lengthens or shortens their lifetime (how long they
keep buying before they churn), raises their purchase rate, and shows up later in their NPS, ratings,
returns and tickets, so churn correlates with what can be observed. Purchase counts are heavy-tailed:
some customers never buy (prospects), many buy once, a few buy very often. Customer ids follow the
order of sign-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmlens.engine.database import quote_ident
from crmlens.engine.demo import names as vocab
from crmlens.engine.demo.catalog import CATEGORY_FEMALE_AFFINITY, CATEGORY_SHARE
from crmlens.engine.demo.columns import dates, ident_sql, labels
from crmlens.engine.demo.geography import (
    CITIES,
    CITY_CHINA,
    CITY_REGION,
    CITY_WEIGHTS,
    REGION_CHANNEL_MIX,
    REGION_LOYALTY,
    REGION_SPEND,
    REGIONS,
)
from crmlens.engine.demo.rng import Stream, categorical, categorical_rows, stream
from crmlens.engine.demo.timeline import N_DAYS, cumulative, sample_days

GENDERS = ("female", "male", "other", "unknown")
FEMALE, MALE, OTHER, UNKNOWN = range(4)
CUSTOMER_TYPES = ("individual", "business")
ACQUISITION_CHANNELS = ("organic", "paid_search", "social", "referral", "email", "offline_event")
DEVICES = ("desktop", "mobile", "tablet", "app")

#: Average number of orders per customer, prospects included, at any scale.
ORDERS_PER_CUSTOMER = 10.0
#: Share of customers that are businesses.
BUSINESS_SHARE = 0.10
#: Share of customer records that duplicate an earlier one (same person, new id).
DUPLICATE_SHARE = 0.004
_PAIRS = "_crmlens_demo_duplicates"

_ACQ_MIX_CHINA = np.array([0.28, 0.20, 0.20, 0.12, 0.08, 0.12])
_ACQ_MIX_INTERNATIONAL = np.array([0.30, 0.28, 0.18, 0.12, 0.10, 0.02])
_ACQ_LOYALTY = np.array([1.10, 0.80, 0.75, 1.35, 1.00, 1.15])
_ACQ_ONE_TIME = np.array([0.28, 0.36, 0.40, 0.20, 0.30, 0.25])
_ACQ_PROSPECT = np.array([0.10, 0.14, 0.16, 0.07, 0.12, 0.10])
_DEVICE_MIX = np.array([[0.42, 0.33, 0.10, 0.15], [0.22, 0.38, 0.06, 0.34]])  # international, China


@dataclass
class Customers:
    """One entry per customer in every array; index i is customer id ``C{i+1:07d}``."""

    count: int
    city: np.ndarray
    region: np.ndarray
    china: np.ndarray
    business: np.ndarray
    gender: np.ndarray
    acquisition: np.ndarray
    signup: np.ndarray  # day number
    z: np.ndarray  # latent satisfaction, standard normal
    prospect: np.ndarray  # never buys
    first: np.ndarray  # day of the first order (meaningless for prospects)
    last: np.ndarray  # last day the customer may buy (churn day, or the end of the window)
    orders: np.ndarray  # number of orders
    channel: np.ndarray  # preferred order channel
    category: np.ndarray  # preferred product category
    device: np.ndarray  # preferred device
    spend: np.ndarray  # basket-size multiplier
    duplicate_of: np.ndarray  # index of the customer this record duplicates, or -1


def build_customers(count: int, seed: int) -> Customers:
    """Every customer's profile and hidden behaviour, with the number of orders calibrated so that
    there are :data:`ORDERS_PER_CUSTOMER` orders per customer on average."""
    rng = stream(seed, Stream.CUSTOMERS)
    n = count
    city = categorical(rng, CITY_WEIGHTS, n)
    region = CITY_REGION[city]
    china = CITY_CHINA[city]
    business = rng.random(n) < BUSINESS_SHARE
    gender = categorical(rng, np.array([0.51, 0.455, 0.01, 0.025]), n)
    gender[business] = UNKNOWN
    acquisition = np.where(china, categorical(rng, _ACQ_MIX_CHINA, n), categorical(rng, _ACQ_MIX_INTERNATIONAL, n))
    signup = np.sort(sample_days(rng, cumulative("signup"), np.zeros(n, np.int64), np.full(n, N_DAYS - 1)))
    z = rng.standard_normal(n)

    duplicate_of = np.full(n, -1, dtype=np.int64)
    n_dup = round(n * DUPLICATE_SHARE)
    if n_dup and n >= 10:
        dups = np.sort(rng.choice(np.arange(n // 10, n), size=n_dup, replace=False))
        duplicate_of[dups] = (rng.random(n_dup) * dups).astype(np.int64)
        src = duplicate_of[dups]
        city[dups], region[dups], china[dups] = city[src], region[src], china[src]
        business[dups], gender[dups] = business[src], gender[src]

    prospect = rng.random(n) < _ACQ_PROSPECT[acquisition] + 0.5 * (duplicate_of >= 0)
    delay = np.where(rng.random(n) < 0.45, 0, rng.exponential(25.0, n).astype(np.int64))
    first = signup + delay
    prospect |= first > N_DAYS - 1
    first = np.minimum(first, N_DAYS - 1)

    loyalty = REGION_LOYALTY[region] * _ACQ_LOYALTY[acquisition] * np.where(business, 1.3, 1.0)
    lifetime = rng.exponential(420.0, n) * loyalty * np.exp(0.5 * z)
    last = np.minimum(first + lifetime.astype(np.int64), N_DAYS - 1)

    one_time = rng.random(n) < _ACQ_ONE_TIME[acquisition] * np.where(business, 0.6, 1.0) * np.exp(-0.25 * z)
    rate = rng.gamma(1.2, 1.0, n) * np.exp(0.2 * z) * np.where(business, 1.3, 1.0)
    years = (last - first + 1) / 365.0
    repeat = ~prospect & ~one_time
    buyers = int((~prospect).sum())
    exposure = float((rate * years)[repeat].sum())
    scale = max(ORDERS_PER_CUSTOMER * n - buyers, 0.0) / exposure if exposure > 0 else 0.0
    extra = rng.poisson(np.where(repeat, rate * years * scale, 0.0))
    cap = np.minimum(np.maximum(last - first, 0) + 1, 400)
    orders = np.where(prospect, 0, 1 + np.minimum(extra, cap)).astype(np.int64)

    affinity = np.vstack(
        [
            CATEGORY_SHARE * CATEGORY_FEMALE_AFFINITY,
            CATEGORY_SHARE / CATEGORY_FEMALE_AFFINITY,
            CATEGORY_SHARE,
        ]
    )
    category = categorical_rows(rng, affinity, np.minimum(gender, 2))
    channel = categorical_rows(rng, REGION_CHANNEL_MIX, region)
    device = categorical_rows(rng, _DEVICE_MIX, china.astype(np.int64))
    spend = REGION_SPEND[region] * rng.lognormal(0.0, 0.25, n)
    return Customers(
        count=n,
        city=city,
        region=region,
        china=china,
        business=business,
        gender=gender,
        acquisition=acquisition,
        signup=signup,
        z=z,
        prospect=prospect,
        first=first,
        last=last,
        orders=orders,
        channel=channel,
        category=category,
        device=device,
        spend=spend,
        duplicate_of=duplicate_of,
    )


def _ascii(s: str) -> str:
    table = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "é": "e", "è": "e"})
    return s.translate(table).lower().replace(" ", "")


def _take(values: list[str] | tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pc.take(pa.array(list(values), type=pa.string()), pa.array(idx))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values.astype(np.int64)), pa.string()), width, "0")


def customer_columns(c: Customers, seed: int, lo: int, hi: int, block: int) -> dict[str, pa.Array]:
    """Rows ``lo .. hi-1`` of the ``customers`` table (ids are 0-based integers, formatted on insert).

    Duplicated records still carry their own contact details here; :func:`copy_duplicates` makes them
    repeat the original's once every block is written."""
    rng = stream(seed, Stream.CUSTOMERS, 1 + block)
    n = hi - lo
    gender, in_china, is_business = c.gender[lo:hi], c.china[lo:hi], c.business[lo:hi]
    home, acquisition = c.city[lo:hi], c.acquisition[lo:hi]
    # Names follow the gender; people of other or unknown gender get either kind.
    female = (gender == FEMALE) | ((gender >= OTHER) & (rng.random(n) < 0.5))

    def gendered(women: int, men: int) -> np.ndarray:
        """Indices into a vocabulary of ``women`` female entries followed by ``men`` male ones."""
        return np.where(female, rng.integers(0, women, n), women + rng.integers(0, men, n))

    # Chinese names: surname + one or two given-name characters; pinyin for e-mail addresses.
    sur = categorical(rng, np.array([s[2] for s in vocab.CHINESE_SURNAMES]), n)
    given = vocab.CHINESE_GIVEN_FEMALE + vocab.CHINESE_GIVEN_MALE
    g1 = gendered(len(vocab.CHINESE_GIVEN_FEMALE), len(vocab.CHINESE_GIVEN_MALE))
    g2 = gendered(len(vocab.CHINESE_GIVEN_FEMALE), len(vocab.CHINESE_GIVEN_MALE))
    two = pa.array(rng.random(n) < 0.6)
    chars, pinyin = [g[0] for g in given], [g[1] for g in given]
    zh_name = _join(
        _take([s[0] for s in vocab.CHINESE_SURNAMES], sur), _take(chars, g1), pc.if_else(two, _take(chars, g2), "")
    )
    zh_given_pinyin = _join(_take(pinyin, g1), pc.if_else(two, _take(pinyin, g2), ""))
    zh_sur_pinyin = _take([s[1] for s in vocab.CHINESE_SURNAMES], sur)
    # English names.
    firsts = vocab.ENGLISH_FIRST_FEMALE + vocab.ENGLISH_FIRST_MALE
    fi = gendered(len(vocab.ENGLISH_FIRST_FEMALE), len(vocab.ENGLISH_FIRST_MALE))
    li = rng.integers(0, len(vocab.ENGLISH_LAST), n)
    en_name = _join(_take(firsts, fi), " ", _take(vocab.ENGLISH_LAST, li))
    first_ascii = _take([_ascii(s) for s in firsts], fi)
    last_ascii = _take([_ascii(s) for s in vocab.ENGLISH_LAST], li)
    # Companies.
    city_zh = _take([ct.name_zh for ct in CITIES], home)
    w = rng.integers(0, len(vocab.CHINESE_COMPANY_WORDS), n)
    t = rng.integers(0, len(vocab.CHINESE_COMPANY_TRADES), n)
    zh_company = _join(
        city_zh, _take(vocab.CHINESE_COMPANY_WORDS, w), _take(vocab.CHINESE_COMPANY_TRADES, t), "有限公司"
    )
    ew = rng.integers(0, len(vocab.ENGLISH_COMPANY_WORDS), n)
    et = rng.integers(0, len(vocab.ENGLISH_COMPANY_TRADES), n)
    es = rng.integers(0, len(vocab.ENGLISH_COMPANY_SUFFIXES), n)
    en_company = _join(
        _take(vocab.ENGLISH_COMPANY_WORDS, ew),
        " ",
        _take(vocab.ENGLISH_COMPANY_TRADES, et),
        " ",
        _take(vocab.ENGLISH_COMPANY_SUFFIXES, es),
    )
    china, business = pa.array(in_china), pa.array(is_business)
    name = pc.if_else(business, pc.if_else(china, zh_company, en_company), pc.if_else(china, zh_name, en_name))

    # E-mail addresses.
    cn_dom = categorical(rng, np.array([d[1] for d in vocab.CHINA_EMAIL_DOMAINS]), n)
    in_dom = categorical(rng, np.array([d[1] for d in vocab.INTERNATIONAL_EMAIL_DOMAINS]), n)
    num = _digits(rng.integers(1, 1000, n), 1)
    with_num = pa.array(rng.random(n) < 0.55)
    cn_local = _join(
        zh_given_pinyin,
        pc.if_else(pa.array(rng.random(n) < 0.5), ".", ""),
        zh_sur_pinyin,
        pc.if_else(with_num, num, ""),
    )
    qq = _digits(rng.integers(10_000_000, 3_000_000_000, n), 8)
    cn_dom_name = _take([d[0] for d in vocab.CHINA_EMAIL_DOMAINS], cn_dom)
    qq_domain = [d[0] for d in vocab.CHINA_EMAIL_DOMAINS].index("qq.com")
    is_qq = pa.array((cn_dom == qq_domain) & (rng.random(n) < 0.7))
    cn_email = _join(pc.if_else(is_qq, qq, cn_local), "@", cn_dom_name)
    en_local = _join(
        first_ascii, pc.if_else(pa.array(rng.random(n) < 0.6), ".", ""), last_ascii, pc.if_else(with_num, num, "")
    )
    en_email = _join(en_local, "@", _take([d[0] for d in vocab.INTERNATIONAL_EMAIL_DOMAINS], in_dom))
    role = _take(("info", "sales", "office", "purchasing", "contact"), rng.integers(0, 5, n))
    biz_email = _join(
        role,
        "@",
        pc.utf8_lower(_take(vocab.ENGLISH_COMPANY_WORDS, ew)),
        pc.utf8_lower(_take(vocab.ENGLISH_COMPANY_TRADES, et)),
        ".com",
    )
    email = pc.if_else(china, cn_email, pc.if_else(business, biz_email, en_email))

    # Phone numbers: Chinese mobiles, written with or without +86 and spaces; local formats elsewhere.
    second = np.array([3, 5, 7, 8, 9])[rng.integers(0, 5, n)]
    mid, tail = _digits(rng.integers(0, 10_000, n), 4), _digits(rng.integers(0, 10_000, n), 4)
    head = _join("1", pc.cast(pa.array(second), pa.string()), pc.cast(pa.array(rng.integers(0, 10, n)), pa.string()))
    cn_style = rng.random(n)
    cn_phone = pc.if_else(
        pa.array(cn_style < 0.6),
        _join(head, mid, tail),
        pc.if_else(
            pa.array(cn_style < 0.85), _join("+86 ", head, " ", mid, " ", tail), _join(head, "-", mid, "-", tail)
        ),
    )
    prefix = _take([ct.phone_prefix for ct in CITIES], home)
    intl_phone = _join(
        "+", prefix, " ", _digits(rng.integers(200, 1000, n), 3), " ", _digits(rng.integers(0, 10_000, n), 4)
    )
    phone = pc.if_else(china, cn_phone, intl_phone)

    # Birth dates: ages 18-75 on the last day of the window, most between 25 and 50.
    age_days = ((18 + 57 * rng.beta(2.2, 3.5, n)) * 365.25).astype(np.int64)
    birth = (N_DAYS - 1) - age_days
    no_birth = is_business | (rng.random(n) < 0.08)
    email_missing = rng.random(n) < np.where(acquisition == ACQUISITION_CHANNELS.index("offline_event"), 0.10, 0.03)
    phone_missing = rng.random(n) < np.where(in_china, 0.03, 0.08)

    return {
        "customer_id": pa.array(np.arange(lo, hi, dtype=np.int64)),
        "name": name,
        "email": pc.if_else(pa.array(email_missing), pa.scalar(None, pa.string()), email),
        "phone": pc.if_else(pa.array(phone_missing), pa.scalar(None, pa.string()), phone),
        "gender": labels(gender, GENDERS),
        "birth_date": dates(birth, missing=no_birth),
        "city": labels(home, [ct.name for ct in CITIES]),
        "region": labels(c.region[lo:hi], [r.name for r in REGIONS]),
        "country": labels(home, [ct.country for ct in CITIES]),
        "signup_date": dates(c.signup[lo:hi]),
        "acquisition_channel": labels(acquisition, ACQUISITION_CHANNELS),
        "customer_type": labels(is_business.astype(np.int64), CUSTOMER_TYPES),
    }


def copy_duplicates(con: duckdb.DuckDBPyConnection, table: str, c: Customers) -> None:
    """Make each duplicated record in ``table`` repeat its original's name, e-mail (capitalised, upper-case
    or with a stray trailing space), phone (digits only) and birth date, as re-registrations do."""
    dups = np.flatnonzero(c.duplicate_of >= 0)
    if len(dups) == 0:
        return
    pairs = pa.table({"dup": pa.array(dups), "src": pa.array(c.duplicate_of[dups]), "variant": pa.array(dups % 3)})
    con.register(_PAIRS, pairs)
    try:
        con.execute(f"""
            UPDATE {quote_ident(table)} AS d SET
                name = s.name,
                email = CASE s.variant
                    WHEN 0 THEN upper(left(s.email, 1)) || substr(s.email, 2)
                    WHEN 1 THEN upper(s.email)
                    ELSE s.email || ' ' END,
                phone = regexp_replace(s.phone, '[^0-9+]', '', 'g'),
                birth_date = s.birth_date
            FROM (
                SELECT {ident_sql("p.dup", "customer")} AS dup_id, p.variant, o.name, o.email, o.phone, o.birth_date
                FROM {_PAIRS} AS p JOIN {quote_ident(table)} AS o ON o.customer_id = {ident_sql("p.src", "customer")}
            ) AS s
            WHERE d.customer_id = s.dup_id
        """)
    finally:
        con.unregister(_PAIRS)
