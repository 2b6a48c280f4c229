"""Eq. 25 (Sec. 3.5): the MSE flow under an invariant NTK is nonlinear; the unhinged flow is linear."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import eq_25 as e25
from ulproofs.claims.eq_25 import C, N, c_scale, lam, p
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import MUTANT_MARGIN, float_tolerance, relative_error
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return e25.check(CheckContext())


@pytest.fixture(scope="module")
def point():
    rng = np.random.default_rng(7)
    G = rng.standard_normal((3, 2))
    return rng.standard_normal((3, 6)), rng.standard_normal((3, 3)), rng.standard_normal(3), G @ G.T, G


def test_verdict_is_proved_and_sound(finding):
    assert finding.verdict is Verdict.PROVED and finding.sound


# --- Eq. 25 against the derivation ----------------------------------------------------------------
def test_factor_is_minus_two_c():
    assert sp.simplify(e25.matching_factor() + 2 * c_scale) == 0
    assert sp.simplify(e25.matching_factor(e25.LOSS_SCALES["1/(2CN)"]) + 1 / (C * N)) == 0
    assert sp.simplify(e25.matching_factor(e25.LOSS_SCALES["1/(CN)"]) + 2 / (C * N)) == 0


def test_residuals_vanish_at_the_matching_factor():
    residuals = e25.field_residuals(-1 / (C * N), e25.LOSS_SCALES["1/(2CN)"])
    assert all(e25._is_zero_matrix(r) for r in residuals.values())


@pytest.mark.parametrize("wrong", [1 / (C * N), -2 / (C * N), -1 / (2 * C * N)])
def test_mutant_factors_are_not_the_gradient_flow(wrong):
    residuals = e25.field_residuals(wrong, e25.LOSS_SCALES["1/(2CN)"])
    assert not any(e25._is_zero_matrix(r) for r in residuals.values())


def test_entrywise_gradients():
    assert all(r.is_zero_matrix for r in e25.entrywise_gradient_residuals(2, 2, 1))
    assert all(r.is_zero_matrix for r in e25.entrywise_gradient_residuals(1, 3, 2, scale=sp.Integer(1)))


# --- linear vs nonlinear ----------------------------------------------------------------------------
def test_unhinged_field_is_linear_for_symbolic_sizes():
    assert all(e25._is_zero_matrix(r) for r in e25.unhinged_linearity_residuals().values())
    assert sorted(e25.unhinged_scaling()) == [1]


def test_mutant_unhinged_field_with_a_quadratic_term_is_not_linear():
    s = e25._matrix_symbols()
    H, W = lam * s["H"], lam * s["W"]
    fixed = sp.MatrixSymbol("F", p, C * N)
    quadratic = s["K"] * W * s["M"] + W * W.T * fixed + 0 * H
    assert sorted(e25.scaling_polynomial(quadratic)) == [1, 2]


def test_mse_field_has_a_nonzero_cubic_part_for_all_sizes():
    kappa = -1 / (C * N)
    scaling = e25.mse_scaling(kappa)
    assert sorted(scaling) == [1, 2, 3]
    s = e25._matrix_symbols()
    assert e25._is_zero_matrix(scaling[3] - kappa * s["K"] * s["W"] * s["W"].T * s["H"])
    assert sp.simplify(e25.cubic_witness_entry(kappa) - kappa) == 0
    assert e25.cubic_witness_entry(-2 / (C * N)) == -2 / (C * N)


def test_second_variations(finding):
    item = next(e for e in finding.evidence if e.description.startswith("second variation"))
    assert item.passed and all(item.measured["MSE nonzero components"])
    assert all(item.measured["unhinged zero components"])


def test_mutant_without_cubic_term_is_caught(finding):
    item = next(e for e in finding.evidence if e.description.startswith("a field missing its cubic term"))
    assert item.passed and item.measured["powers of lambda"] == [1, 2]


# --- numerics -----------------------------------------------------------------------------------------
def _tolerance(H, W, b, K):
    size = float(np.linalg.norm(K) * (np.linalg.norm(W) + 1) ** 2 * (np.linalg.norm(H) + 1))
    return float_tolerance("float64", 4 * H.size, size / float(np.linalg.norm(e25.numeric_field(H, W, b, K, -1)[0])))


def test_autograd_flow_matches_eq_25(point):
    H, W, b, K, _ = point
    tolerance = _tolerance(H, W, b, K)
    for loss_scale, factor in ((0.5, -1.0), (1.0, -2.0)):
        flow = e25.autograd_flow(H, W, b, K, loss_scale)
        field = e25.numeric_field(H, W, b, K, factor)
        assert max(relative_error(x, y) for x, y in zip(field, flow)) <= tolerance


@pytest.mark.parametrize("kwargs", [{"factor": 1.0}, {"factor": -1.0, "drop": "bias"},
                                    {"factor": -1.0, "drop": "labels"}, {"factor": -2.0}])
def test_mutant_fields_miss_autograd(point, kwargs):
    H, W, b, K, _ = point
    flow = e25.autograd_flow(H, W, b, K, 0.5)
    field = e25.numeric_field(H, W, b, K, **kwargs)
    assert max(relative_error(x, y) for x, y in zip(field, flow)) >= MUTANT_MARGIN * _tolerance(H, W, b, K)


def test_loss_decreases_only_with_the_minus_sign(point):
    H, W, b, K, _ = point
    assert e25.loss_rate(H, W, b, K, -1.0) < 0 < e25.loss_rate(H, W, b, K, 1.0)


def test_linearised_model_velocity(point):
    H, W, b, K, G = point
    theta = np.ones((2, 6))
    velocity = e25.ntk_model_velocity(G, H - G @ theta, theta, W, b)
    assert relative_error(velocity, e25.numeric_field(H, W, b, K, -1.0)[0]) <= _tolerance(H, W, b, K)


def test_numeric_scaling(finding):
    item = next(e for e in finding.evidence if e.description.startswith("numerically: F(2x)"))
    assert item.passed and item.measured["MSE relative |F(2x) - 2F(x)|"] > 1.0


def test_shapes_are_validated():
    with pytest.raises(AssumptionError, match="shapes"):
        e25.numeric_field(np.ones((2, 4)), np.ones((2, 2)), np.ones(3), np.eye(2), -1.0)


def test_symbolic_sizes_are_the_shared_symbols():
    from ulproofs.core.operator import p as operator_p
    from ulproofs.core.structured import C as structured_C

    assert p is operator_p and C is structured_C
