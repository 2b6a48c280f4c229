"""Unit tests of the spherical iterates (ulproofs.core.spherical): validation, backends, reductions, RLR."""
import math

import mpmath
import numpy as np
import pytest

from ulproofs.core.errors import AssumptionError
from ulproofs.core.etf import simplex_etf
from ulproofs.core.precision import float_tolerance, mp_tolerance, relative_error
from ulproofs.core.spherical import (
    AlphaPreserving,
    FlooredDecay,
    Power,
    SphericalProblem,
    descend,
    mp_feature_iterates,
    mp_lemma10_quantities,
    planar_coordinates,
    planar_descent,
    random_features,
)


@pytest.fixture
def problem():
    return SphericalProblem(simplex_etf(6, 3, 1.0, 0), 2, 0.5)


@pytest.fixture
def H0():
    return random_features(6, 6, 1)


def test_rejects_uncentred_prototypes_unless_asked():
    W = np.eye(3)
    with pytest.raises(AssumptionError, match="W 1_C = 0"):
        SphericalProblem(W, 2, 0.0)
    assert SphericalProblem(W, 2, 0.0, require_centred=False).C == 3


@pytest.mark.parametrize("W, N, gamma", [(np.zeros((3, 2)), 1, 0.0), (np.ones(3), 1, 0.0),
                                         (np.array([[1.0, -1.0]]), 0, 0.0), (np.array([[1.0, -1.0]]), 1, -1.0)])
def test_rejects_bad_settings(W, N, gamma):
    with pytest.raises(AssumptionError):
        SphericalProblem(W, N, gamma)


def test_rejects_zero_features_and_shape_mismatch(problem, H0):
    H0 = H0.copy()
    H0[:, 2] = 0
    with pytest.raises(AssumptionError, match="non-zero"):
        problem.descend(H0, lambda t: 1.0, 2)
    with pytest.raises(AssumptionError, match="shape"):
        descend(np.ones((3, 2)), np.ones((3, 3)), lambda t: 1.0, 2)


def test_targets_are_class_major(problem):
    T = problem.targets()
    assert T.shape == (6, 6) and np.array_equal(T[:, 2], problem.W[:, 1]) and np.array_equal(T[:, 3], T[:, 2])


def test_one_step_is_eq_19(problem, H0):
    eta = 0.8
    n = np.linalg.norm(H0, axis=0)
    hat = H0 / n
    T = problem.targets()
    expected = H0 + (1 + problem.gamma) * eta / (problem.examples * n) * (T - hat * (hat * T).sum(0))
    assert relative_error(problem.descend(H0, lambda t: eta, 1).final, expected) <= float_tolerance(operations=24)


def test_rescaled_step_multiplies_the_rate_by_the_norm(problem, H0):
    eta = 0.8
    n = np.linalg.norm(H0, axis=0)
    plain = descend(H0, problem.targets(), lambda t: 1.0, 1, scale=problem.step_scale * eta * n).final
    assert relative_error(problem.descend(H0, lambda t: eta, 1, rescaled=True).final, plain) <= \
        float_tolerance(operations=24)


def test_torch_backend_agrees(problem, H0):
    a = problem.descend(H0, lambda t: 2.0, 50)
    b = problem.descend(H0, lambda t: 2.0, 50, backend="torch", device="cpu")
    assert relative_error(a.final, b.final) <= float_tolerance(operations=50 * 24)
    assert np.allclose(a.errors, b.errors, rtol=0, atol=1e-13)


@pytest.mark.parametrize("rescaled", [False, True])
def test_planar_reduction_agrees_with_full_iterates(problem, H0, rescaled):
    rate = FlooredDecay(problem.largest_initial_rate(H0, rescaled), 0.1, timescale=5.0)
    full = problem.descend(H0, rate, 300, rescaled=rescaled)
    planar = problem.planar(H0, rate, 300, rescaled=rescaled)
    tolerance = float_tolerance(operations=300 * 24)
    assert relative_error(full.norms, planar.norms) <= tolerance
    assert np.abs(full.cosines - planar.cosines).max() <= tolerance
    assert np.abs(full.errors - planar.errors).max() <= tolerance * 10


def test_planar_coordinates_reconstruct_norm_and_cosine(problem, H0):
    x, y, target_norms = planar_coordinates(H0, problem.targets())
    assert np.allclose(np.hypot(x, y), np.linalg.norm(H0, axis=0))
    assert np.all(y >= 0) and np.allclose(target_norms, 1.0)


def test_mpmath_iterates_match_float64():
    rng = np.random.default_rng(3)
    h0, w = rng.standard_normal(4), rng.standard_normal(4)
    with mpmath.workdps(40):
        states, etas = mp_feature_iterates(h0, w, lambda t: 0.3, 40)
        _, betas, xis, _ = mp_lemma10_quantities(states, w, etas)
        assert all(abs(x - 1) <= mp_tolerance() for x in xis)
    trace = descend(h0[:, None], w[:, None], lambda t: 0.3, 40)
    assert np.allclose(trace.final[:, 0], [float(v) for v in states[-1]], rtol=1e-13)
    assert np.allclose(trace.cosines[:, 0], [float(b) for b in betas], atol=1e-14)


def test_alpha_preserving_is_the_largest_allowed_rate(problem, H0):
    rate = AlphaPreserving(problem.largest_initial_rate(H0))
    trace = problem.descend(H0, rate, 200)
    ratios = trace.alphas[1:] / trace.alphas[:-1]
    assert np.allclose(ratios.max(1), 1.0, rtol=0, atol=1e-13)        # one alpha unchanged per step
    assert ratios.max() <= 1 + 1e-13 and trace.etas[-1] > trace.etas[0]


def test_objective_decreases_under_the_bound(problem, H0):
    rate0 = problem.largest_initial_rate(H0)
    trace = problem.descend(H0, lambda t: rate0, 400, keep_states=True)
    values = [problem.objective(H) for H in trace.states]
    assert all(b <= a + 1e-15 for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(-(1 + problem.gamma), abs=1e-6)


def test_schedules():
    decay = FlooredDecay(1.0, 0.25, timescale=2.0)
    assert decay(0) == 1.0 and decay(1e9) == pytest.approx(0.25) and decay(3) < decay(2)
    assert Power(2.0, -2.0)(1) == 0.5
    with pytest.raises(AssumptionError):
        FlooredDecay(1.0, 2.0)


def test_steps_to_and_angles():
    trace = planar_descent([0.0], [1.0], [1.0], lambda t: 0.5, 100)
    assert trace.steps_to(1e-3) is not None and trace.steps_to(0.0) is None
    assert trace.angles[0, 0] == pytest.approx(math.pi / 2)
