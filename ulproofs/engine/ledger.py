r"""The errata ledger: one row per numbered equation, footnote, figure, table and checkable remark.

A row says where a reference of the paper is used, whether it holds, and which evidence items show
it. Claim modules declare the rows of the references their claim covers (``LEDGER`` beside
``CLAIM``); :mod:`ulproofs.claims.paper_ledger` declares the rest (definitions, experiments,
captions, tables). :func:`ledger_rows` gathers them in the paper's order, and :func:`coverage_gaps`
names every equation 1-104, footnote, figure and table without a row.

Statuses:

* ``holds as printed``;
* ``holds as reconstructed``: the OCR garbled it and the reading the glyphs allow holds;
* ``erratum``: it does not hold as printed; ``correction`` (LaTeX) says what does, and ``evidence``
  points at the items that show both;
* ``not checkable``: a definition, notation or reported data;
* ``unreadable``: the OCR leaves too little to read it.

>>> row = LedgerRow("Eq. 7", "Theorem 2", "erratum", note="the drift needs 1/C",
...                 correction=r"b(t)=b_0+\frac{1+\gamma-\gamma C}{C}\zeta_2(t)\mathbf 1_C",
...                 evidence=("theorem-2::bias-ode",))
>>> row.sort_key() < LedgerRow("Eq. 10", "Corollary 3", "holds as printed").sort_key()
True
"""
from __future__ import annotations

import importlib
import re
from dataclasses import asdict, dataclass

STATUSES = ("holds as printed", "holds as reconstructed", "erratum", "not checkable", "unreadable")

#: What the ledger must cover: every numbered equation, and the paper's figures, tables and footnotes.
EQUATIONS = range(1, 105)
FIGURES = range(1, 20)
TABLES = range(1, 7)

_KIND_ORDER = ("Eq.", "Footnote", "Figure", "Table")


@dataclass(frozen=True)
class LedgerRow:
    """One reference of the paper and what became of it."""

    ref: str                # "Eq. 7", "Footnote 8", "Figure 5", "Table 2", "Proof of Theorem 2", ...
    used_in: str            # where the paper uses it
    status: str
    note: str = ""          # plain words: what was checked and found
    correction: str = ""    # LaTeX: the corrected statement, for an erratum
    counterexample: str = ""   # LaTeX: the counterexample to the print, for an erratum
    evidence: tuple = ()    # evidence item ids ("theorem-2::expm-50-digits") or claim ids

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"{self.ref}: status must be one of {STATUSES} (got {self.status!r})")
        if self.status == "erratum" and not self.correction:
            raise ValueError(f"{self.ref}: an erratum states its correction")

    def numbers(self):
        """The numbers an ``Eq. a``/``Eqs. a-b`` reference covers (empty for other kinds)."""
        match = re.fullmatch(r"Eqs?\. (\d+)(?:\s*[-–]\s*(\d+))?", self.ref)
        if not match:
            return []
        first = int(match.group(1))
        return list(range(first, int(match.group(2) or first) + 1))

    def sort_key(self):
        for rank, prefix in enumerate(_KIND_ORDER):
            if self.ref.startswith(prefix):
                number = re.search(r"\d+", self.ref)
                return (rank, int(number.group()) if number else 0, self.ref)
        return (len(_KIND_ORDER), 0, self.ref)

    def as_dict(self):
        record = asdict(self)
        record["evidence"] = list(self.evidence)
        return record


def ledger_rows():
    """Every row, from the claim modules and :mod:`ulproofs.claims.paper_ledger`, in the paper's order."""
    from .registry import claim_modules

    rows = [row for module in claim_modules().values() for row in getattr(module, "LEDGER", ())]
    try:
        rows += list(importlib.import_module("ulproofs.claims.paper_ledger").ROWS)
    except ModuleNotFoundError:
        pass
    return sorted(rows, key=LedgerRow.sort_key)


def coverage_gaps(rows, footnotes=()):
    """References the ledger must have and does not: equations, figures, tables, ``footnotes``."""
    covered_equations = {n for row in rows for n in row.numbers()}
    refs = {row.ref for row in rows}
    missing = [f"Eq. {n}" for n in EQUATIONS if n not in covered_equations]
    missing += [f"Figure {n}" for n in FIGURES if f"Figure {n}" not in refs]
    missing += [f"Table {n}" for n in TABLES if f"Table {n}" not in refs]
    missing += [f"Footnote {n}" for n in footnotes if f"Footnote {n}" not in refs]
    return missing

