"""``crmlens`` with no command opens the terminal UI (help when not on a terminal); ``crmlens tui``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crmlens import cli


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what the TUI would be opened with, instead of opening it."""
    calls: list[dict[str, Any]] = []

    def fake_run(db: str | None, *, as_of: str | None = None, read_only: bool = False) -> None:
        calls.append({"db": db, "as_of": as_of, "read_only": read_only})

    monkeypatch.setattr("crmlens.tui.run", fake_run)
    return calls


def test_bare_crmlens_on_a_terminal_opens_the_tui(
    opened: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "crm.duckdb"
    db.touch()
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = CliRunner().invoke(cli.main, ["--db", str(db), "--as-of", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert opened == [{"db": str(db), "as_of": "2025-06-30", "read_only": False}]
    monkeypatch.setenv("CRMLENS_DB", str(db))
    assert CliRunner().invoke(cli.main, []).exit_code == 0
    assert opened[-1]["db"] == str(db)
    monkeypatch.delenv("CRMLENS_DB")
    assert CliRunner().invoke(cli.main, []).exit_code == 0
    assert opened[-1]["db"] is None  # the demo database


def test_bare_crmlens_piped_prints_the_help(opened: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(cli.main, [], prog_name="crmlens")
    assert result.exit_code == 0
    assert "Usage: crmlens" in result.output and "terminal UI" in result.output
    assert not opened
    help_result = CliRunner().invoke(cli.main, ["--help"])
    assert help_result.exit_code == 0 and "tui" in help_result.output and not opened


def test_tui_command(opened: list[dict[str, Any]], tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    db.touch()
    result = CliRunner().invoke(cli.main, ["tui", "--db", str(db), "--read-only"])
    assert result.exit_code == 0, result.output
    assert opened == [{"db": str(db), "as_of": None, "read_only": True}]


def test_tui_refuses_a_missing_database_or_a_bad_date_before_starting(
    opened: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = CliRunner().invoke(cli.main, ["tui", "--db", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 2 and "No database at" in result.output
    result = CliRunner().invoke(cli.main, ["tui", "--as-of", "2025-02-30"])
    assert result.exit_code == 2 and "is not a date" in result.output
    assert not opened


def test_importing_the_app_does_not_import_the_engine() -> None:
    """The prompt appears before DuckDB, pandas and the plugins are imported (they load in a worker)."""
    code = (
        "import sys, crmlens.tui.app, crmlens.cli\n"
        "heavy = [m for m in ('duckdb', 'pandas', 'crmlens.engine', 'textual_plotext') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
