"""What a review or comment is about: delivery, price, quality, service, returns — from keywords.

A fixed, bilingual keyword list (written for crmlens; English matched as whole words, Chinese as
substrings). A text gets every aspect it mentions (``aspects``) and a main one (``aspect``: the most
mentions, the earliest on a tie); ``other`` when it mentions none. Stored beside the sentiment so a
question such as "show negative reviews about delivery" can filter on it. The data-driven themes are
the job of ``reputation.topics``; these aspects are the stable, named ones.
"""

from __future__ import annotations

import re
from functools import lru_cache

ASPECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "delivery": {
        "en": (
            "delivery",
            "delivered",
            "deliver",
            "shipping",
            "shipped",
            "shipment",
            "courier",
            "parcel",
            "package arrived",
            "arrived",
            "arrive",
            "arrival",
            "dispatch",
            "dispatched",
            "tracking",
            "postage",
            "late",
            "delayed",
            "delay",
            "on time",
            "logistics",
            "carrier",
        ),
        "zh": (
            "物流",
            "快递",
            "配送",
            "发货",
            "送货",
            "到货",
            "包裹",
            "送到",
            "运输",
            "派送",
            "送达",
            "迟到",
            "延误",
            "才到",
        ),
    },
    "price": {
        "en": (
            "price",
            "prices",
            "priced",
            "pricing",
            "expensive",
            "cheap",
            "cheaper",
            "cost",
            "costs",
            "value",
            "money",
            "discount",
            "coupon",
            "deal",
            "bargain",
            "overpriced",
            "affordable",
            "worth",
        ),
        "zh": (
            "价格",
            "价钱",
            "贵",
            "便宜",
            "性价比",
            "优惠",
            "优惠券",
            "折扣",
            "降价",
            "划算",
            "实惠",
            "值得",
            "券",
            "钱",
        ),
    },
    "quality": {
        "en": (
            "quality",
            "broke",
            "broken",
            "breaks",
            "defective",
            "faulty",
            "sturdy",
            "flimsy",
            "material",
            "materials",
            "build",
            "built",
            "durable",
            "finish",
            "stitching",
            "fabric",
            "works",
            "working",
            "stopped",
            "damaged",
            "cracked",
            "cheaply",
            "premium",
            "feels",
        ),
        "zh": (
            "质量",
            "做工",
            "材质",
            "用料",
            "坏了",
            "破损",
            "瑕疵",
            "品质",
            "手感",
            "质感",
            "耐用",
            "结实",
            "不好用",
            "好用",
            "掉色",
            "起球",
        ),
    },
    "service": {
        "en": (
            "service",
            "support",
            "customer service",
            "staff",
            "agent",
            "representative",
            "helpful",
            "rude",
            "responded",
            "response",
            "reply",
            "replied",
            "answered",
            "call",
            "chat",
            "email",
            "store",
            "assistant",
            "seller",
            "courteous",
            "friendly",
        ),
        "zh": (
            "客服",
            "售后",
            "服务",
            "店员",
            "态度",
            "回复",
            "答复",
            "解答",
            "处理",
            "商家",
            "卖家",
            "导购",
            "热情",
            "耐心",
        ),
    },
    "returns": {
        "en": ("return", "returned", "returning", "returns", "exchange", "replacement", "send it back", "sent it back"),
        "zh": ("退货", "退换", "换货", "退回", "退了", "退款"),
    },
}
OTHER = "other"
ORDER = tuple(ASPECTS)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    out = {}
    for aspect, words in ASPECTS.items():
        en = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words["en"], key=len, reverse=True)) + r")\b")
        zh = re.compile("|".join(re.escape(w) for w in sorted(words["zh"], key=len, reverse=True)))
        out[aspect] = (en, zh)
    return out


def aspects_of(text: str | None) -> tuple[str, list[str]]:
    """(main aspect, every aspect mentioned in :data:`ORDER`) of one text; ``("other", [])`` if none."""
    if not text:
        return OTHER, []
    lowered = text.lower()
    hits: list[tuple[int, int, str]] = []  # (-mentions, first position, aspect)
    for aspect, (en, zh) in _patterns().items():
        positions = [m.start() for m in en.finditer(lowered)] + [m.start() for m in zh.finditer(text)]
        if positions:
            hits.append((-len(positions), min(positions), aspect))
    if not hits:
        return OTHER, []
    found = {a for _, _, a in hits}
    return min(hits)[2], [a for a in ORDER if a in found]
