"""The prototype-anchored helpers (ulproofs.core.anchored): ground truth, accuracy and input checks."""
import mpmath
import numpy as np
import pytest

from ulproofs.claims.cases import exact_problem
from ulproofs.core import anchored, groundtruth
from ulproofs.core.errors import AssumptionError
from ulproofs.core.rates import Constant


def draw(p=2, C=3, N=2, gamma_text="1/5", seed=0):
    problem, exact = exact_problem(p, C, N, gamma_text)
    rng = np.random.default_rng(seed)
    return problem, exact, rng.standard_normal((p, problem.examples)), anchored.draw_prototypes(problem, rng)


def test_expm_ground_truth_is_the_dense_flow_at_small_time():
    """One Euler step of H' = eta (W M - lambda H), M from its definition, matches expm at t = 1e-20."""
    problem, exact, H0, W = draw()
    dt = 1e-20
    with mpmath.workdps(60):
        H = anchored.expm_solution(problem, H0, W, 1.0, 0.5, dt, exact, dps=60)
        drive = groundtruth.mp_matrix(W) * groundtruth.dense_M(problem, exact)
        euler = groundtruth.mp_matrix(H0) + dt * (drive - mpmath.mpf(0.5) * groundtruth.mp_matrix(H0))
        assert mpmath.mnorm(H - euler, "f") < 1e-35


def test_odefun_and_expm_ground_truths_agree_at_constant_rate():
    problem, exact, H0, W = draw(p=1)
    with mpmath.workdps(40):
        ode = anchored.ode_solution(problem, H0, W, Constant(0.75), 0.5, 2.0, exact, dps=40)
        expm = anchored.expm_solution(problem, H0, W, 0.75, 0.5, 2.0, exact, dps=40)
        assert groundtruth.relative_error_mp(ode, expm) < mpmath.mpf(10) ** -28


def test_accuracy_counts_ties_as_errors():
    W = np.array([[1.0, 1.0]])
    assert anchored.accuracy(W, np.array([[1.0, 1.0]]), 1) == 0.0


def test_time_to_full_accuracy_decreases_with_decay():
    values = [anchored.full_accuracy_zeta(5.0, 0.1, decay) for decay in (0.0, 0.01, 0.1, 1.0)]
    assert values[0] == pytest.approx(50.0) and all(a > b for a, b in zip(values, values[1:]))
    assert anchored.full_accuracy_zeta(-1.0, 0.1, 0.5) == 0.0


def test_bad_inputs_are_rejected():
    problem, exact, H0, W = draw()
    with pytest.raises(AssumptionError, match="weight decay"):
        anchored.AnchoredDynamics(problem, H0, W, Constant(0.5), -0.1)
    with pytest.raises(AssumptionError, match="shape"):
        anchored.AnchoredDynamics(problem, H0[:, :-1], W, Constant(0.5), 0.1)
    with pytest.raises(AssumptionError, match="lambda > 0"):
        anchored.AnchoredDynamics(problem, H0, W, Constant(0.5), 0.0).limit()
    with pytest.raises(AssumptionError, match="40"):
        anchored.expm_solution(problem, H0, W, 1.0, 0.5, 1.0, dps=30)
    with pytest.raises(AssumptionError, match="forward"):
        anchored.ode_solution(problem, H0, W, Constant(1.0), 0.5, -1.0)
