"""Claims, evidence and verdicts: the vocabulary of the verdict table."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    PROVED = "proved"                      # symbolic, for all C, N, gamma (and p)
    CONFIRMED = "confirmed numerically"    # against independent ground truth
    REFUTED = "refuted"                    # a counterexample is given
    CORRECTED = "true after correction"    # the corrected statement is proved or confirmed
    INCONCLUSIVE = "inconclusive"            # some evidence did not behave as expected


@dataclass(frozen=True)
class Reading:
    """One way to read a statement, and what it changes.

    ``departs=False``: the statement as printed, verbatim or as reconstructed from garbled glyphs
    that allow it (``change`` then says which glyphs were read how). ``departs=True``: a correction
    that adds or removes a factor, sign, hypothesis or clause; ``change`` says what and ``why``.
    ``establishes``: what this reading's support items show when they hold (``proved`` for a
    symbolic proof of the whole statement, ``confirmed numerically`` otherwise). ``proof_needs``:
    the paper's own proof uses this reading.
    """

    key: str
    text: str
    change: str = ""
    departs: bool = False
    why: str = ""
    establishes: str = "proved"
    proof_needs: bool = False

    def __post_init__(self):
        if self.establishes not in (Verdict.PROVED.value, Verdict.CONFIRMED.value):
            raise ValueError(f"a reading establishes 'proved' or 'confirmed numerically' (got {self.establishes!r})")


@dataclass(frozen=True)
class Claim:
    """A statement of the paper (or an extension past it), as printed and as read here."""

    id: str                 # e.g. "theorem-2"
    title: str
    statement: str          # the statement as read (reconstructed where the OCR is garbled)
    equations: tuple = ()
    reading: str = ""       # how an ambiguous or garbled statement was read, and why
    issue: int = 2
    printed: str = ""       # verbatim where legible; the garbled glyphs where not
    readings: tuple = ()    # Reading, at least one; those with departs=False are the print
    section: str = "paper"  # "paper", or "extension" for results past the paper's assumptions


@dataclass
class Evidence:
    """One check: what was compared with what, whether it held, and the numbers."""

    kind: str               # "symbolic", "exact", "mpmath", "iterates", "counterexample", "mutant"
    description: str
    passed: bool
    measured: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Finding:
    """A claim's verdict and the outcomes behind it (see :func:`ulproofs.engine.evidence.judge`)."""

    claim: Claim
    verdict: Verdict
    evidence: list = field(default_factory=list)
    correction: str = ""
    counterexample: str = ""
    seconds: float = 0.0
    per_reading: dict = field(default_factory=dict)
    verdict_text: str = ""
    problems: str = ""

    def __post_init__(self):
        self.verdict_text = self.verdict_text or self.verdict.value

    @property
    def sound(self):
        """Every piece of evidence behaves as the verdict says it does."""
        return all(getattr(e, "held", getattr(e, "passed", False)) for e in self.evidence)


class EvidenceLog:
    """Collects evidence while timing each check.

    >>> log = EvidenceLog()
    >>> with log.check("symbolic", "1 + 1 == 2") as record:
    ...     record.passed = (1 + 1 == 2)
    >>> log.items[0].passed
    True
    """

    def __init__(self):
        self.items = []

    class _Timer:
        def __init__(self, log, kind, description):
            self.record = Evidence(kind, description, passed=False)
            self.log = log

        def __enter__(self):
            self.start = time.perf_counter()
            return self.record

        def __exit__(self, *exc):
            self.record.seconds = round(time.perf_counter() - self.start, 4)
            self.record.passed = bool(self.record.passed)  # SymPy and NumPy booleans become plain bools
            self.log.items.append(self.record)
            return False

    def check(self, kind, description):
        return EvidenceLog._Timer(self, kind, description)


def finding_from_evidence(claim, log, *, core_kinds=None, counterexample_kinds=("counterexample",), correction="",
                          otherwise=Verdict.PROVED, describe=None):
    """The verdict the evidence in ``log`` supports.

    * INCONCLUSIVE when a core check failed (``core_kinds``; None: every kind that is not a
      counterexample search): the checker's own evidence did not behave, so it settles nothing and
      ``ulproofs check`` exits non-zero;
    * CORRECTED (with ``correction``) when every core check held and a counterexample to the
      statement as printed was found;
    * ``otherwise`` (PROVED, or CONFIRMED for a claim checked on iterates) when none was found.
    """
    describe = describe or (lambda e: e.description)
    core = [e for e in log.items
            if (e.kind not in counterexample_kinds if core_kinds is None else e.kind in core_kinds)]
    failed = [e for e in core if not e.passed]
    if failed:
        return Finding(claim, Verdict.INCONCLUSIVE, log.items,
                       counterexample="checks that failed: " + "; ".join(e.description for e in failed))
    found = [e for e in log.items if e.kind in counterexample_kinds and e.passed]
    if found:
        return Finding(claim, Verdict.CORRECTED, log.items, correction=correction,
                       counterexample="; ".join(describe(e) for e in found))
    return Finding(claim, otherwise, log.items)
