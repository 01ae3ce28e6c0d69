"""Where crmlens keeps its own files: the demo database, input history.

``CRMLENS_HOME`` overrides the user's data directory (tests and CI point it at a temp folder).
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder for crmlens' own files, created if needed."""
    home = os.environ.get("CRMLENS_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("crmlens", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_database_path() -> Path:
    """The embedded demo database, generated on first use by ``Engine.open()``."""
    return data_dir() / "demo.duckdb"
