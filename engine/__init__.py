"""The crmlens engine: a DuckDB database in the canonical CRM schema, ingest, plugins and analyses.

Integrators start here::

    from crmlens.engine import Engine
    with Engine.open() as engine:  # the embedded demo database
        print(engine.run("segmentation.rfm").summary)

Plugin authors need :data:`hookimpl` and the models :class:`Analysis`, :class:`Result`,
:class:`Metric`, :class:`Dimension` and :class:`Phrase`; the hooks are documented in
:mod:`crmlens.engine.hookspecs`.
"""

from crmlens.engine.analysis import Analysis, AnalysisContext, Cancelled, NoParams
from crmlens.engine.capabilities import Capability
from crmlens.engine.core import Engine, TableInfo
from crmlens.engine.errors import (
    CrmlensError,
    DatabaseError,
    IngestError,
    MissingDataError,
    NotUnderstoodError,
    PluginError,
    ReadOnlyError,
    UsageError,
)
from crmlens.engine.hookspecs import hookimpl
from crmlens.engine.result import ChartSpec, Column, Result
from crmlens.engine.semantic import Dimension, DimensionFilter, Metric, Phrase, Relation

__all__ = [
    "Analysis",
    "AnalysisContext",
    "Cancelled",
    "Capability",
    "ChartSpec",
    "Column",
    "CrmlensError",
    "DatabaseError",
    "Dimension",
    "DimensionFilter",
    "Engine",
    "IngestError",
    "Metric",
    "MissingDataError",
    "NoParams",
    "NotUnderstoodError",
    "Phrase",
    "PluginError",
    "ReadOnlyError",
    "Relation",
    "Result",
    "TableInfo",
    "UsageError",
    "hookimpl",
]
