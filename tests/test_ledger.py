"""The errata ledger: every equation 1-104, footnote, figure and table has a row; paper_ledger's rows are sound.

``test_merged_ledger_covers_the_paper`` needs the claim modules' ``LEDGER`` rows (issue 9): it passes once every
claim declares the rows of the references in its ``CLAIM.equations``. The other tests check paper_ledger on its
own, with the claims' declared references standing in for their rows.
"""
import re

import pytest

from ulproofs.claims import evaluation_protocol, paper_errata, paper_ledger
from ulproofs.engine.ledger import STATUSES, LedgerRow, coverage_gaps, ledger_rows
from ulproofs.engine.registry import claim_modules
from ulproofs.reports.errata import errata_latex, format_errata

#: The claims whose evidence ledger rows may cite by id.
OWN_CLAIMS = {paper_errata.CLAIM.id: paper_errata, evaluation_protocol.CLAIM.id: evaluation_protocol}


def expand_reference(reference):
    """'Eqs. 30-46' -> ['Eq. 30', ..., 'Eq. 46'], 'Figures 4-8' -> ['Figure 4', ...]; other references unchanged."""
    match = re.fullmatch(r"(Eq|Figure|Table)s?\.? (\d+)(?:\s*[-–]\s*(\d+))?", reference)
    if not match:
        return [reference]
    kind, first, last = match.group(1), int(match.group(2)), int(match.group(3) or match.group(2))
    prefix = "Eq." if kind == "Eq" else kind
    return [f"{prefix} {n}" for n in range(first, last + 1)]


def claim_references():
    """{reference: claim id} for every reference in the 18 claims' ``CLAIM.equations``, ranges expanded (the rows
    of paper-errata's and evaluation-protocol's references are paper_ledger's own)."""
    return {ref: module.CLAIM.id for module in claim_modules().values() if module.CLAIM.id not in OWN_CLAIMS
            for reference in module.CLAIM.equations for ref in expand_reference(reference)}


def test_merged_ledger_covers_the_paper():
    assert coverage_gaps(ledger_rows(), paper_ledger.FOOTNOTES) == []


def test_paper_ledger_covers_what_the_claims_do_not():
    stand_ins = [LedgerRow(ref, claim, "holds as printed") for ref, claim in claim_references().items()]
    assert coverage_gaps(list(paper_ledger.ROWS) + stand_ins, paper_ledger.FOOTNOTES) == []


def test_paper_ledger_leaves_the_claims_equations_to_them():
    claimed = {ref for ref in claim_references() if ref.startswith("Eq.")}
    ours = {f"Eq. {n}" for row in paper_ledger.ROWS for n in row.numbers()}
    assert not ours & claimed


def test_each_reference_once():
    """One row per reference across the claim modules and the paper ledger, and one per equation number."""
    rows = ledger_rows()
    refs = [row.ref for row in rows]
    assert len(refs) == len(set(refs)), [ref for ref in set(refs) if refs.count(ref) > 1]
    numbers = [n for row in rows for n in row.numbers()]
    assert len(numbers) == len(set(numbers)), [n for n in set(numbers) if numbers.count(n) > 1]


def test_every_footnote_figure_and_table_has_its_own_row():
    assert all(gap.startswith("Eq. ") for gap in coverage_gaps(paper_ledger.ROWS, paper_ledger.FOOTNOTES))


@pytest.mark.parametrize("row", [r for r in ledger_rows() if r.status == "erratum"], ids=lambda r: r.ref)
def test_an_erratum_has_correction_counterexample_and_evidence(row):
    assert row.correction and row.counterexample and row.evidence and row.note
    for latex in (row.correction, row.counterexample):
        assert latex.count("{") == latex.count("}") and "$" not in latex


def test_evidence_names_declared_items_or_claims():
    """Every pointer of the merged ledger names a registered claim or one of its declared items."""
    modules = claim_modules()
    for row in ledger_rows():
        for pointer in row.evidence:
            claim_id, _, slug = pointer.partition("::")
            assert claim_id in modules, (row.ref, pointer)
            if slug:
                slugs = {item.slug for item in modules[claim_id].EVIDENCE.items(paper_scale=True)}
                assert slug in slugs, (row.ref, pointer)


def test_rows_that_hold_cite_evidence():
    for row in paper_ledger.ROWS:
        if row.status in ("holds as printed", "holds as reconstructed"):
            assert row.evidence, row.ref
        assert row.status in STATUSES


def test_reports_show_every_row_not_holding_as_printed():
    rows = list(paper_ledger.ROWS)
    hidden = [row.ref for row in rows if row.status == "holds as printed"]
    text, latex = format_errata(rows), errata_latex(rows)
    for row in rows:
        shown = row.ref not in hidden
        assert (f"  {row.ref} [used in:" in text) == shown, row.ref
    assert latex.count(r"\item ") == len(rows) - len(hidden)
    assert latex.count(r"\begin{itemize}") == latex.count(r"\end{itemize}")


def test_reports_read_the_json_form():
    rows = [row.as_dict() for row in paper_ledger.ROWS]
    assert format_errata(rows) == format_errata(paper_ledger.ROWS)
