"""Delimited text files (CSV, TSV, semicolon, pipe, ...): layout detection and staging through DuckDB.

* The encoding is detected by :mod:`.encoding`; anything but UTF-8 is transcoded to a temporary UTF-8
  file in streaming chunks first.
* The delimiter is the candidate (``, ; tab | ^ ~ :``) that splits the header into several fields and
  most of the first records into as many; the mapping file may set it.
  Quoting is RFC 4180 (``"``, doubled to escape). The first line is the header (empty lines before it
  are skipped). A file mixing line-break styles (``\\r\\n`` and ``\\n``, or lone ``\\r``) is first copied
  with uniform ``\\n`` breaks, since DuckDB's parser expects one style.
* DuckDB's ``read_csv`` reads every column as VARCHAR with ``store_rejects``: records with the wrong
  number of fields, bad quoting or invalid UTF-8 land in DuckDB's reject tables (temporary tables),
  from which the loader copies them into ``_rejects``. Nothing is parsed row by row in Python.
* Line numbers are DuckDB's: the header is line 1 (after any leading empty lines) and a quoted value
  spanning several lines counts as one line. Empty lines inside the data are counted too, found by one
  streaming pass that runs only when the file has them.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from crmlens.engine.database import quote_ident
from crmlens.engine.errors import IngestError
from crmlens.engine.ingest.encoding import SAMPLE_BYTES, detect_encoding, read_sample, transcode_to_utf8
from crmlens.engine.ingest.queries import number
from crmlens.engine.ingest.sql_literals import sql_string
from crmlens.engine.ingest.staged import StagedSource

CANDIDATE_DELIMITERS = (",", ";", "\t", "|", "^", "~", ":")
SAMPLE_RECORDS = 200
MAX_LINE_BYTES = 16 << 20
_SCAN_CHUNK = 4 << 20


@dataclass(frozen=True)
class CsvLayout:
    encoding: str  # Python codec name
    delimiter: str
    columns: list[str]  # staged column names: the header, made unique and non-empty
    leading_empty_lines: int

    @property
    def first_line(self) -> int:
        return self.leading_empty_lines + 2


def inspect_csv(path: Path, *, label: str, delimiter: str | None = None, encoding: str | None = None) -> CsvLayout:
    """Encoding, delimiter and header of a delimited file; IngestError when it is empty."""
    if path.stat().st_size == 0:
        raise IngestError(f"{label} is empty: it has no header line and no rows.",
                          hint="Check that the export wrote the file completely.")
    codec = codecs.lookup(encoding).name if encoding else detect_encoding(path)
    sample = read_sample(path, codec)
    body = sample.lstrip("\r\n")
    if not body.strip():
        raise IngestError(f"{label} is empty: it has no header line and no rows.",
                          hint="Check that the export wrote the file completely.")
    leading = sample[: len(sample) - len(body)].count("\n")
    if path.stat().st_size > SAMPLE_BYTES and "\n" in body:
        body = body[: body.rindex("\n") + 1]  # drop a record the sample cut
    chosen = delimiter or detect_delimiter(body)
    header = next(csv.reader(io.StringIO(body), delimiter=chosen, quotechar='"'), [])
    return CsvLayout(codec, chosen, unique_column_names(header), leading)


def detect_delimiter(text: str) -> str:
    """The candidate delimiter that splits the header into several fields and the most records into
    as many fields as the header (more header fields breaking ties, then the candidates' order)."""
    best: tuple[float, int, int] | None = None
    choice = ","
    for rank, candidate in enumerate(CANDIDATE_DELIMITERS):
        counts = []
        try:
            for record in csv.reader(io.StringIO(text), delimiter=candidate, quotechar='"'):
                if record:
                    counts.append(len(record))
                if len(counts) >= SAMPLE_RECORDS:
                    break
        except csv.Error:
            pass
        if not counts or counts[0] < 2:
            continue
        consistency = sum(1 for c in counts if c == counts[0]) / len(counts)
        key = (round(consistency, 6), counts[0], -rank)
        if best is None or key > best:
            best, choice = key, candidate
    return choice


def unique_column_names(header: list[str]) -> list[str]:
    """Header cells trimmed; empty ones named ``column<N>``; repeats (case-insensitive) suffixed ``_2``, ``_3``."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(header, start=1):
        base = cell.strip().removeprefix("\ufeff").strip() or f"column{i}"
        name, k = base, 2
        while name.lower() in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name.lower())
        names.append(name)
    return names or ["column1"]


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, layout: CsvLayout, name: str, workdir: Path) -> StagedSource:
    """Read ``path`` into temp table ``name`` (all VARCHAR), malformed records into ``<name>_malformed``."""
    read_path = path
    if layout.encoding not in ("utf-8", "utf-8-sig"):
        read_path = transcode_to_utf8(path, layout.encoding, workdir / f"{name}.utf8.csv")
    endings = scan_line_endings(read_path)
    if endings.mixed:
        read_path = uniform_line_breaks(read_path, workdir / f"{name}.lines.csv")
    errors_table, scans_table = f"{name}_reject_errors", f"{name}_reject_scans"
    columns = "{" + ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in layout.columns) + "}"
    staged = StagedSource(table=name, columns=layout.columns, rows=0, first_line=layout.first_line,
                          temp_tables=[name, errors_table, scans_table])
    try:
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(name)} AS SELECT * FROM read_csv(?, auto_detect = false, "
            f"header = true, skip = ?, delim = ?, quote = '\"', escape = '\"', columns = {columns}, "
            f"store_rejects = true, rejects_table = ?, rejects_scan = ?, max_line_size = ?)",
            [str(read_path), layout.leading_empty_lines, layout.delimiter, errors_table, scans_table,
             MAX_LINE_BYTES],
        )
    except duckdb.Error as exc:
        raise IngestError(f"DuckDB could not read {path}: {str(exc).splitlines()[0]}",
                          hint="Check the delimiter and encoding (both can be set in the mapping file).") from None
    staged.rows = number(con, f"SELECT count(*) FROM temp.{quote_ident(name)}")

    malformed_table = f"{name}_malformed"
    staged.temp_tables.append(malformed_table)
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(malformed_table)} AS SELECT CAST(line AS BIGINT) AS line, "
        "'malformed CSV line: ' || string_agg(DISTINCT lower(CAST(error_type AS VARCHAR)), ', ') "
        "|| ' (' || arg_min(error_message, coalesce(column_idx, 0)) || ')' AS reason, "
        "trim(first(csv_line), chr(13) || chr(10)) AS raw_row "
        f"FROM temp.{quote_ident(errors_table)} GROUP BY line"
    )
    staged.malformed = number(con, f"SELECT count(*) FROM temp.{quote_ident(malformed_table)}")
    staged.malformed_table = malformed_table

    empty_lines = empty_line_numbers(read_path, layout.first_line) if endings.inner_empty_line else []
    skipped = f"{name}_skipped"
    staged.temp_tables.append(skipped)
    con.execute(f"CREATE TEMP TABLE {quote_ident(skipped)} AS SELECT line FROM temp.{quote_ident(malformed_table)}")
    if empty_lines:
        lines = pa.table({"line": pa.array(empty_lines, pa.int64())})
        view = f"{name}_empty_lines"
        con.register(view, lines)
        try:
            con.execute(f"INSERT INTO temp.{quote_ident(skipped)} SELECT line FROM {quote_ident(view)}")
        finally:
            con.unregister(view)
    if staged.malformed or empty_lines:
        staged.skipped_lines_table = skipped
    return staged


@dataclass(frozen=True)
class LineEndings:
    crlf: int  # \r\n
    lone_lf: int  # \n not after \r
    lone_cr: int  # \r not before \n
    inner_empty_line: bool  # two line breaks in a row before the file's trailing line breaks

    @property
    def mixed(self) -> bool:
        """Whether DuckDB (which expects one kind of line break) needs them made uniform first."""
        return self.lone_cr > 0 or (self.crlf > 0 and self.lone_lf > 0)


def scan_line_endings(path: Path) -> LineEndings:
    """Count the kinds of line breaks in one streaming pass over the bytes."""
    crlf = lf = cr = 0
    empty = False
    previous = b""
    content_end = _content_end(path)
    with path.open("rb") as f:
        position = 0
        while chunk := f.read(_SCAN_CHUNK):
            window = previous + chunk
            lf += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += window.count(b"\r\n") - previous.count(b"\r\n")
            if not empty and position < content_end:
                inner = window[: max(0, content_end - position + len(previous))]
                empty = b"\n\n" in inner or b"\n\r\n" in inner or b"\r\r" in inner
            previous = window[-2:]
            position += len(chunk)
    return LineEndings(crlf, lf - crlf, cr - crlf, empty)


def _content_end(path: Path) -> int:
    """Byte offset just after the last byte that is not a line break."""
    with path.open("rb") as f:
        end = f.seek(0, 2)
        while end > 0:
            start = max(0, end - 4096)
            f.seek(start)
            tail = f.read(end - start)
            stripped = tail.rstrip(b"\r\n")
            if stripped:
                return start + len(stripped)
            end = start
    return 0


def uniform_line_breaks(path: Path, destination: Path) -> Path:
    """Copy ``path`` (UTF-8) with every \r\n and lone \r turned into \n, as a text editor shows lines."""
    with path.open("r", encoding="utf-8", errors="surrogateescape", newline=None) as src, \
            destination.open("w", encoding="utf-8", errors="surrogateescape", newline="\n") as dst:
        while chunk := src.read(_SCAN_CHUNK):
            dst.write(chunk)
    return destination


def empty_line_numbers(path: Path, first_line: int) -> list[int]:
    """Line numbers (DuckDB's way of counting) of empty lines from ``first_line`` on.

    Walks the file line by line, tracking quotes so that an empty line inside a quoted value is not
    counted; the loader calls it only when :func:`scan_line_endings` found an empty line.
    """
    numbers: list[int] = []
    line = 0
    in_quotes = False
    with path.open("rb") as f:
        for raw in f:
            if not in_quotes:
                line += 1
                if line >= first_line and raw in (b"\n", b"\r\n"):
                    numbers.append(line)
            if raw.count(b'"') % 2:
                in_quotes = not in_quotes
    return numbers
