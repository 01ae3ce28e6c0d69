"""The mapping file: which table each source goes to and which header feeds which column.

TOML (or the same structure in JSON)::

    # every source of this load
    table = "orders"                  # optional: otherwise inferred from the headers
    day_first = false                 # optional: 03/01/2025 is 1 March (false) or 3 January (true)

    [columns]                         # source header = canonical column ("" = do not load)
    "Order No" = "order_id"
    "Placed"   = "order_date"
    "Notes"    = ""

    [[sources]]                       # optional: settings for the sources whose name matches
    match = "customers*.csv"          # glob on the source name: file name, "book.xlsx#Sheet1", "shop.db#clients"
    table = "customers"
    delimiter = ";"                   # CSV only; detected when absent
    encoding = "gb18030"              # CSV only; detected when absent
    auto = true                       # also match the headers not listed (default true)
    [sources.columns]
    "Client" = "customer_id"

A source takes the first ``[[sources]]`` entry whose ``match`` fits it; that entry's settings override the
top-level ones and its columns are added to (and override) the top-level columns. Headers are compared
exactly, then ignoring case and repeated spaces. ``--table`` (``load(table=...)``) overrides ``table``.
Headers not listed are matched automatically unless ``auto = false``.
"""

from __future__ import annotations

import codecs
import fnmatch
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crmlens.engine.errors import UsageError
from crmlens.engine.schema import table_spec


class SourceMapping(BaseModel):
    """Settings for one source (or, at the top level of a mapping file, for every source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = "*"
    table: str | None = None
    columns: dict[str, str | None] = Field(default_factory=dict)
    auto: bool = True
    day_first: bool | None = None
    delimiter: str | None = None
    encoding: str | None = None

    @field_validator("table")
    @classmethod
    def _known_table(cls, value: str | None) -> str | None:
        if value is not None:
            table_spec(value)
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = {"tab": "\t", "\\t": "\t"}.get(value.lower(), value)
        if len(value) != 1 or value in "\"\r\n":
            raise ValueError(f"delimiter must be one character (or 'tab'), not {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r} (try utf-8, gb18030, latin-1)") from None
        return value

    def target_of(self, header: str) -> tuple[bool, str | None]:
        """(listed, column): whether ``header`` is listed in ``columns`` and the column it goes to
        (None = not loaded). Headers are compared exactly, then case- and space-insensitively."""
        if header in self.columns:
            return True, self.columns[header] or None
        folded = " ".join(header.lower().split())
        for listed, column in self.columns.items():
            if " ".join(listed.lower().split()) == folded:
                return True, column or None
        return False, None


class LoadMapping(SourceMapping):
    """A whole mapping file: defaults for every source plus per-source entries."""

    sources: list[SourceMapping] = Field(default_factory=list)

    def for_source(self, label: str) -> SourceMapping:
        """The settings that apply to the source called ``label``."""
        base = SourceMapping(
            table=self.table, columns=dict(self.columns), auto=self.auto, day_first=self.day_first,
            delimiter=self.delimiter, encoding=self.encoding,
        )
        for entry in self.sources:
            if source_matches(entry.match, label):
                return SourceMapping(
                    match=entry.match,
                    table=entry.table if entry.table is not None else base.table,
                    columns={**base.columns, **entry.columns},
                    auto=entry.auto if "auto" in entry.model_fields_set else base.auto,
                    day_first=entry.day_first if "day_first" in entry.model_fields_set else base.day_first,
                    delimiter=entry.delimiter or base.delimiter,
                    encoding=entry.encoding or base.encoding,
                )
        return base


def source_matches(pattern: str, label: str) -> bool:
    """Glob ``pattern`` against a source name, whole or from its last ``/`` on."""
    short = label.rsplit("/", 1)[-1]
    return fnmatch.fnmatchcase(label, pattern) or fnmatch.fnmatchcase(short, pattern)


def read_mapping(mapping: LoadMapping | dict[str, Any] | str | Path | None) -> LoadMapping:
    """The mapping to use: as given, parsed from a dict, or read from a TOML or JSON file."""
    if mapping is None:
        return LoadMapping()
    if isinstance(mapping, LoadMapping):
        return mapping
    if isinstance(mapping, dict):
        return _validate(mapping, "the mapping")
    path = Path(mapping)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"Cannot read the mapping file {path}: {exc.strerror or exc}.",
                         hint="Check the --mapping path.") from None
    except UnicodeDecodeError:
        raise UsageError(f"The mapping file {path} is not UTF-8 text.", hint="Save it as UTF-8.") from None
    data: Any
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"The mapping file {path} is not valid JSON: {exc}.") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as toml_error:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                raise UsageError(f"The mapping file {path} is not valid TOML: {toml_error}.",
                                 hint="See the mapping-file format in the ingest documentation.") from None
    if not isinstance(data, dict):
        raise UsageError(f"The mapping file {path} must hold a table/object at the top level.")
    return _validate(data, f"the mapping file {path}")


def _validate(data: dict[str, Any], what: str) -> LoadMapping:
    try:
        return LoadMapping.model_validate(data)
    except UsageError:
        raise
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'top level'}: {err['msg']}" for err in exc.errors()
        )
        raise UsageError(f"{what[0].upper()}{what[1:]} is not valid: {problems}.",
                         hint="Keys: table, columns, day_first, delimiter, encoding, auto, sources.") from None
