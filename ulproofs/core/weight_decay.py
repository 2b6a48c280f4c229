r"""Theorem 4's closed form in float64, and the weight-decay trajectories of Corollary 5 and Figs. 4--8.

Under weight decay :math:`(\lambda_1,\lambda_2)` and proportional rates :math:`\eta_1=s\eta_2`, each
component :math:`k` of :class:`~ulproofs.core.decomposition.Decomposition` evolves by
:math:`(a_k,b_k)^\top=e^{\zeta_2G_k}(1,1)^\top` with
:math:`G_k=\bigl(\begin{smallmatrix}-s\lambda_1&s\sigma_k\\ \sigma_k&-\lambda_2\end{smallmatrix}\bigr)`
(Theorem 4, proved in :mod:`ulproofs.claims.theorem_4`); gradient descent multiplies by
:math:`\prod_j(I+\eta_{2,j}G_k)` exactly. :class:`WeightDecayDynamics` evaluates both;
:func:`closed_form_trajectories` turns them into the scalars that Figs. 4--8 plot, and
:func:`simulate_batch` runs real gradient descent beside them, several runs as one batched update
(used by Corollary 5's evidence and by :mod:`ulproofs.reports.figures`). With
:math:`\lambda_1=\lambda_2=\lambda` the exponents of :math:`G` are Eq. 74's :math:`\omega_{1,2}`
(:func:`exponents`; derived in :mod:`ulproofs.claims.corollary_5`).

>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((2, 6)), rng.standard_normal((2, 3)), rng.standard_normal(3)
>>> dynamics = WeightDecayDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.1), s=2.0), (0.05, 0.02))
>>> dynamics.coefficients(0.0)[0].tolist()                  # exp(0) (1, 1) on every component
[1.0, 1.0]
>>> round(threshold_value(problem), 6)                     # lambda* = (1 + gamma)/(C sqrt N)
0.282843
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .batch_observables import BatchAccuracy, BatchTargets, observe_batch, run_batch
from .decomposition import LABELS, Decomposition, spectrum_at
from .descent import default_device
from .errors import AssumptionError
from .precision import float_tolerance
from .rates import Constant, RatePair
from .setting import LayerPeeledProblem
from .validation import combine_state, time_point
from .validation import weight_decay_pair as check_decay


def multipliers(sigma, decay1, decay2, zeta1, zeta2):
    r"""exp(S)(1, 1) in float64, broadcast over all arguments; returns (a, b).

    :math:`e^{S}(1,1)^\top=e^m[\cosh d+\frac{\sinh d}{d}(S-mI)](1,1)^\top` with m = tr S / 2 and
    :math:`d=\sqrt{((S_{11}-S_{22})/2)^2+\sigma^2\zeta_1\zeta_2}\ge0`, evaluated as
    :math:`e^{m\pm d}` (no overflow of cosh when m is very negative) and with expm1 for small d.
    """
    sigma, decay1, decay2, zeta1, zeta2 = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                                               (sigma, decay1, decay2, zeta1, zeta2)))
    top_left, top_right = -decay1 * zeta1, sigma * zeta1
    bottom_left, bottom_right = sigma * zeta2, -decay2 * zeta2
    mean, half = (top_left + bottom_right) / 2, (top_left - bottom_right) / 2
    d = np.sqrt(half * half + top_right * bottom_left)
    upper, lower = np.exp(mean + d), np.exp(mean - d)
    even = (upper + lower) / 2
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):   # each branch is used only where it is exact
        large = (upper - lower) / (2 * d)
        small = lower * np.expm1(2 * d) / (2 * d)
    odd = np.where(d > 1.0, large, np.where(d > 0, small, np.exp(mean)))   # e^m sinh(d)/d
    return even + odd * (half + top_right), even + odd * (-half + bottom_left)


class WeightDecayDynamics:
    """Theorem 4 evaluated numerically for one initialisation and weight decay (lambda1, lambda2).

    ``coefficients(t)`` are the multipliers (a_k, b_k) of (H_k, W_k), shape (..., 5, 2): the
    formula exp(S(sigma_k, lambda1, lambda2, zeta1(t), zeta2(t)))(1, 1); norms and distances follow
    from :class:`~ulproofs.core.decomposition.Decomposition` without forming Z(t). With
    ``require_proportional=False`` the formula is evaluated for any rates (a negative control:
    it is the flow only for proportional rates); the discrete iterates always need them.
    """

    def __init__(self, problem, H0, W0, b0, rates, weight_decay, require_proportional=True):
        problem.check_shapes(H0, W0, b0)
        self.weight_decay = check_decay(weight_decay)
        self.problem, self.rates, self.b0 = problem, rates, np.asarray(b0, dtype=float)
        self.ratio = rates.ratio() if require_proportional else None
        self.parts = Decomposition(problem, H0, W0)

    def generators(self):
        """G_k = [[-s lambda1, s sigma_k], [sigma_k, -lambda2]] per component, shape (5, 2, 2)."""
        s_ratio = self.rates.ratio() if self.ratio is None else self.ratio
        (decay1, decay2), sigma = self.weight_decay, self.parts.eigenvalues
        G = np.empty((sigma.size, 2, 2))
        G[:, 0, 0], G[:, 0, 1], G[:, 1, 0], G[:, 1, 1] = -s_ratio * decay1, s_ratio * sigma, sigma, -decay2
        return G

    def _spectrum(self):
        """Mean m and half-gap d >= 0 of the eigenvalues m +- d of each G_k."""
        G = self.generators()
        mean = (G[:, 0, 0] + G[:, 1, 1]) / 2
        half_gap = np.sqrt(((G[:, 0, 0] - G[:, 1, 1]) / 2) ** 2 + G[:, 0, 1] * G[:, 1, 0])
        return G, mean, half_gap

    def coefficients(self, t):
        """exp(S(sigma_k, lambda1, lambda2, zeta1(t), zeta2(t)))(1, 1) at times t, shape (..., 5, 2)."""
        zeta1, zeta2 = (np.asarray(z, dtype=float)[..., None] for z in self.rates.zetas(t))
        a, b = multipliers(self.parts.eigenvalues, *self.weight_decay, zeta1, zeta2)
        return np.stack([a, b], axis=-1)

    def coefficients_over_decays(self, t, weight_decays):
        """The multipliers for many (lambda1, lambda2) at once: ``weight_decays`` of shape (L, 2),
        times t of shape (T,), result of shape (L, T, 5, 2)."""
        decays = np.asarray(weight_decays, dtype=float).reshape(-1, 2)
        for pair in decays:
            check_decay(pair)
        zeta1, zeta2 = (np.asarray(z, dtype=float).reshape(1, -1, 1) for z in self.rates.zetas(t))
        a, b = multipliers(self.parts.eigenvalues, decays[:, 0, None, None], decays[:, 1, None, None], zeta1, zeta2)
        return np.stack([a, b], axis=-1)

    def state(self, t):
        return combine_state(self.parts, self.coefficients(time_point(t)))

    def phi(self, t):
        r""":math:`\phi(t)=e^{-\lambda_2\zeta_2(t)}`."""
        return np.exp(-self.weight_decay[1] * np.asarray(self.rates.eta2.integral(t), dtype=float))

    def psi(self, t):
        r""":math:`\psi(t)=(e^{\lambda_2\zeta_2}-1)/\lambda_2` (:math:`\zeta_2` at :math:`\lambda_2=0`), corrected."""
        zeta2 = np.asarray(self.rates.eta2.integral(t), dtype=float)
        decay2 = self.weight_decay[1]
        return zeta2 if decay2 == 0 else np.expm1(decay2 * zeta2) / decay2

    def bias(self, t):
        r""":math:`b(t)=e^{-\lambda_2\zeta_2}b_0+\kappa\,(1-e^{-\lambda_2\zeta_2})/\lambda_2`
        (:math:`\kappa\zeta_2` at :math:`\lambda_2=0`)."""
        zeta2 = np.asarray(self.rates.eta2.integral(t), dtype=float)[..., None]
        decay2 = self.weight_decay[1]
        kappa = self.problem.bias_drift()
        settled = zeta2 if decay2 == 0 else -np.expm1(-decay2 * zeta2) / decay2
        return np.exp(-decay2 * zeta2) * self.b0 + kappa * settled

    def discrete_coefficients(self, steps):
        """Exact multipliers after k = 0..steps gradient-descent steps: prod_j (I + eta2_j G_k) (1, 1)^T."""
        eta2 = np.asarray(self.rates.eta2(np.arange(steps)), dtype=float)
        G, mean, half_gap = self._spectrum()
        out = np.empty((steps + 1, G.shape[0], 2))
        for k, (generator_k, m, d) in enumerate(zip(G, mean, half_gap)):
            if d == 0.0:                                    # G = m I (sigma = 0 and s lambda1 = lambda2)
                factors = np.concatenate([[1.0], np.cumprod(1 + eta2 * m)])
                out[:, k, :] = factors[:, None]
                continue
            upper, lower = m + d, m - d
            # the spectral projections (G - lower I)/(2d) and (upper I - G)/(2d), written as 1/2 +- (G - m I)/(2d):
            # forming m - d first would lose d when 0 < d << |m|
            tilt = (generator_k - m * np.eye(2)) @ np.ones(2) / (2 * d)
            to_upper, to_lower = 0.5 + tilt, 0.5 - tilt
            grow_upper = np.concatenate([[1.0], np.cumprod(1 + eta2 * upper)])
            grow_lower = np.concatenate([[1.0], np.cumprod(1 + eta2 * lower)])
            out[:, k, :] = grow_upper[:, None] * to_upper + grow_lower[:, None] * to_lower
        return out

    def discrete_state(self, step):
        return self.parts.combine(self.discrete_coefficients(step)[step])

    def discrete_bias(self, step):
        eta2 = np.asarray(self.rates.eta2(np.arange(step)), dtype=float)
        bias, kappa, decay2 = self.b0.copy(), self.problem.bias_drift(), self.weight_decay[1]
        for eta in eta2:
            bias = (1 - eta * decay2) * bias + eta * kappa
        return bias


def threshold_value(problem):
    r""":math:`\lambda^*=(1+\gamma)/(C\sqrt N)`: the weight decay at which :math:`\mathcal E_1^+` neither
    grows nor decays (Corollary 5)."""
    return (1 + problem.gamma) / (problem.C * math.sqrt(problem.N))



def exponents(sigma, decay, ratio):
    r"""Eq. 74's :math:`(\omega_1,\omega_2)=\bigl(-\lambda(s+1)\mp\sqrt{\lambda^2(s-1)^2+4s\sigma^2}\bigr)/2`,
    the eigenvalues of :math:`G=\bigl(\begin{smallmatrix}-s\lambda&s\sigma\\ \sigma&-\lambda\end{smallmatrix}\bigr)`
    (broadcast over the arguments)."""
    sigma, decay, ratio = (np.asarray(x, dtype=float) for x in (sigma, decay, ratio))
    root = np.sqrt(decay ** 2 * (ratio - 1) ** 2 + 4 * ratio * sigma ** 2)
    centre = -decay * (ratio + 1)
    return (centre - root) / 2, (centre + root) / 2


def modes(problem, decay, ratio):
    r"""Per component k (order of :data:`~ulproofs.core.decomposition.LABELS`): the exponents
    :math:`(\omega_1,\omega_2)(\sigma_k)` (shape (5, 2)) and the weights (5, mode, part) of
    :math:`(1,1)^\top` on each eigen-direction, part 0 = H, 1 = W: the spectral projection
    :math:`(G-\omega_1I)(1,1)^\top/(\omega_2-\omega_1)` on mode 2. Where G = mI (σ = 0, s = 1) the
    whole weight sits on mode 2."""
    if not (decay > 0 and ratio > 0):
        raise AssumptionError(f"weight decay lambda > 0 and ratio s > 0 are assumed (got {decay!r}, {ratio!r})")
    sig = np.array([value for _, value, _ in spectrum_at(problem)])
    w = np.stack(exponents(sig, decay, ratio), axis=1)
    weights = np.zeros((sig.size, 2, 2))
    degenerate = np.isclose(w[:, 1] - w[:, 0], 0.0, rtol=0.0, atol=float_tolerance(operations=8) * (1 + decay))
    for k, value in enumerate(sig):
        if degenerate[k]:
            weights[k, 1] = 1.0
            continue
        lower, upper = w[k]
        top = np.array([-ratio * decay - lower + ratio * value, value - decay - lower]) / (upper - lower)
        weights[k, 1], weights[k, 0] = top, 1.0 - top
    return w, weights


def target_coefficients(problem, decay, ratio):
    """Coefficient arrays (5, 2) of the targets: 'P' (Pi_1^+ Z0 = (H1+, W1+)), 'limit' (the limit at
    lambda*: E1+ (1, 1), E1- (c, -c)), 'direction' (pi coefficients at this lambda)."""
    labels = list(LABELS)
    c = (1 - ratio) / (1 + ratio)
    P, limit, direction = np.zeros((5, 2)), np.zeros((5, 2)), np.zeros((5, 2))
    P[labels.index("E1+")] = 1.0
    limit[labels.index("E1+")], limit[labels.index("E1-")] = (1.0, 1.0), (c, -c)
    _, weights = modes(problem, decay, ratio)
    for label in ("E1+", "E1-"):
        direction[labels.index(label)] = weights[labels.index(label), 1]
    return dict(P=P, limit=limit, direction=direction)


def _direction_difference(coefficients, norms_HW, target, target_norms):
    """Coefficients of (H/||H|| - T_H/||T_H||, W/||W|| - T_W/||T_W||): forming the difference before the
    Gram product avoids the cancellation of 2 - 2 cos near the limit."""
    scale = np.stack(norms_HW, axis=-1)[..., None, :]                 # (..., 1, 2)
    return np.asarray(coefficients, dtype=float) / scale - target / np.asarray(target_norms)[None, :]


def trajectory_quantities(parts, coefficients, targets):
    r"""Figures 4--8's scalars from coefficient arrays (..., 5, 2), vectorised over the leading axes:
    norms (and logs), :math:`\|H\|-\|W\|`, distances to the fixed targets (``P``: :math:`\Pi_1^+Z_0`,
    ``limit``: the limit at :math:`\lambda^*`) and direction distances of H, W and Z to the
    ``direction`` target (Eq. 15)."""
    coefficients = np.asarray(coefficients, dtype=float)
    norm_H, norm_W = parts.norms_HW(coefficients)
    norm_Z = parts.norm(coefficients)
    out = dict(norm_H=norm_H, norm_W=norm_W, norm_Z=norm_Z, log_norm_H=np.log(norm_H), log_norm_W=np.log(norm_W),
               norm_H_minus_norm_W=norm_H - norm_W)
    for name in ("P", "limit"):
        out[f"distance_H_{name}"], out[f"distance_W_{name}"] = parts.norms_HW(coefficients - targets[name])
    target = targets["direction"]
    difference = _direction_difference(coefficients, (norm_H, norm_W), target, parts.norms_HW(target))
    out["direction_H"], out["direction_W"] = parts.norms_HW(difference)
    out["direction_Z"] = parts.norm(coefficients / norm_Z[..., None, None] - target / parts.norm(target))
    return out


def closed_form_trajectories(problem, H0, W0, b0, rates, decay, times=None, steps=None):
    r"""The closed-form curves of Figures 4--8 without iterating: Theorem 4's multipliers
    (:meth:`WeightDecayDynamics.coefficients` at ``times`` for the flow, or
    :meth:`~WeightDecayDynamics.discrete_coefficients` at the integer ``steps`` for gradient
    descent) combined through :class:`~ulproofs.core.decomposition.Decomposition`'s Gram matrices.

    Returns the dict of :func:`trajectory_quantities` plus the ``targets`` and ``coefficients``.
    """
    if (times is None) == (steps is None):
        raise AssumptionError("give exactly one of times (flow) or steps (gradient descent)")
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, rates, weight_decay=(decay, decay))
    if times is not None:
        coefficients = dynamics.coefficients(np.asarray(times, dtype=float))
    else:
        steps = np.asarray(steps, dtype=int)
        if steps.min() < 0:
            raise AssumptionError("steps must be >= 0")
        coefficients = dynamics.discrete_coefficients(int(steps.max()))[steps]
    targets = target_coefficients(problem, decay, dynamics.ratio)
    out = trajectory_quantities(dynamics.parts, coefficients, targets)
    out["targets"] = targets
    out["coefficients"] = coefficients
    return out



#: The quantities observed on the iterates and evaluated in closed form.
QUANTITIES = ("norm_H", "norm_W", "norm_Z", "distance_H_P", "distance_W_P", "distance_H_limit", "distance_W_limit",
              "direction_H", "direction_W", "direction_Z")


@dataclass
class Run:
    """Real gradient-descent observations and the exact discrete closed form at the recorded steps."""

    problem: LayerPeeledProblem
    eta: float                 # eta2; eta1 = ratio * eta
    ratio: float
    decay: float
    steps: np.ndarray
    measured: dict             # quantity -> array over recorded steps (from the iterates)
    model: dict                # quantity -> array (closed form, Theorem 4's discrete multipliers)
    bound: np.ndarray          # a-priori rounding bound on ||Z_gd - Z_exact|| at each recorded step
    parts: Decomposition
    target_norms: dict = field(default_factory=dict)   # quantity -> norm of the target part it measures to
    seconds: float = 0.0

    def error_bound(self, quantity):
        """Bound on |measured - model| for a quantity: the state error (:func:`rounding_bound`) plus
        the rounding of forming the scalar from p x C(N+1) entries (relative to the state, the target
        and the value); a normalised direction moves by at most twice the error over its part's norm."""
        forming = float_tolerance("float64", operations=self.problem.p * self.problem.C * (self.problem.N + 1))
        if quantity.startswith("direction_"):
            norm = self.model["norm_" + quantity[-1]]
            return 2 * self.bound / norm + 4 * forming
        if quantity == "norm_H_minus_norm_W":
            return 2 * self.bound + forming * (self.model["norm_H"] + self.model["norm_W"])
        part = "norm_Z" if quantity == "norm_Z" else "norm_" + quantity.split("_")[1]
        target = self.target_norms.get(quantity, 0.0)
        return self.bound + forming * (self.model[part] + target + np.abs(self.model[quantity]))


def rounding_bound(problem, dynamics, norm_Z, eta):
    r"""A-priori bound on :math:`\|Z_k^{\mathrm{GD}}-Z_k\|` in float64: step j adds an error of
    :math:`\le8u(C+N)\|Z_j\|`; the linear dynamics amplify it by at most
    :math:`\kappa\rho^{k-j}` (ρ the largest :math:`|1+\eta_2\omega|`, κ the largest condition number
    of the eigenvector bases of :math:`I+\eta_2G_k`), so the error at k is at most
    :math:`8u\,\kappa\,(k(C+N)+pC(N+1))\max_{j\le k}\|Z_j\|\rho^{k-j}` (the last term: forming the
    observed scalars)."""
    G = dynamics.generators()
    factors = [1 + eta * np.linalg.eigvals(g) for g in G]
    rho = max(float(np.max(np.abs(f))) for f in factors)
    kappa = 1.0
    for g in G:
        if abs(g[0, 1]) + abs(g[1, 0]) > 0:
            _, vectors = np.linalg.eig(g)
            kappa = max(kappa, float(np.linalg.cond(vectors)))
    k = np.arange(norm_Z.size, dtype=float)
    log_scale = k * math.log(rho) + np.maximum.accumulate(np.log(norm_Z) - k * math.log(rho))
    operations = k * (problem.C + problem.N) + problem.p * problem.C * (problem.N + 1)
    return float_tolerance("float64", condition=kappa) * operations * np.exp(log_scale)


def simulate(problem, H0, W0, b0, eta, steps, every, decay, ratio=1.0, device=None, accuracy=False):
    r"""Gradient descent with :math:`\eta_2=\eta`, :math:`\eta_1=s\eta`, weight decay
    :math:`(\lambda,\lambda)` (class-mean update, float64), observing :data:`QUANTITIES` every
    ``every`` steps, beside the exact discrete closed form (:func:`closed_form_trajectories`): one
    run of :func:`simulate_batch`."""
    dynamics = WeightDecayDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(eta), s=ratio),
                                   weight_decay=(decay, decay))
    return simulate_batch([dynamics], steps, every, accuracy=[accuracy], device=device)[0]


def simulate_batch(runs, steps, every, accuracy=None, device=None, desc="gradient descent", progress=False):
    r"""Gradient descent of several runs of one size at once (``runs``: :class:`WeightDecayDynamics` with
    constant proportional rates and :math:`\lambda_1=\lambda_2`), as one batched class-mean update
    (:func:`~ulproofs.core.descent.batched_descent`), observing :data:`QUANTITIES` every ``every`` steps
    (and the accuracy of the runs flagged in ``accuracy``); each becomes a :class:`Run` beside the exact
    discrete closed form and its a-priori rounding bound. ``progress``: show a bar labelled ``desc``."""
    if steps < 2 * every:
        raise AssumptionError("need at least two recorded steps after the start (steps >= 2 * every)")
    accuracy = [False] * len(runs) if accuracy is None else list(accuracy)
    for dynamics in runs:
        decay1, decay2 = dynamics.weight_decay
        if decay1 != decay2:
            raise AssumptionError(f"simulate_batch needs lambda1 = lambda2 (got {decay1!r}, {decay2!r})")
    device = default_device(device)
    targets = [target_coefficients(d.problem, d.weight_decay[0], d.ratio) for d in runs]
    classes = torch.as_tensor(runs[0].problem.class_of_column(), device=device)
    observe_accuracy = BatchAccuracy(classes, [i for i, flag in enumerate(accuracy) if flag])
    fixed = {}

    def observe(state):
        if not fixed:
            fixed.update({name: BatchTargets(state, [d.parts for d in runs], [t[name] for t in targets])
                          for name in ("P", "limit", "direction")})
        return observe_batch(state, {name: fixed[name] for name in ("P", "limit")}, direction=fixed["direction"],
                             accuracy=observe_accuracy)

    observed = run_batch([d.problem for d in runs], [(d.parts.H0, d.parts.W0, d.b0) for d in runs],
                         [d.rates for d in runs], [d.weight_decay for d in runs], steps, every, observe, device,
                         desc, progress)
    return [_run(*run) for run in zip(runs, targets, observed, accuracy)]


def _run(dynamics, targets, observed, accuracy):
    """A :class:`Run` from one run's targets and observations (``observed``: steps, measured, seconds)."""
    problem, parts, decay, ratio = dynamics.problem, dynamics.parts, dynamics.weight_decay[0], dynamics.ratio
    eta = float(dynamics.rates.eta2.rate)
    record_steps = observed["steps"]
    coefficients = dynamics.discrete_coefficients(int(record_steps[-1]))
    model = trajectory_quantities(parts, coefficients[record_steps], targets)
    bound = rounding_bound(problem, dynamics, parts.norm(coefficients), eta)[record_steps]
    measured = {key: value for key, value in observed["measured"].items() if accuracy or key != "accuracy"}
    measured["norm_H_minus_norm_W"] = measured["norm_H"] - measured["norm_W"]
    target_norms = {}
    for name in ("P", "limit"):
        tH, tW = parts.norms_HW(targets[name])
        target_norms[f"distance_H_{name}"], target_norms[f"distance_W_{name}"] = float(tH), float(tW)
    return Run(problem, eta, float(ratio), float(decay), record_steps, measured, model, bound, parts, target_norms,
               observed["seconds"])


def agreement(run, quantities=QUANTITIES):
    """max over recorded steps of |measured - model| / bound per quantity (<= 1: GD = closed form)."""
    ratios = {q: float(np.max(np.abs(run.measured[q] - run.model[q]) / run.error_bound(q))) for q in quantities}
    return dict(worst=max(ratios.values()), per_quantity=ratios, passed=max(ratios.values()) <= 1.0)


def predicted_slopes(run):
    r"""Per-step exponents of gradient descent, from the derived modes: for each part (H, W) the
    largest :math:`\log|1+\eta_2\omega|` over the eigen-directions present (norm), over those
    besides :math:`\mathcal E_1^\pm`'s growing one (distance to the limit), and their difference
    (direction, Eq. 15); the flow's :math:`\eta_2\omega` beside each."""
    w, weights = modes(run.problem, run.decay, run.ratio)
    labels = list(run.parts.labels)
    component = np.stack([np.sqrt(np.maximum(np.diag(run.parts.gram_H), 0)),
                          np.sqrt(np.maximum(np.diag(run.parts.gram_W), 0))], axis=1)      # (5, part)
    scale = component.max()
    out = {}
    for part, name in ((0, "H"), (1, "W")):
        entries, rest = [], []
        for k, label in enumerate(labels):
            for mode in (0, 1):
                if abs(weights[k, mode, part]) * component[k, part] <= float_tolerance(operations=64) * scale:
                    continue
                entries.append(w[k, mode])
                if not (label in ("E1+", "E1-") and mode == 1):
                    rest.append(w[k, mode])
        gd = lambda values: float(np.log(np.max(np.abs(1 + run.eta * np.array(values)))))   # noqa: E731
        flow = lambda values: float(run.eta * np.max(values))                                # noqa: E731
        out[name] = dict(norm=gd(entries), norm_flow=flow(entries), residual=gd(rest), residual_flow=flow(rest),
                         direction=gd(rest) - gd(entries), direction_flow=flow(rest) - flow(entries))
    out["Z"] = {key: max(out["H"][key], out["W"][key]) for key in ("norm", "norm_flow")}
    out["Z"].update({key: max(out["H"][key], out["W"][key]) for key in ("residual", "residual_flow")})
    out["Z"]["direction"] = out["Z"]["residual"] - out["Z"]["norm"]
    out["Z"]["direction_flow"] = out["Z"]["residual_flow"] - out["Z"]["norm_flow"]
    return out

