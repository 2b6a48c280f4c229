"""Unit tests of the learning-rate schedules and the proportionality assumption."""
import math

import mpmath
import pytest

from ulproofs.core.errors import AssumptionError
from ulproofs.core.rates import (
    Constant,
    CosineAnnealing,
    LinearWarmup,
    NonProportionalRatesError,
    RatePair,
    Sinusoidal,
    Step,
    checked_rates,
    schedule,
)


def _quadrature(schedule, t):
    """Adaptive quadrature split at the schedule's breakpoints, independent of ``integral``."""
    pieces = [0.0] + [b for b in schedule.breakpoints() if b < t] + [t]
    return float(mpmath.quad(lambda x: float(schedule(float(x))), pieces)) if t > 0 else 0.0


@pytest.mark.parametrize("eta", [Constant(0.3), Step(0.5, (2.0, 5.0), 0.1), CosineAnnealing(0.2, 7.0, 0.01),
                                 LinearWarmup(0.4, 3.0, 0.2), Sinusoidal(0.3, 0.7, 2.5)])
@pytest.mark.parametrize("t", [0.0, 1.3, 4.0, 9.5])
def test_integral_matches_quadrature(eta, t):
    assert float(eta.integral(t)) == pytest.approx(_quadrature(eta, t), rel=1e-12, abs=1e-15)


def test_cosine_endpoints_and_hold():
    eta = CosineAnnealing(0.1, period=10.0, rate_min=0.02)
    assert float(eta(0.0)) == pytest.approx(0.1)
    assert float(eta(10.0)) == pytest.approx(0.02)
    assert float(eta(25.0)) == pytest.approx(0.02)
    assert float(eta.integral(20.0) - eta.integral(10.0)) == pytest.approx(0.2)


@pytest.mark.parametrize("eta2", [Constant(0.1), Step(0.1, (3.0,)), CosineAnnealing(0.1, 50.0, 0.001)])
def test_proportional_pairs_report_their_ratio(eta2):
    assert RatePair.proportional(eta2, s=0.25).ratio() == pytest.approx(0.25)


def test_numerically_proportional_pair_is_recognised():
    pair = RatePair(Step(0.2, (3.0,), 0.5), Step(0.1, (3.0,), 0.5))
    assert pair.ratio() == pytest.approx(2.0)
    assert RatePair(Constant(0.3), Step(0.1)).ratio() == pytest.approx(3.0)  # different types, same shape
    with pytest.raises(NonProportionalRatesError):
        RatePair(Constant(0.1), Step(0.1, (1e6,), 0.5)).ratio()  # differs only after a far milestone


@pytest.mark.parametrize("pair", [
    RatePair(CosineAnnealing(0.1, 100.0), Constant(0.1)),
    RatePair(Step(0.1, (3.0,)), Step(0.1, (4.0,))),
    RatePair(CosineAnnealing(0.1, 100.0, 0.01), CosineAnnealing(0.1, 100.0, 0.02)),
])
def test_non_proportional_pairs_raise_naming_the_assumption(pair):
    with pytest.raises(NonProportionalRatesError, match="proportional"):
        pair.ratio()


@pytest.mark.parametrize("make", [
    lambda: Constant(0.0), lambda: Constant(-1.0), lambda: Constant(math.nan), lambda: Constant(math.inf),
    lambda: Step(0.1, (3.0, 2.0)), lambda: Step(0.1, (1.0,), factor=0.0),
    lambda: CosineAnnealing(0.1, 0.0), lambda: CosineAnnealing(0.1, 10.0, rate_min=0.2),
    lambda: Constant(0.1).scaled(0.0),
    lambda: LinearWarmup(-0.1, 3.0), lambda: LinearWarmup(0.1, math.inf), lambda: LinearWarmup(0.1, 3.0, 0.0),
    lambda: LinearWarmup(0.1, 3.0, math.nan), lambda: Sinusoidal(0.1, 1.0, 2.0), lambda: Sinusoidal(0.1, -0.2, 2.0),
    lambda: Sinusoidal(math.nan, 0.2, 2.0), lambda: Sinusoidal(0.1, 0.2, -2.0),
])
def test_bad_rates_raise(make):
    with pytest.raises(AssumptionError):
        make()


def test_schedules_by_name():
    assert schedule("sinusoidal", rate=0.1, amplitude=0.5, period=3.0) == Sinusoidal(0.1, 0.5, 3.0)
    with pytest.raises(AssumptionError, match="unknown learning-rate schedule 'cyclic'"):
        schedule("cyclic", rate=0.1)


@pytest.mark.parametrize("values", [[0.1, -0.2], [0.1, math.nan], [math.inf]])
def test_negative_or_non_finite_rate_values_raise(values):
    with pytest.raises(AssumptionError, match="finite and >= 0"):
        checked_rates("eta1", values)
