"""Thread limits for the numerical libraries while an analysis of this plugin runs.

The models here work on small matrices (a few dozen periods, a few thousand customers at a time), where
BLAS threads only add overhead, and on a machine whose cores are busy their spinning threads slow small
operations down many times over (measured: a 50-region forecast 4.7× slower with default OpenBLAS
threads). BLAS gets one thread; OpenMP (gradient boosting) half the cores. A limit only reaches the
libraries already loaded, so the modules named are imported first.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from typing import TypeVar

from crmlens.engine import AnalysisContext, Result

P = TypeVar("P")
Run = Callable[[AnalysisContext, P], Result]


def modest_threads(*preload: str) -> Callable[[Run[P]], Run[P]]:
    """Decorate an analysis' ``run`` so it runs with the thread limits above, after importing ``preload``."""

    def decorate(run: Run[P]) -> Run[P]:
        @functools.wraps(run)
        def limited(ctx: AnalysisContext, params: P) -> Result:
            from threadpoolctl import threadpool_limits

            for module in preload:
                importlib.import_module(module)
            openmp = max(1, (os.cpu_count() or 2) // 2)
            with threadpool_limits(limits=1, user_api="blas"), threadpool_limits(limits=openmp, user_api="openmp"):
                return run(ctx, params)

        return limited

    return decorate
