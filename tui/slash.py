"""Slash commands of the prompt (``/help``, ``/sql …``, ``/export csv out.csv`` …): their list, used by
the help screen, the command palette and autocomplete, and the parser of a typed command line."""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    name: str
    args: str  # how the arguments are written, e.g. "csv|parquet|xlsx [PATH]"
    help: str
    takes_args: bool = False  # True: the palette puts "/name " in the prompt for the user to finish

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


SLASH_COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("help", "", "Show the help: asking questions, commands and keys."),
    SlashCommand("sql", "QUERY", "Run one read-only SQL query (SELECT or WITH … SELECT).", takes_args=True),
    SlashCommand("run", "ANALYSIS [key=value …]", "Run an analysis with parameters, showing its progress.", True),
    SlashCommand(
        "export", "csv|parquet|xlsx [PATH]", "Save every row of the last answer to a file (default: its title).", True
    ),
    SlashCommand("plugins", "", "List the plugins, their versions, what they contribute and any failures."),
    SlashCommand("tables", "", "List the tables of the database with their row counts."),
    SlashCommand("db", "PATH", "Open another crmlens database (a DuckDB file).", takes_args=True),
    SlashCommand("asof", "[DATE]", "Show or set the 'today' used for relative dates (YYYY-MM-DD).", takes_args=True),
    SlashCommand("glossary", "", "Show the glossary (your words and what they mean); add and remove entries."),
    SlashCommand("clear", "", "Clear the conversation."),
    SlashCommand("quit", "", "Quit crmlens."),
)
COMMANDS_BY_NAME = {c.name: c for c in SLASH_COMMANDS}


@dataclass(frozen=True)
class SlashCall:
    """A parsed command line: ``/export csv "my file.csv"`` -> name "export", args ["csv", "my file.csv"]."""

    name: str
    rest: str  # everything after the name, as typed (the query of /sql)
    args: tuple[str, ...]


def is_slash(text: str) -> bool:
    return text.lstrip().startswith("/")


def parse_slash(text: str) -> SlashCall:
    """Parse a line starting with ``/``. Raises UsageError naming the command and what it takes."""
    from crmlens.engine.errors import UsageError

    body = text.strip()[1:]
    name, _, rest = body.partition(" ")
    name = name.strip().lower()
    rest = rest.strip()
    command = COMMANDS_BY_NAME.get(name)
    if command is None:
        close = difflib.get_close_matches(name, list(COMMANDS_BY_NAME), n=2, cutoff=0.5)
        hint = f"Did you mean {' or '.join('/' + c for c in close)}?" if close else "Type /help for the commands."
        raise UsageError(f"Unknown command /{name}.", hint=hint)
    if name == "sql":
        args: tuple[str, ...] = (rest,) if rest else ()
    else:
        try:
            args = tuple(shlex.split(rest))
        except ValueError as exc:  # an unclosed quote
            raise UsageError(
                f"Could not read the arguments of /{name}: {exc}.", hint=f"Usage: {command.usage}"
            ) from None
    return SlashCall(name=name, rest=rest, args=args)
