r"""The errata ledger as text (``ulproofs errata``) and as the LaTeX section "Errata".

Both take the ledger's rows (:class:`~ulproofs.engine.ledger.LedgerRow`, or their dictionaries as in the verdict
JSON's ``ledger`` list) and show every row that does not hold as printed, grouped by status: errata first (with
the correction and the counterexample), then reconstructions of garbled text, unreadable references and
references that are not checkable statements.

>>> rows = [LedgerRow("Eq. 2", "Section 3.1", "holds as printed"),
...         LedgerRow("Footnote 8", "Section 3.1", "erratum", note="the iff needs eta2 != 0",
...                   correction=r"\eta_1=s\,\eta_2 \quad(\eta_2\not\equiv0)", evidence=("paper-errata::x",))]
>>> print(format_errata(rows))
Errata ledger: 1 of 2 rows do not hold as printed (erratum 1)
<BLANKLINE>
erratum (1)
  Footnote 8 [used in: Section 3.1]
    the iff needs eta2 != 0
    correction: \eta_1=s\,\eta_2 \quad(\eta_2\not\equiv0)
    evidence: paper-errata::x
"""
from __future__ import annotations

import textwrap

from ..engine.ledger import LedgerRow

#: The order of the groups: what a reader must correct first.
GROUP_ORDER = ("erratum", "holds as reconstructed", "unreadable", "not checkable")

_HEADINGS = {"erratum": "Errata", "holds as reconstructed": "Reconstructed from garbled text",
             "unreadable": "Unreadable in the OCR", "not checkable": "Definitions, notation and reported data"}


def as_rows(rows):
    """LedgerRow objects from rows or their dictionaries (the verdict JSON's ``ledger`` entries)."""
    return [row if isinstance(row, LedgerRow) else LedgerRow(**{**row, "evidence": tuple(row.get("evidence", ()))})
            for row in rows]


def grouped(rows):
    """{status: rows} for every status of :data:`GROUP_ORDER` that has rows, in the paper's order within a group."""
    rows = sorted(as_rows(rows), key=LedgerRow.sort_key)
    groups = {status: [row for row in rows if row.status == status] for status in GROUP_ORDER}
    return {status: members for status, members in groups.items() if members}


def format_errata(rows, width=100):
    """The ``ulproofs errata`` output: every row that is not "holds as printed", grouped by status."""
    rows = as_rows(rows)
    groups = grouped(rows)
    shown = sum(len(members) for members in groups.values())
    counts = ", ".join(f"{status} {len(members)}" for status, members in groups.items())
    lines = [f"Errata ledger: {shown} of {len(rows)} rows do not hold as printed" + (f" ({counts})" if counts else "")]

    def wrapped(label, text):
        return textwrap.wrap(f"{label}{text}", width=width, initial_indent="    ", subsequent_indent="      ")

    for status, members in groups.items():
        lines += ["", f"{status} ({len(members)})"]
        for row in members:
            lines.append(f"  {row.ref} [used in: {row.used_in}]")
            if row.note:
                lines += wrapped("", row.note)
            if row.correction:
                lines.append(f"    correction: {row.correction}")
            if row.counterexample:
                lines.append(f"    counterexample: {row.counterexample}")
            if row.evidence:
                lines += wrapped("evidence: ", ", ".join(row.evidence))
    return "\n".join(lines)


def errata_latex(rows):
    r"""The LaTeX section "Errata": per group a list; corrections and counterexamples in display math.

    Text (references, notes, evidence ids) is escaped; ``correction`` and ``counterexample`` are LaTeX already.
    Evidence ids may break after '-' and '::'. Needs amsmath.

    >>> text = errata_latex([LedgerRow("Footnote 8", "Section 3.1", "erratum", note="needs eta_2 != 0",
    ...                                correction=r"\eta_1=s\,\eta_2", counterexample=r"\eta_2\equiv0",
    ...                                evidence=("paper-errata::zero-rate",))])
    >>> print(text)   # doctest: +NORMALIZE_WHITESPACE
    \section{Errata}
    One row per reference of the paper that does not hold as printed (1 of 1 rows).
    \subsection*{Errata (1)}
    \begin{itemize}
    \item \textbf{Footnote 8.} \emph{Used in:} Section 3.1.\\\relax{} needs eta\_2 != 0
    \par\emph{Correction:}
    \[ \eta_1=s\,\eta_2 \]
    \emph{Counterexample to the print:}
    \[ \eta_2\equiv0 \]
    \emph{Evidence:} \texttt{paper-\allowbreak{}errata::\allowbreak{}zero-\allowbreak{}rate}
    \end{itemize}
    """
    from .latex import escape_text

    rows = as_rows(rows)
    groups = grouped(rows)
    shown = sum(len(members) for members in groups.values())
    parts = [r"\section{Errata}",
             f"One row per reference of the paper that does not hold as printed ({shown} of {len(rows)} rows)."]
    for status, members in groups.items():
        parts += [rf"\subsection*{{{_HEADINGS[status]} ({len(members)})}}", r"\begin{itemize}"]
        for row in members:
            entry = [rf"\item \textbf{{{escape_text(row.ref)}.}} \emph{{Used in:}} {escape_text(row.used_in)}."
                     + (rf"\\\relax{{}} {escape_text(row.note)}" if row.note else "")]
            if row.correction:
                entry += [r"\par\emph{Correction:}", rf"\[ {row.correction} \]"]
            if row.counterexample:
                entry += [r"\emph{Counterexample to the print:}", rf"\[ {row.counterexample} \]"]
            if row.evidence:
                entry.append(r"\emph{Evidence:} " + ", ".join(_breakable_code(e, escape_text) for e in row.evidence))
            parts += entry
        parts.append(r"\end{itemize}")
    return "\n".join(parts)


def _breakable_code(text, escape_text):
    r"""``text`` in typewriter type, with line breaks allowed after '-' and '::'."""
    escaped = escape_text(text).replace("-", r"-\allowbreak{}").replace("::", r"::\allowbreak{}")
    return rf"\texttt{{{escaped}}}"
