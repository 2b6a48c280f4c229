"""Theorem 8 (Sec. 3.5, Eqs. 22-24, B.7 Eq. 95): the NTK-invariant closed form, its printed transform and the
corrected statement."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import theorem_8 as t8
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import MUTANT_MARGIN, mp_tolerance
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict

p = t8.p


@pytest.fixture(scope="module")
def finding():
    return t8.check(CheckContext())


def _evidence(finding, start):
    items = [e for e in finding.evidence if e.description.startswith(start)]
    assert items, start
    return items


# --- verdict ------------------------------------------------------------------------------------
def test_verdict_is_corrected_and_sound(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "U_A^{-1} (x) U_B^{-1}" in finding.correction and "positive definite" in finding.correction
    assert "C(N+1) = 2p" in finding.correction


# --- the reconstruction ---------------------------------------------------------------------------
def test_block_sizes():
    sizes = t8.block_sizes()
    assert sizes["X"] == (2 * p, C * N + C) and sizes["A"] == (2 * p, 2 * p)
    assert sizes["B"] == (C * N + C, C * N + C) and sizes["K"] == (p, p)
    assert sp.expand(sizes["A (x) B"][0] - 2 * p * (C * N + C)) == 0


def test_block_product_reproduces_the_flow_for_symbolic_sizes():
    residuals = t8.prove_block_product()
    assert t8.residuals_vanish(residuals)
    assert set(residuals) == {"AXB - diag(KWM, HM^T)", "B^T - B", "A^2 - diag(K, K)"}


def test_vectorization_identity_and_mutant():
    assert t8.prove_vectorization().is_zero_matrix
    assert t8.prove_vectorization(3, 2, 4, 2).is_zero_matrix
    assert not t8.prove_vectorization(2, 3, 3, 3, transpose=False).is_zero_matrix   # B^T matters unless B = B^T


def test_kronecker_generator_of_the_flow():
    assert t8.prove_kronecker_flow(1, 2, 2).is_zero_matrix
    assert t8.prove_kronecker_flow(2, 2, 1).is_zero_matrix


def test_mutant_generator_with_the_kernel_in_the_wrong_block():
    """A = [[0, I], [K, 0]] (K acting on the W-equation) does not generate H' = KWM, W' = HM^T."""
    K = t8.symbolic_matrix("k", 2, 2, symmetric=True)
    M = t8.symbolic_matrix("m", 2, 2)
    H, W = t8.symbolic_matrix("h", 2, 2), t8.symbolic_matrix("w", 2, 2)
    A = sp.BlockMatrix([[sp.zeros(2, 2), sp.eye(2)], [K, sp.zeros(2, 2)]]).as_explicit()
    _, B, _ = t8.kronecker_generator_symbolic(K, M)
    velocity = sp.diag(K * W * M, H * M.T)
    assert not (t8.vec_row(velocity) - sp.kronecker_product(A, B) * t8.vec_row(sp.diag(H, W))).expand().is_zero_matrix


# --- the transform --------------------------------------------------------------------------------
def test_mixed_product_rule():
    assert t8.prove_mixed_product().is_zero_matrix
    assert t8.prove_mixed_product(((3, 2), (1, 2), (2, 2), (2, 3))).is_zero_matrix


def test_exact_transforms_corrected_holds_printed_and_swapped_fail():
    residuals = t8.exact_transforms()
    assert residuals["corrected U_A^-1 (x) U_B^-1"].is_zero_matrix
    assert max(abs(x) for x in residuals["printed U_B^-1 U_A^-1 (x) I"]) == sp.Rational(9, 20)
    assert max(abs(x) for x in residuals["swapped U_B^-1 (x) U_A^-1"]) == sp.Rational(5, 16)


def test_printed_transform_defined_only_when_2p_equals_C_times_N_plus_1():
    assert t8.printed_transform_condition() == sp.Eq(2 * p, C * (N + 1))
    problem = LayerPeeledProblem(2, 2, 2, 0.1)
    with mpmath.workdps(50):
        _, A, B, _ = t8.generators(np.eye(2), problem)
        with pytest.raises(AssumptionError, match="C\\(N\\+1\\) = 2p"):
            t8.printed_transform(t8.eigendecompositions(A, B))


def test_no_eigenvectors_rescue_the_printed_transform():
    assert sp.simplify(t8.printed_transform_obstruction() - 1 / (C * N)) == 0


def test_printed_and_swapped_fail_numerically(finding):
    items = _evidence(finding, "the printed transform U_B^-1 U_A^-1 (x) I and the swapped")
    assert len(items) == 3 and all(e.passed for e in items)
    formable = items[0].measured
    assert formable["printed relative error"] > 0.1 and formable["printed generator residual"] > 0.1
    assert all(e.measured["swapped relative error"] > 0.1 for e in items)
    assert all("cannot be formed" in e.measured["printed"] for e in items[1:])


def test_corrected_transform_holds_at_50_digits(finding):
    items = _evidence(finding, "corrected Theorem 8: C z(t)")
    assert len(items) == 2
    for e in items:
        assert e.passed and e.measured["relative error"] < 1e-45 and e.measured["generator residual"] < 1e-45


def test_mutant_scaled_eigenvalues(finding):
    (item,) = _evidence(finding, "the corrected closed form with every sigma_k scaled by 1.1")
    assert item.passed and item.measured["relative error"] > 1e-3


# --- diagonalisability ----------------------------------------------------------------------------
def test_A_reduces_to_kernel_blocks():
    assert t8.residuals_vanish(t8.prove_kernel_reduction())
    facts = t8.kernel_block_facts()
    kappa = sp.Symbol("kappa", positive=True)
    assert facts["eigenvalues"] == [-sp.sqrt(kappa), sp.sqrt(kappa)]
    assert facts["diagonalisable for kappa > 0"] and not facts["diagonalisable at kappa = 0"]
    assert facts["Jordan form at kappa = 0"] == sp.Matrix([[0, 1], [0, 0]])


def test_exact_singular_counterexample():
    facts = t8.singular_counterexample()
    assert not facts["A diagonalisable"] and facts["B diagonalisable"]
    assert (facts["rank A"], facts["rank A^2"]) == (3, 2)
    assert (facts["rank A(x)B"], facts["rank (A(x)B)^2"]) == (12, 8)
    definite = t8.singular_counterexample(K=((2, 1), (1, 2)))
    assert definite["A diagonalisable"] and definite["rank A(x)B"] == definite["rank (A(x)B)^2"]


def test_singular_kernel_numerics(finding):
    (drift,) = _evidence(finding, "along v in ker K")
    assert drift.passed and drift.measured["|v^T H0 M^T|"] > 0.1 and drift.measured["relative error"] < 1e-45
    (near,) = _evidence(finding, "singular K: the 50-digit eigendecomposition")
    assert near.passed and near.measured["cond(U_A)"] > 1e20 and near.measured["eps"] < 1e-20


# --- the corrected closed form --------------------------------------------------------------------
def test_propagator_blocks_and_jordan_limit():
    blocks = t8.prove_propagator_blocks()
    assert blocks["ode"].is_zero_matrix and blocks["initial"].is_zero_matrix
    assert blocks["kappa -> 0"] == blocks["exp(tau A_0)"] == sp.Matrix([[1, 0], [sp.Symbol("tau", positive=True), 1]])


def test_mutant_propagator_with_cos_fails_the_ode():
    tau, kappa = sp.symbols("tau kappa", positive=True)
    c, s = sp.cos(tau * sp.sqrt(kappa)), sp.sin(tau * sp.sqrt(kappa)) / sp.sqrt(kappa)
    propagator = sp.Matrix([[c, kappa * s], [s, c]])
    residual = (propagator.diff(tau) - t8.kernel_block(kappa) * propagator).applyfunc(sp.simplify)
    assert not residual.is_zero_matrix


def test_spectral_resolution(finding):
    (item,) = _evidence(finding, "B = sum_k sigma_k Q_k")
    assert item.passed and all(item.measured.values())


def test_closed_form_against_expm_and_odefun(finding):
    items = _evidence(finding, "corrected closed form sum_k exp(sigma_k t A) X0 Q_k")
    assert len(items) == 3 and all(e.passed for e in items)
    assert items[2].measured["rank K"] == 1 and items[2].measured["vs odefun"] < 1e-45
    (ode,) = _evidence(finding, "expm of the Kronecker generator vs odefun")
    assert ode.passed and ode.measured["largest off-diagonal entry of X(t)"] == 0


def test_zero_kernel_closed_form_is_the_jordan_motion():
    """K = 0: H(t) = H0 and W(t) = W0 + t H0 M^T exactly (polynomial, not exponential, in t)."""
    problem = LayerPeeledProblem(1, 3, 2, 0.25)
    rng = np.random.default_rng(3)
    H0, W0 = rng.standard_normal((1, 6)), rng.standard_normal((1, 3))
    with mpmath.workdps(50):
        H, W = t8.spectral_state(np.zeros((1, 1)), problem, H0, W0, 2.5, Fraction(1, 4))
        M = t8.groundtruth.dense_M(problem, Fraction(1, 4))
        H0m, W0m = t8.groundtruth.mp_matrix(H0), t8.groundtruth.mp_matrix(W0)
        expected_W = W0m + mpmath.mpf(2.5) * H0m * M.T
        assert mpmath.mnorm(H - H0m, "f") <= mp_tolerance() and mpmath.mnorm(W - expected_W, "f") <= mp_tolerance()


def test_eigenvalues_of_A_square_to_those_of_K(finding):
    items = _evidence(finding, "eigenvalues of A square to those of K")
    assert len(items) == 3 and all(e.passed for e in items)


# --- the NTK reading, realised ----------------------------------------------------------------------
def test_autograd_ntk_and_flow(finding):
    (item,) = _evidence(finding, "linearised model H = H0 + G Theta")
    assert item.passed and item.measured["NTK"] == 0.0


def test_gradient_descent_approaches_the_flow_at_first_order(finding):
    (item,) = _evidence(finding, "gradient descent on (Theta, W)")
    assert item.passed and all(abs(r - 2) < 0.05 for r in item.measured["ratios"])


def test_shared_weight_ntk_couples_examples(finding):
    (item,) = _evidence(finding, "reading: a shared-weight model")
    assert item.passed and item.measured["largest cross-example kernel entry"] > 0


# --- input validation -----------------------------------------------------------------------------
@pytest.mark.parametrize("K, message", [(np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
                                        (np.array([[1.0, 0.0], [0.0, -1.0]]), "positive semidefinite"),
                                        (np.eye(3), "p x p")])
def test_kernel_validation(K, message):
    with pytest.raises(AssumptionError, match=message):
        t8.validate_kernel(K, 2)


def test_ground_truth_refuses_low_precision():
    problem = LayerPeeledProblem(1, 2, 1, 0.0)
    with pytest.raises(AssumptionError, match="significant digits"):
        t8.expm_solution(np.eye(1), problem, np.ones((1, 2)), np.ones((1, 2)), 1.0, dps=20)


def test_mutant_margin_is_the_policy(finding):
    (item,) = _evidence(finding, "the corrected closed form with every sigma_k scaled by 1.1")
    assert item.measured["margin x tolerance"] == pytest.approx(float(MUTANT_MARGIN * mp_tolerance(50)))
