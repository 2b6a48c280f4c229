"""Appendix A: the spherical bound, the classification threshold, the CE / multi-binary CE bounds."""
import mpmath
import pytest
import sympy as sp

from ulproofs.claims import appendix_a as a
from ulproofs.core.operator import gamma
from ulproofs.core.precision import MUTANT_MARGIN, mp_tolerance
from ulproofs.core.structured import C
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    from ulproofs.engine.context import CheckContext

    return a.check(CheckContext())


def _evidence(finding, start):
    (item,) = [e for e in finding.evidence if e.description.startswith(start)]
    return item


def test_verdict_is_corrected_and_sound(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "holds iff 0 <= gamma <= 1" in finding.correction
    assert "without the minus sign" in finding.counterexample


# --- (a) ----------------------------------------------------------------------------------------
def test_spherical_bound_symbolic():
    assert a.prove_centred_prototypes() and a.prove_spherical_identity()
    # the bound needs W 1 = 0: equal prototypes beat it for gamma > 1 (C = 4)
    assert sp.simplify(a.uncentred_counterexample() + 2 * (gamma - 1)) == 0


def test_spherical_bound_sampled(finding):
    measured = _evidence(finding, "(a) random unit features").measured
    assert measured["worst_excess"] >= -1e-14
    for row in measured["rows"].values():
        assert row["at_h_eq_w_y"] == pytest.approx(row["bound"], abs=1e-14)


# --- (b) ----------------------------------------------------------------------------------------
def test_threshold_value():
    assert sp.simplify(a.tie_threshold() ** 2 - (C - 2) / (2 * (C - 1))) == 0
    assert a.tie_threshold(3) == sp.Rational(1, 2) and a.tie_threshold(2) == 0


def test_threshold_sufficient_and_tight(finding):
    measured = _evidence(finding, "(b) exact witnesses").measured
    for row in measured.values():
        assert row["tie_margin"] == "0" and row["tie_loss_plus_threshold"] == "0"
        assert row["near_limit_plus_threshold"] == "0"
        assert sp.sympify(row["near_margin_at_small_t"]) < 0


def test_literal_threshold_refuted():
    row = a.exact_threshold_witnesses(4)
    assert row["literal_loss"] == 0 and row["literal_margin"] < 0 and row["tau"] > 0


def test_threshold_sampled(finding):
    rows = _evidence(finding, "(b) 50000 random unit features").measured
    for row in rows.values():
        assert row["max_score_misclassified"] <= row["tau"] + 1e-13
    assert rows["C=3,p=2"]["correct_but_not_below_threshold"] == 0          # iff in the plane of C = 3
    assert rows["C=4,p=3"]["correct_but_not_below_threshold"] > 0           # sufficient, not necessary


def test_threshold_mutants(finding):
    measured = _evidence(finding, "mutants fail").measured
    tol = float(mp_tolerance(50))
    assert all(v > MUTANT_MARGIN * tol for v in measured["tie_score_minus_small_threshold"].values())
    assert all(v > MUTANT_MARGIN * tol for v in measured["large_threshold_minus_tie_score"].values())
    assert measured["flipped_ce_violation"] > MUTANT_MARGIN * tol


# --- (c) ----------------------------------------------------------------------------------------
def test_entropy_gap_and_slopes():
    assert sp.simplify(a.binary_entropy_gap() - (-gamma * sp.log(gamma) - (1 - gamma) * sp.log(1 - gamma))) == 0
    plus, minus = a.multibinary_slope_at_infinity()
    assert sp.simplify(plus - (1 - gamma)) == 0 and sp.simplify(minus + gamma) == 0


def test_ce_form_simplifies():
    assert sp.simplify(a.ce_bound_rhs() - (-a.zy + gamma * (C - 1) * a.LSE)) == 0


def test_inequalities_sampled(finding):
    rows = _evidence(finding, "(c) mpmath").measured
    for key, row in rows.items():
        g = float(key.split("gamma=")[1])
        if g <= 1:
            assert row["min_mb_gap"] > 0
        else:
            assert row["mb_gap_adversarial"] < 0
        assert row["min_ce_gap"] >= row["ce_floor"] - 1e-30


def test_multibinary_fails_beyond_one(finding):
    measured = _evidence(finding, "(c) the multi-binary bound fails").measured
    expected = 8 - float(mpmath.log(2)) - 2 * float(mpmath.log1p(mpmath.e ** 2))
    assert float(measured["L_minus_MB"]) == pytest.approx(expected)


def test_multibinary_entropy_infimum_reached():
    # gamma = 1/2: at z_j = log(gamma/(1-gamma)) = 0 and z_y -> -oo, MB - L -> (C-1) H(1/2) = (C-1) log 2
    mpmath.mp.dps = 50
    half = mpmath.mpf(1) / 2
    logits = [mpmath.mpf(-80), mpmath.mpf(0), mpmath.mpf(0)]
    gap = a.multibinary(logits, 0) - a.unhinged(logits, 0, half)
    assert abs(gap - 2 * mpmath.log(2)) < mpmath.mpf(10) ** -30


# --- (d) ----------------------------------------------------------------------------------------
def test_gradient_kernel():
    perp, roots = a.prove_gradient_kernel()
    assert perp and len(roots) == 1 and sp.simplify(roots[0] - 1 / (C - 1)) == 0
