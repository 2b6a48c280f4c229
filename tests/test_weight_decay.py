"""Unit tests of ulproofs.core.weight_decay: Theorem 4's closed form in float64 and Corollary 5's trajectories."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from ulproofs.claims.theorem_2 import UnconstrainedDynamics
from ulproofs.claims.theorem_4_numerics import closed_form_error
from ulproofs.core import groundtruth
from ulproofs.core.descent import gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance
from ulproofs.core.rates import Constant, CosineAnnealing, RatePair
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.weight_decay import (
    WeightDecayDynamics,
    agreement,
    closed_form_trajectories,
    modes,
    simulate,
    simulate_batch,
    target_coefficients,
    threshold_value,
)


def setup(p, C_, N_, gamma, seed=0):
    problem = LayerPeeledProblem(p=p, C=C_, N=N_, gamma=float(Fraction(gamma)))
    rng = np.random.default_rng(seed)
    return (problem, rng.standard_normal((p, C_ * N_)), rng.standard_normal((p, C_)), rng.standard_normal(C_))


def test_threshold_keeps_the_leading_component_constant():
    problem, H0, W0, b0 = setup(2, 4, 4, "1/10")
    rates = RatePair.proportional(Constant(1.0), 1.0)
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, rates, (threshold_value(problem),) * 2)
    coefficients = dynamics.coefficients(np.array([0.0, 10.0, 60.0]))
    k = dynamics.parts.labels.index("E1+")
    assert np.abs(coefficients[:, k] - 1).max() <= float_tolerance("float64", 20, 61)


def test_large_decay_does_not_overflow():
    """theta_1 ~ -2000: e^m cosh(d) would be 0 x inf; the closed form stays finite and exact."""
    problem, H0, W0, b0 = setup(2, 3, 2, "1/5")
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(1.0), 1.0), (1.0, 0.001))
    t = 2000.0
    with mpmath.workdps(50):
        reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, 1.0, t, weight_decay=(1.0, 0.001)))
    error, tolerance = closed_form_error(dynamics, t, reference)
    assert np.isfinite(dynamics.coefficients(t)).all() and error <= tolerance


def test_lambda_zero_is_theorem_2():
    problem, H0, W0, b0 = setup(2, 4, 3, "1/10")
    rates = RatePair.proportional(CosineAnnealing(1.0, 6.0, 0.1), 0.5)
    decayed = WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    free = UnconstrainedDynamics(problem, H0, W0, b0, rates)
    t = np.linspace(0.0, 8.0, 9)
    tolerance = float_tolerance("float64", 20, 10)
    reference = free.coefficients(t)
    assert np.abs(decayed.coefficients(t) - reference).max() <= tolerance * np.abs(reference).max()
    assert np.abs(decayed.bias(t) - free.bias(t)).max() <= tolerance * np.abs(free.bias(t)).max()


def test_vectorised_over_weight_decays():
    problem, H0, W0, b0 = setup(2, 4, 3, "1/10")
    rates = RatePair.proportional(Constant(0.3), 2.0)
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    decays = np.array([[0.0, 0.0], [0.01, 0.2], [0.3, 0.3]])
    t = np.linspace(0.0, 50.0, 7)
    many = dynamics.coefficients_over_decays(t, decays)
    assert many.shape == (3, 7, 5, 2)
    for decay, block in zip(decays, many):
        assert np.array_equal(block, WeightDecayDynamics(problem, H0, W0, b0, rates, decay).coefficients(t))


def test_bad_inputs_are_rejected():
    problem, H0, W0, b0 = setup(1, 3, 2, "1/5")
    rates = RatePair.proportional(Constant(1.0))
    for decay in ((-0.1, 0.0), (0.0, float("nan")), (float("inf"), 0.0)):
        with pytest.raises(AssumptionError, match="weight decay"):
            WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
        with pytest.raises(AssumptionError, match="weight decay"):
            groundtruth.expm_solution(problem, H0, W0, 1.0, 1.0, weight_decay=decay)
    with pytest.raises(AssumptionError, match="weight decay"):
        WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0)).coefficients_over_decays([1.0], [[0.1, -1]])
    with pytest.raises(AssumptionError, match="shape"):
        groundtruth.bias_ode_solution(problem, b0[:-1], rates, 1.0)
    with pytest.raises(AssumptionError, match="forward"):
        groundtruth.bias_ode_solution(problem, b0, rates, -1.0)


def test_modes_at_trade_off_and_s_one_are_degenerate_for_E2():
    problem = LayerPeeledProblem(4, 5, 3, 0.25)
    w, weights = modes(problem, 0.1, 1.0)
    assert np.allclose(w[2], -0.1) and np.allclose(weights[2, 1], 1.0) and np.allclose(weights[2, 0], 0.0)
    with pytest.raises(AssumptionError, match="lambda > 0"):
        modes(problem, 0.0, 1.0)


def test_closed_form_trajectories_flow_at_threshold():
    """Flow at lambda*, s = 1, gamma = 1/(C-1): ||W - W_lim|| decays like e^{-lambda* zeta2}; the discrete
    version with a small step is close to the flow."""
    problem = LayerPeeledProblem(6, 5, 3, 0.25)
    H0, W0 = np.random.default_rng(3).standard_normal((6, 15)), np.random.default_rng(4).standard_normal((6, 5))
    b0 = np.zeros(5)
    star = threshold_value(problem)
    rates = RatePair.proportional(Constant(1.0), s=1.0)
    flow = closed_form_trajectories(problem, H0, W0, b0, rates, star, times=np.array([100.0, 200.0]))
    slope = np.diff(np.log(flow["distance_W_limit"]))[0] / 100.0
    assert slope == pytest.approx(-star, rel=1e-4)      # E1- (rate 2 lambda*) adds ~e^{-lambda* t}
    small = RatePair.proportional(Constant(1e-3), s=1.0)
    discrete = closed_form_trajectories(problem, H0, W0, b0, small, star, steps=[100_000])
    continuous = closed_form_trajectories(problem, H0, W0, b0, small, star, times=[100_000])
    assert discrete["norm_W"][0] == pytest.approx(continuous["norm_W"][0], rel=1e-3)
    with pytest.raises(AssumptionError, match="exactly one"):
        closed_form_trajectories(problem, H0, W0, b0, rates, star)


def test_simulate_rejects_too_few_recorded_steps():
    problem = LayerPeeledProblem(2, 3, 2, 0.5)
    H0, W0, b0 = np.ones((2, 6)), np.ones((2, 3)), np.ones(3)
    with pytest.raises(AssumptionError, match="two recorded steps"):
        simulate(problem, H0, W0, b0, 0.1, steps=5, every=10, decay=0.1)


def test_a_batch_of_runs_is_each_run_alone_and_matches_the_full_iterates():
    """simulate_batch runs do not mix: each equals its own one-run batch; its norms and distances equal those of
    the per-step update's full iterates; GD agrees with the discrete closed form within the a-priori bound."""
    runs = []
    for gamma, decay, eta, ratio, seed in ((0.1, 0.05, 0.4, 1.0, 1), (0.3, 0.2, 0.2, 3.0, 2)):
        problem, H0, W0, b0 = setup(12, 3, 2, gamma, seed)
        runs.append(WeightDecayDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(eta), s=ratio),
                                        (decay, decay)))
    together = simulate_batch(runs, 60, 10, accuracy=[True, False])
    for dynamics, run, flag in zip(runs, together, (True, False)):
        alone = simulate_batch([dynamics], 60, 10, accuracy=[flag])[0]
        assert set(run.measured) == set(alone.measured) and ("accuracy" in run.measured) == flag
        for key, values in run.measured.items():
            np.testing.assert_allclose(values, alone.measured[key], rtol=1e-12, atol=1e-13, err_msg=key)
        assert agreement(run)["passed"]
        decay = dynamics.weight_decay
        record = gradient_descent(dynamics.problem, dynamics.parts.H0, dynamics.parts.W0, dynamics.b0,
                                  dynamics.rates, 60, record_steps=list(range(0, 61, 10)), weight_decay=decay)
        P_H, P_W = dynamics.parts.combine(target_coefficients(dynamics.problem, decay[0], dynamics.ratio)["P"])
        for k, (H, W) in enumerate(zip(record.H, record.W)):
            assert run.measured["norm_H"][k] == pytest.approx(np.linalg.norm(H), rel=1e-12)
            assert run.measured["norm_W"][k] == pytest.approx(np.linalg.norm(W), rel=1e-12)
            assert run.measured["distance_W_P"][k] == pytest.approx(np.linalg.norm(W - P_W), rel=1e-10)
            assert run.measured["distance_H_P"][k] == pytest.approx(np.linalg.norm(H - P_H), rel=1e-10)


def test_simulate_batch_refuses_unequal_decays():
    problem, H0, W0, b0 = setup(4, 3, 2, "1/5")
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.1)), (0.1, 0.2))
    with pytest.raises(AssumptionError, match="lambda1 = lambda2"):
        simulate_batch([dynamics], 20, 5)
