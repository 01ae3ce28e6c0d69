"""Free text for survey comments and reviews, in English and Chinese.

A text is composed from fragments: an opening, a theme phrase, an optional detail or comparison and an
optional closing, each chosen at random among several for the text's language, sentiment and theme.
The wording follows the sentiment (promoters and 4-5 star reviews praise, detractors and 1-2 star
reviews complain) and names the theme: delivery, price, quality or service. Fragments may name the
product (``{item}``) or a competitor (``{competitor}``). Composition runs on whole Arrow columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LANGUAGES = ("en", "zh")
EN, ZH = 0, 1
SENTIMENTS = ("positive", "mixed", "negative")
POSITIVE, MIXED, NEGATIVE = 0, 1, 2
THEMES = ("delivery", "price", "quality", "service")
DELIVERY, PRICE, QUALITY, SERVICE = range(4)
PLACEHOLDERS = ("item", "competitor")

#: Words that only complaints use (tests and docs use them to check the text follows the score).
COMPLAINT_WORDS = {
    "en": (
        "late",
        "slow",
        "delayed",
        "expensive",
        "overpriced",
        "broke",
        "defective",
        "cheap",
        "rude",
        "unhelpful",
        "terrible",
        "poor",
        "disappointed",
    ),
    "zh": ("慢", "贵", "差", "坏", "失望", "延误"),
}

Fragments = Mapping[str, Sequence[str]]

# --- Theme phrases, shared by survey comments and reviews -------------------------------------------------

THEME_PHRASES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "positive": {
            "delivery": (
                "Delivery was super fast and the package arrived in perfect condition.",
                "The parcel arrived a day earlier than promised.",
                "Shipping was quick and the tracking was accurate.",
                "Next-day delivery and very well packed.",
                "The courier was on time and friendly.",
            ),
            "price": (
                "Great value for money.",
                "The prices are fair and the discounts were generous.",
                "Good quality at a reasonable price.",
                "The coupon made it a real bargain.",
                "Worth every penny.",
            ),
            "quality": (
                "The {item} is excellent quality and feels premium.",
                "Well made and durable, exactly as described.",
                "The materials are great and the finish is perfect.",
                "The {item} exceeded my expectations.",
                "Everything works perfectly.",
            ),
            "service": (
                "Customer service was friendly and solved my question in minutes.",
                "The support team was very helpful.",
                "The staff were polite and knowledgeable.",
                "The agent went above and beyond to help me.",
                "Returns were easy and the service was excellent.",
            ),
        },
        "mixed": {
            "delivery": (
                "The product is fine but delivery took a few days longer than expected.",
                "Shipping was a bit slow.",
                "Delivery was okay, although the tracking was never updated.",
                "It arrived later than promised, but in good condition.",
            ),
            "price": (
                "Good product, but a little expensive.",
                "Prices are slightly higher than elsewhere.",
                "The quality is fine but the price could be lower.",
                "I would buy more if there were better discounts.",
            ),
            "quality": (
                "The {item} is okay but feels a bit cheap.",
                "Quality is average for the price.",
                "The {item} works, though the finish could be better.",
                "One part looks less sturdy than I hoped.",
            ),
            "service": (
                "Service was polite but slow to reply.",
                "Support answered, but it took two days.",
                "The staff were friendly but not very knowledgeable.",
                "I had to explain my issue twice.",
            ),
        },
        "negative": {
            "delivery": (
                "Delivery was extremely late, I waited over a week.",
                "The parcel was delayed and the tracking showed nothing for days.",
                "The courier lost my package and nobody cared.",
                "It arrived late and the box was damaged.",
                "Shipping was so slow that I almost cancelled.",
            ),
            "price": (
                "Way too expensive for what you get.",
                "Overpriced compared with other shops.",
                "The price dropped right after I ordered, feels like a rip-off.",
                "The discount promised at checkout was not applied.",
                "Not worth the money, overpriced.",
            ),
            "quality": (
                "The {item} broke after a few days.",
                "Poor quality, the {item} feels cheap and flimsy.",
                "The product was defective on arrival.",
                "It stopped working within a week, poor quality.",
                "Badly made and nothing like the photos.",
            ),
            "service": (
                "Customer service was rude and unhelpful.",
                "Nobody replied to my emails for days, terrible service.",
                "Support kept transferring me and never solved the problem.",
                "The refund took forever and the agent ignored me.",
                "The service was terrible.",
            ),
        },
    },
    "zh": {
        "positive": {
            "delivery": (
                "物流很快，第二天就到了，包装也很好。",
                "快递小哥很准时，服务态度好。",
                "发货迅速，物流信息更新及时。",
                "比预计时间还早到，包装完好。",
                "顺丰配送，隔天就收到了。",
            ),
            "price": (
                "性价比很高。",
                "价格实惠，活动力度很大。",
                "用券之后非常划算。",
                "物超所值。",
                "这个价位买到这样的东西很值。",
            ),
            "quality": (
                "{item}质量很好，做工精细。",
                "质量超出预期，用料扎实。",
                "和描述一致，做工很棒。",
                "{item}品质不错，用着很顺手。",
                "细节处理得很好，手感高级。",
            ),
            "service": (
                "客服态度很好，回复及时。",
                "售后很给力，问题很快就解决了。",
                "店员热情专业。",
                "客服耐心解答了我的问题。",
                "退换货很方便，服务周到。",
            ),
        },
        "mixed": {
            "delivery": (
                "东西还可以，就是物流有点慢。",
                "配送比预期晚了两天。",
                "快递还行，但是物流信息不更新。",
                "到货时间一般，包装还算完整。",
            ),
            "price": (
                "东西不错，就是价格偏高。",
                "比别家稍微贵一点。",
                "希望能多一些优惠活动。",
                "质量可以，价格再低点就好了。",
            ),
            "quality": (
                "{item}还行，但做工一般。",
                "质量中规中矩。",
                "能用，但细节有待改进。",
                "{item}有点小瑕疵，不影响使用。",
            ),
            "service": (
                "客服态度还行，就是回复太慢。",
                "售后能解决问题，但流程繁琐。",
                "问题说了两遍才明白。",
                "店员挺客气，但不太专业。",
            ),
        },
        "negative": {
            "delivery": (
                "物流太慢了，等了一个多星期才到。",
                "快递延误，物流信息好几天都没更新。",
                "包裹丢了，也没人管。",
                "送到的时候箱子都压坏了，还迟到了好几天。",
                "发货太慢，差点想取消订单。",
            ),
            "price": (
                "价格太贵了，不值这个价。",
                "比其他店贵了不少。",
                "刚买完就降价了，很坑。",
                "说好的优惠券没有用上，太贵了。",
                "性价比太差。",
            ),
            "quality": (
                "{item}用了几天就坏了。",
                "质量很差，做工粗糙。",
                "收到就是坏的，有质量问题。",
                "用了一周就坏了，质量太差。",
                "{item}和描述严重不符，质量很差。",
            ),
            "service": (
                "客服态度很差，爱答不理。",
                "客服好几天都不回复，服务太差。",
                "售后一直推脱，问题到现在都没解决。",
                "退款拖了很久，没人处理，很失望。",
                "服务太差了。",
            ),
        },
    },
}

# --- Survey comments --------------------------------------------------------------------------------------

FEEDBACK_OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "Love shopping with Lumina.",
            "Great experience overall.",
            "Really happy with my order.",
            "Excellent, as always.",
            "Very satisfied.",
            "Fantastic experience from start to finish.",
            "Five stars from me.",
            "",
        ),
        "mixed": (
            "Decent experience overall.",
            "It was okay.",
            "Mostly fine.",
            "Not bad, not great.",
            "Generally satisfied.",
            "Some good, some bad.",
            "",
        ),
        "negative": (
            "Very disappointed.",
            "Terrible experience.",
            "Not happy at all.",
            "This was frustrating.",
            "Really poor experience this time.",
            "I expected much better.",
            "",
        ),
    },
    "zh": {
        "positive": (
            "非常满意！",
            "整体体验很棒。",
            "一如既往的好。",
            "五星好评！",
            "这次购物很愉快。",
            "老顾客了，一直很放心。",
            "",
        ),
        "mixed": ("整体还行。", "体验一般般。", "还算可以吧。", "有好有坏。", "基本满意。", ""),
        "negative": ("非常失望。", "体验太差了。", "很不满意。", "这次购物太糟心了。", "完全没想到会这样，失望。", ""),
    },
}
FEEDBACK_DETAILS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "I've already ordered again.",
            "My family loves it too.",
            "Using it every day.",
            "Second order this month.",
            "",
            "",
        ),
        "mixed": ("Might order again.", "Still deciding whether to keep it.", "Compared a few shops first.", "", ""),
        "negative": (
            "I asked for a refund.",
            "I had to contact support twice.",
            "This is the second time this happened.",
            "Still waiting for an answer.",
            "",
            "",
        ),
    },
    "zh": {
        "positive": ("已经回购了。", "家里人也很喜欢。", "每天都在用。", "这个月第二次下单了。", "", ""),
        "mixed": ("可能还会再买。", "还在考虑要不要退。", "对比了几家才买的。", "", ""),
        "negative": ("已经申请退款了。", "联系了两次客服。", "这已经是第二次了。", "到现在还没人回复。", "", ""),
    },
}
FEEDBACK_CLOSINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": ("Highly recommend!", "Will definitely buy again.", "Keep it up!", "Thank you, Lumina!", ""),
        "mixed": ("Hope it improves.", "Could be better.", "Please work on this.", ""),
        "negative": (
            "Will not buy again.",
            "Would not recommend.",
            "Please fix this.",
            "I'm switching to another brand.",
            "",
        ),
    },
    "zh": {
        "positive": ("强烈推荐！", "还会再来买的。", "继续加油！", "已经推荐给朋友了。", ""),
        "mixed": ("希望改进。", "还有提升空间。", "希望下次更好。", ""),
        "negative": ("不会再买了。", "不推荐。", "请尽快改进。", "准备换别的牌子了。", ""),
    },
}

# --- Reviews ----------------------------------------------------------------------------------------------

REVIEW_OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "Love this {item}!",
            "Really impressed with the {item}.",
            "Best {item} I've owned.",
            "Exactly what I was looking for.",
            "Great buy.",
            "Bought the {item} as a gift and it was a hit.",
        ),
        "mixed": (
            "The {item} is decent.",
            "Okay for daily use.",
            "Three stars, here's why.",
            "Mixed feelings about the {item}.",
            "It does the job.",
        ),
        "negative": (
            "Don't buy this {item}.",
            "Really disappointed with the {item}.",
            "Regret this purchase.",
            "Save your money.",
            "One star is generous.",
        ),
    },
    "zh": {
        "positive": (
            "这款{item}太喜欢了！",
            "{item}收到了，很惊喜。",
            "用过最好的{item}。",
            "和想要的一模一样。",
            "买来送人，对方很喜欢。",
        ),
        "mixed": ("{item}还行吧。", "日常用用够了。", "给三星，说说原因。", "对这款{item}感觉一般。"),
        "negative": ("这款{item}千万别买。", "对这个{item}非常失望。", "后悔买了。", "浪费钱。"),
    },
}
REVIEW_COMPARISONS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "Much better than my old {competitor} one.",
            "Better than {competitor} for the same price.",
            "I switched from {competitor} and don't regret it.",
        ),
        "mixed": ("About the same as {competitor}.", "{competitor} has a similar one for less."),
        "negative": (
            "{competitor} does this much better.",
            "Should have bought the {competitor} version.",
            "Going back to {competitor}.",
        ),
    },
    "zh": {
        "positive": ("比之前用的{competitor}好多了。", "同价位比{competitor}强。", "从{competitor}换过来的，不后悔。"),
        "mixed": ("和{competitor}的差不多。", "{competitor}同款便宜一点。"),
        "negative": ("还不如{competitor}的。", "早知道买{competitor}了。", "{competitor}的质量比这个好。"),
    },
}
REVIEW_CLOSINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": ("Highly recommended.", "Would buy again.", "Five stars.", "", ""),
        "mixed": ("Might work for some people.", "Average overall.", ""),
        "negative": ("Returning it.", "Avoid.", "Asked for a refund.", ""),
    },
    "zh": {
        "positive": ("推荐购买。", "会回购。", "好评！", "", ""),
        "mixed": ("见仁见智吧。", "中规中矩。", ""),
        "negative": ("已退货。", "避雷！", "申请退款了。", ""),
    },
}


class FragmentPool:
    """Fragments grouped by (language, sentiment[, theme]); each may hold one placeholder."""

    def __init__(self, table: Mapping[str, Mapping[str, object]], *, by_theme: bool) -> None:
        self.by_theme = by_theme
        texts: list[str] = []
        starts: list[int] = []
        sizes: list[int] = []
        for lang in LANGUAGES:
            for sentiment in SENTIMENTS:
                node = table[lang][sentiment]
                groups: list[Sequence[str]]
                if by_theme:
                    assert isinstance(node, Mapping)
                    groups = [node[t] for t in THEMES]
                else:
                    assert isinstance(node, tuple)
                    groups = [node]
                for frags in groups:
                    if not frags:
                        raise ValueError(f"empty fragment group for {lang}/{sentiment}")
                    starts.append(len(texts))
                    sizes.append(len(frags))
                    texts.extend(f + " " if lang == "en" and f else f for f in frags)
        pre, post, slot = [], [], []
        for t in texts:
            for k, name in enumerate(PLACEHOLDERS):
                token = "{" + name + "}"
                if token in t:
                    a, b = t.split(token, 1)
                    pre.append(a)
                    post.append(b)
                    slot.append(k)
                    break
            else:
                pre.append(t)
                post.append("")
                slot.append(-1)
        self.texts = tuple(texts)
        self.pre = pa.array(pre, type=pa.string())
        self.post = pa.array(post, type=pa.string())
        self.slot = np.array(slot, dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)
        self.sizes = np.array(sizes, dtype=np.int64)

    def group(self, language: np.ndarray, sentiment: np.ndarray, theme: np.ndarray | None = None) -> np.ndarray:
        g = np.asarray(language, dtype=np.int64) * len(SENTIMENTS) + np.asarray(sentiment, dtype=np.int64)
        if self.by_theme:
            if theme is None:
                raise ValueError("this pool is grouped by theme")
            g = g * len(THEMES) + np.asarray(theme, dtype=np.int64)
        return g

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """A random fragment of each row's group, as indices into the pool."""
        offset = np.asarray(rng.random(len(group)) * self.sizes[group], dtype=np.int64)
        return np.asarray(self.starts[group] + offset, dtype=np.int64)


THEME_POOL = FragmentPool(THEME_PHRASES, by_theme=True)
FEEDBACK_OPENING_POOL = FragmentPool(FEEDBACK_OPENINGS, by_theme=False)
FEEDBACK_DETAIL_POOL = FragmentPool(FEEDBACK_DETAILS, by_theme=False)
FEEDBACK_CLOSING_POOL = FragmentPool(FEEDBACK_CLOSINGS, by_theme=False)
REVIEW_OPENING_POOL = FragmentPool(REVIEW_OPENINGS, by_theme=False)
REVIEW_COMPARISON_POOL = FragmentPool(REVIEW_COMPARISONS, by_theme=False)
REVIEW_CLOSING_POOL = FragmentPool(REVIEW_CLOSINGS, by_theme=False)


def compose(
    parts: Sequence[tuple[FragmentPool, np.ndarray, np.ndarray | None]],
    fills: Mapping[str, pa.Array],
) -> pa.Array:
    """Join one fragment per part for every row: ``parts`` are (pool, fragment index, row mask) where
    the mask (None = all rows) says which rows use the part; ``fills`` hold each placeholder's text per row."""
    pieces: list[pa.Array] = []
    for pool, index, use in parts:
        idx = pa.array(index)
        pre, post = pc.take(pool.pre, idx), pc.take(pool.post, idx)
        slot = pool.slot[index]
        if use is not None:
            slot = np.where(use, slot, -1)
            keep = pa.array(use)
            pre, post = pc.if_else(keep, pre, ""), pc.if_else(keep, post, "")
        pieces.append(pre)
        for k, name in enumerate(PLACEHOLDERS):
            here = slot == k
            if here.any():
                pieces.append(pc.if_else(pa.array(here), fills[name], ""))
        pieces.append(post)
    joined = pc.binary_join_element_wise(*pieces, "")
    return pc.utf8_trim_whitespace(joined)


def sentiment_of_nps(nps: np.ndarray) -> np.ndarray:
    return np.select([nps >= 9, nps >= 7], [POSITIVE, MIXED], NEGATIVE)


def sentiment_of_rating(rating: np.ndarray) -> np.ndarray:
    return np.select([rating >= 4, rating == 3], [POSITIVE, MIXED], NEGATIVE)
