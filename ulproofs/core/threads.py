r"""The thread policy, in one place: how many threads torch and NumPy's BLAS may use.

The theory side's tensors are small (p x C at most a few hundred thousand entries per step): with
more than one thread, synchronisation costs more than it saves, and a busy neighbour on a shared
2-core machine makes every synchronisation wait. One thread is then both the fastest and the
steadiest choice. Training a ResNet does large convolutions, where a second core helps when it is
free; it still defaults to one thread so that a seeded run repeats exactly wherever it runs (the
reduction order, hence the last bits, depends on the thread count).

The count is chosen, in this order, by an explicit argument (``--threads``), the environment
variable :data:`ENVIRONMENT_VARIABLE`, then :data:`DEFAULTS` for the workload. Every JSON record
written by ulproofs stores :func:`current` beside its seed.

>>> apply_thread_policy(1)
1
>>> current()
1
>>> apply_thread_policy(0)
Traceback (most recent call last):
...
ulproofs.core.errors.AssumptionError: threads must be a positive integer (got 0)
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from .errors import AssumptionError

ENVIRONMENT_VARIABLE = "ULPROOFS_THREADS"

#: Default thread count per workload ("theory": closed forms, GD iterates, figures; "training": ResNets).
DEFAULTS = {"theory": 1, "training": 1}


def resolve_threads(threads=None, workload="theory"):
    """The thread count the policy gives: ``threads``, else $ULPROOFS_THREADS, else the workload default."""
    if workload not in DEFAULTS:
        raise AssumptionError(f"workload must be one of {tuple(DEFAULTS)} (got {workload!r})")
    source = "threads"
    if threads is None and os.environ.get(ENVIRONMENT_VARIABLE, "").strip():
        threads, source = os.environ[ENVIRONMENT_VARIABLE].strip(), ENVIRONMENT_VARIABLE
    if threads is None:
        return DEFAULTS[workload]
    try:
        count = int(threads)
    except (TypeError, ValueError):
        raise AssumptionError(f"{source} must be a positive integer (got {threads!r})") from None
    if count < 1 or str(count) != str(threads).strip():
        raise AssumptionError(f"{source} must be a positive integer (got {threads!r})")
    return count


def apply_thread_policy(threads=None, workload="theory"):
    """Set torch's intra-op thread count and NumPy's BLAS threads (through threadpoolctl) by the policy; return it."""
    import torch
    from threadpoolctl import threadpool_limits

    count = resolve_threads(threads, workload)
    torch.set_num_threads(count)
    threadpool_limits(count)
    return count


@contextmanager
def thread_policy(threads=None, workload="theory"):
    """Apply the policy inside a ``with`` block (yields the count) and restore torch's previous count after.

    >>> with thread_policy(1) as count:
    ...     count == current() == 1
    True
    """
    import torch
    from threadpoolctl import threadpool_limits

    saved, count = torch.get_num_threads(), resolve_threads(threads, workload)
    try:
        with threadpool_limits(count):
            torch.set_num_threads(count)
            yield count
    finally:
        torch.set_num_threads(saved)


def current():
    """The thread count torch uses now (recorded in every JSON record)."""
    import torch

    return torch.get_num_threads()
