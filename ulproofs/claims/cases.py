"""Test cases shared by the closed-form checks of Theorems 2 and 4 (the same rates, sizes and draws)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..core.rates import CosineAnnealing, RatePair, Step
from ..core.setting import LayerPeeledProblem


def ode_rate_cases():
    """Proportional time-varying rates for the odefun comparisons, by name."""
    return {
        "cosine annealing, s = 0.5": RatePair.proportional(CosineAnnealing(1.0, 6.0, 0.1), 0.5),
        "step, s = 2": RatePair.proportional(Step(1.0, (3.0, 5.0), 0.5), 2.0),
    }


def non_proportional_rates():
    """Rates that step at different times: the negative control of every closed form."""
    return RatePair(Step(1.0, (2.0,), 0.5), Step(1.0, (5.0,), 0.5))


def exact_problem(p, C, N, gamma):
    """The problem at float gamma, and gamma as an exact Fraction (for the mpmath side)."""
    exact = Fraction(gamma)
    return LayerPeeledProblem(p=p, C=C, N=N, gamma=float(exact)), exact


def random_initial(problem, rng):
    """(H0, W0, b0) with standard normal entries."""
    return (rng.standard_normal((problem.p, problem.examples)), rng.standard_normal((problem.p, problem.C)),
            rng.standard_normal(problem.C))


def stacked(H, W):
    """Z = (H, W) as one float64 array."""
    return np.hstack([np.asarray(H, dtype=float), np.asarray(W, dtype=float)])
