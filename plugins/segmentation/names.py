"""The named groups of every segmentation scheme: English and Chinese names, what each means, what to do
with it, and the other words people use for it (for the query layer).

The names are the values saved in ``segments.segment``; questions recognise them and the synonyms
listed here once a scheme has been saved. Chinese synonyms are short (冠军, not 冠军客户) so that in
"列出冠军客户" the word 客户 stays a separate word and the question is understood as a customer list.
Names of different schemes never coincide, so a word in a question always means one scheme's group.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SegmentName:
    name: str  # as saved in segments.segment
    name_zh: str
    meaning: str
    action: str
    action_zh: str
    synonyms: tuple[str, ...] = field(default=())


# -- RFM -----------------------------------------------------------------------------------------------
CHAMPIONS = "Champions"
LOYAL = "Loyal"
POTENTIAL_LOYALISTS = "Potential Loyalists"
NEW_CUSTOMERS = "New Customers"
PROMISING = "Promising"
NEED_ATTENTION = "Need Attention"
ABOUT_TO_SLEEP = "About to Sleep"
AT_RISK = "At Risk"
CANT_LOSE_THEM = "Can't Lose Them"
HIBERNATING = "Hibernating"
LOST = "Lost"

RFM_SEGMENTS: tuple[SegmentName, ...] = (
    SegmentName(
        CHAMPIONS,
        "冠军客户",
        "bought recently, buy often and spend the most",
        "Reward them: early access, loyalty perks, ask for reviews and referrals; no discounts needed.",
        "给予奖励：新品抢先购、会员权益，邀请评价和推荐；无需打折。",
        ("champion", "champions", "冠军"),
    ),
    SegmentName(
        LOYAL,
        "忠诚客户",
        "buy regularly and spend well, bought not long ago",
        "Upsell higher-value products, enrol them in the loyalty programme, ask for reviews.",
        "推荐更高价值的商品，邀请加入会员计划，邀请评价。",
        ("loyalists", "忠诚", "忠实"),
    ),
    SegmentName(
        POTENTIAL_LOYALISTS,
        "潜在忠诚客户",
        "recent customers with average frequency and spend",
        "Offer membership or a loyalty programme and recommend related products to build the habit.",
        "推荐会员或积分计划及相关商品，培养复购习惯。",
        ("potential loyalist", "potential loyal", "潜在忠诚", "潜力忠诚"),
    ),
    SegmentName(
        NEW_CUSTOMERS,
        "新晋客户",
        "bought very recently, but only once or for little",
        "Onboard them: a welcome series, first-use tips, and an incentive for the second order.",
        "做好新客引导：欢迎邮件、使用指南，并以优惠促成第二单。",
        ("newcomers", "新晋"),
    ),
    SegmentName(
        PROMISING,
        "有潜力客户",
        "bought recently, low frequency and spend so far",
        "Build brand awareness and offer free trials or small incentives to come back.",
        "加强品牌认知，提供试用或小额优惠吸引再次购买。",
        ("有潜力", "潜力"),
    ),
    SegmentName(
        NEED_ATTENTION,
        "需要关注客户",
        "middling recency, frequency and spend",
        "Reactivate with limited-time offers and recommendations based on past purchases.",
        "用限时优惠和基于历史购买的推荐重新激活。",
        ("needs attention", "needing attention", "需要关注", "需关注"),
    ),
    SegmentName(
        ABOUT_TO_SLEEP,
        "即将沉睡客户",
        "below-average recency, frequency and spend",
        "Share popular products and a time-limited discount before they go quiet.",
        "在其沉睡前推送热门商品和限时折扣。",
        ("即将沉睡", "将要沉睡"),
    ),
    SegmentName(
        AT_RISK,
        "流失风险客户",
        "used to buy often and spend well, but not for a long time",
        "Win them back: a personal win-back offer, renewals, helpful reminders.",
        "发起召回：个性化挽回优惠、续费提醒和关怀触达。",
        ("at-risk", "流失风险", "有流失风险"),
    ),
    SegmentName(
        CANT_LOSE_THEM,
        "不能失去的客户",
        "top spenders and most frequent buyers who have not bought for a long time",
        "Reach out personally with your best win-back offer; find out why they left.",
        "一对一联系并给出最有力的挽回方案，了解其离开原因。",
        ("can't lose", "cant lose them", "cannot lose them", "can not lose them", "不能失去", "重要挽留"),
    ),
    SegmentName(
        HIBERNATING,
        "休眠客户",
        "bought long ago, rarely and for little",
        "Offer relevant products and special discounts; keep contact light.",
        "推送相关商品和特别折扣，低频触达即可。",
        ("休眠",),
    ),
    SegmentName(
        LOST,
        "已流失客户",
        "lowest recency, frequency and spend",
        "Try one reactivation campaign, otherwise stop spending on them.",
        "尝试一次唤醒活动，无效则停止投入。",
        (),
    ),
)

#: The standard segment map on recency (rows R5..R1) and the mean of frequency and monetary (columns FM1..FM5).
RFM_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: (NEW_CUSTOMERS, POTENTIAL_LOYALISTS, POTENTIAL_LOYALISTS, CHAMPIONS, CHAMPIONS),
    4: (PROMISING, POTENTIAL_LOYALISTS, POTENTIAL_LOYALISTS, LOYAL, CHAMPIONS),
    3: (ABOUT_TO_SLEEP, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL),
    2: (HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE_THEM),
    1: (LOST, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE_THEM),
}

# -- value tiers (Pareto / ABC) ------------------------------------------------------------------------
TIER_A = "Tier A"
TIER_B = "Tier B"
TIER_C = "Tier C"

VALUE_TIERS: tuple[SegmentName, ...] = (
    SegmentName(
        TIER_A,
        "A类（高价值）客户",
        "the top customers who together make the first share of revenue (80% by default)",
        "Protect and grow: account care, exclusive service, retention first.",
        "重点维护：专属服务，优先保留与深耕。",
        ("a tier", "top tier", "tier-a", "高价值"),
    ),
    SegmentName(
        TIER_B,
        "B类（中价值）客户",
        "the next customers, up to the second share of revenue (95% by default)",
        "Develop: cross-sell and upgrade them towards tier A.",
        "重点培育：交叉销售，推动升级为A类。",
        ("b tier", "middle tier", "tier-b", "中价值"),
    ),
    SegmentName(
        TIER_C,
        "C类（低价值）客户",
        "the long tail that makes the rest of revenue",
        "Serve efficiently: automated, low-cost marketing.",
        "高效服务：自动化、低成本营销。",
        ("c tier", "bottom tier", "tier-c", "低价值"),
    ),
)

# -- lifecycle stages ----------------------------------------------------------------------------------
PROSPECT = "Prospect"
NEW_BUYER = "New buyer"
ACTIVE_BUYER = "Active buyer"
LAPSING_BUYER = "Lapsing buyer"
CHURNED_BUYER = "Churned buyer"
NOT_YET = "Not yet a customer"  # only as the origin of a transition: signed up after the first date

LIFECYCLE_STAGES: tuple[SegmentName, ...] = (
    SegmentName(
        PROSPECT,
        "潜在客户",
        "a known customer with no completed order yet",
        "Convert: a first-order incentive and onboarding content.",
        "促成首单：首单优惠和引导内容。",
        ("prospects", "non-buyers", "潜客", "未购买"),
    ),
    SegmentName(
        NEW_BUYER,
        "新购客户",
        "first completed order within the 'new' window (90 days by default)",
        "Onboard and secure the second order.",
        "做好新客引导，促成第二单。",
        ("new buyers", "first-time buyers", "新购", "首购"),
    ),
    SegmentName(
        ACTIVE_BUYER,
        "活跃客户",
        "bought within the 'active' window (90 days by default), not new",
        "Keep engaged: recommendations and loyalty rewards.",
        "保持活跃：个性化推荐与会员奖励。",
        ("active buyers", "活跃"),
    ),
    SegmentName(
        LAPSING_BUYER,
        "流失预警客户",
        "the at-risk stage: last order between the active window and the churn threshold (91–180 days by default)",
        "Act now: reminders and a win-back offer before they churn.",
        "及时干预：在流失前发送提醒和挽回优惠。",
        ("lapsing", "流失预警", "濒临流失", "快要流失"),
    ),
    SegmentName(
        CHURNED_BUYER,
        "已流失客户",
        "no completed order for longer than the churn threshold (180 days by default)",
        "Win back selectively; study why they left.",
        "有选择地召回，分析流失原因。",
        ("churned buyers", "已流失"),
    ),
)

#: Every scheme: name as saved in segments.scheme -> its groups (clusters are numbered, not named).
SCHEMES: dict[str, tuple[SegmentName, ...]] = {
    "rfm": RFM_SEGMENTS,
    "value": VALUE_TIERS,
    "lifecycle": LIFECYCLE_STAGES,
}

RFM_BY_NAME: dict[str, SegmentName] = {s.name: s for s in RFM_SEGMENTS}
TIERS_BY_NAME: dict[str, SegmentName] = {s.name: s for s in VALUE_TIERS}
STAGES_BY_NAME: dict[str, SegmentName] = {s.name: s for s in LIFECYCLE_STAGES}


def lookup(names: tuple[SegmentName, ...], text: str) -> SegmentName | None:
    """The group ``text`` names: its English or Chinese name or a synonym, case and spacing ignored."""
    key = _key(text)
    for s in names:
        if key in {_key(s.name), _key(s.name_zh), *(_key(x) for x in s.synonyms)}:
            return s
    return None


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def value_synonyms(names: tuple[SegmentName, ...]) -> dict[str, list[str]]:
    """``{name: [synonyms...]}`` for a Dimension's value_synonyms (the full Chinese names, e.g. 冠军客户,
    are left out on purpose: as one word they would swallow 客户 and "列出冠军客户" would not be a list)."""
    return {s.name: list(s.synonyms) for s in names}
