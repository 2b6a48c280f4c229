"""Lemma 1: the exact minimum and minimizer sets under norm bounds; the printed uniqueness is refuted."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import lemma_1 as l1
from ulproofs.claims.lemma_1 import E1, E2
from ulproofs.core.errors import AssumptionError
from ulproofs.core.operator import gamma, label_matrix, matrix_M
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.core.structured import PROTOTYPES, C, N, StructuredMatrix
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    from ulproofs.engine.context import CheckContext

    return l1.check(CheckContext())


def _evidence(finding, start):
    (item,) = [e for e in finding.evidence if e.description.startswith(start)]
    return item


# --- verdict ---------------------------------------------------------------------------------
def test_verdict_is_corrected_and_sound(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "simplex ETF (neural collapse) exactly when C in {2, 3}" in finding.correction
    assert "uniqueness fails for C >= 4" in finding.counterexample


# --- the exact reduction ----------------------------------------------------------------------
def test_reduction_identity_holds_for_all_sizes():
    assert l1.prove_loss_reduction()


def test_mutant_reduction_with_plus_sign_fails():
    wrong = (StructuredMatrix.identity(PROTOTYPES) * (1 + gamma)
             + StructuredMatrix.ones(PROTOTYPES, PROTOTYPES) * gamma)
    assert not (matrix_M() * (C * N) - wrong @ label_matrix()).is_zero()


def test_norm_identity_and_mutant():
    assert l1.prove_norm_identity()
    assert not l1.prove_norm_identity(gamma * (gamma * C - 2 + 2 * gamma))
    assert sp.expand(l1.curvature() - gamma * (gamma * (C - 2) - 2)) == 0


def test_curvature_signs(finding):
    measured = _evidence(finding, "norm identity").measured
    assert measured["negative"] == str(sp.Interval.open(0, 2 / (C - 2)))
    assert measured["zero"] == str(sp.FiniteSet(0, 2 / (C - 2)))
    assert measured["positive"] == str(sp.Interval.open(2 / (C - 2), sp.oo))
    assert measured["negative_C2"] == str(sp.Interval.open(0, sp.oo)) and measured["meet"] == "0"


def test_bound_vertices():
    facts = l1.prove_minimum()
    assert facts["centred_vertex"] == 0 and facts["collapsed_vertex"] == 0 and facts["origin"] == 0


def test_minimum_value_by_regime():
    third = sp.Rational(1, 3)
    assert sp.simplify(l1.minimum_value(4, third) + (1 + third) * E1 * E2) == 0              # interior
    assert sp.simplify(l1.minimum_value(4, 1) + 2 * E1 * E2) == 0                            # threshold: both
    assert sp.simplify(l1.minimum_value(4, 2) + 5 * E1 * E2) == 0                            # beyond: collapse
    assert sp.simplify(l1.minimum_value(2, 7) + 8 * E1 * E2) == 0                            # C = 2: always ETF
    assert sp.simplify(l1.minimum_value(10, 0) + E1 * E2) == 0


def test_regimes():
    assert [l1.regime(5, g) for g in (0, sp.Rational(1, 4), sp.Rational(2, 3), 1)] == [
        "zero", "interior", "threshold", "beyond"]
    assert l1.regime(2, 1000) == "interior"


def test_threshold_family_facts():
    facts = l1.prove_threshold_family()
    assert facts["on_a"] == 0
    assert sp.simplify(facts["coefficient_of_w_dot_S"] + 2 * gamma * (1 + gamma)) == 0


def test_paper_chain_coefficient_is_nonnegative():
    coefficient = l1.prove_paper_chain_coefficient()
    assert sp.simplify(coefficient - (C - 2)) == 0
    assert all(coefficient.subs(C, c) > 0 for c in (3, 4, 5, 10))   # '||wbar|| >= 0' cannot close the bound


# --- exact witnesses --------------------------------------------------------------------------
def test_exact_grid(finding):
    measured = _evidence(finding, "exact SymPy grid").measured
    assert measured["failures"] == []
    results = measured["results"]
    for entry in results.values():
        assert entry["etf_gram"] and entry["etf_loss"] in ("-E_1*E_2*(gamma + 1)", "E_1*E_2*(-gamma - 1)")
        for row in entry["per_gamma"].values():
            assert row["attains"]["etf"] == (row["regime"] != "beyond")
            assert all(row["strict"].values())
    assert results[4]["per_gamma"]["1/3"]["attains"]["pairs"]               # the paper's gamma, C = 4
    assert results[10]["per_gamma"]["1/9"]["attains"]["pairs"]
    assert all(results[c]["threshold_family_attains"] for c in (3, 4, 5, 10))


def test_counterexample_any_angle(finding):
    measured = _evidence(finding, "uniqueness fails for C >= 4").measured
    assert measured["equals_etf_loss"] and measured["feasible"]
    assert measured["cosines"] == ["-1", "-cos(theta)", "cos(theta)"]


def test_counterexample_rational_pairs_are_optimal_and_not_etf():
    for classes in (4, 5, 10):
        W, H = l1.antipodal_pairs(classes)
        assert l1.is_feasible(W, H)
        assert sp.simplify(l1.exact_loss(W, H) + (1 + gamma) * E1 * E2) == 0
        assert sp.Rational(-1, classes - 1) not in l1.cosines(W)


def test_collapse_beats_etf_beyond_threshold(finding):
    measured = _evidence(finding, "gamma > 2/(C-2)").measured
    assert measured["etf_minus_collapse_over_E1E2"] == "C*gamma - 2*gamma - 2"
    assert measured["C4_gamma2_collapse"] == "-5*E_1*E_2"


def test_gamma_zero_and_threshold_collapse(finding):
    measured = _evidence(finding, "gamma = 0: any norm-E1 W").measured
    assert all(measured["gamma_zero"].values()) and all(measured["gamma_threshold"].values())


def test_low_dimension(finding):
    measured = _evidence(finding, "p < C-1").measured
    assert all(row["matches"] for row in measured["table"].values())
    assert measured["switch"] == {3: "3/2 < 2", 5: "5/8 < 2/3"}
    # p = 1, C odd: strictly above -(1+gamma) E1 E2 in the interior (no zero-sum configuration on a line)
    g = sp.Rational(1, 4)
    assert sp.simplify(l1.minimum_value(5, g, features_dim=1) + (1 + g - g / 5) * E1 * E2) == 0


# --- the numerical search ---------------------------------------------------------------------
def test_search_never_below_and_reaches(finding):
    measured = _evidence(finding, "projected gradient descent").measured
    assert measured["configurations"] == 176 and measured["failed"] == []
    rows = measured["rows"]
    assert all(not r["below"] and r["reached"] for r in rows.values())
    assert max(abs(r["best_minus_derived"]) for r in rows.values()) < 1e-13


def test_search_structure(finding):
    measured = _evidence(finding, "projected gradient descent").measured
    assert measured["max_etf_deviation_of_minimizers_C_le_3"] < measured["structure_resolution"]
    resolution = measured["structure_resolution"]
    assert measured["smallest_max_etf_deviation_of_minimizers_C_ge_4"] > MUTANT_MARGIN * resolution


def test_search_is_independent_of_the_formula():
    # A small run with its own seed: the best point reaches the derived minimum, and the logits-based loss
    # agrees with LayerPeeledProblem.loss.
    rows = l1.run_search(seed=7, configs={(4, 2, 3): (sp.Rational(1, 3), sp.Integer(2))}, starts=16)
    for row in rows.values():
        assert row["reached"] and not row["below"]
        assert abs(row["setting_loss_of_best"] - row["best"]) <= row["tolerance"]
    assert rows[(4, 2, 3, 2.0)]["best"] == pytest.approx(-5.0, abs=1e-12)          # collapse, below the ETF's -3
    assert rows[(4, 2, 3, 2.0)]["structure"]["cos_min"][0] > 1 - 1e-6


def test_mutants(finding):
    measured = _evidence(finding, "mutants fail").measured
    assert not measured["wrong_kappa_identity"] and not measured["threshold_1_over_C_minus_2_is_root"]
    assert measured["paper_min_beaten_by_over_tolerance"] > MUTANT_MARGIN
    assert measured["p1_mutant_below_best_by_over_tolerance"] > MUTANT_MARGIN


def test_projection_stays_feasible(rng):
    X = rng.standard_normal((2, 3, 4, 5)) * 3
    norms = np.linalg.norm(l1._project(X, 1.5), axis=-2)
    assert norms.max() <= 1.5 * (1 + 1e-15)


# --- bad input ----------------------------------------------------------------------------
def test_bad_input_names_the_assumption():
    with pytest.raises(AssumptionError, match="C >= 2 and gamma >= 0"):
        l1.regime(4, -1)
    with pytest.raises(AssumptionError, match="p >= 1"):
        l1.minimum_value(4, 1, features_dim=0)
    with pytest.raises(AssumptionError, match="C >= 4"):
        l1.antipodal_pairs(3)
