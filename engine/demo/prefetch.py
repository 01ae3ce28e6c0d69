"""Run a producer of batches in a background thread, one batch ahead of the consumer.

Demo generation (numpy, Arrow) and DuckDB's inserts both release the GIL for most of their work, so
producing block ``k + 1`` while block ``k`` is being inserted uses both cores. The batches come out in
the order they were produced, so the data do not depend on the timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar, cast

T = TypeVar("T")

_ITEM, _DONE, _ERROR = range(3)


def prefetched(items: Iterable[T], ahead: int = 1, name: str = "crmlens-prefetch") -> Generator[T, None, None]:
    """Yield the items of ``items``, computed in a background thread at most ``ahead`` items early.

    An exception raised by the producer is raised by the consumer at the same point of the sequence.
    If the consumer stops early (an error, ``close()``), the producer stops after its current item.
    """
    slots: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(entry: tuple[int, object]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((_ITEM, item)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed over to the consumer
            put((_ERROR, exc))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == _ITEM:
                yield cast(T, value)
            elif kind == _ERROR:
                assert isinstance(value, BaseException)
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()
