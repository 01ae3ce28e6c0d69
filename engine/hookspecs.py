"""The plugin hooks of crmlens: the one extension seam.

Reading this file tells a plugin author everything a plugin can do. Implement any of these
functions in a module, decorate them with ``@crmlens.engine.hookimpl``, and expose the module through
the ``crmlens`` entry-point group in your package's ``pyproject.toml``::

    [project.entry-points.crmlens]
    myplugin = "myplugin"

The built-in plugins (``crmlens.plugins.core``, ``crmlens.plugins.segmentation``, ...) use exactly
these hooks and are registered the same way. Hooks return small values (lists of models); the engine
collects them per plugin, so one failing plugin is reported by name and the others keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from crmlens.engine.analysis import Analysis
    from crmlens.engine.core import Engine
    from crmlens.engine.schema import TableSpec
    from crmlens.engine.semantic import Dimension, Metric, Phrase, Relation

hookspec = pluggy.HookspecMarker("crmlens")
hookimpl = pluggy.HookimplMarker("crmlens")


@hookspec
def register_analyses() -> list[Analysis]:
    """Return the analyses this plugin offers.

    Each :class:`~crmlens.engine.analysis.Analysis` has a namespaced ``name`` (``"myplugin.churn"``),
    a ``title`` and ``description``, a pydantic ``params`` model (validated before any SQL runs), the
    tables and columns it ``requires``, and ``run(ctx, params) -> Result``. Import heavy libraries
    (scikit-learn, scipy) inside ``run``, not at module level, so ``crmlens`` starts fast::

        @hookimpl
        def register_analyses():
            return [Analysis(name="myplugin.vip", title="VIP customers", description="...",
                             requires={"orders": ["customer_id", "amount"]}, run=run_vip)]
    """


@hookspec
def register_metrics() -> list[Metric]:
    """Return metrics for the query layer: aggregates over one canonical table.

    Example: ``Metric(name="gmv", title="GMV", description="...", table="orders",
    expression="sum(amount)", format="money", synonyms=["gross merchandise value", "成交总额"])``.
    """


@hookspec
def register_dimensions() -> list[Dimension]:
    """Return dimensions for the query layer: columns or expressions to group and filter by.

    Example: ``Dimension(name="city", title="City", description="...", table="customers",
    expression="customers.city", synonyms=["城市"])``.
    """


@hookspec
def register_relations() -> list[Relation]:
    """Return derived tables the query layer may join, e.g. one row per customer with their first and
    last order dates; metrics and dimensions can then be defined over them.

    Example: ``Relation(name="customer_activity", description="...", key=["customer_id"],
    sql="SELECT customer_id, max(order_date) AS last_order_date FROM orders GROUP BY customer_id",
    references={"customer_id": "customers.customer_id"})``.
    """


@hookspec
def register_vocabulary() -> list[Phrase]:
    """Return phrases, English and Chinese, that route a question to one of this plugin's analyses.

    Example: ``[Phrase(text="vip customers", analysis="myplugin.vip"),
    Phrase(text="大客户", analysis="myplugin.vip")]``.
    """


@hookspec
def register_tables() -> list[TableSpec]:
    """Return specs of tables this plugin writes (e.g. saved segments, sentiment scores).

    They are documented beside the canonical schema and created on demand by the plugin's analyses.
    """


@hookspec
def register_glossary() -> list[Any]:
    """Return ``crmlens.query.glossary.GlossaryEntry`` items: words of your domain and what they mean.

    Example: ``[GlossaryEntry(term="GMV", kind="metric", target="revenue"),
    GlossaryEntry(term="淘宝", kind="value", target="order_channel", value="tmall"),
    GlossaryEntry(term="top sellers", kind="question", target="top 10 products by units sold")]``.
    Users add their own with ``crmlens glossary add``; theirs win on the same term.
    """


@hookspec
def startup(engine: Engine) -> None:
    """Called once each time an engine opens a database, after all plugins are registered.

    Use it to read configuration (``engine.config(plugin_name)``), check the database, or create
    views the plugin needs. Do not do heavy work here: it delays every command.
    """


@hookspec(firstresult=True)
def interpret_question(question: str, catalog: dict[str, Any]) -> Any:
    """Translate a question into an ``Interpretation`` the query compiler understands, or return None.

    The first plugin that returns something wins; its output is validated and compiled by the same
    compiler as the built-in parser, so a plugin (for instance one that calls an LLM with ``catalog``)
    never writes SQL itself. crmlens needs no such plugin.
    """
