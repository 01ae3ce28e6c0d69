"""Header normalisation shared by the column matcher and the mapping file.

``"Order No."``, ``"order_no"``, ``"OrderNo"`` and ``"ＯＲＤＥＲ　ＮＯ"`` all normalise to ``"order no"``
(compact form ``"orderno"``); ``"客户ID"`` normalises to ``"客户id"``.
"""

from __future__ import annotations

import re
import unicodedata

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_\-.,;:/\\|#()\[\]{}<>\"'`*+?!@$%^&=~，。、；：]+")
_BRACKETED = re.compile(r"[(\[{【《][^)\]}】》]*[)\]}】》]")


def normalise_header(header: str) -> str:
    """Lower-case words separated by single spaces: full-width folded, camelCase split, punctuation dropped."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    text = _CAMEL_BOUNDARY.sub(" ", text).lower()
    return _SEPARATORS.sub(" ", text).strip()


def compact(normalised: str) -> str:
    """The normalised text without spaces (``"order no"`` -> ``"orderno"``, ``"客户 id"`` -> ``"客户id"``)."""
    return normalised.replace(" ", "")


def without_brackets(header: str) -> str:
    """The normalised header with bracketed parts (units, notes) removed: ``"Amount (USD)"`` -> ``"amount"``."""
    text = unicodedata.normalize("NFKC", header)
    return normalise_header(_BRACKETED.sub(" ", text))
