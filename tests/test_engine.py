"""The verdict engine: items run alone and never propagate, and one rule turns outcomes into verdicts."""
import time

import numpy as np
import pytest

from ulproofs.core.errors import AssumptionError
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import EvidenceSet, item_rng, judge, run_item
from ulproofs.engine.verdicts import Claim, Reading, Verdict

PRINTED = Reading("printed", "x = 1", establishes="proved")
CORRECTED = Reading("corrected", "x = 1 for x > 0", change="adds the hypothesis x > 0", departs=True)


def _claim(*readings):
    return Claim("lemma-0", "toy", statement="x = 1", printed="x = 1", readings=readings or (PRINTED,))


def _outcomes(claim, *declared):
    """Declare items (slug, kind, role, reading, passes) and run them."""
    evidence = EvidenceSet(claim)
    for slug, kind, role, reading, passes in declared:
        @evidence.item(slug, kind=kind, role=role, reading=reading, description=slug)
        def item(context, record, passes=passes):
            if passes == "raise":
                raise ZeroDivisionError("the checker divided by zero")
            record.passed = passes
    return [run_item(item, CheckContext()) for item in evidence.items()]


def test_support_that_holds_gives_the_reading_its_verdict():
    claim = _claim()
    assert judge(claim, _outcomes(claim, ("proof", "symbolic", "support", None, True))).verdict is Verdict.PROVED
    confirmed = _claim(Reading("printed", "x = 1", establishes="confirmed numerically"))
    finding = judge(confirmed, _outcomes(confirmed, ("runs", "iterates", "support", None, True)))
    assert finding.verdict is Verdict.CONFIRMED


@pytest.mark.parametrize("failure", [False, "raise"], ids=["failed", "crashed"])
def test_a_failed_or_crashed_item_is_inconclusive_never_a_refutation(failure):
    claim = _claim(PRINTED, CORRECTED)
    outcomes = _outcomes(claim, ("proof", "symbolic", "support", None, failure),
                         ("counter", "counterexample", "counterexample", "printed", True),
                         ("fixed", "symbolic", "correction", "corrected", True))
    finding = judge(claim, outcomes)
    assert finding.verdict is Verdict.INCONCLUSIVE and not finding.sound
    assert "proof" in finding.problems
    if failure == "raise":
        assert outcomes[0].status == "error" and "ZeroDivisionError" in outcomes[0].error


def test_a_counterexample_without_correction_refutes_and_with_one_corrects():
    claim = _claim()
    refuted = judge(claim, _outcomes(claim, ("counter", "counterexample", "counterexample", "printed", True)))
    assert refuted.verdict is Verdict.REFUTED
    claim = _claim(PRINTED, CORRECTED)
    corrected = judge(claim, _outcomes(claim, ("counter", "counterexample", "counterexample", "printed", True),
                                       ("fixed", "symbolic", "correction", "corrected", True)))
    assert corrected.verdict is Verdict.CORRECTED and corrected.per_reading["corrected"] is Verdict.CORRECTED


def test_a_correction_without_a_counterexample_to_the_print_is_inconclusive():
    claim = _claim(PRINTED, CORRECTED)
    finding = judge(claim, _outcomes(claim, ("fixed", "symbolic", "correction", "corrected", True)))
    assert finding.verdict is Verdict.INCONCLUSIVE and "no counterexample" in finding.problems


def test_readings_that_disagree_are_all_shown():
    a = Reading("a", "glyphs read as 1/C", establishes="proved")
    b = Reading("b", "glyphs read without 1/C")
    fixed = Reading("fixed", "with 1/C", departs=True)
    claim = _claim(a, b, fixed)
    finding = judge(claim, _outcomes(claim, ("proof", "symbolic", "support", "a", True),
                                     ("counter", "counterexample", "counterexample", "b", True),
                                     ("fixed", "symbolic", "correction", "fixed", True)))
    assert finding.verdict_text == "proved (a) / true after correction (b)"
    assert finding.verdict is Verdict.CORRECTED


def test_a_time_limit_stops_an_item():
    claim = _claim()
    evidence = EvidenceSet(claim)

    @evidence.item("slow", kind="symbolic", description="never ends", time_limit=0.2)
    def slow(context, record):
        while True:
            time.sleep(0.01)

    start = time.perf_counter()
    outcome = run_item(evidence.items()[0], CheckContext())
    assert outcome.status == "timeout" and time.perf_counter() - start < 5


def test_declarations_are_checked():
    evidence = EvidenceSet(_claim())
    evidence.item("a", kind="symbolic", description="")(lambda context, record: None)
    with pytest.raises(ValueError, match="duplicate"):
        evidence.item("a", kind="symbolic", description="")(lambda context, record: None)
    with pytest.raises(ValueError, match="unknown reading"):
        evidence.item("b", kind="symbolic", reading="nope", description="")
    with pytest.raises(ValueError, match="unknown kind"):
        evidence.item("c", kind="vibes", description="")


def test_cases_become_one_item_each():
    evidence = EvidenceSet(_claim())
    seen = []
    evidence.item("grid", kind="exact", description="n = {case}", cases={"n2": 2, "n3": 3})(
        lambda context, record, case: seen.append(case))
    items = evidence.items()
    assert [i.id for i in items] == ["lemma-0::grid-n2", "lemma-0::grid-n3"]
    assert [i.description for i in items] == ["n = 2", "n = 3"]
    for i in items:
        run_item(i, None)
    assert seen == [2, 3]


def test_item_rng_depends_on_seed_and_item_only():
    a = item_rng(CheckContext(seed=0), "x").standard_normal(3)
    assert np.array_equal(a, item_rng(CheckContext(seed=0), "x").standard_normal(3))
    assert not np.array_equal(a, item_rng(CheckContext(seed=1), "x").standard_normal(3))
    assert not np.array_equal(a, item_rng(CheckContext(seed=0), "y").standard_normal(3))


@pytest.mark.parametrize("name", ["Theorem-2", "theorem2", "THEOREM_2", " theorem-2"])
def test_claim_ids_match_ignoring_case_and_punctuation(name):
    assert registry.resolve_ids([name]) == ["theorem-2"]


def test_an_unknown_claim_id_is_refused_with_the_known_ones():
    with pytest.raises(AssumptionError, match="unknown claim id.*'nope'.*known: lemma-1"):
        registry.resolve_ids(["nope"])
