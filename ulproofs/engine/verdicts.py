"""Claims, evidence and verdicts: the vocabulary of the verdict table."""
from __future__ import annotations

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
class Finding:
    """A claim's verdict and the outcomes behind it (see :func:`ulproofs.engine.evidence.judge`)."""

    claim: Claim
    verdict: Verdict
    evidence: list = field(default_factory=list)
    seconds: float = 0.0
    per_reading: dict = field(default_factory=dict)
    verdict_text: str = ""
    problems: str = ""

    def __post_init__(self):
        self.verdict_text = self.verdict_text or self.verdict.value

    @property
    def correction(self):
        """The corrected statements: the readings that depart from the print."""
        return "; ".join(r.text for r in self.claim.readings if r.departs)

    @property
    def counterexample(self):
        """The counterexamples to the print that held."""
        return "; ".join(o.item.description for o in self.evidence if o.item.role == "counterexample" and o.held)

    @property
    def sound(self):
        """The evidence supports a verdict: none of it misbehaved and the verdict rule reached one."""
        return self.verdict is not Verdict.INCONCLUSIVE
