r"""Theorem 2's closed form evaluated in float64 and in mpmath, with the error bounds of its checks.

Shared by the checks of Theorems 2 and 4 (which import these names from
:mod:`ulproofs.claims.theorem_2`): :class:`UnconstrainedDynamics` evaluates Eq. 6 and its exact
gradient-descent analogue; :func:`closed_form_error` and :func:`descent_tolerance` give the
tolerances of the precision policy for them; :func:`autograd_descent` runs gradient descent on
the loss itself, a reference that no gradient formula enters.

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((2, 6)), rng.standard_normal((2, 3)), np.zeros(3)
>>> dynamics = UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.1), s=2.0))
>>> H, W = dynamics.state(0.0)
>>> bool(np.allclose(H, H0) and np.allclose(W, W0))
True
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
import torch

from ..core import groundtruth
from ..core.decomposition import Decomposition
from ..core.operator import derive_spectrum
from ..core.operator import gamma as gamma_symbol
from ..core.precision import float_tolerance, relative_error
from ..core.structured import C, N
from ..core.validation import combine_state, time_point
from .cases import stacked


def _sinhc(x):
    x = np.asarray(x, dtype=float)
    safe = np.where(np.abs(x) < 1e-8, 1.0, x)
    return np.where(np.abs(x) < 1e-8, 1.0 + x * x / 6.0, np.sinh(safe) / safe)


class UnconstrainedDynamics:
    """Theorem 2 evaluated numerically (NumPy float64) for one initialisation.

    ``coefficients(t)`` returns the multipliers (u_k, v_k) of (H_k, W_k), shape (..., 5, 2), so
    that norms and distances come from :class:`~ulproofs.core.decomposition.Decomposition` without
    forming Z(t); ``state(t)`` forms it.
    """

    def __init__(self, problem, H0, W0, b0, rates, require_proportional=True):
        problem.check_shapes(H0, W0, b0)
        self.problem, self.rates, self.b0 = problem, rates, np.asarray(b0, dtype=float)
        self.ratio = rates.ratio() if require_proportional else None
        self.parts = Decomposition(problem, H0, W0)

    def coefficients(self, t):
        """(u_k, v_k) = (alpha_k zeta1 + beta_k, alpha_k zeta2 + beta_k) at times t."""
        zeta1, zeta2 = (np.asarray(z, dtype=float) for z in self.rates.zetas(t))
        root = np.sqrt(zeta1 * zeta2)[..., None]
        sigma = self.parts.eigenvalues
        x = sigma * root
        alpha = sigma * _sinhc(x)
        beta = np.cosh(x)
        return np.stack([alpha * zeta1[..., None] + beta, alpha * zeta2[..., None] + beta], axis=-1)

    def state(self, t):
        """(H(t), W(t)) at one time t."""
        return combine_state(self.parts, self.coefficients(time_point(t)))

    def bias(self, t):
        zeta2 = np.asarray(self.rates.eta2.integral(t), dtype=float)
        return self.b0 + self.problem.bias_drift() * zeta2[..., None]

    def discrete_coefficients(self, steps):
        """Exact multipliers after k = 0..steps gradient-descent steps, shape (steps+1, 5, 2)."""
        s_ratio = self.rates.ratio()
        eta2 = np.asarray(self.rates.eta2(np.arange(steps)), dtype=float)
        sigma = self.parts.eigenvalues
        factors_plus = 1 + np.sqrt(s_ratio) * sigma[None, :] * eta2[:, None]
        factors_minus = 1 - np.sqrt(s_ratio) * sigma[None, :] * eta2[:, None]
        ones = np.ones((1, sigma.size))
        plus = np.concatenate([ones, np.cumprod(factors_plus, axis=0)])
        minus = np.concatenate([ones, np.cumprod(factors_minus, axis=0)])
        root = np.sqrt(s_ratio)
        u = ((1 + root) * plus + (1 - root) * minus) / 2
        v = ((1 + 1 / root) * plus + (1 - 1 / root) * minus) / 2
        return np.stack([u, v], axis=-1)

    def discrete_state(self, step):
        return self.parts.combine(self.discrete_coefficients(step)[step])

    def discrete_bias(self, step):
        eta2 = np.asarray(self.rates.eta2(np.arange(step)), dtype=float)
        return self.b0 + self.problem.bias_drift() * eta2.sum()



def sympy_to_mp(matrix, dps=None):
    """A SymPy matrix of exact numbers as an mpmath matrix, each entry rounded once from ``dps`` + 10 digits
    (default: the working precision)."""
    digits = mpmath.mp.dps if dps is None else dps
    return mpmath.matrix([[mpmath.mpf(sp.N(x, digits + 10)) for x in row] for row in matrix.tolist()])


def spectral_sum_mp(problem, H0, W0, multipliers, trade_off=None, dps=50):
    r""":math:`\sum_k\Pi_kZ_0\,\operatorname{diag}(u_kI,v_kI)` in mpmath at ``dps`` digits, with the derived
    projectors and eigenvalues at exact :math:`\gamma` (``trade_off``, a Fraction, or the exact binary value of
    ``problem.gamma``). ``multipliers(k, sigma)`` gives :math:`(u_k,v_k)` of component k from its eigenvalue
    (an mpf; called at the working precision). Returns a p x (CN + C) mpmath matrix."""
    exact_gamma = sp.Rational(problem.gamma) if trade_off is None else sp.Rational(
        trade_off.numerator, trade_off.denominator)
    values = {C: problem.C, N: problem.N, gamma_symbol: exact_gamma}
    CN = problem.C * problem.N
    with mpmath.workdps(dps):
        Z0 = groundtruth.initial_state(problem, H0, W0)
        total = mpmath.matrix(Z0.rows, Z0.cols)
        for k, component in enumerate(derive_spectrum()):
            part = Z0 * sympy_to_mp(component.projector.dense(problem.C, problem.N).subs(values), dps)
            u, v = multipliers(k, mpmath.mpf(sp.N(component.eigenvalue.subs(values), dps + 10)))
            for j in range(Z0.cols):
                scale = u if j < CN else v
                for i in range(Z0.rows):
                    total[i, j] += part[i, j] * scale
        return total


def closed_form_mp(problem, H0, W0, zeta1, zeta2, trade_off=None, dps=50):
    r"""Eq. 6 evaluated in mpmath at ``dps`` digits (the formula under test, not ground truth): the
    multipliers :math:`\alpha\zeta_{1,2}+\beta` of :func:`spectral_sum_mp` with
    :math:`\alpha=\sinh(\sigma\sqrt{\zeta_1\zeta_2})/\sqrt{\zeta_1\zeta_2}`,
    :math:`\beta=\cosh(\sigma\sqrt{\zeta_1\zeta_2})`; returns Z(t) as a p x (CN + C) mpmath matrix.
    """
    z1, z2 = groundtruth.to_mp(zeta1), groundtruth.to_mp(zeta2)

    def multipliers(k, sigma):
        root = mpmath.sqrt(z1 * z2)
        alpha = sigma if root == 0 else mpmath.sinh(sigma * root) / root
        beta = mpmath.cosh(sigma * root)
        return alpha * z1 + beta, alpha * z2 + beta

    return spectral_sum_mp(problem, H0, W0, multipliers, trade_off, dps)


def closed_form_operations(problem):
    """Roundings in one float64 evaluation of Eq. 6: sums of up to CN + C terms in the
    projections, plus sqrt, sinh, cosh and the five-term combination."""
    return problem.C * problem.N + problem.C + 10


def closed_form_condition(dynamics, coefficients, argument=0.0):
    r"""Amplification of relative rounding errors in a closed form evaluated at one time.

    :math:`(1+x)\,\|Z_0\|\sum_k g_k/\|Z\|`: a relative error of the arguments
    :math:`x=\max_k|\sigma_k|\sqrt{\zeta_1\zeta_2}` of sinh and cosh is amplified by x, and the
    error of each projected part (bounded by :math:`\|Z_0\|`) by its multiplier
    :math:`g_k=\max(|u_k|,|v_k|)`, relative to the norm of the result (cancellation between
    components).
    """
    coefficients = np.asarray(coefficients, dtype=float)
    growth = np.abs(coefficients).max(axis=-1)
    Z0_norm = dynamics.parts.norm(np.ones((5, 2)))
    return (1.0 + float(argument)) * float(Z0_norm * growth.sum() / dynamics.parts.norm(coefficients))


def closed_form_argument(dynamics, t):
    r""":math:`\max_k|\sigma_k|\sqrt{\zeta_1(t)\zeta_2(t)}`, the largest argument of sinh and cosh."""
    zeta1, zeta2 = (float(z) for z in dynamics.rates.zetas(t))
    return float(np.abs(dynamics.parts.eigenvalues).max() * np.sqrt(zeta1 * zeta2))



def closed_form_error(dynamics, t, reference, extra_operations=0, argument=None):
    """(relative error, tolerance) of the float64 closed form at time t against a reference.

    ``argument(dynamics, t)`` bounds the exponents the closed form evaluates (default: this
    theorem's :func:`closed_form_argument`; Theorem 4 passes its own)."""

    coefficients = dynamics.coefficients(np.asarray(t, dtype=float))
    error = relative_error(stacked(*dynamics.parts.combine(coefficients)), reference)
    condition = closed_form_condition(dynamics, coefficients, (argument or closed_form_argument)(dynamics, t))
    operations = closed_form_operations(dynamics.problem) + extra_operations
    return error, float_tolerance("float64", operations, condition)


def descent_tolerance(dynamics, coefficients, steps):
    """GD iterates vs the discrete closed form: each of ``steps`` steps rounds sums of up to
    CN terms; the closed form's products add ``steps`` roundings and its projections
    :func:`closed_form_operations`."""

    problem = dynamics.problem
    operations = steps * (problem.C * problem.N + 4) + steps + closed_form_operations(problem)
    return float_tolerance("float64", operations, closed_form_condition(dynamics, coefficients))


def compare_runs_with_discrete_form(dynamics, coefficients, runs, record, tolerance_rule=None):
    """Recorded states of several descent runs vs the exact discrete closed form and vs each other.

    ``tolerance_rule(dynamics, coefficients_k, k)`` gives the tolerance at step k (default:
    :func:`descent_tolerance`). Returns (passed, measured numbers)."""

    tolerance_rule = tolerance_rule or descent_tolerance
    errors, tolerances, between = [], [], []
    for i, k in enumerate(record):
        expected = stacked(*dynamics.parts.combine(coefficients[k]))
        states = [stacked(run.H[i], run.W[i]) for run in runs.values()]
        errors.append(max(relative_error(state, expected) for state in states))
        between.append(max(relative_error(state, states[0]) for state in states))
        tolerances.append(tolerance_rule(dynamics, coefficients[k], k))
    passed = all(x <= tol and y <= tol for x, y, tol in zip(errors, between, tolerances))
    return passed, {"steps": list(record), "max relative error per step": errors,
                    "max relative gap between methods": between, "tolerance per step": tolerances}


def autograd_descent(problem, H0, W0, b0, rates, steps, record):
    r"""Gradient descent on the loss itself: :meth:`~ulproofs.core.setting.LayerPeeledProblem.loss`
    (Eq. 2, the average of Eq. 1 computed from the logits) differentiated by torch autograd, float64.

    Neither the gradient formulas of Eq. 4 nor the bias drift of the setting enter, so the
    iterates are a reference for the closed forms that is independent of both. Step k uses
    :math:`(\eta_1(k),\eta_2(k))`; returns {k: (H_k, W_k, b_k)} for k in ``record``.
    """
    problem.check_shapes(H0, W0, b0)
    H, W, b = (torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64, requires_grad=True) for x in (H0, W0, b0))
    eta1 = np.asarray(rates.eta1(np.arange(steps)), dtype=float).tolist()
    eta2 = np.asarray(rates.eta2(np.arange(steps)), dtype=float).tolist()
    states = {}
    for k in range(steps + 1):
        if k in record:
            states[k] = tuple(x.detach().numpy().copy() for x in (H, W, b))
        if k == steps:
            break
        grad_H, grad_W, grad_b = torch.autograd.grad(problem.loss(H, W, b), (H, W, b))
        with torch.no_grad():
            H -= eta1[k] * grad_H
            W -= eta2[k] * grad_W
            b -= eta2[k] * grad_b
    return states


def bias_tolerance(problem, b0, drift_total, bias, steps):
    r"""float64 tolerance of a bias after ``steps`` updates: each adds :math:`\eta_{2,j}` times a
    gradient averaged over CN examples; the condition is :math:`(\|b_0\|+|\kappa|\sum\eta_2\sqrt C)/\|b\|`."""
    condition = (np.linalg.norm(b0) + abs(drift_total) * np.sqrt(problem.C)) / np.linalg.norm(bias)
    return float_tolerance("float64", steps + problem.C * problem.N + 2, condition)


