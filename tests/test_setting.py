"""Unit tests of ulproofs.core.setting: layout, M, loss (Eqs. 1-3), gradients vs autograd, flow, assumptions."""
import math

import numpy as np
import pytest
import torch

from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance
from ulproofs.core.rates import Constant, CosineAnnealing, RatePair, Step
from ulproofs.core.setting import LayerPeeledProblem

SIZES = [(1, 2, 1, 0.0), (3, 4, 3, 0.1), (5, 7, 2, 1 / 6), (2, 3, 4, 2.0)]


def draw(problem, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((problem.p, problem.examples)), rng.standard_normal((problem.p, problem.C)),
            rng.standard_normal(problem.C))


def loss_from_definition(problem, H, W, b):
    """Eq. 1 summed example by example, then averaged (Eq. 2)."""
    total = 0.0
    for column, label in enumerate(problem.class_of_column()):
        scores = W.T @ H[:, column] + b
        total += -scores[label] + problem.gamma * (scores.sum() - scores[label])
    return total / problem.examples


@pytest.mark.parametrize("size", SIZES)
def test_M_matches_its_definition(size):
    problem = LayerPeeledProblem(*size)
    C, N, g = problem.C, problem.N, problem.gamma
    M = problem.M_dense()
    for c in range(C):
        for column in range(C * N):
            own = column // N == c
            assert M[c, column] == pytest.approx(((1 + g) * own - g) / (C * N), rel=1e-15)
    assert np.array_equal(problem.labels(), np.kron(np.eye(C), np.ones((1, N))))
    assert list(problem.class_of_column()) == [c for c in range(C) for _ in range(N)]


@pytest.mark.parametrize("size", SIZES)
def test_structured_products_match_dense_products(size):
    problem = LayerPeeledProblem(*size)
    H, W, _ = draw(problem)
    M = problem.M_dense()
    tol = float_tolerance("float64", problem.examples + 4, 10)
    for backend in (np.asarray, torch.as_tensor):
        assert np.allclose(np.asarray(problem.apply_M(backend(W))), W @ M, rtol=tol, atol=tol)
        assert np.allclose(np.asarray(problem.apply_MT(backend(H))), H @ M.T, rtol=tol, atol=tol)


@pytest.mark.parametrize("size", SIZES)
def test_loss_equals_trace_form_and_definition(size):
    problem = LayerPeeledProblem(*size)
    H, W, b = draw(problem)
    reference = loss_from_definition(problem, H, W, b)
    tol = float_tolerance("float64", problem.examples * (problem.C + problem.p) + 10, 10) * (1 + abs(reference))
    assert abs(problem.loss(H, W, b) - reference) <= tol
    assert abs(problem.loss_trace_form(H, W, b) - reference) <= tol
    Ht, Wt, bt = (torch.as_tensor(x) for x in (H, W, b))
    assert abs(float(problem.loss(Ht, Wt, bt)) - reference) <= tol
    assert abs(float(problem.loss_trace_form(Ht, Wt, bt)) - reference) <= tol


@pytest.mark.parametrize("size", SIZES)
def test_gradients_match_autograd(size):
    problem = LayerPeeledProblem(*size)
    H, W, b = (torch.tensor(x, requires_grad=True) for x in draw(problem))
    problem.loss(H, W, b).backward()
    grad_H, grad_W, grad_b = problem.gradients(H.detach(), W.detach(), b.detach())
    tol = float_tolerance("float64", problem.examples + problem.C + 10, 10)
    for ours, autograd in ((grad_H, H.grad), (grad_W, W.grad), (grad_b, b.grad)):
        scale = max(1.0, float(autograd.abs().max()))
        assert float((ours - autograd).abs().max()) <= tol * scale


def test_gradient_of_bias_is_the_constant_of_Eq_4():
    problem = LayerPeeledProblem(p=2, C=5, N=3, gamma=0.3)
    _, _, grad_b = problem.gradients(*draw(problem))
    assert np.allclose(grad_b, (problem.gamma * problem.C - problem.gamma - 1) / problem.C)
    assert problem.bias_drift() == pytest.approx((1 + 0.3 - 0.3 * 5) / 5)


def test_flow_is_the_negative_scaled_gradient():
    problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
    H, W, b = draw(problem)
    dH, dW, db = problem.flow(H, W, b, 0.5, 2.0)
    gH, gW, gb = problem.gradients(H, W, b)
    assert np.allclose(dH, -0.5 * gH) and np.allclose(dW, -2.0 * gW) and np.allclose(db, -2.0 * gb)


@pytest.mark.parametrize("eta", [0.0, -0.1, math.nan, math.inf])
def test_flow_rejects_bad_rates(eta):
    problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
    with pytest.raises(AssumptionError, match="positive finite"):
        problem.flow(*draw(problem), eta, 1.0)
    with pytest.raises(AssumptionError, match="positive finite"):
        problem.flow(*draw(problem), 1.0, eta)


@pytest.mark.parametrize("kwargs, message", [
    (dict(C=1), "C >= 2"),
    (dict(C=0), "C >= 2"),
    (dict(N=0), "N >= 1"),
    (dict(p=0), "p >= 1"),
    (dict(p=2.5), "integer"),
    (dict(C=True), "integer"),
    (dict(gamma=-0.1), "gamma >= 0"),
    (dict(gamma=math.nan), "gamma >= 0"),
    (dict(gamma=math.inf), "gamma >= 0"),
])
def test_setting_assumptions(kwargs, message):
    arguments = dict(p=2, C=3, N=2, gamma=0.1) | kwargs
    with pytest.raises(AssumptionError, match=message):
        LayerPeeledProblem(**arguments)


def test_gamma_is_stored_as_float():
    from fractions import Fraction

    assert LayerPeeledProblem(p=1, C=3, N=1, gamma=Fraction(1, 2)).gamma == 0.5


@pytest.mark.parametrize("which", ["H", "W", "b"])
def test_mismatched_shapes(which):
    problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.1)
    arrays = dict(zip("HWb", draw(problem)))
    arrays[which] = arrays[which][..., :-1]
    with pytest.raises(AssumptionError, match="shape"):
        problem.loss(arrays["H"], arrays["W"], arrays["b"])
    with pytest.raises(AssumptionError, match="shape"):
        problem.gradients(arrays["H"], arrays["W"], arrays["b"])


def test_products_check_shapes():
    problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.1)
    with pytest.raises(AssumptionError, match="shape"):
        problem.apply_M(np.zeros((2, 4)))
    with pytest.raises(AssumptionError, match="shape"):
        problem.apply_MT(np.zeros((2, 5)))


@pytest.mark.parametrize("make", [
    lambda: Constant(0.0), lambda: Constant(-1.0), lambda: Constant(math.nan), lambda: Constant(math.inf),
    lambda: Step(0.1, (5.0, 2.0)), lambda: Step(0.1, (-1.0,)), lambda: Step(0.1, (5.0,), factor=0.0),
    lambda: CosineAnnealing(0.1, 0.0), lambda: CosineAnnealing(0.1, 10.0, rate_min=0.2),
    lambda: CosineAnnealing(math.inf, 10.0), lambda: Constant(0.1).scaled(0.0),
    lambda: RatePair.proportional(Constant(0.1), s=-2.0),
])
def test_rates_must_be_positive_and_finite(make):
    with pytest.raises(AssumptionError):
        make()
