"""Text encodings of delimited files: detect on the bytes, transcode to UTF-8 in streaming chunks.

DuckDB reads UTF-8 only (a UTF-8 byte-order mark is fine). Detection, in order: a byte-order mark
(UTF-8, UTF-16); valid UTF-8 over the whole file; valid GB18030 (a superset of GBK and GB2312, so
Chinese exports from Excel and WPS); otherwise UTF-8 when the file was UTF-8 up to a few bad bytes
(those lines become rejects), else Latin-1. A mapping file's ``encoding`` overrides detection.
Validation streams the file in chunks; nothing reads a whole file into memory.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import BinaryIO

from crmlens.engine.errors import IngestError

CHUNK_BYTES = 4 << 20
SAMPLE_BYTES = 256 * 1024


def detect_encoding(path: Path) -> str:
    """The Python codec name of ``path``'s text: ``utf-8``, ``utf-16``, ``gb18030`` or ``latin-1``."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        f.seek(0)
        utf8_ok, utf8_seen_multibyte = _decodes(f, "utf-8")
        if utf8_ok:
            return "utf-8"
        f.seek(0)
        if _decodes(f, "gb18030")[0]:
            return "gb18030"
    return "utf-8" if utf8_seen_multibyte else "latin-1"


def _decodes(f: BinaryIO, codec: str) -> tuple[bool, bool]:
    """(whether the whole stream decodes, whether non-ASCII text decoded before any failure)."""
    decoder = codecs.getincrementaldecoder(codec)()
    seen_non_ascii = False
    try:
        while chunk := f.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            seen_non_ascii = seen_non_ascii or not text.isascii()
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, seen_non_ascii
    return True, seen_non_ascii


def read_sample(path: Path, encoding: str, max_bytes: int = SAMPLE_BYTES) -> str:
    """The first ``max_bytes`` of ``path`` decoded (a character cut at the end is dropped, bad bytes replaced)."""
    with path.open("rb") as f:
        data = f.read(max_bytes)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=False)
    return text.removeprefix("\ufeff")


def transcode_to_utf8(path: Path, encoding: str, destination: Path) -> Path:
    """Write ``path`` re-encoded from ``encoding`` to UTF-8 at ``destination``, chunk by chunk."""
    decoder = codecs.getincrementaldecoder(encoding)()
    position = 0
    try:
        with path.open("rb") as src, destination.open("wb") as dst:
            while chunk := src.read(CHUNK_BYTES):
                dst.write(decoder.decode(chunk).encode("utf-8"))
                position += len(chunk)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path} is not valid {encoding} text (bad bytes near byte {position + exc.start:,}).",
            hint="Set the right encoding in the mapping file (encoding = \"...\") or re-save the file as UTF-8.",
        ) from None
    return destination
