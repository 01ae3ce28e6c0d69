"""The funnel built-in plugin: where prospects leak away.

* ``funnel.events`` — ordered event funnels with window-funnel semantics (furthest step reached in
  order within a window from the first step), by a dimension and by period, with the bottleneck;
* ``funnel.pipeline`` — the sales pipeline: stage-to-stage conversion, time in stage, pipeline value,
  win rate, deal size and sales cycle by owner and period;
* ``funnel.campaigns`` — sent → opened → clicked → converted per campaign and A/B variant, with a
  two-proportion test of the variants' conversion.

Registered exactly like a third-party plugin; docs/funnel.md documents the semantics.
"""

from __future__ import annotations

from crmlens.engine import Analysis, Phrase, hookimpl
from crmlens.plugins.funnel import campaigns, events, pipeline
from crmlens.plugins.funnel.vocabulary import PHRASES


@hookimpl
def register_analyses() -> list[Analysis]:
    return [events.ANALYSIS, pipeline.ANALYSIS, campaigns.ANALYSIS]


@hookimpl
def register_vocabulary() -> list[Phrase]:
    return list(PHRASES)
