r"""Gradient-descent iterates of the spherical constrained case (Sec. 3.4, Eqs. 18--19, 82, 92) and the
rescaled learning rate (Sec. 4.3).

With fixed prototypes :math:`W=[w_1,\dots,w_C]` (:math:`W\mathbf 1_C=0`) and normalized features
:math:`\hat h=h/\|h\|`, the objective is :math:`-\frac{1+\gamma}{CN}\sum_{i,c}w_c^\top\hat h_{i,c}`
(Eq. 18) and gradient descent moves every feature on its own (Eq. 19/92):

.. math::

    h_{i,c}(t+1)=h_{i,c}(t)+\frac{(1+\gamma)\eta(t)}{CN\,\|h_{i,c}(t)\|}
    \bigl(I_p-\hat h_{i,c}(t)\hat h_{i,c}(t)^\top\bigr)w_c .

This is Lemma 10's iteration :math:`h(t+1)=h(t)+\frac{\eta(t)}{\|h(t)\|}(I_p-\hat h\hat h^\top)w`
(Eq. 82) with the *effective rate* :math:`\eta_{\rm eff}=\frac{1+\gamma}{CN}\eta(t)`. The rescaled
learning rate (RLR, Sec. 4.3) multiplies :math:`\eta(t)` by :math:`\|h_{i,c}(t)\|` per example, a
constant for the gradient (stop-gradient), so :math:`\eta_{\rm eff}=\frac{1+\gamma}{CN}\eta(t)
\|h_{i,c}(t)\|` and the step no longer shrinks as the feature grows.

Lemma 10's quantities of a column h with target t (:math:`w_c`, or w) are
:math:`\alpha=\eta_{\rm eff}\|t\|/\|h\|^2`, the cosine :math:`\beta=t^\top h/(\|t\|\|h\|)` and
:math:`\xi_t=\eta(t+1)/\eta(t)`.

Three implementations of the same iterates:

* :func:`descend`: columns in parallel, NumPy float64 or torch (``backend="torch"``, CUDA when present),
  recording norms, cosines, :math:`\alpha`, the direction gaps :math:`\|\hat h-t/\|t\|\|` and the
  paper's error :math:`\|\hat H-T\|_F` (T = :math:`W(I_C\otimes\mathbf 1_N^\top)` in Theorem 7);
* :func:`mp_feature_iterates`: one feature in mpmath at the working precision (ground truth);
* :func:`planar_descent`: the exact two-dimensional reduction. Each step adds a multiple of
  :math:`(I-\hat h\hat h^\top)t`, which lies in :math:`\operatorname{span}\{h,t\}`, so with
  :math:`x=h^\top t/\|t\|` and :math:`y=\|h-x\,t/\|t\|\|\ge0` the p-dimensional iterates are, exactly,
  :math:`x'=x+\eta_{\rm eff}\|t\|y^2/\|h\|^3`, :math:`y'=y(1-\alpha\beta)`. It costs O(1) per column
  and keeps the relative precision of y (no cancellation), which the long runs need.

>>> W = np.array([[1.0, -1.0], [0.0, 0.0]])                # two unit prototypes, W 1 = 0
>>> problem = SphericalProblem(W, N=1, gamma=0.0)
>>> H0 = np.array([[0.0, 1.0], [1.0, 1.0]])
>>> trace = problem.descend(H0, lambda t: 2.0, steps=200)
>>> bool(np.all(np.diff(trace.norms, axis=0) >= 0)), bool(np.all(np.diff(trace.cosines, axis=0) >= 0))
(True, True)
>>> round(float(trace.errors[-1]), 12)
0.0
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from .errors import AssumptionError
from .precision import float_tolerance
from .setting import LayerPeeledProblem


# ------------------------------------------------------------------------------------------------
# Rates
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlooredDecay:
    r""":math:`\eta(t)=\varepsilon+(\eta_0-\varepsilon)(1+t/\tau)^{-k}`: non-increasing, bounded below by
    :math:`\varepsilon` (``floor``; 0 gives a decay to zero, summable when k > 1)."""

    initial: float
    floor: float
    timescale: float = 10.0
    power: float = 1.0

    def __post_init__(self):
        if not (self.initial > 0 and 0 <= self.floor <= self.initial and self.timescale > 0 and self.power > 0):
            raise AssumptionError("FlooredDecay needs initial > 0, 0 <= floor <= initial, timescale > 0, power > 0")

    def __call__(self, t):
        return self.floor + (self.initial - self.floor) * (1.0 + t / self.timescale) ** (-self.power)


@dataclass(frozen=True)
class Power:
    r""":math:`\eta(t)=\eta_0(1+t)^k`: grows for k > 0 with :math:`\eta(t+1)/\eta(t)\to1` (used to drop the
    condition that :math:`\eta(t)/\|h(t)\|^2` is non-increasing), summable for k < -1."""

    initial: float
    power: float

    def __call__(self, t):
        return self.initial * (1.0 + t) ** self.power


@dataclass(frozen=True)
class AlphaPreserving:
    r"""The largest rate the conditions allow: :math:`\eta(t+1)=\eta(t)\min_j g_j(t)` with
    :math:`g_j=\|h_j(t+1)\|^2/\|h_j(t)\|^2` (or :math:`\|h_j(t+1)\|/\|h_j(t)\|` with RLR): every
    :math:`\alpha_j(t)` is non-increasing and, at each step, that of the feature whose norm grows least is
    unchanged. It grows (ξ > 1), it is
    adaptive (it reads the iterates) and it satisfies every hypothesis of Lemma 10 / Theorem 7."""

    initial: float
    adaptive = True

    def advance(self, eta, growth):
        return eta * growth


def _first_rate(rate):
    return float(rate.initial) if getattr(rate, "adaptive", False) else float(rate(0))


# ------------------------------------------------------------------------------------------------
# Traces
# ------------------------------------------------------------------------------------------------
@dataclass
class SphericalTrace:
    r"""Recorded quantities; row k belongs to step ``steps[k]``, column j to feature j.

    ``etas[k]`` is the rate :math:`\eta(t)` used for the step t -> t+1 (the last row: the rate the next
    step would use). ``alphas`` are Lemma 10's :math:`\alpha_j(t)`, ``gaps``
    :math:`\|\hat h_j-t_j/\|t_j\|\|=2\sin(\theta_j/2)`, ``errors`` the paper's :math:`\|\hat H-T\|_F`
    (T as given, not normalized). ``final``: the last iterate (planar: the pair (x, y)).
    """

    steps: np.ndarray
    etas: np.ndarray
    norms: np.ndarray
    cosines: np.ndarray
    alphas: np.ndarray
    gaps: np.ndarray
    errors: np.ndarray
    final: object = None
    states: list = field(default_factory=list)

    @property
    def angles(self):
        r""":math:`\theta_j(t)=\arccos\beta_j`, computed stably from the gaps."""
        return 2 * np.arcsin(np.clip(self.gaps / 2, 0.0, 1.0))

    def steps_to(self, error):
        """The first recorded step whose error is at most ``error``, or None."""
        hits = np.nonzero(self.errors <= error)[0]
        return int(self.steps[hits[0]]) if hits.size else None


def _to_numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _column_norms(X):
    return (X * X).sum(0) ** 0.5


def _check_features(H0, T):
    if H0.ndim != 2 or T.ndim != 2 or tuple(H0.shape) != tuple(T.shape):
        raise AssumptionError(f"features and targets must be p x n arrays of one shape (got {tuple(H0.shape)} "
                              f"and {tuple(T.shape)})")
    if float(_column_norms(H0).min()) == 0:
        raise AssumptionError("every feature must be non-zero: h/||h|| is undefined at h = 0")
    if float(_column_norms(T).min()) == 0:
        raise AssumptionError("every target (prototype) must be non-zero")


def descend(H0, T, rate, steps, scale=1.0, rescaled=False, record_every=1, stop_error=None, keep_states=False,
            backend="numpy", device=None):
    r"""Iterate :math:`h_j\leftarrow h_j+\frac{\eta_{{\rm eff},j}}{\|h_j\|}(I-\hat h_j\hat h_j^\top)t_j` for
    every column, :math:`\eta_{{\rm eff},j}=` ``scale`` :math:`\cdot\eta(t)` (times :math:`\|h_j(t)\|`
    when ``rescaled``; ``scale`` is a number or one per column). ``rate`` is a callable
    t -> :math:`\eta(t)` or an adaptive rate (:class:`AlphaPreserving`). Stops early once the error is at
    most ``stop_error``. float64 throughout; ``backend="torch"`` runs on ``device`` (default: CUDA when
    present)."""
    H0 = np.asarray(H0, dtype=float) if backend == "numpy" else H0
    T = np.asarray(T, dtype=float)
    _check_features(np.asarray(_to_numpy(H0), dtype=float), T)
    if backend == "torch":
        import torch

        from .descent import default_device

        dev = default_device(device)
        H = torch.as_tensor(_to_numpy(H0), dtype=torch.float64, device=dev).clone()
        T = torch.as_tensor(T, dtype=torch.float64, device=dev)
        if np.ndim(scale):                                  # one scale per column
            scale = torch.as_tensor(np.asarray(scale, dtype=float), dtype=torch.float64, device=dev)
    elif backend == "numpy":
        H = H0.copy()
    else:
        raise AssumptionError(f"backend must be 'numpy' or 'torch' (got {backend!r})")
    target_norms = _column_norms(T)
    T_hat = T / target_norms
    adaptive = getattr(rate, "adaptive", False)
    eta = _first_rate(rate)
    rows = {k: [] for k in ("steps", "etas", "norms", "cosines", "alphas", "gaps", "errors")}
    states = []
    previous = None
    for t in range(steps + 1):
        n2 = (H * H).sum(0)
        n = n2 ** 0.5
        if previous is not None and adaptive:
            growth = n2 / previous if not rescaled else (n2 / previous) ** 0.5
            eta = rate.advance(eta, float(growth.min()))
        previous = n2
        dots = (H * T).sum(0)
        effective = scale * eta * (n if rescaled else 1.0)
        recording = t % record_every == 0 or t == steps
        if recording or stop_error is not None:     # the error costs two passes over H: only when it is used
            H_hat = H / n
            error = float((((H_hat - T) ** 2).sum()) ** 0.5)
        stopping = stop_error is not None and error <= stop_error
        if recording or stopping:
            rows["steps"].append(t)
            rows["etas"].append(eta)
            rows["norms"].append(_to_numpy(n))
            rows["cosines"].append(_to_numpy(dots / (n * target_norms)))
            rows["alphas"].append(_to_numpy(effective * target_norms / n2) + np.zeros(n2.shape[0]))
            rows["gaps"].append(_to_numpy((((H_hat - T_hat) ** 2).sum(0)) ** 0.5))
            rows["errors"].append(error)
            if keep_states:
                states.append(_to_numpy(H).copy())
        if t == steps or stopping:
            break
        H = H + (effective / n) * (T - H * (dots / n2))
        if not adaptive:
            eta = float(rate(t + 1))
    arrays = {k: np.asarray(v, dtype=float) for k, v in rows.items()}
    arrays["steps"] = arrays["steps"].astype(int)
    return SphericalTrace(**arrays, final=_to_numpy(H), states=states)


def planar_coordinates(H, T):
    r"""(x, y, ||t||): :math:`x=h^\top t/\|t\|`, :math:`y=\|h-x\,t/\|t\|\|` per column."""
    H, T = np.asarray(H, dtype=float), np.asarray(T, dtype=float)
    _check_features(H, T)
    target_norms = _column_norms(T)
    x = (H * T).sum(0) / target_norms
    y = _column_norms(H - x * (T / target_norms))
    return x, y, target_norms


def planar_descent(x0, y0, target_norms, rate, steps, scale=1.0, rescaled=False, record_every=1, stop_error=None):
    r"""The same iterates in the plane of :math:`\{h(0),t\}` (exact reduction, O(1) per column):
    :math:`x'=x+\frac{\eta_{\rm eff}\|t\|}{\|h\|}\frac{y^2}{\|h\|^2}`, :math:`y'=y(1-\alpha\beta)`."""
    x, y = np.array(x0, dtype=float), np.array(y0, dtype=float)
    target_norms = np.asarray(target_norms, dtype=float) * np.ones_like(x)
    if np.any(x * x + y * y == 0):
        raise AssumptionError("every feature must be non-zero: h/||h|| is undefined at h = 0")
    adaptive = getattr(rate, "adaptive", False)
    eta = _first_rate(rate)
    rows = {k: [] for k in ("steps", "etas", "norms", "cosines", "alphas", "gaps", "errors")}
    previous = None
    for t in range(steps + 1):
        n2 = x * x + y * y
        n = np.sqrt(n2)
        if previous is not None and adaptive:
            growth = n2 / previous if not rescaled else np.sqrt(n2 / previous)
            eta = rate.advance(eta, float(growth.min()))
        previous = n2
        effective = scale * eta * (n if rescaled else 1.0)
        alpha = effective * target_norms / n2
        beta = x / n
        recording = t % record_every == 0 or t == steps
        if recording or stop_error is not None:           # the gaps only where they are used
            gaps = 2 * np.sin(np.abs(np.arctan2(y, x)) / 2)          # y < 0 after an overshoot (alpha beta > 1)
            # ||h^ - t||^2 = (1 - ||t||)^2 + ||t|| gap^2, without cancellation
            error = float(np.sqrt(np.sum((1 - target_norms) ** 2 + target_norms * gaps ** 2)))
        stopping = stop_error is not None and error <= stop_error
        if recording or stopping:
            for key, value in (("steps", t), ("etas", eta), ("norms", n), ("cosines", beta), ("alphas", alpha),
                               ("gaps", gaps), ("errors", error)):
                rows[key].append(value)
        if t == steps or stopping:
            break
        x, y = x + alpha * y * y / n, y * (1 - alpha * beta)
        if not adaptive:
            eta = float(rate(t + 1))
    arrays = {k: np.asarray(v, dtype=float) for k, v in rows.items()}
    arrays["steps"] = arrays["steps"].astype(int)
    return SphericalTrace(**arrays, final=(x, y))


# ------------------------------------------------------------------------------------------------
# mpmath: one feature at the working precision
# ------------------------------------------------------------------------------------------------
def _mp_dot(u, v):
    return mpmath.fsum(a * b for a, b in zip(u, v))


def mp_feature_iterates(h0, w, rate, steps, scale=1, rescaled=False):
    r"""Lemma 10's iterates of one feature in mpmath: returns (states, etas) with ``states[t]`` =
    h(t) (lists of mpf) and ``etas[t]`` = :math:`\eta(t)` (mpf; ``rate`` may return mpf). Adaptive rates
    are advanced with the exact growth of the norm."""
    h = [mpmath.mpf(v) for v in h0]
    w = [mpmath.mpf(v) for v in w]
    if len(h) != len(w):
        raise AssumptionError(f"h and w must have one length (got {len(h)} and {len(w)})")
    if _mp_dot(h, h) == 0 or _mp_dot(w, w) == 0:
        raise AssumptionError("h(0) and w must be non-zero")
    adaptive = getattr(rate, "adaptive", False)
    eta = mpmath.mpf(rate.initial) if adaptive else mpmath.mpf(rate(0))
    scale = mpmath.mpf(scale)
    states, etas = [h], []
    for t in range(steps):
        n2 = _mp_dot(h, h)
        n = mpmath.sqrt(n2)
        dot = _mp_dot(h, w)
        effective = scale * eta * (n if rescaled else 1)
        coefficient = effective / n
        h = [a + coefficient * (b - a * dot / n2) for a, b in zip(h, w)]
        etas.append(eta)
        states.append(h)
        if adaptive:
            growth = _mp_dot(h, h) / n2
            eta = rate.advance(eta, mpmath.sqrt(growth) if rescaled else growth)
        else:
            eta = mpmath.mpf(rate(t + 1))
    etas.append(eta)
    return states, etas


def mp_lemma10_quantities(states, w, etas, scale=1, rescaled=False):
    r"""(alphas, betas, xis, norms) of mpmath iterates: :math:`\alpha_t=\eta_{\rm eff}(t)\|w\|/\|h(t)\|^2`,
    :math:`\beta_t=w^\top h(t)/(\|w\|\|h(t)\|)`, :math:`\xi_t=\eta_{\rm eff}(t+1)/\eta_{\rm eff}(t)`
    (the Lemma-10 rate's ratio: with RLR it includes the norm ratio)."""
    w = [mpmath.mpf(v) for v in w]
    w_norm = mpmath.sqrt(_mp_dot(w, w))
    scale = mpmath.mpf(scale)
    norms = [mpmath.sqrt(_mp_dot(h, h)) for h in states]
    effective = [scale * eta * (n if rescaled else 1) for eta, n in zip(etas, norms)]
    alphas = [e * w_norm / n ** 2 for e, n in zip(effective, norms)]
    betas = [_mp_dot(h, w) / (w_norm * n) for h, n in zip(states, norms)]
    xis = [b / a for a, b in zip(effective, effective[1:])]
    return alphas, betas, xis, norms


# ------------------------------------------------------------------------------------------------
# Theorem 7's setting
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SphericalProblem:
    r"""Fixed prototypes W (p x C), N examples per class, trade-off :math:`\gamma`.

    Theorem 7 assumes :math:`W\mathbf 1_C=0` (it turns Eq. 2 into Eq. 18); ``require_centred=False``
    lifts that check (the iterates of Eq. 19 do not need it). Every prototype must be non-zero.
    """

    W: np.ndarray
    N: int
    gamma: float
    require_centred: bool = True

    def __post_init__(self):
        W = np.array(self.W, dtype=float)
        if W.ndim != 2:
            raise AssumptionError(f"W must be a p x C matrix (got shape {W.shape})")
        LayerPeeledProblem(W.shape[0], W.shape[1], self.N, self.gamma)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "gamma", float(self.gamma))
        norms = _column_norms(W)
        if float(norms.min()) == 0:
            raise AssumptionError("every prototype w_c must be non-zero")
        if self.require_centred:
            tolerance = float_tolerance("float64", operations=W.shape[1]) * float(norms.max())
            if float(np.abs(W.sum(1)).max()) > tolerance:
                raise AssumptionError("Theorem 7 fixes prototypes with W 1_C = 0 (Eq. 18); this W has a non-zero "
                                      f"column sum ({float(np.abs(W.sum(1)).max()):.3g})")

    @property
    def p(self):
        return self.W.shape[0]

    @property
    def C(self):
        return self.W.shape[1]

    @property
    def examples(self):
        return self.C * self.N

    @property
    def step_scale(self):
        r""":math:`(1+\gamma)/(CN)`: Eq. 19's rate is Lemma 10's rate times this."""
        return (1 + self.gamma) / self.examples

    def targets(self):
        r""":math:`W(I_C\otimes\mathbf 1_N^\top)`: column (c-1)N + i is :math:`w_c` (class-major)."""
        return np.repeat(self.W, self.N, axis=1)

    def objective(self, H):
        r"""Eq. 18: :math:`-\frac{1+\gamma}{CN}\sum_{i,c}w_c^\top\hat h_{i,c}`."""
        H = np.asarray(H, dtype=float)
        return -self.step_scale * float(((H / _column_norms(H)) * self.targets()).sum())

    def initial_alphas(self, H0, eta0, rescaled=False):
        r""":math:`\alpha_{i,c}(0)=\frac{(1+\gamma)\eta(0)\|w_c\|}{CN\|h_{i,c}(0)\|^2}` (:math:`\|h\|` instead of
        :math:`\|h\|^2` with RLR); Theorem 7 asks them to be at most 1."""
        norms = _column_norms(np.asarray(H0, dtype=float))
        return self.step_scale * eta0 * _column_norms(self.targets()) / (norms if rescaled else norms ** 2)

    def largest_initial_rate(self, H0, rescaled=False):
        """The largest :math:`\\eta(0)` with every :math:`\\alpha_{i,c}(0)\\le1`."""
        return float(1.0 / self.initial_alphas(H0, 1.0, rescaled).max())

    def descend(self, H0, rate, steps, rescaled=False, **options):
        """Eq. 19 (``rescaled``: with the RLR of Sec. 4.3); options as in :func:`descend`."""
        return descend(H0, self.targets(), rate, steps, scale=self.step_scale, rescaled=rescaled, **options)

    def planar(self, H0, rate, steps, rescaled=False, **options):
        """Eq. 19 through the exact planar reduction (:func:`planar_descent`)."""
        x, y, target_norms = planar_coordinates(H0, self.targets())
        return planar_descent(x, y, target_norms, rate, steps, scale=self.step_scale, rescaled=rescaled, **options)


def random_features(p, n, seed=0, scale=1.0):
    """A p x n Gaussian feature matrix with entries of standard deviation ``scale``."""
    return scale * np.random.default_rng(seed).standard_normal((p, n))
