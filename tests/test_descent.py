"""Unit tests of ulproofs.core.descent: the three update rules, recording, observing, bad input."""
import numpy as np
import pytest
import torch

from ulproofs.core.descent import METHODS, default_device, gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance, relative_error
from ulproofs.core.rates import Constant, CosineAnnealing, RatePair, Step
from ulproofs.core.setting import LayerPeeledProblem

RATES = {
    "constant": RatePair.proportional(Constant(0.3), 2.0),
    "cosine": RatePair.proportional(CosineAnnealing(0.5, 40.0, 0.05), 0.5),
    "step": RatePair.proportional(Step(0.4, (10.0, 25.0), 0.5)),
    "non-proportional": RatePair(CosineAnnealing(0.5, 40.0), Step(0.2, (15.0,), 0.5)),
}


def make(p=3, C=4, N=3, gamma=0.1, seed=0):
    problem = LayerPeeledProblem(p=p, C=C, N=N, gamma=gamma)
    rng = np.random.default_rng(seed)
    return problem, rng.standard_normal((p, C * N)), rng.standard_normal((p, C)), rng.standard_normal(C)


def reference_descent(problem, H0, W0, b0, rates, steps):
    """Plain NumPy gradient descent from the gradients of the setting (Eq. 4)."""
    H, W, b = H0.copy(), W0.copy(), b0.copy()
    for k in range(steps):
        grad_H, grad_W, grad_b = problem.gradients(H, W, b)
        eta1, eta2 = float(rates.eta1(k)), float(rates.eta2(k))
        H, W, b = H - eta1 * grad_H, W - eta2 * grad_W, b - eta2 * grad_b
    return H, W, b


def tolerance(problem, steps):
    return float_tolerance("float64", steps * (problem.C * problem.N + 4), 10)


@pytest.mark.parametrize("rates", RATES.values(), ids=RATES.keys())
@pytest.mark.parametrize("size", [(1, 2, 1, 0.0), (3, 4, 3, 0.1), (5, 7, 2, 1 / 6), (2, 3, 4, 2.0)])
def test_methods_agree_with_numpy_reference(size, rates):
    problem, H0, W0, b0 = make(*size)
    H, W, b = reference_descent(problem, H0, W0, b0, rates, 60)
    for method in METHODS:
        run = gradient_descent(problem, H0, W0, b0, rates, 60, method=method)
        assert relative_error(np.hstack([run.H[-1], run.W[-1]]), np.hstack([H, W])) <= tolerance(problem, 60)
        assert relative_error(run.b[-1], b) <= float_tolerance("float64", 62)


def test_bias_drifts_by_the_summed_rate():
    problem, H0, W0, b0 = make()
    rates = RATES["cosine"]
    run = gradient_descent(problem, H0, W0, b0, rates, 50)
    expected = b0 + problem.bias_drift() * rates.eta2(np.arange(50)).sum()
    assert relative_error(run.b[-1], expected) <= float_tolerance("float64", 52)


def test_zero_steps_returns_the_initial_state():
    problem, H0, W0, b0 = make()
    run = gradient_descent(problem, H0, W0, b0, RATES["constant"], 0)
    assert run.steps == [0]
    assert np.array_equal(run.H[0], H0) and np.array_equal(run.W[0], W0) and np.array_equal(run.b[0], b0)


def test_inputs_are_not_modified_and_records_are_copies():
    problem, H0, W0, b0 = make()
    saved = (H0.copy(), W0.copy(), b0.copy())
    for method in METHODS:
        run = gradient_descent(problem, H0, W0, b0, RATES["constant"], 20, record_steps=[0, 5, 20], method=method)
        assert all(np.array_equal(x, y) for x, y in zip((H0, W0, b0), saved))
        assert np.array_equal(run.W[0], W0) and np.array_equal(run.b[0], b0) and np.array_equal(run.H[0], H0)
        assert not np.array_equal(run.W[1], run.W[2])
        again = gradient_descent(problem, H0, W0, b0, RATES["constant"], 5, method=method)
        assert np.array_equal(again.W[-1], run.W[1]) and np.array_equal(again.H[-1], run.H[1])


def test_record_steps_are_sorted_unique_and_complete():
    problem, H0, W0, b0 = make()
    run = gradient_descent(problem, H0, W0, b0, RATES["step"], 30, record_steps=[30, 0, 7, 7, 12])
    assert run.steps == [0, 7, 12, 30]
    assert len(run.H) == len(run.W) == len(run.b) == 4
    single = gradient_descent(problem, H0, W0, b0, RATES["step"], 12)
    assert single.steps == [12]
    assert np.array_equal(single.H[0], run.H[2])


def test_observe_sees_every_recorded_state():
    problem, H0, W0, b0 = make()
    seen = []

    def observe(H, W, b, step):
        seen.append(step)
        return {"loss": float(problem.loss(H, W, b)), "norm_W": float(torch.linalg.norm(W))}

    run = gradient_descent(problem, H0, W0, b0, RATES["constant"], 10, record_steps=[0, 4, 10], observe=observe,
                           method="class-mean")
    assert seen == [0, 4, 10]
    for observation, H, W, b in zip(run.observations, run.H, run.W, run.b):
        assert observation["loss"] == pytest.approx(float(problem.loss(H, W, b)), rel=1e-12, abs=1e-12)
        assert observation["norm_W"] == pytest.approx(float(np.linalg.norm(W)), rel=1e-12)
    light = gradient_descent(problem, H0, W0, b0, RATES["constant"], 10, record_steps=[0, 10], observe=observe,
                             keep_states=False)
    assert light.H == [] and light.W == [] and len(light.observations) == 2


def test_loss_decreases_along_descent():
    problem, H0, W0, b0 = make()
    run = gradient_descent(problem, H0, W0, b0, RATES["constant"], 40, record_steps=range(41),
                           observe=lambda H, W, b, k: float(problem.loss(H, W, b)), keep_states=False)
    assert np.all(np.diff(run.observations) < 0)


def test_float32_iterates_agree_with_float64():
    problem, H0, W0, b0 = make()
    wide = gradient_descent(problem, H0, W0, b0, RATES["cosine"], 40)
    narrow = gradient_descent(problem, H0, W0, b0, RATES["cosine"], 40, dtype=torch.float32)
    error = relative_error(np.hstack([narrow.H[-1], narrow.W[-1]]), np.hstack([wide.H[-1], wide.W[-1]]))
    assert error <= float_tolerance("float32", 40 * (problem.C * problem.N + 4), 10)


def test_default_device_is_cpu_here_or_cuda_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert default_device().type == expected
    assert default_device("cpu").type == "cpu"


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="newton"), "method"),
    (dict(steps=-1), "non-negative integer"),
    (dict(steps=2.5), "non-negative integer"),
    (dict(record_steps=[11]), "record_steps"),
    (dict(record_steps=[-1]), "record_steps"),
])
def test_bad_arguments_raise(kwargs, message):
    problem, H0, W0, b0 = make()
    arguments = dict(steps=10) | kwargs
    with pytest.raises(AssumptionError, match=message):
        gradient_descent(problem, H0, W0, b0, RATES["constant"], **arguments)


@pytest.mark.parametrize("which", ["H", "W", "b"])
def test_mismatched_shapes_raise(which):
    problem, H0, W0, b0 = make()
    arrays = dict(H0=H0, W0=W0, b0=b0)
    arrays[which + "0"] = arrays[which + "0"][..., :-1]
    with pytest.raises(AssumptionError, match="shape"):
        gradient_descent(problem, rates=RATES["constant"], steps=3, **arrays)


def _naive_descent(problem, H, W, b, rates, steps, weight_decay, train_prototypes):
    """Eq. 12 at integer steps, written out with the dense M: the reference for the fast updates."""
    M = problem.M_dense()
    eta1, eta2 = rates.eta1(np.arange(steps)), rates.eta2(np.arange(steps))
    lam1, lam2 = weight_decay
    for k in range(steps):
        H_next = H + eta1[k] * (W @ M - lam1 * H)
        if train_prototypes:
            W, b = W + eta2[k] * (H @ M.T - lam2 * W), b + eta2[k] * (problem.bias_drift() - lam2 * b)
        H = H_next
    return H, W, b


@pytest.mark.parametrize("method", ["dense", "structured", "class-mean"])
@pytest.mark.parametrize("weight_decay, train_prototypes",
                         [((0.3, 0.7), True), ((0.5, 0.0), False), ((0.0, 0.2), True)])
def test_weight_decay_and_anchored_prototypes_match_the_written_out_update(method, weight_decay, train_prototypes):
    problem = LayerPeeledProblem(3, 4, 2, 0.1)
    rng = np.random.default_rng(5)
    H0, W0, b0 = rng.standard_normal((3, 8)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    rates = RatePair(CosineAnnealing(0.2, 50.0), Constant(0.1))
    run = gradient_descent(problem, H0, W0, b0, rates, 40, method=method, weight_decay=weight_decay,
                           train_prototypes=train_prototypes)
    for got, want in zip((run.H[-1], run.W[-1], run.b[-1]),
                         _naive_descent(problem, H0, W0, b0, rates, 40, weight_decay, train_prototypes)):
        np.testing.assert_allclose(got, want, rtol=0, atol=float_tolerance(operations=40 * 16) * np.abs(want).max())
    if not train_prototypes:
        np.testing.assert_array_equal(run.W[-1], W0)


@pytest.mark.parametrize("weight_decay", [(-0.1, 0.0), (0.0, float("nan")), (float("inf"), 0.0)])
def test_bad_weight_decay_is_refused(weight_decay):
    problem = LayerPeeledProblem(2, 2, 1, 0.0)
    with pytest.raises(AssumptionError, match="weight decay"):
        gradient_descent(problem, np.zeros((2, 2)), np.zeros((2, 2)), np.zeros(2), RatePair.proportional(Constant(0.1)),
                         3, weight_decay=weight_decay)


# --- many runs at once -------------------------------------------------------------------------
@pytest.mark.parametrize("p", [4, 13])          # 13 > 2C: the runs iterate in the span of the start
def test_batched_runs_equal_single_runs(p):
    """Each run of a batch (own gamma, rates, ratio, weight decay) follows its own gradient_descent run."""
    from ulproofs.core.descent import batched_descent

    settings = [(0.1, 0.3, 1.0, (0.0, 0.0)), (0.0, 0.2, 2.0, (0.05, 0.05)), (0.5, 0.1, 0.5, (0.2, 0.1))]
    problems, starts, rates, decays, singles = [], [], [], [], []
    for seed, (gamma, eta, ratio, decay) in enumerate(settings):
        problem, H0, W0, b0 = make(p=p, C=3, N=2, gamma=gamma, seed=seed)
        pair = RatePair.proportional(Constant(eta), ratio)
        problems.append(problem), starts.append((H0, W0, b0)), rates.append(pair), decays.append(decay)
        singles.append(gradient_descent(problem, H0, W0, b0, pair, 30, record_steps=[0, 10, 30], weight_decay=decay))
    steps, observed, _ = batched_descent(problems, starts, rates, 30, [0, 10, 30],
                                         lambda s: (s.features().numpy(), s.prototypes().numpy(), s.b.numpy()), decays)
    assert steps == [0, 10, 30]
    for i, single in enumerate(singles):
        for k in range(3):
            H, W, b = (x[i] for x in observed[k])
            expected = np.hstack([single.H[k], single.W[k]])
            assert relative_error(np.hstack([H, W]), expected) <= tolerance(problems[i], 40)
            assert relative_error(b, single.b[k]) <= float_tolerance("float64", 32)


def test_non_finite_iterates_stop_with_the_step():
    from ulproofs.core.descent import NonFiniteIterates, batched_descent

    problem, H0, W0, b0 = make()
    huge = RatePair.proportional(Constant(1e6))
    with pytest.raises(NonFiniteIterates, match="at step"):
        gradient_descent(problem, H0, W0, b0, huge, 500)
    with pytest.raises(NonFiniteIterates, match="at step"):
        batched_descent([problem], [(H0, W0, b0)], [huge], 500, [500], lambda s: None)
    overflowed = gradient_descent(problem, H0, W0, b0, huge, 500, stop_non_finite=False)
    assert not np.isfinite(overflowed.H[-1]).all()
