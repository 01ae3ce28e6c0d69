"""Line numbers of staged rows, for ``_rejects.line``, computed only for the rows that are rejected.

A staged row's ordinal ``k`` (its rowid) maps to ``first_line + k`` plus the number of skipped lines
before it (malformed CSV records, empty lines, empty spreadsheet rows). With the skipped lines sorted
``s_1 < s_2 < ...``, the i-th one comes after ``g_i = s_i - first_line - (i - 1)`` staged rows, so row
``k`` is preceded by the skipped lines with ``g_i <= k``: an ASOF join on a small table of ``(g, n)``.
"""

from __future__ import annotations

import duckdb

from crmlens.engine.database import quote_ident
from crmlens.engine.ingest.staged import StagedSource


class LineNumbers:
    def __init__(self, con: duckdb.DuckDBPyConnection, staged: StagedSource, gaps_table: str) -> None:
        self.first_line = staged.first_line
        self.gaps: str | None = None
        if staged.skipped_lines_table is not None:
            self.gaps = gaps_table
            staged.temp_tables.append(gaps_table)
            con.execute(
                f"CREATE TEMP TABLE {quote_ident(gaps_table)} AS "
                f"SELECT line - {int(self.first_line)} - (i - 1) AS g, max(i) AS n FROM ("
                f"SELECT line, row_number() OVER (ORDER BY line) AS i "
                f"FROM (SELECT DISTINCT line FROM temp.{quote_ident(staged.skipped_lines_table)} "
                f"WHERE line >= {int(self.first_line)})) GROUP BY g"
            )

    def join(self, ordinal: str, alias: str) -> tuple[str, str]:
        """(FROM-clause addition, line expression) for the staged-row ordinal expression ``ordinal``."""
        if self.gaps is None:
            return "", f"({ordinal} + {int(self.first_line)})"
        return (
            f" ASOF LEFT JOIN temp.{quote_ident(self.gaps)} {alias} ON {ordinal} >= {alias}.g",
            f"({ordinal} + {int(self.first_line)} + coalesce({alias}.n, 0))",
        )
