"""Named, independent random streams.

Every piece of demo data draws from its own numpy generator seeded by ``(seed, stream, part)``, so
the data depend only on the seed and the number of customers: never on DuckDB's threads, on the order
in which pieces are generated, or on how many numbers another piece happened to draw.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """One value per kind of data; the number is part of the stream's seed, so never renumber."""

    CATALOG = 1
    CUSTOMERS = 2
    ORDERS = 3
    TICKETS = 4
    FEEDBACK = 5
    REVIEWS = 6
    EVENTS = 7
    CAMPAIGNS = 8
    RESPONSES = 9
    OPPORTUNITIES = 10
    COMPETITOR_REVIEWS = 11
    COMPETITOR_PRICES = 12


def stream(seed: int, kind: Stream, part: int = 0) -> np.random.Generator:
    """The generator of ``kind`` for ``part`` (a chunk number) under ``seed``."""
    return np.random.default_rng([seed, int(kind), part])


def categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    """``size`` draws from one discrete distribution (weights need not sum to one), as int64 codes."""
    cum = np.cumsum(np.asarray(probabilities, dtype=np.float64))
    u = rng.random(size) * cum[-1]
    return np.asarray(np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1), dtype=np.int64)


def categorical_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element of ``rows`` from the distribution in row ``rows[i]`` of ``table``."""
    cum = np.cumsum(np.asarray(table, dtype=np.float64), axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    return np.asarray(np.minimum((u[:, None] > cum[rows]).sum(axis=1), table.shape[1] - 1), dtype=np.int64)
