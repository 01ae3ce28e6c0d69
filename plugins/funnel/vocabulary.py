"""Phrases, English and Chinese, that route questions to the funnel analyses.

The parser fills ``steps`` (event types named in order), ``window_days`` ("within 3 days"), ``by``
("by device"), ``grain`` and ``start``/``end`` from the rest of the question. None of these phrases is
a metric's synonym: "win rate by quarter", "conversion rate by source" or "average sales cycle" stay
questions about a metric, answered by the query layer. Phrases never swallow an event type
("purchase funnel" would hide the step "purchase" from "visit → purchase funnel").
"""

from __future__ import annotations

from typing import Any

from crmlens.engine import Phrase

EVENTS = "funnel.events"
PIPELINE = "funnel.pipeline"
CAMPAIGNS = "funnel.campaigns"


def _phrases(analysis: str, texts: list[str], params: dict[str, Any] | None = None) -> list[Phrase]:
    return [Phrase(text=t, analysis=analysis, params=params or {}) for t in texts]


# fmt: off
PHRASES: tuple[Phrase, ...] = (
    # -- event funnels --------------------------------------------------------------------------------
    *_phrases(EVENTS, [
        "funnel", "funnels", "conversion funnel", "event funnel", "user funnel", "customer funnel", "web funnel",
        "website funnel", "funnel analysis", "funnel conversion", "step conversion", "conversion by step",
        "step by step conversion", "drop off", "drop offs", "drops off", "dropped off", "dropoff", "drop-off",
        "drop-offs", "where do we lose", "which step", "which steps", "lose users", "lose customers", "bottleneck",
        "bottlenecks",
        # an arrow between event types is a sequence of steps: "view product → add to cart → checkout"
        "→",
        "漏斗", "转化漏斗", "购买漏斗", "用户漏斗", "漏斗分析", "转化路径", "各步骤转化率", "每一步转化率",
        "步骤转化率",
        "哪一步流失最多", "哪一步流失", "哪个环节流失最多", "哪个环节流失", "哪一步流失最严重", "流失最多的环节",
        "流失最多的步骤", "哪一步的流失最多", "哪个环节的流失最多", "哪一步掉得最多", "流失在哪一步", "在哪一步流失",
    ]),
    # the "channel" of a web funnel is the traffic source of the visit that starts it ("各渠道转化率": the
    # conversion_rate metric cannot take "channel", which names the order channel); "conversion rate by
    # traffic source" / "各流量来源的转化率" stay with the metric
    *_phrases(EVENTS, [
        "各渠道转化率", "各渠道的转化率", "分渠道转化率", "渠道转化率", "各个渠道的转化率", "每个渠道的转化率",
        "conversion funnel by channel", "funnel by channel",
    ], {"by": "event_source"}),
    # -- sales pipeline --------------------------------------------------------------------------------
    *_phrases(PIPELINE, [
        "sales funnel", "sales pipeline", "pipeline funnel", "pipeline stages", "pipeline by stage", "deal funnel",
        "opportunity funnel", "stage conversion", "stage to stage conversion", "stage-to-stage conversion",
        "pipeline conversion", "time in stage", "time in each stage",
        "销售漏斗", "商机漏斗", "销售管道分析", "阶段转化率", "各阶段转化率", "销售阶段转化率", "商机阶段转化",
        "各阶段停留时间", "阶段停留时长",
    ]),
    *_phrases(PIPELINE, [
        "sales cycle by owner", "sales cycle per owner", "sales cycle by rep", "sales cycle by sales rep",
        "sales cycle per rep", "sales cycle of each rep", "sales cycle for each owner", "sales cycles by owner",
        "各销售的销售周期", "每个销售的销售周期", "按负责人的销售周期", "销售周期按负责人", "各负责人的销售周期",
        "每个销售的成交周期", "各销售的成交周期",
    ], {"view": "cycle", "by": "owner"}),
    *_phrases(PIPELINE, [
        "median sales cycle", "sales cycle median", "win rate and sales cycle", "销售周期中位数",
    ], {"view": "cycle"}),
    # -- campaign funnels and A/B tests ----------------------------------------------------------------
    *_phrases(CAMPAIGNS, [
        "campaign funnel", "campaign funnels", "marketing funnel", "a/b test", "a/b tests", "ab test", "ab tests",
        "split test", "variant test", "which variant", "which version", "variant converted", "variants converted",
        "best variant", "winning variant",
        # mixed Latin and Chinese is cut into two tokens: "ab" + "测试"
        "营销漏斗", "活动漏斗", "营销活动漏斗", "ab 测试", "a/b 测试", "ab 测试结果", "a/b 测试结果",
        "哪个版本转化更好", "哪个版本转化率更高", "哪个版本效果更好", "哪个版本更好",
    ]),
    *_phrases(CAMPAIGNS, [
        "email variant", "email variants", "which email variant", "email version", "email a/b test",
        "email ab test", "email funnel",
        "哪个邮件版本转化更好", "邮件版本", "邮件漏斗", "邮件 ab 测试",
    ], {"channel": "email"}),
)
# fmt: on
