r"""The prototype-anchored case (W fixed, Theorem 6): independent ground truth and accuracy helpers.

The flow :math:`H'=\eta(t)(WM-\lambda H)` (Eq. 16) is solved here without Eq. 17: by the dense
matrix exponential of the :math:`(CN+C)^2` generator :math:`G=\bigl(\begin{smallmatrix}-\lambda I&0\\
M&0\end{smallmatrix}\bigr)` on :math:`Z=(H,W)` (constant rate), or by mpmath's Taylor ODE solver (any
rate), with M written entry by entry (:func:`ulproofs.core.groundtruth.dense_M`); and by real gradient
descent with W frozen (:func:`run_descent`). The accuracy helpers score
:math:`\arg\max_jw_j^\top h` against the class of each column (class-major layout).

>>> import numpy as np
>>> W = np.array([[1.0, -1.0]])
>>> accuracy(W, np.array([[2.0, 1.0, -1.0, 0.0]]), 2)     # the last column ties: not correct
0.75
>>> full_accuracy_zeta(5.0, 0.1, 0.0), round(full_accuracy_zeta(5.0, 0.1, 1.0), 6)
(50.0, 3.931826)
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

from . import groundtruth
from .descent import gradient_descent
from .errors import AssumptionError
from .etf import simplex_etf
from .precision import float_tolerance, relative_error, taylor_odefun
from .rates import Constant, CosineAnnealing, RatePair, Step
from .setting import LayerPeeledProblem
from .validation import schedule, time_point


def margins(W, H, N):
    r"""(C, CN) array :math:`(w_c-w_j)^\top h_{i,c}` (own class c of each column; zero at j = c)."""
    logits = np.asarray(W).T @ np.asarray(H)
    own = logits[np.repeat(np.arange(W.shape[1]), N), np.arange(logits.shape[1])]
    return own[None, :] - logits


def min_margin(W, H, N):
    """The worst margin over all columns and rival classes; > 0 iff every feature is classified correctly."""
    m = margins(W, H, N)
    C = m.shape[0]
    mask = np.ones_like(m, dtype=bool)
    mask[np.repeat(np.arange(C), N), np.arange(m.shape[1])] = False
    return float(m[mask].min())


def accuracy(W, H, N):
    r"""Training accuracy of :math:`\arg\max_jw_j^\top h`: a column counts when its own logit beats every
    other strictly (a tie is not a correct prediction)."""
    m = margins(W, H, N)
    C = m.shape[0]
    own = np.repeat(np.arange(C), N)
    rivals = np.where(np.arange(C)[:, None] == own[None, :], np.inf, m)
    return float(np.mean(rivals.min(axis=0) > 0))


def etf_drive_margin(problem, scale=1.0):
    r""":math:`\alpha=\frac{s^2(1+\gamma)}{(C-1)N}`: the margin of :math:`WM` for a simplex ETF of norm s."""
    return scale ** 2 * (1 + problem.gamma) / ((problem.C - 1) * problem.N)


def full_accuracy_zeta(deficit, alpha, decay):
    r""":math:`\zeta^*=\frac1\lambda\log(1+\lambda D/\alpha)` (:math:`D/\alpha` at :math:`\lambda=0`; 0 if D <= 0)."""
    if deficit <= 0:
        return 0.0
    return deficit / alpha if decay == 0 else math.log1p(decay * deficit / alpha) / decay


def mp_drive(problem, W, trade_off):
    """W M with M written entry by entry (groundtruth.dense_M)."""
    return groundtruth.mp_matrix(W) * groundtruth.dense_M(problem, trade_off)


def expm_solution(problem, H0, W, rate, decay, t, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    r"""Constant rate: :math:`Z(t)=Z_0\exp(\eta tG)` with the dense :math:`(CN+C)^2` generator
    :math:`G=[[-\lambda I,0],[M,0]]`; returns H(t) (mpmath, p x CN)."""
    if dps < groundtruth.MIN_DPS:
        raise AssumptionError(f"ground truth is computed at >= {groundtruth.MIN_DPS} significant digits (got {dps})")
    with mpmath.workdps(dps):
        M = groundtruth.dense_M(problem, trade_off)
        CN, C_ = problem.examples, problem.C
        G = mpmath.matrix(CN + C_, CN + C_)
        for j in range(CN):
            G[j, j] = -groundtruth.to_mp(decay)
            for c in range(C_):
                G[CN + c, j] = M[c, j]
        Z0 = groundtruth.mp_matrix(np.hstack([np.asarray(H0, dtype=float), np.asarray(W, dtype=float)]))
        Z = Z0 * mpmath.expm(groundtruth.to_mp(rate) * groundtruth.to_mp(t) * G)
        return Z[:, :CN]


def _rate_form(schedule, start):
    r"""(a, b, omega) with :math:`\eta=a+b\cos(\omega t)` on the analytic piece that starts at ``start``."""
    if isinstance(schedule, CosineAnnealing) and start < schedule.period:
        low, high = groundtruth.to_mp(schedule.rate_min), groundtruth.to_mp(schedule.rate_max)
        return (high + low) / 2, (high - low) / 2, mpmath.pi / groundtruth.to_mp(schedule.period)
    if not isinstance(schedule, (Constant, Step, CosineAnnealing)):
        raise AssumptionError(f"no mpmath evaluation for schedule {schedule!r}")
    return groundtruth.mp_rate(schedule, start), mpmath.mpf(0), mpmath.mpf(0)


def ode_solution(problem, H0, W, schedule, decay, t, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    r"""Integrate Eq. 16 with mpmath's Taylor ODE solver, piece by piece between the schedule's breakpoints.

    Each piece is rescaled to :math:`\tau\in[0,1]`; a cosine rate is carried as two extra unknowns
    (:math:`\cos\omega t`, :math:`\sin\omega t`, a harmonic oscillator), so the integrand is polynomial.
    Keep p, C, N small. Returns H(t) (mpmath, p x CN).
    """
    if dps < groundtruth.MIN_DPS:
        raise AssumptionError(f"ground truth is computed at >= {groundtruth.MIN_DPS} significant digits (got {dps})")
    if not t >= 0:
        raise AssumptionError(f"the flow runs forward from t = 0 (got t={t!r})")
    with mpmath.workdps(dps):
        drive = mp_drive(problem, W, trade_off)
        lam = groundtruth.to_mp(decay)
        rows, cols = drive.rows, drive.cols
        values = [groundtruth.to_mp(x) for x in np.asarray(H0, dtype=float).ravel()]
        targets = [drive[k // cols, k % cols] for k in range(rows * cols)]
        end = groundtruth.to_mp(t)
        cuts = sorted({groundtruth.to_mp(b) for b in schedule.breakpoints() if 0 < b < end})
        start = mpmath.mpf(0)
        for stop in [*cuts, end]:
            if stop > start:
                values = _integrate_piece(schedule, lam, targets, values, start, stop)
            start = stop
        return mpmath.matrix([[values[i * cols + j] for j in range(cols)] for i in range(rows)])


def _integrate_piece(schedule, lam, targets, values, start, stop):
    length = stop - start
    a, b, omega = _rate_form(schedule, start)
    size = len(values)

    def derivative(tau, state):
        rate = length * (a + b * state[size]) if b != 0 else length * a
        out = [rate * (target - lam * h) for target, h in zip(targets, state[:size])]
        if b != 0:
            out.extend((-omega * length * state[size + 1], omega * length * state[size]))
        return out

    initial = list(values) + ([mpmath.cos(omega * start), mpmath.sin(omega * start)] if b != 0 else [])
    return list(taylor_odefun(derivative, 0, initial)(1))[:size]


def draw_prototypes(problem, rng, etf=False):
    """A simplex ETF (unit prototypes) or a Gaussian W, from ``rng``."""
    return simplex_etf(problem.p, problem.C, seed=rng) if etf else rng.standard_normal((problem.p, problem.C))


def run_descent(problem, H0, W, schedule, decay, steps, record_steps=None, method="class-mean", device=None):
    """Real gradient descent on Eq. 16 (W and b fixed, weight decay lambda on H only)."""
    return gradient_descent(problem, H0, W, np.zeros(problem.C), RatePair(schedule, schedule), steps,
                            record_steps=record_steps, method=method, device=device, weight_decay=(decay, 0.0),
                            train_prototypes=False)


def _check_decay(decay):
    value = float(decay)
    if not (math.isfinite(value) and value >= 0):
        raise AssumptionError(f"the feature weight decay lambda must be finite and >= 0 (got {decay!r})")
    return value


class AnchoredDynamics:
    """Theorem 6 evaluated numerically (NumPy float64): W fixed, one schedule eta, decay lambda >= 0.

    ``formula`` (optional) replaces Eq. 17's multipliers by ``formula(decay, zeta, np.exp)`` (mutants).
    """

    def __init__(self, problem, H0, W, eta, decay, formula=None):
        problem.check_shapes(H=H0, W=W)
        self.problem, self.eta, self.decay = problem, schedule("eta", eta), _check_decay(decay)
        self.H0, self.W = np.asarray(H0, dtype=float), np.asarray(W, dtype=float)
        self.drive = problem.apply_M(self.W)            # W M
        self.formula = formula

    def multipliers(self, t):
        """(a(t), d(t)) with H(t) = a H0 + d W M (Eq. 17; d = zeta at lambda = 0)."""
        z = np.asarray(self.eta.integral(t), dtype=float)
        if self.formula is not None:
            return self.formula(self.decay, z, np.exp)
        if self.decay == 0:
            return np.ones_like(z), z
        return np.exp(-self.decay * z), -np.expm1(-self.decay * z) / self.decay

    def state(self, t):
        a, d = self.multipliers(time_point(t))
        return float(a) * self.H0 + float(d) * self.drive

    def limit(self):
        r""":math:`WM/\lambda`; for :math:`\lambda=0` there is none (H grows like :math:`\zeta WM`)."""
        if self.decay == 0:
            raise AssumptionError("H(t) converges only under weight decay lambda > 0 (for lambda = 0, "
                                  "H(t) = H(0) + zeta(t) W M)")
        return self.drive / self.decay

    def discrete_multipliers(self, steps):
        """(c_k, d_k), k = 0..steps, of the exact gradient-descent iterates H_k = c_k H0 + d_k W M."""
        etas = np.asarray(self.eta(np.arange(steps)), dtype=float)
        if self.decay == 0:
            return np.ones(steps + 1), np.concatenate([[0.0], np.cumsum(etas)])
        factors = 1.0 - etas * self.decay
        c = np.concatenate([[1.0], np.cumprod(factors)])
        if np.all(factors > 0):    # 1 - c_k without cancellation
            d = -np.expm1(np.concatenate([[0.0], np.cumsum(np.log1p(-etas * self.decay))])) / self.decay
        else:
            d = (1.0 - c) / self.decay
        return c, d

    def discrete_state(self, step):
        c, d = self.discrete_multipliers(step)
        return c[step] * self.H0 + d[step] * self.drive

    def condition(self, a, d):
        r"""Cancellation factor :math:`(|a|\|H_0\|+|d|\|WM\|)/\|aH_0+dWM\|` of the combination."""
        result = float(a) * self.H0 + float(d) * self.drive
        return float((abs(a) * np.linalg.norm(self.H0) + abs(d) * np.linalg.norm(self.drive))
                     / np.linalg.norm(result))


def closed_form_operations(problem):
    """Roundings in one evaluation of Eq. 17: W M sums C terms, then exp/expm1 and a two-term combination."""
    return problem.C + 10


def closed_form_tolerance(dynamics, t, extra_operations=0):
    r"""float64 tolerance of Eq. 17 at time t: the argument :math:`\lambda\zeta` of exp carries a
    relative rounding amplified by :math:`1+\lambda\zeta`, the combination by :func:`AnchoredDynamics.condition`."""
    a, d = dynamics.multipliers(t)
    argument = dynamics.decay * float(dynamics.eta.integral(t))
    return float_tolerance("float64", closed_form_operations(dynamics.problem) + extra_operations,
                           (1.0 + argument) * dynamics.condition(a, d))


def descent_tolerance(dynamics, step):
    """GD iterates vs the exact discrete closed form after ``step`` steps: each step rounds W M (C terms)
    and a three-term update; the closed form's product and sum add ``step`` roundings."""
    c, d = dynamics.discrete_multipliers(step)
    operations = step * (dynamics.problem.C + 6) + closed_form_operations(dynamics.problem)
    return float_tolerance("float64", operations, dynamics.condition(c[step], d[step]))


def full_accuracy_step(dynamics, steps, alpha):
    r"""First k <= steps with every margin :math:`c_k m_0+d_k\alpha>0` (ETF W), from the discrete
    closed form; None if not reached."""
    c, d = dynamics.discrete_multipliers(steps)
    m0 = margins(dynamics.W, dynamics.H0, dynamics.problem.N)
    C = m0.shape[0]
    mask = np.ones_like(m0, dtype=bool)
    mask[np.repeat(np.arange(C), dynamics.problem.N), np.arange(m0.shape[1])] = False
    low, high = m0[mask].min(), m0[mask].max()
    worst = np.minimum(c * low, c * high) + d * alpha
    reached = np.flatnonzero(worst > 0)
    return int(reached[0]) if reached.size else None


def descent_comparison(dynamics, runs):
    """GD iterates of every run against the exact discrete closed form of ``dynamics``; W must stay fixed."""
    errors, tolerances, unchanged = [], [], True
    for run in runs:
        for k, H in zip(run.steps, run.H):
            errors.append(relative_error(H, dynamics.discrete_state(k)))
            tolerances.append(descent_tolerance(dynamics, k))
        unchanged = unchanged and all(np.array_equal(w, dynamics.W) for w in run.W)
    passed = unchanged and all(x <= tol for x, tol in zip(errors, tolerances))
    return bool(passed), {"steps": [int(k) for k in runs[0].steps], "max relative error": max(errors),
                          "max error / tolerance": max(x / tol for x, tol in zip(errors, tolerances)),
                          "W unchanged": unchanged}


def flipped_product_error(dynamics, run):
    """(error, tolerance) of the mutant c_k = prod (1 + eta_j lambda) against the last iterate of a GD run."""
    steps = int(run.steps[-1])
    c_wrong = np.prod(1 + np.asarray(dynamics.eta(np.arange(steps)), dtype=float) * dynamics.decay)
    wrong = c_wrong * dynamics.H0 + (1 - c_wrong) / dynamics.decay * dynamics.drive
    return relative_error(run.H[-1], wrong), descent_tolerance(dynamics, steps)


def etf_accuracy_run(problem, H0, W, schedule, decay, device=None):
    """GD from H0 with an ETF W: accuracy before, at and after the step the discrete closed form predicts.

    Returns (passed, measured): passed when 100% is first reached exactly at the predicted step and held.
    """
    N_ = problem.N
    dynamics = AnchoredDynamics(problem, H0, W, schedule, decay)
    alpha, deficit = etf_drive_margin(problem), -min_margin(W, H0, N_)
    flow_zeta = full_accuracy_zeta(deficit, alpha, decay)
    horizon = 4 * int(flow_zeta / float(schedule(0)) + 10)
    predicted = full_accuracy_step(dynamics, horizon, alpha)
    record = sorted({0, max(predicted - 1, 0), predicted, horizon}) if predicted is not None else [0, horizon]
    run = run_descent(problem, H0, W, schedule, decay, horizon, record, device=device)
    measured = {k: accuracy(W, H, N_) for k, H in zip(run.steps, run.H)}
    passed = (predicted is not None and measured[predicted] == 1.0 and measured[horizon] == 1.0
              and (predicted == 0 or measured[predicted - 1] < 1.0))
    return bool(passed), {"worst initial deficit D": deficit, "alpha": alpha, "predicted step": predicted,
                          "accuracy at recorded steps": measured, "flow zeta*": flow_zeta,
                          "GD zeta at the predicted step": float(np.sum(schedule(np.arange(predicted or 0))))}


def two_prototype_run(rng, device=None, decay=0.1, steps=600):
    """GD with C = 2, w1 = 2 w2 (p = 3, N = 4, gamma = 0.1, eta = 0.5): the final training accuracy."""
    problem = LayerPeeledProblem(p=3, C=2, N=4, gamma=0.1)
    w2 = rng.standard_normal(3)
    W = np.stack([2 * w2, w2], axis=1)
    run = run_descent(problem, rng.standard_normal((3, 8)), W, Constant(0.5), decay, steps, device=device)
    return accuracy(W, run.H[-1], problem.N)


def random_prototype_accuracies(rng, sizes, gamma_value=0.1, draws=200):
    """Limit accuracy of W M (the same for every lambda > 0) for Gaussian W at each (p, C), N = 1:
    the fraction of draws below 100% and the worst accuracy."""
    result = {}
    for p_, C_ in sizes:
        problem = LayerPeeledProblem(p=p_, C=C_, N=1, gamma=gamma_value)
        values = np.array([accuracy(W, problem.apply_M(W), 1)
                           for W in (rng.standard_normal((p_, C_)) for _ in range(draws))])
        result[f"p={p_}, C={C_}"] = {"fraction below 100%": float(np.mean(values < 1)), "worst": float(values.min())}
    return result


def bounded_zeta_run(problem, H0, W, decay=0.3, device=None):
    """Cosine annealing 0.5 -> 0 over 40 steps (zeta(oo) = 10): GD stops short of WM/lambda for good."""
    schedule = CosineAnnealing(0.5, 40.0, 0.0)
    dynamics = AnchoredDynamics(problem, H0, W, schedule, decay)
    run = run_descent(problem, H0, W, schedule, decay, 400, [40, 400], device=device)
    limit = dynamics.limit()
    distances = [float(np.linalg.norm(H - limit)) for H in run.H]
    predicted = float(np.linalg.norm(dynamics.discrete_state(400) - limit))
    passed = (distances[0] == distances[1] and distances[1] > 0.1 * np.linalg.norm(limit)
              and relative_error(distances[1], predicted) <= descent_tolerance(dynamics, 400))
    return bool(passed), {"distance at step 40 (end of the period)": distances[0], "distance at step 400": distances[1],
                          "discrete closed form": predicted, "||WM/lambda||": float(np.linalg.norm(limit)),
                          "flow: e^{-lambda zeta(oo)} ||H0 - WM/lambda||":
                              float(np.linalg.norm(dynamics.state(1e6) - limit))}
