"""Lemma 11 (Eq. 86): beta_0 >= 0 implies beta_t -> 1."""
import pytest

from ulproofs.claims import lemma_11
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return lemma_11.check(CheckContext())


def measured(finding, kind):
    return next(e for e in finding.evidence if e.kind == kind).measured


def test_eq_86_identity_is_symbolic():
    facts = lemma_11.prove_identity()
    assert facts["identity"] and facts["beta_1_from_zero"]


def test_mutant_identity_with_first_power_fails():
    assert not lemma_11.prove_identity()["wrong_power_is_identity"]


def test_factors_lie_in_unit_interval():
    assert lemma_11.prove_factor_bounds()["within"]


def test_identity_on_mpmath_iterates(finding):
    assert measured(finding, "mpmath")["residual_over_tolerance"] <= 1


def test_mutant_misses_the_mpmath_iterates(finding):
    assert measured(finding, "mutant")["mutant_residual_over_tolerance"] > MUTANT_MARGIN


def test_nonnegative_starts_converge_with_paper_bound(finding):
    runs = measured(finding, "iterates")
    assert len(runs) == 4
    for name, report in runs.items():
        assert report["passed"], name
        assert max(report["final_one_minus_beta"]) <= 1e-9
        assert report["paper_bound_excess"] <= 1e-12


def test_summable_rate_is_a_counterexample_without_eps(finding):
    facts = measured(finding, "condition")
    summable = facts["summable (1+t)^-2"]
    assert summable["final_angle"] >= summable["angle_lower_bound"] > 0


def test_check_proves_the_lemma(finding):
    assert finding.verdict is Verdict.PROVED and finding.sound
