"""Unit tests of Theorem 2's and Corollary 3's library functions (not evidence for the claims)."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import convergence_iterates as iterates
from ulproofs.claims import corollary_3 as c3
from ulproofs.claims import theorem_2 as th
from ulproofs.claims.corollary_3 import gamma, s
from ulproofs.claims.theorem_2 import UnconstrainedDynamics
from ulproofs.core import groundtruth
from ulproofs.core.decomposition import Decomposition
from ulproofs.core.descent import gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance, relative_error
from ulproofs.core.rates import Constant, CosineAnnealing, NonProportionalRatesError, RatePair, Step
from ulproofs.core.setting import LayerPeeledProblem

NON_PROPORTIONAL = RatePair(Step(1.0, (1.0,), 0.5), Step(1.0, (2.5,), 0.5))


def setup(p, C, N, gamma_value, seed=0):
    problem = LayerPeeledProblem(p=p, C=C, N=N, gamma=gamma_value)
    rng = np.random.default_rng(seed)
    return problem, rng.standard_normal((p, C * N)), rng.standard_normal((p, C)), rng.standard_normal(C)


def test_time_zero_is_the_initial_state():
    problem, H0, W0, b0 = setup(3, 4, 2, 0.1)
    dynamics = UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.3), 2.0))
    H, W = dynamics.state(0.0)
    tolerance = float_tolerance("float64", th.closed_form_operations(problem), 5)
    assert relative_error(th.stacked(H, W), th.stacked(H0, W0)) <= tolerance
    assert np.array_equal(dynamics.bias(0.0), b0)
    assert np.array_equal(dynamics.coefficients(0.0), np.ones((5, 2)))
    # ((1 + sqrt s) + (1 - sqrt s)) / 2 rounds: equal to one up to a few roundings
    assert np.abs(dynamics.discrete_coefficients(0)[0] - 1).max() <= float_tolerance("float64", 4)


def test_within_class_component_never_moves():
    problem, H0, W0, b0 = setup(2, 3, 3, 0.2)
    dynamics = UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(1.0), 0.5))
    assert dynamics.parts.labels[-1] == "E3"
    assert np.array_equal(dynamics.coefficients(np.array([0.0, 5.0, 500.0]))[:, -1], np.ones((3, 2)))


def test_non_proportional_rates_are_refused():
    problem, H0, W0, b0 = setup(1, 3, 2, 0.2)
    for rates in (NON_PROPORTIONAL, RatePair(CosineAnnealing(1.0, 3.0, 0.1), Constant(0.5))):
        with pytest.raises(NonProportionalRatesError):
            UnconstrainedDynamics(problem, H0, W0, b0, rates)
        dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates, require_proportional=False)
        with pytest.raises(NonProportionalRatesError):
            dynamics.discrete_coefficients(3)


def test_bad_inputs_are_rejected():
    problem, H0, W0, b0 = setup(1, 3, 2, 0.2)
    rates = RatePair.proportional(Constant(1.0))
    with pytest.raises(AssumptionError):
        UnconstrainedDynamics(problem, H0[:, :-1], W0, b0, rates)
    with pytest.raises(AssumptionError):
        UnconstrainedDynamics(problem, H0, W0, b0[:-1], rates)
    with pytest.raises(AssumptionError, match="40"):
        groundtruth.expm_solution(problem, H0, W0, 1.0, 1.0, dps=30)
    with pytest.raises(AssumptionError, match="forward"):
        groundtruth.ode_solution(problem, H0, W0, rates, -1.0)
    with pytest.raises(AssumptionError, match="piecewise-constant"):
        groundtruth.piecewise_expm_solution(problem, H0, W0, RatePair.proportional(CosineAnnealing(1.0, 3.0, 0.1)), 1.0)
    with pytest.raises(AssumptionError, match="shape"):
        groundtruth.expm_solution(problem, W0, W0, 1.0, 1.0)


def test_autograd_descent_rejects_bad_shapes():
    problem, H0, W0, b0 = setup(1, 3, 2, 0.2)
    with pytest.raises(AssumptionError, match="shape"):
        th.autograd_descent(problem, H0, W0, b0[:-1], RatePair.proportional(Constant(0.1)), 2, [2])


def test_bias_velocity_from_loss_is_uniform_over_classes():
    velocity = th.bias_velocity_from_loss(4, 2)
    assert len(set(velocity)) == 1 and sp.expand(velocity[0] - (1 - 3 * gamma) / 4) == 0


def test_multiplier_terms_are_exponentials_in_X():
    terms = c3.scaled_multiplier_terms()
    assert terms["E1+"]["u"][sp.Integer(0)] == sp.sqrt(s) / 2 + sp.Rational(1, 2)
    assert terms["E3"]["v"] == {sp.expand(-(1 + gamma)): 1}


def test_simulate_rejects_too_few_recorded_steps():
    problem = LayerPeeledProblem(2, 3, 2, 0.1)
    H0, W0, b0 = c3.random_start(problem, 0)
    with pytest.raises(AssumptionError, match="two recorded steps"):
        c3.simulate(problem, H0, W0, b0, 0.1, steps=5, every=10)


def test_batched_trajectories_match_full_iterates():
    """simulate_batch's scalars, formed in the class-mean coordinates, equal those of the full iterates of the
    per-step update (norm, distance to Z~/||Z~||, k, centring, bias ratio; E1 fraction and accuracy at the ends)."""
    problems = [LayerPeeledProblem(p=12, C=3, N=2, gamma=g) for g in (0.1, 0.4)]
    starts = [c3.random_start(problem, seed) for problem, seed in zip(problems, (1, 2))]
    eta, ratio, steps, every = 0.5, 2.0, 40, 10
    trajectories = iterates.simulate_batch(problems, starts, eta, steps, every, ratio)
    for problem, (H0, W0, b0), trajectory in zip(problems, starts, trajectories):
        record = gradient_descent(problem, H0, W0, b0, RatePair.proportional(Constant(eta), s=ratio), steps,
                                  record_steps=list(range(0, steps + 1, every)))
        parts = Decomposition(problem, H0, W0)
        limit = parts.combine(c3.limit_coefficients(parts.labels, ratio))
        limit_norm = np.sqrt(sum((x ** 2).sum() for x in limit))
        e1 = [label.startswith("E1") for label in parts.labels]
        for k, (H, W, b) in enumerate(zip(record.H, record.W, record.b)):
            norm = np.sqrt((H ** 2).sum() + (W ** 2).sum())
            distance = np.sqrt(((H / norm - limit[0] / limit_norm) ** 2).sum()
                               + ((W / norm - limit[1] / limit_norm) ** 2).sum())
            expected = dict(norm=norm, distance=distance,
                            self_duality=(H * np.repeat(W, problem.N, axis=1)).sum() / (problem.N * (W ** 2).sum()),
                            centring=np.linalg.norm(W.sum(1)) / np.linalg.norm(W), bias_ratio=b.max() / b.min())
            for name, value in expected.items():
                assert getattr(trajectory, name)[k] == pytest.approx(value, rel=1e-12, abs=1e-12), (name, k)
        final = Decomposition(problem, record.H[-1], record.W[-1])
        e1_norm = np.sqrt(sum(np.diag(final.gram_H)[e1]) + sum(np.diag(final.gram_W)[e1]))
        assert trajectory.e1_fraction[-1] == pytest.approx(e1_norm / trajectory.norm[-1], rel=1e-10)
        assert np.isnan(trajectory.e1_fraction[1:-1]).all() and np.isnan(trajectory.accuracy[1:-1]).all()
        scores = record.W[-1].T @ record.H[-1]
        assert trajectory.accuracy[-1] == (scores.argmax(0) == problem.class_of_column()).mean()
