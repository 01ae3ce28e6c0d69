"""Heavy libraries for plugins, imported on first use rather than at start-up.

Every built-in plugin is imported when crmlens starts, so a module-level ``import pandas`` would cost
every ``crmlens ask`` a quarter of a second. Plugin modules write instead::

    from typing import TYPE_CHECKING
    from crmlens.engine.lazy import lazy_module

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy_module("pandas")

and use ``pd`` as usual: the import happens at the first attribute access, inside an analysis.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it on first attribute access."""
    return _LazyModule(name)
