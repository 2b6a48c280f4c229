"""Unit tests of the any-rates solver (ulproofs.core.any_rates): bad input, mpmath schedules, formulas, figure."""
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from ulproofs.core import groundtruth
from ulproofs.core.any_rates import AnyRatesDynamics
from ulproofs.core.errors import AssumptionError
from ulproofs.core.rates import Constant, LinearWarmup, RatePair, Sinusoidal
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.reports import extension_figures

PROBLEM = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
RNG = np.random.default_rng(0)
H0, W0 = RNG.standard_normal((2, 6)), RNG.standard_normal((2, 3))


class _Tabulated:
    """A schedule given by a function, with no validation of its own (as a user's schedule would be)."""

    def __init__(self, function):
        self.function = function

    def __call__(self, t):
        return self.function(np.asarray(t, dtype=float))

    def integral(self, t):
        raise NotImplementedError

    def breakpoints(self):
        return ()


@pytest.mark.parametrize("function", [lambda t: 0.1 - 0.01 * t, lambda t: np.where(t > 5, np.nan, 0.1),
                                      lambda t: np.where(t > 5, np.inf, 0.1)])
def test_negative_or_non_finite_schedules_raise(function):
    with pytest.raises(AssumptionError, match="finite and >= 0"):
        AnyRatesDynamics(PROBLEM, H0, W0, RatePair(_Tabulated(function), Constant(0.1)))


@pytest.mark.parametrize("decay", [(-0.1, 0.0), (0.0, math.nan), (math.inf, 0.0)])
def test_bad_weight_decay_raises(decay):
    with pytest.raises(AssumptionError, match="weight decay"):
        AnyRatesDynamics(PROBLEM, H0, W0, RatePair(Constant(0.1), Constant(0.2)), decay)


def test_bad_times_and_precision_raise():
    dynamics = AnyRatesDynamics(PROBLEM, H0, W0, RatePair(Constant(0.1), Constant(0.2)))
    with pytest.raises(AssumptionError, match="forward from t = 0"):
        dynamics.coefficients(-1.0)
    with pytest.raises(AssumptionError, match="forward from t = 0"):
        dynamics.coefficients(math.nan)
    with pytest.raises(AssumptionError, match="40 digits"):
        dynamics.coefficients_mp(1.0, dps=30)


def test_the_solver_at_time_zero_and_the_descent_product_at_step_zero_are_the_identity():
    dynamics = AnyRatesDynamics(PROBLEM, H0, W0, RatePair(LinearWarmup(0.5, 2.0), Sinusoidal(0.3, 0.5, 1.0)),
                                (0.1, 0.2))
    assert np.array_equal(dynamics.coefficients(0.0), np.ones((5, 2)))
    assert np.array_equal(dynamics.discrete_coefficients(3)[0], np.ones((5, 2)))


@pytest.mark.parametrize("eta", [LinearWarmup(0.4, 3.0, 0.2), Sinusoidal(0.3, 0.7, 2.5)])
@pytest.mark.parametrize("t", [0.0, 1.3, 4.0])
def test_mpmath_schedules_match_float(eta, t):
    with mpmath.workdps(50):
        assert float(groundtruth.mp_rate(eta, t)) == pytest.approx(float(eta(t)), rel=1e-15)
        assert float(groundtruth.mp_integral(eta, t)) == pytest.approx(float(eta.integral(t)), rel=1e-14, abs=1e-16)


def test_dense_ground_truth_with_a_linear_warm_up_matches_piecewise_expm_of_a_step_limit():
    """A warm-up with start factor 1 is constant: odefun (with the linear term) equals the matrix exponential."""
    problem = LayerPeeledProblem(p=1, C=2, N=1, gamma=0.0)
    H, W = np.array([[1.0, -0.5]]), np.array([[0.25, 0.0]])
    rates = RatePair(LinearWarmup(1.0, 2.0, 1.0), Constant(0.5))
    with mpmath.workdps(50):
        ode = groundtruth.ode_solution(problem, H, W, rates, 3.0, Fraction(0))
        expm = groundtruth.piecewise_expm_solution(problem, H, W, RatePair(Constant(1.0), Constant(0.5)), 3.0,
                                                   Fraction(0))
        assert groundtruth.relative_error_mp(ode, expm) < mpmath.mpf(10) ** -40


def test_any_rates_figure(tmp_path):
    paths = extension_figures.any_rates_figure(tmp_path, scale="reduced")
    assert open(paths["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    record = json.loads(open(paths["json"]).read())
    assert record["commit"] and record["parameters"]["seed"] == 0
    trajectory, ratio = record["trajectory"], record["ratio"]
    for part in ("H", "W"):
        iterates, theory = np.array(trajectory[f"iterates_{part}"]), np.array(trajectory[f"reduced_{part}"])
        assert np.max(np.abs(iterates - theory) / theory) < 1e-12
    errors = dict(zip(ratio["ratios"], ratio["closed_form_vs_flow"]))
    assert errors[1.0] < 1e-12 and min(e for r, e in errors.items() if r != 1.0) > 1e-4
    with pytest.raises(AssumptionError, match="scale"):
        extension_figures.any_rates_data(scale="huge")

