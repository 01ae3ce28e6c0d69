"""Work on the database, one job at a time, in a worker thread.

A DuckDB connection must not be used by two threads at once, so every engine call of the app is a
:class:`Job` in one queue, run in order in a Textual thread worker. The thread reports progress and
its outcome with messages (thread-safe), so the UI stays responsive and nothing waits on the UI.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmlens.tui.messages import JobDone, JobProgress

if TYPE_CHECKING:
    from textual.message_pump import MessagePump
    from textual.widget import Widget

ProgressFn = Callable[[float | None, str], None]
_ids = itertools.count(1)


@dataclass(eq=False)
class Job:
    """``work(progress)`` runs in a thread; ``done(value)`` runs on the UI thread with its return value and
    returns the card to show (None: nothing to show)."""

    label: str
    work: Callable[[ProgressFn], Any]
    done: Callable[[Any], Widget | None]
    question: str = ""  # what the analyst typed (shown on the pending card); empty for internal jobs
    cancellable: bool = True
    failed: Callable[[BaseException], None] | None = None  # instead of the default error card
    id: int = field(default_factory=lambda: next(_ids))
    cancelled: bool = False


def run_job(job: Job, target: MessagePump, *, min_interval: float = 0.05) -> None:
    """Run ``job.work`` here (a worker thread) and post its progress and outcome to ``target``.

    Progress is posted at most every ``min_interval`` seconds (and always at 100%), so an analysis
    reporting in a tight loop cannot flood the UI.
    """
    last = 0.0

    def progress(fraction: float | None, text: str = "") -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= min_interval or (fraction is not None and fraction >= 1.0):
            last = now
            target.post_message(JobProgress(job.id, fraction, text))

    try:
        value = job.work(progress)
    except Exception as exc:  # every failure becomes an error card, never a traceback
        target.post_message(JobDone(job.id, None, exc))
    else:
        target.post_message(JobDone(job.id, value, None))
