r"""Independent high-precision ground truth for the unconstrained flow (mpmath, small sizes).

Nothing here uses the structured algebra, the derived spectrum or a closed form: :math:`M` is
written entry by entry from its definition (Eq. 5),

.. math::

    M_{c,(c'-1)N+i}=\frac{(1+\gamma)\,[c=c']-\gamma}{CN},

and the flow :math:`Z'=ZA(t)`, :math:`A(t)=\begin{pmatrix}0&\eta_2(t)M^\top\\ \eta_1(t)M&0\end{pmatrix}`,
is solved either by a dense matrix exponential (proportional rates :math:`\eta_1=s\eta_2`, so
that :math:`\int_0^tA=\zeta_2(t)A_s` with :math:`A_s=\begin{pmatrix}0&M^\top\\ sM&0\end{pmatrix}`)
or by mpmath's Taylor-series ODE solver (any rates, proportional or not).

Every solver takes ``weight_decay=(lambda1, lambda2)`` (default none): the flow of Eq. 12,
:math:`H'=\eta_1(WM-\lambda_1H)`, :math:`W'=\eta_2(HM^\top-\lambda_2W)`, i.e.
:math:`A(t)=\begin{pmatrix}-\lambda_1\eta_1I&\eta_2M^\top\\ \eta_1M&-\lambda_2\eta_2I\end{pmatrix}`,
and :func:`bias_ode_solution` integrates
:math:`b'=\eta_2\bigl(\frac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b\bigr)`. The learning-rate
schedules are re-evaluated here in mpmath so the integrand has full precision, and the ODE is
integrated piece by piece between the schedules' breakpoints (milestones, end of the cosine
period), where the rates are analytic.

Float inputs (``H0``, ``W0``, ``gamma``, rates) are taken as the exact binary numbers they are;
``trade_off`` may pass an exact rational :math:`\gamma` (a :class:`fractions.Fraction`) instead,
e.g. to sit exactly on an eigenvalue coincidence.

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
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
from .precision import taylor_odefun
from .rates import Constant, CosineAnnealing, LinearWarmup, Sinusoidal, Step

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


def _decays(weight_decay):
    """(lambda1, lambda2) as exact mpmath numbers; they must be >= 0."""
    decay1, decay2 = weight_decay
    if not all(x >= 0 and np.isfinite(float(x)) for x in (decay1, decay2)):
        raise AssumptionError(f"weight decay (lambda1, lambda2) must be >= 0 (got {weight_decay!r})")
    return to_mp(decay1), to_mp(decay2)


def _flow_matrix(M, rate_features, rate_prototypes, decay=(0, 0)):
    """[[-lambda1 eta1 I, eta2 M^T], [eta1 M, -lambda2 eta2 I]], acting on Z = (H, W) from the right."""
    C, CN = M.rows, M.cols
    A = mpmath.matrix(CN + C, CN + C)
    for c in range(C):
        for column in range(CN):
            A[column, CN + c] = rate_prototypes * M[c, column]
            A[CN + c, column] = rate_features * M[c, column]
    for column in range(CN):
        A[column, column] = -decay[0] * rate_features
    for c in range(C):
        A[CN + c, CN + c] = -decay[1] * rate_prototypes
    return A


def dense_generator(problem, s, trade_off=None, dps=DEFAULT_DPS, weight_decay=(0, 0)):
    r"""The explicit :math:`(CN+C)\times(CN+C)` matrix :math:`A_s=[[-s\lambda_1I,M^\top],[sM,-\lambda_2I]]`
    (:math:`[[0,M^\top],[sM,0]]` without weight decay)."""
    _check_dps(dps)
    with mpmath.workdps(dps):
        return _flow_matrix(dense_M(problem, trade_off), to_mp(s), mpmath.mpf(1), _decays(weight_decay))


def initial_state(problem, H0, W0):
    """Z0 = (H0, W0) as one p x (CN + C) mpmath matrix."""
    problem.check_shapes(H=H0, W=W0)
    return mp_matrix(np.hstack([np.asarray(H0, dtype=float), np.asarray(W0, dtype=float)]))


def expm_solution(problem, H0, W0, s, zeta2, trade_off=None, dps=DEFAULT_DPS, weight_decay=(0, 0)):
    r""":math:`Z_0\exp(\zeta_2A_s)`: the flow at integrated rate :math:`\zeta_2` when :math:`\eta_1=s\eta_2`."""
    _check_dps(dps)
    with mpmath.workdps(dps):
        A = dense_generator(problem, s, trade_off, dps, weight_decay)
        return initial_state(problem, H0, W0) * mpmath.expm(to_mp(zeta2) * A)


# learning-rate schedules at full precision ----------------------------------------------------
def mp_rate(schedule, t):
    r""":math:`\eta(t)` of a :mod:`ulproofs.core.rates` schedule, evaluated in mpmath."""
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
    if isinstance(schedule, LinearWarmup):
        rate, warmup, start = to_mp(schedule.rate), to_mp(schedule.warmup), to_mp(schedule.start_factor)
        return rate * (start + (1 - start) * min(max(t, 0), warmup) / warmup)
    if isinstance(schedule, Sinusoidal):
        return to_mp(schedule.rate) * (1 + to_mp(schedule.amplitude) * mpmath.cos(2 * mpmath.pi * t / to_mp(
            schedule.period)))
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
    if isinstance(schedule, LinearWarmup):
        rate, warmup, start = to_mp(schedule.rate), to_mp(schedule.warmup), to_mp(schedule.start_factor)
        inside = min(max(t, 0), warmup)
        return rate * (start * inside + (1 - start) * inside ** 2 / (2 * warmup) + max(t - warmup, 0))
    if isinstance(schedule, Sinusoidal):
        omega = 2 * mpmath.pi / to_mp(schedule.period)
        return to_mp(schedule.rate) * (t + to_mp(schedule.amplitude) * mpmath.sin(omega * t) / omega)
    raise AssumptionError(f"no mpmath evaluation for schedule {schedule!r}")


def _pieces(rates, t):
    """The analytic pieces [start, stop] of the rates on [0, t] (cut at the schedules' breakpoints)."""
    end = to_mp(t)
    cuts = sorted({to_mp(b) for b in (*rates.eta1.breakpoints(), *rates.eta2.breakpoints()) if 0 < b < end})
    edges = [mpmath.mpf(0), *cuts, end]
    return list(zip(edges[:-1], edges[1:]))


def ode_solution(problem, H0, W0, rates, t, trade_off=None, dps=DEFAULT_DPS, weight_decay=(0, 0)):
    r"""Integrate :math:`Z'=Z\,[[-\lambda_1\eta_1(t)I,\eta_2(t)M^\top],[\eta_1(t)M,-\lambda_2\eta_2(t)I]]`
    from :math:`Z_0` to time t (no weight decay by default).

    ``rates`` is a :class:`~ulproofs.core.rates.RatePair`, proportional or not. The rows of Z evolve
    independently, so keep p small (1 or 2) together with C and N: mpmath's Taylor method costs
    grow quickly with the dimension.
    """
    return flow_ode_solution(problem, H0, W0, None, rates, t, trade_off, dps, weight_decay)[0]


def bias_ode_solution(problem, b0, rates, t, weight_decay=(0, 0), trade_off=None, dps=DEFAULT_DPS):
    r"""Integrate :math:`b'=\eta_2(t)\bigl(\frac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b\bigr)` from
    :math:`b_0` to time t with mpmath's odefun; returns a C x 1 mpmath matrix.

    The drift is written from the objective (Eq. 3), not taken from a closed form; only
    :math:`\lambda_2` of ``weight_decay`` enters (Eq. 12).
    """
    return flow_ode_solution(problem, None, None, b0, rates, t, trade_off, dps, weight_decay)[1]


def flow_ode_solution(problem, H0, W0, b0, rates, t, trade_off=None, dps=DEFAULT_DPS, weight_decay=(0, 0)):
    """Integrate Z (from (H0, W0)) and b (from b0) together in one odefun run; returns (Z, b).

    Either part may be left out (``H0 = W0 = None`` or ``b0 = None``; its result is then None).
    """
    _check_dps(dps)
    if not t >= 0:
        raise AssumptionError(f"the flow runs forward from t = 0 (got t={t!r})")
    if b0 is not None:
        b0 = np.asarray(b0, dtype=float)
        problem.check_shapes(b=b0)
    with mpmath.workdps(dps):
        M = dense_M(problem, trade_off)
        g = to_mp(problem.gamma if trade_off is None else trade_off)
        drift = (1 + g - g * problem.C) / problem.C
        decay = _decays(weight_decay)
        Z = None if H0 is None else initial_state(problem, H0, W0)
        b = None if b0 is None else [mpmath.mpf(float(x)) for x in b0]
        for start, stop in _pieces(rates, t):
            Z, b = _integrate_piece(M, rates, Z, b, start, stop, decay, drift)
        return Z, (None if b is None else mpmath.matrix(b))


def bias_expm_solution(problem, b0, zeta2, weight_decay=(0, 0), trade_off=None, dps=DEFAULT_DPS):
    r"""The bias at integrated rate :math:`\zeta_2` by a dense matrix exponential: in the variable
    :math:`\zeta_2` the bias equation is :math:`\frac{d}{d\zeta_2}(b,1)=(b,1)\,[[-\lambda_2,0],[\kappa,0]]`
    per class, so :math:`(b,1)=(b_0,1)\exp(\zeta_2[[-\lambda_2,0],[\kappa,0]])`. Returns a C x 1 matrix."""
    _check_dps(dps)
    b0 = np.asarray(b0, dtype=float)
    problem.check_shapes(b=b0)
    with mpmath.workdps(dps):
        g = to_mp(problem.gamma if trade_off is None else trade_off)
        drift = (1 + g - g * problem.C) / problem.C
        _, decay2 = _decays(weight_decay)
        propagator = mpmath.expm(to_mp(zeta2) * mpmath.matrix([[-decay2, 0], [drift, 0]]))
        return mpmath.matrix([(mpmath.matrix([[mpmath.mpf(float(x)), 1]]) * propagator)[0, 0] for x in b0])


def _cosine_form(schedule, start):
    r"""(a, b, omega, slope) with :math:`\eta(t)=a+b\cos(\omega t)+\text{slope}\,(t-\text{start})` on the
    analytic piece starting at ``start``."""
    zero = mpmath.mpf(0)
    if isinstance(schedule, CosineAnnealing) and start < schedule.period:
        low, high = to_mp(schedule.rate_min), to_mp(schedule.rate_max)
        return (high + low) / 2, (high - low) / 2, mpmath.pi / to_mp(schedule.period), zero
    if isinstance(schedule, Sinusoidal):
        rate = to_mp(schedule.rate)
        return rate, rate * to_mp(schedule.amplitude), 2 * mpmath.pi / to_mp(schedule.period), zero
    if isinstance(schedule, LinearWarmup) and start < schedule.warmup:
        slope = to_mp(schedule.rate) * (1 - to_mp(schedule.start_factor)) / to_mp(schedule.warmup)
        return mp_rate(schedule, start), zero, zero, slope
    return mp_rate(schedule, start), zero, zero, zero


def _rate_oscillators(rates, start, length):
    """The rates on the piece starting at ``start`` as functions of the rescaled time tau in [0, 1].

    Returns ``(initial, rates_at, oscillator)``: ``initial`` are the starting values of the extra
    unknowns (cos and sin of omega t per cosine period), ``rates_at(tau, extra)`` gives
    (L eta1, L eta2) from tau and their current values, ``oscillator(extra)`` their derivatives.
    """
    forms = [_cosine_form(schedule, start) for schedule in (rates.eta1, rates.eta2)]
    omegas = sorted({omega for _, b, omega, _ in forms if b != 0})
    slot = [2 * omegas.index(omega) if b != 0 else None for _, b, omega, _ in forms]

    def rates_at(tau, extra):
        return tuple(length * (a + slope * length * tau + (b * extra[k] if k is not None else 0))
                     for (a, b, _, slope), k in zip(forms, slot))

    def oscillator(extra):
        out = []
        for k, omega in enumerate(omegas):
            out.extend((-omega * length * extra[2 * k + 1], omega * length * extra[2 * k]))
        return out

    initial = []
    for omega in omegas:
        initial.extend((mpmath.cos(omega * start), mpmath.sin(omega * start)))
    return initial, rates_at, oscillator


def _integrate_piece(M, rates, Z, b, start, stop, decay, drift):
    """One analytic piece [start, stop] of the flow (Z and/or b), by mpmath.odefun (Taylor series).

    Time is rescaled to tau in [0, 1] (t = start + tau (stop - start)): odefun caps its steps
    at 1/2, so a long piece in t would otherwise take many steps. A cosine rate is carried as
    two extra unknowns (cos and sin of omega t, a harmonic oscillator started from their values
    at ``start``, shared by rates of the same period): odefun differentiates at many times its
    working precision, where each call of cos would cost milliseconds.
    """
    if stop == start:
        return Z, b
    C, CN = M.rows, M.cols
    entries = [[M[c, j] for j in range(CN)] for c in range(C)]
    rows, cols = (0, 0) if Z is None else (Z.rows, Z.cols)
    size, classes = rows * cols, 0 if b is None else len(b)
    extra, rates_at, oscillator = _rate_oscillators(rates, start, stop - start)
    decay1, decay2 = decay

    def derivative(tau, state):
        eta1, eta2 = rates_at(tau, state[size + classes:])
        out = []
        for row in range(rows):
            H, W = state[row * cols:row * cols + CN], state[row * cols + CN:(row + 1) * cols]
            out.extend(eta1 * (mpmath.fdot(W, (entries[c][j] for c in range(C))) - decay1 * H[j]) for j in range(CN))
            out.extend(eta2 * (mpmath.fdot(H, entries[c]) - decay2 * W[c]) for c in range(C))
        out.extend(eta2 * (drift - decay2 * x) for x in state[size:size + classes])
        return out + oscillator(state[size + classes:])

    initial = [Z[k // cols, k % cols] for k in range(size)] + (b or []) + extra
    flat = taylor_odefun(derivative, 0, initial)(1)
    if Z is not None:
        Z = mpmath.matrix(rows, cols)
        for k in range(size):
            Z[k // cols, k % cols] = flat[k]
    return Z, (None if b is None else list(flat[size:size + classes]))


def piecewise_expm_solution(problem, H0, W0, rates, t, trade_off=None, dps=DEFAULT_DPS, weight_decay=(0, 0)):
    r"""The flow for piecewise-constant rates (Constant, Step), proportional or not.

    On a piece of length L where the rates are the constants :math:`(\eta_1,\eta_2)` the flow
    multiplies Z by :math:`\exp(L[[-\lambda_1\eta_1I,\eta_2M^\top],[\eta_1M,-\lambda_2\eta_2I]])`; the
    pieces are chained in time order. An independent check of :func:`ode_solution` where both apply.
    """
    _check_dps(dps)
    for schedule in (rates.eta1, rates.eta2):
        if not isinstance(schedule, (Constant, Step)):
            raise AssumptionError(f"piecewise_expm_solution needs piecewise-constant rates (got {schedule!r})")
    with mpmath.workdps(dps):
        M = dense_M(problem, trade_off)
        decay = _decays(weight_decay)
        Z = initial_state(problem, H0, W0)
        for start, stop in _pieces(rates, t):
            generator = _flow_matrix(M, mp_rate(rates.eta1, start), mp_rate(rates.eta2, start), decay)
            Z = Z * mpmath.expm((stop - start) * generator)
        return Z
