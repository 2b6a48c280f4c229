"""Lemma 10 (Eqs. 82-85): one spherical feature converges to its prototype's direction."""
import math

import pytest
import sympy as sp

from ulproofs.claims import lemma_10
from ulproofs.claims.lemma_10 import alpha, beta
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return lemma_10.check(CheckContext())


def measured(finding, kind, words):
    return next(e for e in finding.evidence if e.kind == kind and words in e.description).measured


# --- symbolic ----------------------------------------------------------------------------------
def test_eq_83_norm_growth_and_orthogonal_step():
    assert all(lemma_10.prove_norm_growth().values())


def test_mutant_step_with_norm_squared_breaks_eq_83():
    assert not lemma_10.prove_norm_growth(power=2)["growth"]


def test_positive_combination_with_nonnegative_coefficient():
    facts = lemma_10.prove_positive_combination()
    assert facts["h_coefficient"] and facts["w_coefficient"] and facts["nonnegative"]


def test_eq_84_follows_from_the_iterates():
    assert all(lemma_10.prove_recursion().values())


@pytest.mark.parametrize("variant, broken", [("sign", "beta"), ("no-sqrt", "beta"), ("no-xi", "alpha")])
def test_mutants_of_eq_84_are_not_identities(variant, broken):
    assert not lemma_10.prove_recursion(variant)[broken]


def test_cosine_is_monotone_for_alpha_up_to_two():
    assert all(lemma_10.prove_monotone_cosine().values())
    assert sp.simplify(lemma_10.monotone_bracket() + 2 * beta + alpha * (1 - 2 * beta ** 2)) == 0


def test_beyond_two_the_cosine_can_decrease():
    before, after = lemma_10.decreasing_cosine_example()
    assert after < before
    b, _ = lemma_10.eq_84_step(sp.Integer(2), sp.Rational(99, 100), 1)
    assert sp.nsimplify(b) >= sp.Rational(99, 100)          # alpha = 2: still monotone


def test_angle_form_and_bound_lemmas():
    assert all(lemma_10.prove_angle_form().values())


# --- mpmath exactness and mutants ---------------------------------------------------------------
def test_eq_84_matches_mpmath_iterates(finding):
    errors = measured(finding, "mpmath", "Eq. 84")["paper_residual_over_tolerance"]
    assert set(errors) == {"constant", "decay", "growing", "adaptive"} and max(errors.values()) <= 1


def test_mutants_miss_the_iterates(finding):
    misses = measured(finding, "mutant", "mutants of Eq. 84")
    assert min(v for k, v in misses.items() if k != "wrong_power_growth") > MUTANT_MARGIN
    assert misses["wrong_power_growth"] is False


# --- float64 iterates ------------------------------------------------------------------------------
def test_monotone_bounded_and_convergent_on_every_schedule(finding):
    runs = measured(finding, "iterates", "float64 iterates")
    assert len(runs) == 12
    for name, report in runs.items():
        assert report["passed"] and report["converged"], name
        assert report["norm_bound_exponent_used"] <= 1
    assert any("adaptive" in name for name in runs)


# --- the statement as printed and the dropped hypotheses ------------------------------------------
def test_literal_hypothesis_fails_for_short_prototypes():
    facts = lemma_10.literal_hypothesis_counterexample()
    assert facts["literal_value"] == "-1/2" and facts["exact_step_is_zero"] and facts["float_final_gap"] == 2.0


def test_bound_above_two_breaks_monotonicity_not_convergence(finding):
    runs = measured(finding, "condition", "bound alpha_0 <= 1 dropped")
    assert runs["1.9"]["decreases"] == 0
    assert all(runs[k]["decreases"] > 0 and runs[k]["final_gap"] < 1e-8 for k in ("3.0", "10.0", "50.0"))


def test_growing_alpha_bursts_repeatedly(finding):
    facts = measured(finding, "condition", "non-increasing' dropped")
    assert len(facts["bursts_at"]) >= 3 and facts["bursts_at"] == facts["float64_bursts_at"]
    assert facts["largest_alpha"] > 2 and facts["max_angle_after_first_burst"] > 0.3


def test_summable_rate_stalls_harmonic_rate_converges(finding):
    facts = measured(finding, "condition", "'eta >= eps' dropped")
    summable = facts["summable (1+t)^-2"]
    assert summable["final_angle"] >= summable["angle_lower_bound"] > 0.7
    assert 0 < facts["harmonic (1+t)^-1"]["fitted_power"] < 1


def test_xi_limit_is_implied(finding):
    facts = measured(finding, "condition", "lim xi_t = 1")
    assert facts["max_xi"] > 1 and facts["last_xi_minus_one"] == pytest.approx(0, abs=1e-12)


def test_check_corrects_the_hypothesis(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "cosine" in finding.correction and "||w|| < 1" in finding.correction


def test_recursion_example_values():
    _, betas = lemma_10.recursion_84(0.5, 0.0, [1.0] * 2)
    assert float(betas[1]) == pytest.approx(0.5 / math.sqrt(1.25), rel=1e-15)
