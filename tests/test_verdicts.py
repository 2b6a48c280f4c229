"""The verdict follows from the evidence: failed checks settle nothing, counterexamples correct."""
from ulproofs.engine.verdicts import Claim, EvidenceLog, Verdict, finding_from_evidence

CLAIM = Claim("lemma-0", "a claim", "a statement", ("Eq. 0",))


def _log(*pieces):
    log = EvidenceLog()
    for kind, passed in pieces:
        with log.check(kind, f"{kind} check") as record:
            record.passed = passed
    return log


def test_all_checks_held_and_no_counterexample_is_proved():
    finding = finding_from_evidence(CLAIM, _log(("symbolic", True), ("counterexample", False)))
    assert finding.verdict is Verdict.PROVED


def test_a_found_counterexample_gives_the_correction():
    finding = finding_from_evidence(CLAIM, _log(("symbolic", True), ("counterexample", True)), correction="fixed")
    assert finding.verdict is Verdict.CORRECTED and finding.correction == "fixed" and finding.sound


def test_a_failed_core_check_is_inconclusive_not_a_refutation():
    finding = finding_from_evidence(CLAIM, _log(("symbolic", False), ("counterexample", True)))
    assert finding.verdict is Verdict.INCONCLUSIVE and not finding.sound
    assert "symbolic check" in finding.counterexample


def test_core_kinds_and_otherwise():
    log = _log(("condition", False), ("iterates", True))
    finding = finding_from_evidence(CLAIM, log, core_kinds=("iterates",), otherwise=Verdict.CONFIRMED)
    assert finding.verdict is Verdict.CONFIRMED


def test_sympy_and_numpy_booleans_are_recorded_as_bool():
    import numpy as np
    import sympy as sp

    log = _log(("symbolic", sp.true), ("iterates", np.bool_(True)))
    assert all(type(e.passed) is bool for e in log.items)
