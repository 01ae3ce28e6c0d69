"""The plugin seam: built-ins registered like third parties, entry-point discovery, failure isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from crmlens.engine import Analysis, Engine, PluginError, Result, hookimpl
from crmlens.engine.plugins import DEFAULT_PLUGINS, Plugins

HELLO_PLUGIN = """
import pandas as pd
from pydantic import BaseModel
from crmlens.engine import Analysis, Phrase, Result, hookimpl

class Params(BaseModel):
    greeting: str = "hello"

def run(ctx, params):
    n = ctx.scalar("SELECT count(*) FROM customers")
    return Result(title="Greeting", table=pd.DataFrame({"greeting": [params.greeting], "customers": [n]}),
                  summary=f"{params.greeting}, {n} customers")

@hookimpl
def register_analyses():
    return [Analysis(name="hello.greet", title="Greet", description="Says hello to the customers.",
                     params=Params, requires={"customers": ["customer_id"]}, run=run)]

@hookimpl
def register_vocabulary():
    return [Phrase(text="say hello", analysis="hello.greet"), Phrase(text="打招呼", analysis="hello.greet")]
"""

BROKEN_IMPORT = "raise RuntimeError('this plugin is broken on purpose')\n"


def _package(root: Path, dist: str, module: str, source: str, version: str = "1.2.3") -> Path:
    pkg = root / dist
    (pkg / module).mkdir(parents=True)
    (pkg / module / "__init__.py").write_text(source)
    (pkg / "pyproject.toml").write_text(
        textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{dist}"
        version = "{version}"
        [project.entry-points.crmlens]
        {module.removeprefix("crmlens_")} = "{module}"
        [tool.setuptools]
        packages = ["{module}"]
    """)
    )
    return pkg


def _install(pkgs: list[Path], target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            *map(str, pkgs),
        ],
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build and install two throwaway external plugin packages: one good, one broken at import."""
    root = tmp_path_factory.mktemp("plugins")
    good = _package(root, "crmlens-hello", "crmlens_hello", HELLO_PLUGIN)
    broken = _package(root, "crmlens-broken", "crmlens_broken", BROKEN_IMPORT, version="0.0.1")
    site = root / "site"
    _install([good, broken], site)
    return site


def _crmlens(site: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "CRMLENS_HOME": str(home), "CRMLENS_NO_ENTRY_POINTS": "0"}
    return subprocess.run(
        [sys.executable, "-m", "crmlens", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.slow
def test_external_plugin_is_discovered_listed_and_run(plugin_site: Path, tmp_path: Path) -> None:
    listing = _crmlens(plugin_site, "plugins", "--format", "json", home=tmp_path)
    assert listing.returncode == 0, listing.stderr
    payload = json.loads(listing.stdout)
    rows = {r[0]: dict(zip([c["name"] for c in payload["columns"]], r, strict=True)) for r in payload["rows"]}
    assert rows["hello"]["version"] == "1.2.3"
    assert rows["hello"]["source"] == "crmlens-hello"
    assert rows["hello"]["analyses"] == "hello.greet"
    assert "1 analyses" in rows["hello"]["contributes"] and "2 phrases" in rows["hello"]["contributes"]
    assert rows["core"]["source"] == "built-in"
    # The broken plugin is reported by name with its error, and everything else still works.
    assert rows["broken"]["status"] == "failed"
    assert any("broken" in w and "broken on purpose" in w for w in payload["warnings"])

    db = tmp_path / "crm.duckdb"
    with Engine.open(db) as engine:
        engine.con.execute("CREATE TABLE customers AS SELECT 'C' || i AS customer_id FROM range(7) t(i)")
    ran = _crmlens(plugin_site, "--db", str(db), "run", "hello.greet", "greeting=hi", "--format", "json", home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["rows"] == [["hi", 7]]
    assert out["sql"] == ["SELECT count(*) FROM customers"]


def _module(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))  # type: ignore[call-overload]
    return module


def test_builtins_are_ordinary_plugins() -> None:
    plugins = Plugins(entry_points=False)
    assert [i.name for i in plugins.info()] == [m.rsplit(".", 1)[-1] for m in DEFAULT_PLUGINS]
    assert all(i.source == "built-in" for i in plugins.info())
    assert "register_analyses" in plugins.info()[0].hooks


def test_builtin_that_fails_to_import_is_reported_not_fatal() -> None:
    plugins = Plugins(builtins=("crmlens.plugins.core", "crmlens.plugins.does_not_exist"), entry_points=False)
    assert [f.plugin for f in plugins.failures] == ["does_not_exist"]
    assert plugins.failures[0].stage == "import"
    assert "ModuleNotFoundError" in plugins.failures[0].error
    assert Engine.memory(plugins=plugins).analysis("core.overview")


def test_hook_that_raises_is_isolated() -> None:
    def register_analyses() -> list[Analysis]:
        raise ZeroDivisionError("bad hook")

    plugins = Plugins(entry_points=False)
    plugins.add(_module("exploding", register_analyses=register_analyses), name="exploding")
    engine = Engine.memory(plugins=plugins)
    names = [a.name for a in engine.analyses()]
    assert "core.overview" in names
    assert [(f.plugin, f.stage) for f in plugins.failures] == [("exploding", "register_analyses")]
    assert "ZeroDivisionError: bad hook" in plugins.failures[0].message()


def test_analysis_that_raises_is_reported_by_plugin_and_engine_keeps_working(tiny_engine: Engine) -> None:
    def boom(ctx: object, params: object) -> Result:
        raise KeyError("missing thing")

    def register_analyses() -> list[Analysis]:
        return [Analysis(name="faulty.boom", title="Boom", description="fails", run=boom)]

    plugins = Plugins(entry_points=False)
    plugins.add(_module("faulty", register_analyses=register_analyses), name="faulty")
    engine = Engine(tiny_engine.con, path=None, read_only=False, as_of=tiny_engine.as_of, plugins=plugins)
    with pytest.raises(PluginError, match=r"faulty\.boom \(plugin 'faulty'\) failed: KeyError") as info:
        engine.run("faulty.boom")
    assert info.value.plugin == "faulty"
    assert engine.run("core.overview", periods=3).table["orders"].sum() == 3
    assert any(f.stage == "analysis faulty.boom" for f in plugins.failures)


def test_duplicate_analysis_name_is_reported() -> None:
    def register_analyses() -> list[Analysis]:
        return [Analysis(name="core.overview", title="Imposter", description="x", run=lambda ctx, p: Result(title="x"))]

    plugins = Plugins(entry_points=False)
    plugins.add(_module("imposter", register_analyses=register_analyses), name="imposter")
    engine = Engine.memory(plugins=plugins)
    assert engine.analysis("core.overview").plugin == "core"
    assert "already registered by plugin 'core'" in plugins.failures[0].error


def test_wrong_return_type_is_reported() -> None:
    def register_metrics() -> list[str]:
        return ["not a metric"]

    plugins = Plugins(entry_points=False)
    plugins.add(_module("sloppy", register_metrics=register_metrics), name="sloppy")
    engine = Engine.memory(plugins=plugins)
    assert {m.name for m in engine.metrics} >= {"revenue"}
    assert plugins.failures[0].plugin == "sloppy"


def test_startup_failure_is_recorded() -> None:
    def startup(engine: Engine) -> None:
        raise RuntimeError("cannot start")

    plugins = Plugins(entry_points=False)
    plugins.add(_module("grumpy", startup=startup), name="grumpy")
    Engine.memory(plugins=plugins)
    assert [(f.plugin, f.stage) for f in plugins.failures] == [("grumpy", "startup")]


def test_analysis_names_must_be_namespaced() -> None:
    with pytest.raises(ValueError, match="namespaced"):
        Analysis(name="Overview", title="x", description="x", run=lambda ctx, p: Result(title="x"))
