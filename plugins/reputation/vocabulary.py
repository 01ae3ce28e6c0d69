"""The English and Chinese phrases that route questions to the reputation analyses.

Which path answers better was decided per question:

* "NPS by channel last quarter" (and "NPS analysis by month", "净推荐值分析") → ``reputation.nps``: the
  same NPS per channel or period as the ``nps`` metric (same column names, so the numbers compare one to
  one) plus the counts behind each figure, the margin of error and the test against the previous period.
* "NPS by month" and "净推荐值趋势" stay with the ``nps`` metric: the parser reads time words ("by month",
  "trend", "趋势", "每月") before it matches phrases, so a phrase holding one can never match, and the
  metric's monthly series is exactly the figure asked for (equal to ``reputation.nps``'s ``nps`` column).
* "average resolution time by category" stays with the query layer's ``average_resolution_days``
  metric (exactly the figure asked for); ``reputation.service`` answers the broader service questions.
* Complaints, negative reviews about an aspect, competitors and price position have no metric: they
  route to topics, reviews and competitors.

Phrases are specific on purpose: a word that is also a metric's synonym ("nps", "complaints") keeps
routing to the metric.
"""

from __future__ import annotations

import re
from typing import Any

from crmlens.engine import Phrase

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def _chinese_first(phrases: list[Phrase]) -> list[Phrase]:
    """Chinese phrases before those mixing Latin and Chinese ("nps趋势"): the query layer cuts a phrase into
    words when it is registered, and its Chinese words must be known to the segmenter by then."""
    return sorted(phrases, key=lambda p: bool(_CJK.search(p.text) and _LATIN.search(p.text)))


def _p(analysis: str, texts: list[str], **params: Any) -> list[Phrase]:
    return [Phrase(text=t, analysis=analysis, params=dict(params)) for t in texts]


NPS_CHANNEL = [
    "nps by channel",
    "nps per channel",
    "nps for each channel",
    "nps across channels",
    "nps by survey channel",
    "net promoter score by channel",
    "net promoter score per channel",
    "channel nps",
    "各渠道净推荐值",
    "各渠道的净推荐值",
    "分渠道净推荐值",
    "不同渠道的净推荐值",
    "各渠道nps",
    "分渠道nps",
    "不同渠道的nps",
]
NPS_GENERAL = [
    "nps analysis",
    "nps breakdown",
    "nps details",
    "nps significance",
    "promoters and detractors",
    "promoters passives and detractors",
    "nps margin of error",
    "nps with margin of error",
    "净推荐值分析",
    "净推荐值明细",
    "推荐者和贬损者",
    "推荐者与贬损者",
    "nps分析",
    "nps明细",
]

CSAT = {
    "general": (
        [
            "csat analysis",
            "satisfaction analysis",
            "csat distribution",
            "satisfaction score distribution",
            "csat breakdown",
            "满意度分析",
            "满意度分布",
            "满意度评分分布",
        ],
        {},
    ),
    "ratings": (
        [
            "rating distribution",
            "star rating distribution",
            "distribution of ratings",
            "ratings breakdown",
            "star distribution",
            "rating analysis",
            "评分分布",
            "星级分布",
            "评分构成",
            "评分分析",
        ],
        {"measure": "rating"},
    ),
}

SENTIMENT = [
    "sentiment analysis",
    "review sentiment",
    "sentiment of reviews",
    "comment sentiment analysis",
    "analyse sentiment",
    "analyze sentiment",
    "score sentiment",
    "情感分析",
    "评论情感分析",
    "评价情感分析",
    "评论情感",
    "口碑分析",
    "情绪分析",
]

COMPLAINTS = [
    "what are customers complaining about",
    "what do customers complain about",
    "what customers complain about",
    "what are people complaining about",
    "what are customers unhappy about",
    "complaining about",
    "complain about",
    "complaint topics",
    "main complaints",
    "biggest complaints",
    "common complaints",
    "most common complaints",
    "customer pain points",
    "pain points",
    "why are customers unhappy",
    "reasons for negative reviews",
    "negative review topics",
    "topics of negative reviews",
    "what drags nps",
    "差评主要集中在哪些方面",
    "差评集中在哪些方面",
    "差评主要集中在",
    "差评集中在",
    "差评主要集中",
    "差评原因",
    "差评的原因",
    "差评主要原因",
    "差评都在说什么",
    "客户抱怨什么",
    "客户在抱怨什么",
    "顾客在抱怨什么",
    "抱怨最多",
    "吐槽最多",
    "吐槽点",
    "投诉主题",
    "主要投诉",
    "客户痛点",
    "用户痛点",
    "不满意的原因",
    "哪些方面不满意",
]
PRAISE = [
    "what do customers like",
    "what customers like",
    "what do customers love",
    "what do customers praise",
    "what customers praise",
    "praise topics",
    "positive review topics",
    "reasons for positive reviews",
    "what are customers happy about",
    "好评主要集中在哪些方面",
    "好评集中在哪些方面",
    "好评集中在",
    "好评原因",
    "好评的原因",
    "客户喜欢什么",
    "客户夸什么",
    "顾客喜欢什么",
    "好评都在说什么",
]
TOPICS = [
    "review topics",
    "topics in reviews",
    "topic analysis",
    "topic modelling",
    "topic modeling",
    "what are customers talking about",
    "what do customers say",
    "what customers say about us",
    "评论主题",
    "评价主题",
    "话题分析",
    "主题分析",
    "客户在说什么",
    "评论都在说什么",
]

REVIEW_SENTIMENT_EN = {
    "negative": ["negative reviews", "bad reviews", "poor reviews", "critical reviews"],
    "positive": ["positive reviews", "good reviews", "glowing reviews"],
    "neutral": ["neutral reviews", "mixed reviews"],
}
REVIEW_SENTIMENT_ZH = {
    "negative": ["差评", "负面评价", "不好的评价"],
    "positive": ["好评", "正面评价"],
    "neutral": ["中评", "中性评价"],
}
ASPECT_EN = {
    "delivery": ["delivery", "shipping", "shipment", "late delivery"],
    "price": ["price", "prices", "pricing"],
    "quality": ["quality", "product quality"],
    "service": ["service", "customer service", "support"],
    "returns": ["returns", "refunds", "returning"],
}
ASPECT_ZH = {
    "delivery": ["物流", "快递", "配送", "发货"],
    "price": ["价格", "价钱"],
    "quality": ["质量", "品质", "做工"],
    "service": ["客服", "服务", "售后"],
    "returns": ["退货", "退款", "退换货"],
}
LIST_ZH = [
    "差评有哪些",
    "看看差评",
    "查看差评",
    "显示差评",
    "列出差评",
    "最近的差评",
    "好评有哪些",
    "看看好评",
    "查看好评",
]


def _review_phrases() -> list[Phrase]:
    out: list[Phrase] = []
    for sentiment, words in REVIEW_SENTIMENT_EN.items():
        out += _p("reputation.reviews", words, sentiment=sentiment)
        for aspect, names in ASPECT_EN.items():
            texts = [
                f"{w} {link} {a}"
                for w in words
                for a in names
                for link in ("about", "mentioning", "on", "regarding", "related to")
            ]
            out += _p("reputation.reviews", texts, sentiment=sentiment, aspect=aspect)
    for aspect, names in ASPECT_EN.items():
        out += _p(
            "reputation.reviews",
            [f"reviews {link} {a}" for a in names for link in ("about", "mentioning")],
            aspect=aspect,
        )
    for sentiment, words in REVIEW_SENTIMENT_ZH.items():
        for aspect, names in ASPECT_ZH.items():
            texts = [
                t
                for w in words
                for a in names
                for t in (f"关于{a}的{w}", f"{a}相关的{w}", f"{a}方面的{w}", f"{a}的{w}", f"提到{a}的{w}", f"{a}{w}")
            ]
            out += _p("reputation.reviews", texts, sentiment=sentiment, aspect=aspect)
    out += _p("reputation.reviews", [t for t in LIST_ZH if "差评" in t], sentiment="negative")
    out += _p("reputation.reviews", [t for t in LIST_ZH if "好评" in t], sentiment="positive")
    return out


COMPETITORS = [
    "how do we compare with competitors",
    "how do we compare to competitors",
    "how do we compare with the competition",
    "compare with competitors",
    "compare us with competitors",
    "compared to competitors",
    "compared with competitors",
    "versus competitors",
    "vs competitors",
    "against competitors",
    "competitor comparison",
    "competitive comparison",
    "competitive analysis",
    "competitor analysis",
    "share of voice",
    "brand comparison",
    "competitor sentiment",
    "how are we doing against competitors",
    "our reputation vs competitors",
    "竞品口碑对比",
    "竞品口碑",
    "竞品对比",
    "竞品分析",
    "和竞品比",
    "与竞品相比",
    "跟竞品比",
    "和竞品相比",
    "竞争对手对比",
    "与竞争对手相比",
    "和竞争对手比",
    "声量份额",
    "品牌口碑对比",
    "口碑对比",
    "和竞品相比口碑",
    "与竞品相比口碑",
    "跟竞品比口碑",
    "口碑和竞品比",
    "口碑比竞品",
    "我们和竞品比怎么样",
]
PRICE = [
    "are we cheaper than competitors",
    "are we more expensive than competitors",
    "cheaper than competitors",
    "more expensive than competitors",
    "cheaper than the competition",
    "price comparison",
    "price position",
    "price positioning",
    "competitor prices",
    "competitor pricing",
    "prices vs competitors",
    "price vs competitors",
    "prices compared to competitors",
    "price index",
    "how do our prices compare",
    "比竞品便宜",
    "比竞品贵",
    "价格比竞品",
    "和竞品比价格",
    "竞品价格",
    "竞品价格对比",
    "价格对比",
    "价格定位",
    "比价",
    "我们比竞品便宜吗",
    "价格有没有竞争力",
    "价格竞争力",
]
SERVICE = {
    "tickets": (
        [
            "service performance",
            "support performance",
            "customer service performance",
            "ticket analysis",
            "support ticket analysis",
            "service level",
            "sla performance",
            "客服表现",
            "客服绩效",
            "工单分析",
            "服务水平",
            "客服工单分析",
        ],
        {},
    ),
    "backlog": (
        [
            "ticket backlog",
            "support backlog",
            "backlog of tickets",
            "open ticket backlog",
            "工单积压",
            "积压工单",
            "客服工单积压",
        ],
        {"view": "backlog"},
    ),
    "csat": (
        [
            "resolution time vs satisfaction",
            "resolution time and satisfaction",
            "resolution time vs csat",
            "does resolution time affect satisfaction",
            "resolution time and csat",
            "service speed and satisfaction",
            "解决时长与满意度",
            "解决时长和满意度",
            "处理时长对满意度的影响",
        ],
        {"view": "csat"},
    ),
}


def phrases() -> list[Phrase]:
    out: list[Phrase] = []
    out += _p("reputation.nps", NPS_CHANNEL, by="feedback_channel")
    out += _p("reputation.nps", NPS_GENERAL)
    for texts, params in CSAT.values():
        out += _p("reputation.csat", texts, **params)
    out += _p("reputation.sentiment", SENTIMENT)
    out += _p("reputation.topics", COMPLAINTS, polarity="negative")
    out += _p("reputation.topics", PRAISE, polarity="positive")
    out += _p("reputation.topics", TOPICS)
    out += _review_phrases()
    out += _p("reputation.competitors", COMPETITORS, view="voice")
    out += _p("reputation.competitors", PRICE, view="price")
    for texts, params in SERVICE.values():
        out += _p("reputation.service", texts, **params)
    return _chinese_first(out)
