"""LaTeX export: the formula registry, the round trip through SymPy's parser, escaping, and a document
that compiles with pdflatex."""
import json
import re
import shutil
import subprocess

import pytest
import sympy as sp

from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import EvidenceSet, judge, run_item
from ulproofs.engine.verdicts import Claim, Reading
from ulproofs.reports import latex

FORMULAS = latex.formulas()

#: Formulas the issue names, by registry name (Theorem 4 / Corollary 5 / Theorem 6 ones are added as they land).
REQUIRED = (
    "SigmaOnePlus", "SigmaOneMinus", "SigmaTwoPlus", "SigmaTwoMinus", "SigmaThree", "ProjectorOnePlus",
    "ProjectorThree", "AlphaK", "BetaK", "DiscreteU", "DiscreteV", "ZTilde", "ResidualExponent", "FastestTradeOff",
    "LemmaOneMinimum", "LemmaOneMinimizerSet", "TheoremEightTransform", "TheoremEightPropagator", "MseFieldH",
    "MseFieldW", "MseFieldB",
)

NASTY = "under_score 50% & #1 $x$ ~a ^b \\c {d} <e> |f| ± ≥ ⊗ ζ₁ — “q” \u2af4"


def test_registry_names_are_unique_letters_and_claims_exist():
    names = [f.name for f in FORMULAS]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[A-Za-z]+", n) for n in names)
    known = {c.id for c in registry.all_claims()}
    assert {f.claim for f in FORMULAS} <= known
    assert set(REQUIRED) <= set(names)
    extensions = {c.id for c in registry.all_claims() if c.section == "extension"}
    assert extensions <= {f.claim for f in FORMULAS}     # each extension's formulas are round-tripped below


def test_bad_names_are_refused():
    with pytest.raises(latex.AssumptionError):
        latex.Formula("Alpha2", "theorem-2", r"\alpha", "digits are not allowed in a macro name", lambda: 1)


@pytest.mark.parametrize("item", FORMULAS, ids=[f.name for f in FORMULAS])
def test_round_trip(item):
    result = latex.round_trip(item)
    assert result.method == ("parse" if item.parser else "srepr")
    assert result.equal, result.detail


@pytest.mark.parametrize("item", [f for f in FORMULAS if not f.parser], ids=lambda f: f.name)
def test_fallback_is_needed(item):
    """A formula compared through srepr is one the parser really cannot read back."""
    assert not latex.parser_reads(item)


@pytest.mark.parametrize("item", [f for f in FORMULAS if f.parser], ids=lambda f: f.name)
def test_round_trip_catches_a_changed_formula(item):
    text = item.latex()
    mutated = text.replace("=", "= 1 +", 1) if isinstance(item.value(), sp.Equality) else f"{text} + 1"
    assert not latex.round_trip(item, mutated).equal


def test_paper_notation():
    assert latex.formula_latex("SigmaOnePlus") == r"\frac{\gamma + 1}{C \sqrt{N}}"
    assert r"\zeta_{1}" in latex.formula_latex("AlphaK") and r"\sigma" in latex.formula_latex("AlphaK")
    projector = latex.formula_latex("ProjectorOnePlus")
    assert r"\otimes" in projector and r"\mathbf{1}_{N}" in projector
    field = latex.formula_latex("MseFieldH")
    assert r"\mathbf{1}_{C N}^\top" in field and r"W^\top" in field
    assert latex.formula_latex("TheoremEightTransform") == r"U_{A}^{-1} \otimes U_{B}^{-1}"
    assert latex.to_latex(sp.Identity(3)) == "I_{3}"


def test_macro_file_defines_every_formula():
    text = latex.macro_definitions()
    for item in FORMULAS:
        assert f"\\newcommand{{{item.macro}}}{{{item.latex()}}}" in text


def test_escape_text():
    assert latex.escape_text("a_b%c") == r"a\_b\%c"
    assert latex.escape_text("{x} & ~^\\") == r"\{x\} \& \textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert latex.escape_text("±γ⊗") == r"$\pm$$\gamma$$\otimes$"
    assert latex.escape_text("\u2af4") == "[U+2AF4]"
    assert all(ord(ch) < 128 for ch in latex.escape_text(NASTY))


def _findings():
    """Two cheap real findings plus a synthetic refuted one whose texts hold every special character."""
    findings = registry.run(CheckContext(), only={"lemma-13", "lemma-17"}, progress=False)
    claim = Claim("theorem-4", "A title with " + NASTY, "A statement with " + NASTY, ("Eq. 1",), NASTY, 5,
                  printed="Printed " + NASTY, readings=(Reading("printed", "As printed " + NASTY, change=NASTY),
                                                        Reading("fixed", "Fixed " + NASTY, departs=True, why=NASTY)))
    evidence = EvidenceSet(claim)

    @evidence.item("held", kind="symbolic", description="held piece " + NASTY)
    def held(context, record):
        record.passed, record.measured = sp.true, {"value " + NASTY: 1.5e-17, "flag": sp.true}

    @evidence.item("long", kind="counterexample", reading="printed", description="long " + "x" * 400)
    def long(context, record):
        record.passed, record.measured = True, {"long": "y" * 1000}

    @evidence.item("fixed", kind="symbolic", role="correction", reading="fixed", description="fixed " + NASTY)
    def fixed(context, record):
        record.passed = True

    findings.append(judge(claim, [run_item(item, None) for item in evidence.items()]))
    return findings


def _pdflatex(directory, name):
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name], cwd=directory,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: apt-get install texlive-latex-base); CI installs it")
def test_document_compiles(tmp_path):
    paths = latex.write_latex(tmp_path, findings=_findings(), context=CheckContext())
    assert [p.name for p in paths] == [latex.REPORT_FILE, latex.MACRO_FILE, latex.JSON_FILE]
    text = paths[0].read_text()
    assert all(ord(ch) < 128 for ch in text)
    assert r"\input{ulproofs-formulas}" in text and "not run for this report" in text
    record = json.loads(paths[2].read_text())
    assert {c["id"] for c in record["claims"]} == {"lemma-13", "lemma-17", "theorem-4"}
    for _ in range(2):                               # longtable settles its column widths on the second run
        result = _pdflatex(tmp_path, latex.REPORT_FILE)
        assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "ulproofs-report.pdf").stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: apt-get install texlive-latex-base); CI installs it")
def test_macros_compile_in_a_users_document(tmp_path):
    latex.write_macros(tmp_path)
    uses = "\n".join(rf"\[{f.symbol} = {f.macro}\]" for f in FORMULAS)
    preamble = "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\input{ulproofs-formulas}\n"
    (tmp_path / "paper.tex").write_text(preamble + "\\begin{document}\n" + uses + "\n\\end{document}\n")
    result = _pdflatex(tmp_path, "paper.tex")
    assert result.returncode == 0, result.stdout[-3000:]


def test_report_from_a_json_record(tmp_path):
    findings = registry.run(CheckContext(), only={"lemma-14"}, progress=False)
    record = registry.findings_to_json(findings, CheckContext())
    source = tmp_path / "verdicts.json"
    source.write_text(json.dumps(record))
    for given in (record, source):
        report, _, _ = latex.write_latex(tmp_path / "out", findings=given, force=True)
        assert "Projection onto" in report.read_text()
