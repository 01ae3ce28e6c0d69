"""crmlens: an offline analytical-CRM engine over DuckDB.

The Python API lives in :mod:`crmlens.engine` (``from crmlens.engine import Engine``).
"""

__version__ = "0.1.0"
