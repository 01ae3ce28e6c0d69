"""The plugin manager: built-in plugins and ``crmlens`` entry points, registered the same way.

One :class:`Plugins` object owns a ``pluggy.PluginManager("crmlens")``. Built-in plugin modules are
imported and registered first, then every entry point of the ``crmlens`` group. Hooks are called per
plugin, so a plugin that fails to import or raises inside a hook is recorded as a
:class:`PluginFailure` (and shown by ``crmlens plugins``) while every other plugin keeps working.

Set ``CRMLENS_DISABLE_PLUGINS=name,name`` to skip plugins by name, and
``CRMLENS_NO_ENTRY_POINTS=1`` to load only the built-in ones.
"""

from __future__ import annotations

import importlib
import os
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from crmlens.engine import hookspecs

ENTRY_POINT_GROUP = "crmlens"

def _builtin_plugins() -> tuple[str, ...]:
    """Every package under ``crmlens.plugins`` is a built-in plugin: ``core`` first, then by name."""
    import pkgutil

    import crmlens.plugins

    names = sorted(m.name for m in pkgutil.iter_modules(crmlens.plugins.__path__) if m.ispkg)
    ordered = (["core"] if "core" in names else []) + [n for n in names if n != "core"]
    return tuple(f"crmlens.plugins.{n}" for n in ordered)


#: Built-in plugins, registered exactly like third-party ones: every package under plugins/.
DEFAULT_PLUGINS: tuple[str, ...] = _builtin_plugins()


@dataclass
class PluginFailure:
    plugin: str
    stage: str  # "import", a hook name, or "analysis <name>"
    error: str
    traceback: str = ""

    def message(self) -> str:
        return f"Plugin {self.plugin!r} failed in {self.stage}: {self.error}"


@dataclass
class PluginInfo:
    name: str
    version: str
    source: str  # "built-in" or the distribution that provides the entry point
    module: str
    hooks: list[str] = field(default_factory=list)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Plugins:
    """The registered plugins and a safe way to call their hooks."""

    def __init__(self, *, builtins: tuple[str, ...] = DEFAULT_PLUGINS, entry_points: bool | None = None) -> None:
        self.pm = pluggy.PluginManager("crmlens")
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self._info: dict[str, PluginInfo] = {}
        disabled = {n.strip() for n in os.environ.get("CRMLENS_DISABLE_PLUGINS", "").split(",") if n.strip()}
        if entry_points is None:
            entry_points = os.environ.get("CRMLENS_NO_ENTRY_POINTS", "") in ("", "0")
        from crmlens import __version__

        for module_name in builtins:
            name = module_name.rsplit(".", 1)[-1]
            if name in disabled:
                continue
            self._register(name, module_name, lambda m=module_name: importlib.import_module(m), __version__, "built-in")
        if entry_points:
            for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                if ep.name in disabled or ep.name in self._info:
                    continue
                dist = ep.dist
                self._register(
                    ep.name,
                    ep.value,
                    ep.load,
                    dist.version if dist is not None else "?",
                    dist.metadata["Name"] if dist is not None else "?",
                )

    def _register(self, name: str, module_name: str, loader: Any, version: str, source: str) -> None:
        try:
            plugin: ModuleType = loader()
            self.pm.register(plugin, name=name)
        except Exception as exc:  # a broken plugin must not take crmlens down
            self.failures.append(PluginFailure(name, "import", _describe(exc), traceback.format_exc()))
            return
        hooks = sorted(h.name for h in (self.pm.get_hookcallers(plugin) or []))
        self._info[name] = PluginInfo(name, version, source, module_name, hooks)

    def add(self, plugin: object, *, name: str, version: str = "", source: str = "registered") -> None:
        """Register a plugin object or module by hand (integrators embedding crmlens, tests)."""
        self._register(name, getattr(plugin, "__name__", name), lambda: plugin, version, source)

    # -- calling hooks ---------------------------------------------------------------------------
    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook_name`` on every plugin that implements it; return ``(plugin, result)`` pairs.

        Results that are lists are flattened one level. A plugin that raises is recorded in
        ``failures`` (once per hook) and skipped.
        """
        caller = getattr(self.pm.hook, hook_name)
        out: list[tuple[str, Any]] = []
        for impl in caller.get_hookimpls():  # registration order: built-ins first
            try:
                value = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                self.record_failure(impl.plugin_name, hook_name, exc)
                continue
            if value is None:
                continue
            if isinstance(value, list | tuple):
                out.extend((impl.plugin_name, v) for v in value)
            else:
                out.append((impl.plugin_name, value))
        return out

    def first(self, hook_name: str, **kwargs: Any) -> tuple[str, Any] | None:
        """Call a firstresult hook plugin by plugin, last registered first (as pluggy does), so an installed
        plugin overrides a built-in one; return the first answer that is not None."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            try:
                value = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                self.record_failure(impl.plugin_name, hook_name, exc)
                continue
            if value is not None:
                return impl.plugin_name, value
        return None

    def record_failure(self, plugin: str, stage: str, exc: BaseException) -> PluginFailure:
        failure = PluginFailure(plugin, stage, _describe(exc), traceback.format_exc())
        if not any(f.plugin == plugin and f.stage == stage for f in self.failures):
            self.failures.append(failure)
        return failure

    # -- introspection ---------------------------------------------------------------------------
    def info(self) -> list[PluginInfo]:
        return list(self._info.values())

    def names(self) -> list[str]:
        return list(self._info)


_PLUGINS: Plugins | None = None


def get_plugins(*, refresh: bool = False) -> Plugins:
    """The process-wide plugin set (discovered once; ``refresh=True`` discovers again)."""
    global _PLUGINS
    if _PLUGINS is None or refresh:
        _PLUGINS = Plugins()
    return _PLUGINS
