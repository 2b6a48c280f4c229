r"""Independent high-precision ground truth for the unconstrained flow (mpmath, small sizes).

Nothing here uses the structured algebra, the derived spectrum or a closed form: :math:`M` is
written entry by entry from its definition (Eq. 5),

.. math::

    M_{c,(c'-1)N+i}=\frac{(1+\gamma)\,[c=c']-\gamma}{CN},

and the flow :math:`Z'=ZA(t)`, :math:`A(t)=\begin{pmatrix}0&\eta_2(t)M^\top\\ \eta_1(t)M&0\end{pmatrix}`,
is solved either by a dense matrix exponential (proportional rates :math:`\eta_1=s\eta_2`, so
that :math:`\int_0^tA=\zeta_2(t)A_s` with :math:`A_s=\begin{pmatrix}0&M^\top\\ sM&0\end{pmatrix}`)
or by mpmath's Taylor-series ODE solver (any rates, proportional or not). The learning-rate
schedules are re-evaluated here in mpmath so the integrand has full precision, and the ODE is
integrated piece by piece between the schedules' breakpoints (milestones, end of the cosine
period), where the rates are analytic.

Float inputs (``H0``, ``W0``, ``gamma``, rates) are taken as the exact binary numbers they are;
``trade_off`` may pass an exact rational :math:`\gamma` (a :class:`fractions.Fraction`) instead,
e.g. to sit exactly on an eigenvalue coincidence.

>>> import numpy as np
>>> from ulproofs.setting import LayerPeeledProblem
>>> from ulproofs.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=1, C=2, N=1, gamma=0.0)
>>> dense_generator(problem, s=1)          # M = I_2 / 2 here
matrix(
[['0.0', '0.0', '0.5', '0.0'],
 ['0.0', '0.0', '0.0', '0.5'],
 ['0.5', '0.0', '0.0', '0.0'],
 ['0.0', '0.5', '0.0', '0.0']])
>>> H0, W0 = np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])
>>> Z = expm_solution(problem, H0, W0, s=1, zeta2=2)   # h1 = cosh(1), w1 = sinh(1)
>>> with mpmath.workdps(50):
...     bool(abs(Z[0, 0] - mpmath.cosh(1)) < mpmath.mpf(10) ** -45 and abs(Z[0, 2] - mpmath.sinh(1)) < 1e-45)
True
>>> Y = ode_solution(problem, H0, W0, RatePair.proportional(Constant(0.5)), t=4)
>>> with mpmath.workdps(50):
...     bool(relative_error_mp(Y, Z) < mpmath.mpf(10) ** -40)
True
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from .errors import AssumptionError
from .rates import Constant, CosineAnnealing, Step

DEFAULT_DPS = 50
MIN_DPS = 40


def _check_dps(dps):
    if dps < MIN_DPS:
        raise AssumptionError(f"ground truth is computed at >= {MIN_DPS} significant digits (got dps={dps})")


def to_mp(value):
    """An exact mpmath number from a float, int or Fraction (at the current precision)."""
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    return mpmath.mpf(value)


def mp_matrix(array):
    """An mpmath matrix holding the exact values of a 2-d float array."""
    array = np.asarray(array, dtype=float)
    return mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in array])


def to_numpy(matrix):
    """An mpmath matrix rounded to float64."""
    return np.array([[float(matrix[i, j]) for j in range(matrix.cols)] for i in range(matrix.rows)])


def relative_error_mp(value, reference):
    r""":math:`\|value-reference\|_F/\|reference\|_F` at the current mpmath precision."""
    return mpmath.mnorm(value - reference, "f") / mpmath.mnorm(reference, "f")


def dense_M(problem, trade_off=None):
    """M (C x CN) entry by entry from its definition, at the current mpmath precision."""
    C, N = problem.C, problem.N
    g = to_mp(problem.gamma if trade_off is None else trade_off)
    M = mpmath.matrix(C, C * N)
    for c in range(C):
        for column in range(C * N):
            own_class = 1 if column // N == c else 0
            M[c, column] = ((1 + g) * own_class - g) / (C * N)
    return M


def _flow_matrix(M, rate_features, rate_prototypes):
    """[[0, eta2 M^T], [eta1 M, 0]], acting on Z = (H, W) from the right."""
    C, CN = M.rows, M.cols
    A = mpmath.matrix(CN + C, CN + C)
    for c in range(C):
        for column in range(CN):
            A[column, CN + c] = rate_prototypes * M[c, column]
            A[CN + c, column] = rate_features * M[c, column]
    return A


def dense_generator(problem, s, trade_off=None, dps=DEFAULT_DPS):
    r"""The explicit :math:`(CN+C)\times(CN+C)` matrix :math:`A_s=[[0,M^\top],[sM,0]]`."""
    _check_dps(dps)
    with mpmath.workdps(dps):
        return _flow_matrix(dense_M(problem, trade_off), to_mp(s), mpmath.mpf(1))


def initial_state(problem, H0, W0):
    """Z0 = (H0, W0) as one p x (CN + C) mpmath matrix."""
    problem.check_shapes(H=H0, W=W0)
    return mp_matrix(np.hstack([np.asarray(H0, dtype=float), np.asarray(W0, dtype=float)]))


def split(problem, Z):
    """(H, W) parts of a p x (CN + C) matrix."""
    CN = problem.C * problem.N
    return Z[:, :CN], Z[:, CN:]


def expm_solution(problem, H0, W0, s, zeta2, trade_off=None, dps=DEFAULT_DPS):
    r""":math:`Z_0\exp(\zeta_2A_s)`: the flow at integrated rate :math:`\zeta_2` when :math:`\eta_1=s\eta_2`."""
    _check_dps(dps)
    with mpmath.workdps(dps):
        A = dense_generator(problem, s, trade_off, dps)
        return initial_state(problem, H0, W0) * mpmath.expm(to_mp(zeta2) * A)


# learning-rate schedules at full precision ----------------------------------------------------
def mp_rate(schedule, t):
    r""":math:`\eta(t)` of a :mod:`ulproofs.rates` schedule, evaluated in mpmath."""
    t = to_mp(t)
    if isinstance(schedule, Constant):
        return to_mp(schedule.rate)
    if isinstance(schedule, Step):
        passed = sum(1 for m in schedule.milestones if t >= m)
        return to_mp(schedule.rate) * to_mp(schedule.factor) ** passed
    if isinstance(schedule, CosineAnnealing):
        low, high, period = to_mp(schedule.rate_min), to_mp(schedule.rate_max), to_mp(schedule.period)
        inside = min(max(t, 0), period)
        return low + (high - low) * (1 + mpmath.cos(mpmath.pi * inside / period)) / 2
    raise AssumptionError(f"no mpmath evaluation for schedule {schedule!r}")


def mp_integral(schedule, t):
    r""":math:`\zeta(t)=\int_0^t\eta`, evaluated in mpmath (exact formulas, not quadrature)."""
    t = to_mp(t)
    if isinstance(schedule, Constant):
        return to_mp(schedule.rate) * t
    if isinstance(schedule, Step):
        edges = [mpmath.mpf(0)] + [to_mp(m) for m in schedule.milestones] + [mpmath.inf]
        total = mpmath.mpf(0)
        for k in range(len(edges) - 1):
            length = min(t, edges[k + 1]) - edges[k]
            if length > 0:
                total += to_mp(schedule.rate) * to_mp(schedule.factor) ** k * length
        return total
    if isinstance(schedule, CosineAnnealing):
        low, high, period = to_mp(schedule.rate_min), to_mp(schedule.rate_max), to_mp(schedule.period)
        inside = min(max(t, 0), period)
        amplitude = (high - low) / 2
        value = low * inside + amplitude * (inside + period / mpmath.pi * mpmath.sin(mpmath.pi * inside / period))
        return value + low * max(t - period, 0)
    raise AssumptionError(f"no mpmath evaluation for schedule {schedule!r}")


def ode_solution(problem, H0, W0, rates, t, trade_off=None, dps=DEFAULT_DPS):
    r"""Integrate :math:`Z'=Z\,[[0,\eta_2(t)M^\top],[\eta_1(t)M,0]]` from :math:`Z_0` to time t.

    ``rates`` is a :class:`~ulproofs.rates.RatePair`, proportional or not. The rows of Z evolve
    independently, so keep p small (1 or 2) together with C and N: mpmath's Taylor method costs
    grow quickly with the dimension.
    """
    _check_dps(dps)
    if not t >= 0:
        raise AssumptionError(f"the flow runs forward from t = 0 (got t={t!r})")
    with mpmath.workdps(dps):
        M = dense_M(problem, trade_off)
        Z = initial_state(problem, H0, W0)
        rows, cols = Z.rows, Z.cols
        end = to_mp(t)
        cuts = sorted({to_mp(b) for b in (*rates.eta1.breakpoints(), *rates.eta2.breakpoints()) if 0 < b < end})
        start = mpmath.mpf(0)
        for stop in [*cuts, end]:
            Z = _integrate_piece(M, rates, Z, start, stop, rows, cols)
            start = stop
        return Z


def _cosine_form(schedule, start):
    r"""(a, b, omega) with :math:`\eta(t)=a+b\cos(\omega t)` on the analytic piece starting at ``start``."""
    if isinstance(schedule, CosineAnnealing) and start < schedule.period:
        low, high = to_mp(schedule.rate_min), to_mp(schedule.rate_max)
        return (high + low) / 2, (high - low) / 2, mpmath.pi / to_mp(schedule.period)
    return mp_rate(schedule, start), mpmath.mpf(0), mpmath.mpf(0)


def _integrate_piece(M, rates, Z, start, stop, rows, cols):
    """One analytic piece [start, stop] of the flow, by mpmath.odefun (Taylor series).

    Time is rescaled to tau in [0, 1] (t = start + tau (stop - start)): odefun caps its steps
    at 1/2, so a long piece in t would otherwise take many steps. A cosine rate is carried as
    two extra unknowns (cos and sin of omega t, a harmonic oscillator started from their values
    at ``start``, shared by rates of the same period): odefun differentiates at many times its
    working precision, where each call of cos would cost milliseconds.
    """
    if stop == start:
        return Z
    length = stop - start
    C, CN = M.rows, M.cols
    entries = [[M[c, j] for j in range(CN)] for c in range(C)]
    size = rows * cols
    forms = [_cosine_form(schedule, start) for schedule in (rates.eta1, rates.eta2)]
    omegas = sorted({omega for _, b, omega in forms if b != 0})
    slot = [size + 2 * omegas.index(omega) if b != 0 else None for _, b, omega in forms]

    def derivative(tau, state):
        eta1, eta2 = (length * (a + b * state[k]) if k is not None else length * a
                      for (a, b, _), k in zip(forms, slot))
        out = []
        for row in range(rows):
            H, W = state[row * cols:row * cols + CN], state[row * cols + CN:(row + 1) * cols]
            out.extend(eta1 * mpmath.fdot(W, (entries[c][j] for c in range(C))) for j in range(CN))
            out.extend(eta2 * mpmath.fdot(H, entries[c]) for c in range(C))
        for k, omega in enumerate(omegas):
            cosine, sine = state[size + 2 * k], state[size + 2 * k + 1]
            out.extend((-omega * length * sine, omega * length * cosine))
        return out

    initial = [Z[k // cols, k % cols] for k in range(size)]
    for omega in omegas:
        initial.extend((mpmath.cos(omega * start), mpmath.sin(omega * start)))
    flat = mpmath.odefun(derivative, 0, initial)(1)
    out = mpmath.matrix(rows, cols)
    for k in range(size):
        out[k // cols, k % cols] = flat[k]
    return out


def piecewise_expm_solution(problem, H0, W0, rates, t, trade_off=None, dps=DEFAULT_DPS):
    r"""The flow for piecewise-constant rates (Constant, Step), proportional or not.

    On a piece of length L where the rates are the constants :math:`(\eta_1,\eta_2)` the flow
    multiplies Z by :math:`\exp(L[[0,\eta_2M^\top],[\eta_1M,0]])`; the pieces are chained in
    time order. An independent check of :func:`ode_solution` where both apply.
    """
    _check_dps(dps)
    for schedule in (rates.eta1, rates.eta2):
        if not isinstance(schedule, (Constant, Step)):
            raise AssumptionError(f"piecewise_expm_solution needs piecewise-constant rates (got {schedule!r})")
    with mpmath.workdps(dps):
        M = dense_M(problem, trade_off)
        Z = initial_state(problem, H0, W0)
        end = to_mp(t)
        cuts = sorted({to_mp(b) for b in (*rates.eta1.breakpoints(), *rates.eta2.breakpoints()) if 0 < b < end})
        start = mpmath.mpf(0)
        for stop in [*cuts, end]:
            generator = _flow_matrix(M, mp_rate(rates.eta1, start), mp_rate(rates.eta2, start))
            Z = Z * mpmath.expm((stop - start) * generator)
            start = stop
        return Z
