r"""Evidence declared once, run by one engine, judged by one rule.

A claim module declares its evidence with an :class:`EvidenceSet`: each item is a small function
that receives the :class:`~ulproofs.engine.context.CheckContext` and a :class:`Record`, fills
``record.passed`` and ``record.measured``, and is registered with a slug, a kind, a role and the
reading it bears on. ``ulproofs check`` and ``pytest verification/`` both run these items through
:func:`run_item`, and :func:`judge` turns their outcomes into the claim's verdict: no claim module
constructs a verdict.

Roles (what an item that holds shows):

* ``support``: the statement (under ``reading``, or under every reading when None) holds;
* ``counterexample``: a counterexample to ``reading`` was found and checked;
* ``correction``: the corrected statement (a reading that departs from the print) holds;
* ``mutant``: a perturbed formula fails its check, so the check can fail.

The rule (:func:`judge`), in one place:

1. any item that failed, crashed or ran out of time makes the claim ``inconclusive``: a fault of
   the checker's own evidence settles nothing, and is never a refutation of the paper;
2. a reading that does not depart from the print is ``refuted`` when a counterexample item against
   it held, else it gets the verdict its declaration establishes (``proved`` or ``confirmed
   numerically``);
3. a departing reading (a correction) is ``true after correction`` when its items held and a
   counterexample to a printed reading held;
4. the claim: the printed readings' verdicts, a refuted printed reading replaced by ``true after
   correction`` when a correction holds; readings that disagree are all shown
   (``proved (a) / true after correction (b)``).

>>> from ulproofs.engine.verdicts import Claim, Reading
>>> claim = Claim("lemma-0", "toy", printed="1 + 1 = 2", statement="1 + 1 = 2", equations=("Eq. 0",),
...               readings=(Reading("printed", "1 + 1 = 2", establishes="proved"),))
>>> toy = EvidenceSet(claim)
>>> @toy.item("sum", kind="symbolic", description="1 + 1 - 2 simplifies to 0")
... def sum_is_two(context, record):
...     record.passed = (1 + 1 - 2 == 0)
>>> outcomes = [run_item(item, None) for item in toy.items()]
>>> [o.status for o in outcomes]
['held']
>>> judge(claim, outcomes).verdict.value
'proved'
"""
from __future__ import annotations

import signal
import threading
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from .verdicts import Finding, Verdict

KINDS = ("symbolic", "exact", "mpmath", "iterates", "counterexample", "mutant", "search", "data")
ROLES = ("support", "counterexample", "correction", "mutant")


@dataclass
class Record:
    """What one item measured: ``passed`` and ``measured`` are filled by the item's function."""

    passed: bool = False
    measured: dict = field(default_factory=dict)
    case_id: str | None = None      # the id of the case, for items declared with ``cases``


@dataclass(frozen=True)
class EvidenceItem:
    """One declared piece of evidence: ``claim_id::slug`` is its id in the table and in pytest."""

    claim_id: str
    slug: str
    kind: str
    role: str
    description: str
    function: object
    reading: str | None = None
    paper_scale: bool = False
    time_limit: float | None = None

    @property
    def id(self):
        return f"{self.claim_id}::{self.slug}"


@dataclass
class Outcome:
    """What happened when an item ran: ``held``, ``failed``, ``error`` or ``timeout``."""

    item: EvidenceItem
    status: str
    measured: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    @property
    def held(self):
        return self.status == "held"


def _case_call(function, case_id, case):
    def call(context, record):
        record.case_id = case_id
        return function(context, record, case)
    return call


class EvidenceSet:
    """The evidence items of one claim, in declaration order.

    ``item(slug, ...)`` registers a function ``f(context, record)``; ``cases={id: case}`` registers
    one item per case, ``slug-id``, calling ``f(context, record, case)`` with ``record.case_id`` = id;
    ``description`` may then be a format string with ``{case}`` and ``{id}``.
    """

    def __init__(self, claim):
        self.claim = claim
        self._items = []

    def item(self, slug, *, kind, description, role=None, reading=None, cases=None, paper_scale=False,
             time_limit=None):
        role = role or {"counterexample": "counterexample", "mutant": "mutant"}.get(kind, "support")
        if kind not in KINDS or role not in ROLES:
            raise ValueError(f"unknown kind {kind!r} or role {role!r}; kinds {KINDS}, roles {ROLES}")
        known = {r.key for r in self.claim.readings}
        if reading is not None and reading not in known:
            raise ValueError(f"{self.claim.id}::{slug}: unknown reading {reading!r}; declared: {sorted(known)}")

        def register(function):
            entries = [(slug, description, function)] if cases is None else [
                (f"{slug}-{case_id}", description.format(case=case, id=case_id), _case_call(function, case_id, case))
                for case_id, case in cases.items()]
            for item_slug, text, call in entries:
                if any(existing.slug == item_slug for existing in self._items):
                    raise ValueError(f"duplicate evidence slug {self.claim.id}::{item_slug}")
                self._items.append(EvidenceItem(self.claim.id, item_slug, kind, role, text, call, reading,
                                                paper_scale, time_limit))
            return function

        return register

    def items(self, paper_scale=True):
        """The declared items; ``paper_scale=False`` leaves out those marked paper-scale."""
        return [item for item in self._items if paper_scale or not item.paper_scale]


def item_rng(context, key):
    """A NumPy generator seeded by the context's seed and a key (the item's id or slug), so each item runs alone."""
    key = str(key)
    seed = 0 if context is None else context.seed
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


class _TimeLimit(Exception):
    pass


def _call_with_limit(function, seconds):
    """Call ``function()``, interrupted after ``seconds`` where a POSIX timer is available."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        return function()

    def interrupt(signum, frame):
        raise _TimeLimit(f"ran past its limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_item(item, context):
    """Run one item; every exception becomes an ``error`` outcome, nothing propagates."""
    import mpmath

    record = Record()
    saved_precision = mpmath.mp.prec
    start = time.perf_counter()
    try:
        _call_with_limit(lambda: item.function(context, record), item.time_limit)
        status = "held" if bool(record.passed) else "failed"
        error = ""
    except _TimeLimit as stop:
        status, error = "timeout", str(stop)
    except Exception as exc:  # noqa: BLE001 - an item's crash is recorded, never propagated
        status, error = "error", f"{type(exc).__name__}: {exc}"
    finally:
        mpmath.mp.prec = saved_precision
    return Outcome(item, status, dict(record.measured), round(time.perf_counter() - start, 4), error)


def _reading_verdict(reading, outcomes):
    against = [o for o in outcomes if o.item.role == "counterexample" and o.item.reading == reading.key]
    if reading.departs:
        return Verdict.CORRECTED
    if against:
        return Verdict.REFUTED
    return Verdict(reading.establishes)


def judge(claim, outcomes):
    """The verdict the outcomes support (the rule in the module docstring)."""
    broken = [o for o in outcomes if not o.held]
    if broken:
        summary = "; ".join(f"{o.item.slug} ({o.status}{': ' + o.error if o.error else ''})" for o in broken)
        return Finding(claim, Verdict.INCONCLUSIVE, outcomes, problems=summary)
    per_reading = {r.key: _reading_verdict(r, outcomes) for r in claim.readings}
    printed = [r for r in claim.readings if not r.departs]
    corrections = [r for r in claim.readings if r.departs]
    refuted_printed = [r.key for r in printed if per_reading[r.key] is Verdict.REFUTED]
    if corrections and not refuted_printed:
        return Finding(claim, Verdict.INCONCLUSIVE, outcomes, per_reading=per_reading,
                       problems="a correction is declared but no counterexample to the printed statement held")
    shown = {}
    for r in printed:
        verdict = per_reading[r.key]
        if verdict is Verdict.REFUTED and corrections:
            verdict = Verdict.CORRECTED
        shown[r.key] = verdict
    distinct = list(dict.fromkeys(shown.values()))
    headline = distinct[0] if len(distinct) == 1 else max(distinct, key=_severity)
    text = (headline.value if len(distinct) == 1
            else " / ".join(f"{v.value} ({k})" for k, v in shown.items()))
    return Finding(claim, headline, outcomes, per_reading=per_reading, verdict_text=text)


def _severity(verdict):
    return (Verdict.PROVED, Verdict.CONFIRMED, Verdict.CORRECTED, Verdict.REFUTED).index(verdict)
