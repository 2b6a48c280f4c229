r"""The paper's numerical figures (Figs. 1, 4--9) redrawn with the theory over the iterates.

``python -m ulproofs figures`` (or :func:`draw_figures`) runs real gradient descent on the free
variables at the paper's size (p = 512, C = 100, N = 10, random :math:`H_0, W_0`; Appendix C.1) and
draws, over the iterates,

* the closed form of the flow (Theorem 2 for Fig. 1 and the instability figure, Theorem 4 for
  Figs. 4--8) at :math:`\zeta=\eta t`, computed from Theorem 2/4's multipliers and the 5 x 5 Gram
  matrices of :class:`~ulproofs.core.decomposition.Decomposition`, without iterating;
* the rates the paper claims (Corollaries 3 and 5, Theorem 7) as dotted reference lines.

Every figure is written as PNG and PDF with a JSON of the plotted series, the parameters, the
seed and the git commit. The JSON also holds, for each curve, the *exact discrete* closed form
(Theorem 2/4's multipliers of gradient descent: :meth:`UnconstrainedDynamics.discrete_coefficients`, and
:func:`discrete_coefficients` from :meth:`WeightDecayDynamics.generators`) and an a-priori bound on its distance from
the iterates (:func:`ulproofs.core.weight_decay.rounding_bound`, the policy of
:mod:`ulproofs.core.precision`): ``tests/test_figures.py`` checks that the plotted iterates lie within it.

Figures (``names``):

``1``
    unconstrained, :math:`\gamma\in\{0,0.05,0.005,0.001,\frac1{C-1}\}`, :math:`\eta_1=\eta_2=0.1`:
    loss, accuracy of :math:`\arg\max_cw_c^\top h`, :math:`\|\hat Z(t)-\tilde Z/\|\tilde Z\|\|`,
    :math:`\|Z(t)\|`, with the zoom on the last 2,000 epochs the caption describes.
``4``, ``7``
    weight decay :math:`\lambda\in\{10^{-5},10^{-4},10^{-3},5\cdot10^{-3},\lambda^*\}`,
    :math:`\gamma=\frac1{C-1}`, :math:`\eta=0.1`: Fig. 4 :math:`\|W\|`, :math:`\|W-P\|`,
    :math:`|\log\|H\|-\log\|W\||`; Fig. 7 (Eq. 15) :math:`\|W\|` and the direction distances of W and H.
``5``
    :math:`\lambda=\lambda^*`, :math:`\gamma\in\{0,0.1,0.01,0.001,\frac1{C-1}\}`: accuracy,
    :math:`\|H-H_1^+\|`, :math:`\|W-W_1^+\|`, :math:`\|H\|`, :math:`\|W\|`.
``6``
    :math:`\lambda=\lambda^*`, :math:`\eta\in\{0.001,0.01,0.1,0.2,0.5\}`: distances to the limit and :math:`\|Z\|`.
``8``
    :math:`\lambda=\lambda^*`, :math:`\eta_2=0.5`, :math:`s\in\{0.01,0.05,0.1,0.5,1\}`: Eq. 15's direction
    distances and the distances to the limit.
``9``
    spherical case (Eq. 19) with a unit simplex-ETF W, :math:`\eta\in\{0.1,0.5,1,5,10\}` without and
    with the rescaled learning rate: :math:`\|H\|`, :math:`\|\hat H-W(I_C\otimes\mathbf 1_N^\top)\|`, the
    objective (Eq. 18). There is no closed form: the iterates run through the exact planar reduction
    (:func:`ulproofs.core.spherical.planar_descent`), checked against the full p-dimensional iterates; the
    theory drawn is Lemma 10's angle bound and the asymptotic rate :math:`-\log(1-\alpha)` (its norm bound
    :math:`\|h(t)\|\le e^{2\theta_0/\pi}\|h(0)\|` is in the JSON).
``instability``
    plain unhinged loss without weight decay (:math:`\gamma=\frac1{C-1}`, s = 1, several
    :math:`\eta`): :math:`\|H\|` and :math:`\|W\|` grow like :math:`e^{(1+\gamma)\zeta/(C\sqrt N)}`
    (Corollary 3), and in float32 the iterates overflow to inf/NaN, as in the paper's Fig. 19.

``scale="reduced"`` runs the same code at a small size (for the tests).

>>> sorted(FIGURES)
['1', '4', '5', '6', '7', '8', '9', 'instability']
>>> SCALES["paper"]["p"], SCALES["paper"]["C"], SCALES["paper"]["N"], SCALES["paper"]["steps"]
(512, 100, 10, 50000)
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..claims import corollary_3
from ..claims.theorem_2 import UnconstrainedDynamics
from ..core import weight_decay
from ..core.batch_observables import BatchAccuracy, BatchTargets, observe_batch, run_batch
from ..core.descent import default_device, gradient_descent
from ..core.errors import AssumptionError
from ..core.etf import simplex_etf
from ..core.operator import gamma as gamma_symbol
from ..core.precision import float_tolerance, unit_roundoff
from ..core.rates import Constant, RatePair
from ..core.setting import LayerPeeledProblem
from ..core.spherical import SphericalProblem, random_features
from ..core.structured import C as C_symbol
from ..core.threads import current as current_threads
from ..core.threads import thread_policy
from ..core.weight_decay import WeightDecayDynamics

#: Sizes and horizons. ``every``: steps between recorded points. The paper's axes show 50,000 epochs
#: (Fig. 4; the other captions give no horizon); the reduced size keeps 2/(C-2) < 0.05 so that
#: gamma = 0.05 stays beyond the range of Corollary 3, as in Fig. 1.
SCALES = {
    "paper": dict(p=512, C=100, N=10, steps=50_000, every=250, zoom=2_000),
    "reduced": dict(p=8, C=50, N=2, steps=2_000, every=20, zoom=200),
}
#: Fig. 9 needs p >= C - 1 (simplex ETF); ``validate``: steps of full p-dimensional iterates that check
#: the planar reduction at paper scale (None: the whole run).
SPHERICAL_SCALES = {
    "paper": dict(p=512, C=100, N=10, steps=50_000, every=250, validate=200, validate_every=10),
    "reduced": dict(p=16, C=10, N=3, steps=400, every=4, validate=None, validate_every=4),
}
#: The instability figure: float64 horizon short enough that ||Z||^2 stays finite at the largest rate.
INSTABILITY_SCALES = {
    "paper": dict(steps=10_000, every=50),
    "reduced": dict(steps=2_000, every=10),
}

FIGURE_ONE_GAMMAS = (0.0, 0.05, 0.005, 0.001, None)          # None: 1/(C-1)
WEIGHT_DECAYS = (1e-5, 1e-4, 1e-3, 5e-3, None)               # None: lambda*
FIGURE_NINE_RATES = (0.1, 0.5, 1.0, 5.0, 10.0)
INSTABILITY_RATES = (0.1, 1.0, 2.0, 5.0, 10.0)

#: Weight-decay figures: (varied, values, fixed, panels); panel = (quantity, title, y scale, reference).
#: A reference names the rate of :func:`ulproofs.core.weight_decay.predicted_slopes` drawn over it.
WEIGHT_DECAY_FIGURES = {
    "4": ("decay", WEIGHT_DECAYS, dict(gamma=None, eta=0.1, ratio=1.0), (
        ("norm_W", r"(a) $\|W(t)\|$", "log", ("W", "norm_flow")),
        ("distance_W_P", r"(b) $\|W(t)-P\|$", "log", "distance_W_P"),
        ("log_ratio_HW", r"(c) $|\log\|H(t)\|-\log\|W(t)\||$", "log", "log_ratio"),
    )),
    "5": ("gamma", (0.0, 0.1, 0.01, 0.001, None), dict(decay=None, eta=0.1, ratio=1.0), (
        ("accuracy", r"(a) accuracy of $\arg\max_c w_c^\top h$", "linear", None),
        ("distance_H_P", r"(b) $\|H(t)-H_1^+\|$", "log", ("H", "residual_flow")),
        ("distance_W_P", r"(c) $\|W(t)-W_1^+\|$", "log", ("W", "residual_flow")),
        ("norm_H", r"(d) $\|H(t)\|$", "log", ("H", "norm_flow")),
        ("norm_W", r"(e) $\|W(t)\|$", "log", ("W", "norm_flow")),
    )),
    "6": ("eta", (0.001, 0.01, 0.1, 0.2, 0.5), dict(gamma=None, decay=None, ratio=1.0), (
        ("distance_H_limit", r"(a) $\|H(t)-\bar H\|$", "log", ("H", "residual_flow")),
        ("distance_W_limit", r"(b) $\|W(t)-\bar W\|$", "log", ("W", "residual_flow")),
        ("norm_Z", r"(c) $\|Z(t)\|$", "log", None),
    )),
    "7": ("decay", WEIGHT_DECAYS, dict(gamma=None, eta=0.1, ratio=1.0), (
        ("norm_W", r"(a) $\|W(t)\|$", "log", ("W", "norm_flow")),
        ("direction_W", r"(b) $\|W/\|W\|-\bar W/\|\bar W\|\|$ (Eq. 15)", "log", ("W", "direction_flow")),
        ("direction_H", r"(c) $\|H/\|H\|-\bar H/\|\bar H\|\|$ (Eq. 15)", "log", ("H", "direction_flow")),
    )),
    "8": ("ratio", (0.01, 0.05, 0.1, 0.5, 1.0), dict(gamma=None, decay=None, eta=0.5), (
        ("direction_H", r"(a) $\|H/\|H\|-\bar H/\|\bar H\|\|$ (Eq. 15)", "log", ("H", "direction_flow")),
        ("direction_W", r"(b) $\|W/\|W\|-\bar W/\|\bar W\|\|$ (Eq. 15)", "log", ("W", "direction_flow")),
        ("distance_H_limit", r"(c) $\|H(t)-H_\infty\|$", "log", ("H", "residual_flow")),
        ("distance_W_limit", r"(d) $\|W(t)-W_\infty\|$", "log", ("W", "residual_flow")),
    )),
}

CAPTIONS = {
    "1": ("Fig. 1 (unconstrained, Eq. 5): gradient-descent iterates (solid) with Theorem 2's closed form (dashed) "
          "and Corollary 3's rates (dotted). Claims: features align with their prototypes for gamma < 2/(C-2); "
          "the distance to Z~ decays exponentially in range, fastest at gamma = 1/(C-1), and tends to sqrt 2 for "
          "gamma = 0.05 > 2/(C-2); ||Z(t)|| grows like e^{3.95 eta t/(C sqrt N)} at gamma = 0.05 and like "
          "e^{(1+gamma) eta t/(C sqrt N)} otherwise."),
    "4": ("Fig. 4 (weight decay, Eq. 12): log||W|| grows for lambda < lambda*; W(t) -> P = W-part of Pi_1^+ Z0 at "
          "lambda*; log||H|| - log||W|| converges the same for every lambda."),
    "5": ("Fig. 5 (lambda = lambda*, gamma varied): alignment for gamma < 2/(C-2); ||H - H1+|| and ||W - W1+|| decay "
          "exponentially in range; the norms do not grow (except beyond 2/(C-2))."),
    "6": ("Fig. 6 (lambda = lambda*, eta varied): features and prototypes converge exponentially to the limit; larger "
          "rates converge faster."),
    "7": ("Fig. 7 (Eq. 15, lambda varied): the directions of H and W converge exponentially to those of "
          "pi+ X1+ + pi- X1- for every lambda; the norm grows below lambda*."),
    "8": ("Fig. 8 (Eq. 15, s = eta1/eta2 varied, eta2 = 0.5, lambda*): larger s converges faster."),
    "9": ("Fig. 9 (spherical, Eq. 19, anchored unit simplex ETF): ||H(t)|| is non-decreasing and ||H^(t) - W(I (x) "
          "1^T)|| decreases exponentially, without (top) and with (bottom) the rescaled learning rate."),
    "instability": ("Plain unhinged loss without weight decay on the free-variable model: ||H|| and ||W|| grow like "
                    "e^{(1+gamma) eta t/(C sqrt N)} without bound (Corollary 3, Sec. 3.1); in float32 the iterates "
                    "overflow to inf/NaN (compare the paper's Fig. 19)."),
}

FIGURES = ("1", "4", "5", "6", "7", "8", "9", "instability")

#: Closed-form values below this fraction of their initial value are not drawn on log axes (rounding).
CLOSED_FORM_FLOOR = float_tolerance(operations=64)

#: How each series is drawn (None: kept in the JSON only; Fig. 9's norm bound, e^{2 theta0/pi} ~ e times
#: the initial norm, would squash the panel).
STYLES = {
    "iterates": dict(lw=2.4, alpha=0.45),
    "closed_form": dict(lw=1.0, ls="--", color="black", alpha=0.8),
    "reference": dict(lw=1.7, ls=":", alpha=0.9),
    "bound": dict(lw=1.0, ls="--", color="black", alpha=0.8),
    "validation": dict(lw=0, marker="o", ms=3, alpha=0.8),
    "float32": dict(lw=1.2, ls="-."),
    "discrete": None,
    "error_bound": None,
    "record": None,
}


# ------------------------------------------------------------------------------------------------
# Shared pieces
# ------------------------------------------------------------------------------------------------
def _gamma(value, C):
    return 1 / (C - 1) if value is None else float(value)


def _gamma_label(value):
    return r"$\gamma=1/(C-1)$" if value is None else rf"$\gamma={value:g}$"


def _start(problem, seed):
    """H0, W0, b0 with standard normal entries (the claims' :func:`corollary_3.random_start`)."""
    return corollary_3.random_start(problem, seed)


def _norm(x):
    """Frobenius norm in float64 without overflow of the squares (scaled by the largest entry)."""
    x = x.double()
    largest = x.abs().max()
    if not torch.isfinite(largest):
        return float("inf") if not torch.isnan(largest) else float("nan")
    if largest == 0:
        return 0.0
    return float(largest * torch.linalg.vector_norm(x / largest))


def _series(steps, style, label=None, **values):
    return dict(steps=np.asarray(steps, dtype=int), style=style, label=label,
                values={k: np.asarray(v, dtype=float) for k, v in values.items()})


def _reference(steps, values, slope, quantity, offset=2.0):
    """A line of the given per-step log-slope for ``quantity``, over the second half of the curve, anchored
    (times ``offset``, to stay visible) at the last value above 1e-10 of the curve's largest (rounding
    floors excluded); None if there is no such value."""
    steps, values = np.asarray(steps, dtype=float), np.abs(np.asarray(values, dtype=float))
    finite = np.isfinite(values) & (values > 1e-10 * np.nanmax(values[np.isfinite(values)]))
    if not finite.any():
        return None
    end = int(np.nonzero(finite)[0][-1])
    k_end, v_end = steps[end], values[end]
    k_start = k_end / 2
    line = v_end * offset * np.exp(slope * (np.array([k_start, k_end]) - k_end))
    return dict(steps=np.array([k_start, k_end]).astype(int), style="reference", label=None,
                values={quantity: line}, slope=float(slope))


class _Scores:
    r"""Closed-form scores :math:`W^\top H=\sum_{j,k}v_ju_kW_j^\top H_k` from precomputed cross products of
    the five components, so the accuracy of a closed form needs no state."""

    def __init__(self, parts):
        self.parts = parts
        prototypes = np.stack([W for _, W in parts.parts])            # (5, p, C)
        features = np.stack([H for H, _ in parts.parts])              # (5, p, CN)
        cross = np.tensordot(prototypes, features, axes=([1], [1])).transpose(0, 2, 1, 3)   # (5, 5, C, CN)
        self.shape = cross.shape[2:]
        self.cross = cross.reshape(25, -1)                            # (j, k) -> scores, formed once
        self.classes = parts.problem.class_of_column()

    def accuracy(self, coefficients, slack=None, chunk=16):
        """Accuracy per row of coefficients (..., 5, 2) and, given a score ``slack`` per row, the number of
        columns whose top-two margin is at most twice it (their argmax may differ under that error)."""
        coefficients = np.asarray(coefficients, dtype=float).reshape(-1, 5, 2)
        weights = np.einsum("rj,rk->rjk", coefficients[:, :, 1], coefficients[:, :, 0]).reshape(len(coefficients), 25)
        accuracy, ambiguous = [], []
        for start in range(0, len(weights), chunk):     # rows in chunks: (chunk, C, CN) scores at a time
            scores = (weights[start:start + chunk] @ self.cross).reshape(-1, *self.shape)
            accuracy.extend((scores.argmax(1) == self.classes).mean(1).tolist())
            if slack is not None:
                top = np.partition(scores, -2, axis=1)[:, -2:]           # the two largest scores of each column
                margin = np.abs(top[:, 1] - top[:, 0])
                ambiguous.extend((margin <= 2 * slack[start:start + chunk, None]).sum(1).tolist())
        return np.array(accuracy), np.array(ambiguous, dtype=int)


def _loss_closed_form(parts, coefficients, bias_sum):
    r"""Eq. 3 from coefficients: :math:`W_jM=\sigma_jH_j` on each eigenspace, so
    :math:`\operatorname{Tr}(Y^\top W^\top H)=-\langle WM,H\rangle=-\sum_j\sigma_jv_j(G_Hu)_j`, plus
    :math:`\frac{\gamma C-\gamma-1}{C}\mathbf 1^\top b`."""
    c = np.asarray(coefficients, dtype=float)
    u, v = c[..., 0], c[..., 1]
    trace = -np.einsum("...j,j,jk,...k->...", v, parts.eigenvalues, parts.gram_H, u)
    return trace - parts.problem.bias_drift() * np.asarray(bias_sum, dtype=float)


# ------------------------------------------------------------------------------------------------
# Unconstrained runs (Fig. 1 and the instability figure)
# ------------------------------------------------------------------------------------------------
def unconstrained_theory(problem, H0, W0, b0, eta, steps, every, dtype=torch.float64, full=True):
    r"""Theorem 2's closed form of the flow (``closed_form``, at :math:`\zeta=\eta t`) and of the iterates
    (``discrete``) without weight decay, with the a-priori bound on |iterates - discrete| (``error_bound``),
    at the steps 0, every, ..., steps.

    ``full``: also loss, accuracy and the distance to :math:`\tilde Z/\|\tilde Z\|` (Fig. 1); otherwise
    only the norms (the instability figure, where float32 iterates may overflow).
    """
    rates = RatePair.proportional(Constant(eta))
    dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates)
    parts = dynamics.parts
    record = np.arange(0, steps + 1, every)
    discrete_all = dynamics.discrete_coefficients(steps)
    norm_all = parts.norm(discrete_all)
    discrete, flow = discrete_all[record], dynamics.coefficients(record.astype(float))
    target = corollary_3.limit_coefficients(parts.labels, 1.0)
    target_unit = target / parts.norm(target)

    # |Z_gd - Z_exact| <= bound (Corollary 5's a-priori float64 bound, at lambda = 0; linear in u)
    zero_decay = WeightDecayDynamics(problem, H0, W0, b0, rates, weight_decay=(0.0, 0.0))
    bound = weight_decay.rounding_bound(problem, zero_decay, norm_all, eta)[record]
    bound = bound * unit_roundoff(dtype) / unit_roundoff("float64")
    forming = float_tolerance(dtype, operations=problem.p * problem.C * (problem.N + 1))

    def model(c, bias_sum):
        norm_H, norm_W = parts.norms_HW(c)
        out = dict(norm_H=norm_H, norm_W=norm_W, norm_Z=parts.norm(c))
        if full:
            out["distance"] = parts.norm(c / out["norm_Z"][:, None, None] - target_unit)
            out["loss"] = _loss_closed_form(parts, c, bias_sum)
        return out

    bias_steps = problem.bias_drift() * eta * record
    bias_sum = float(np.sum(b0)) + problem.C * bias_steps
    exact, theory = model(discrete, bias_sum), model(flow, bias_sum)
    errors = {q: bound + forming * exact[q] for q in ("norm_H", "norm_W", "norm_Z")}
    if full:
        sigma = float(np.abs(parts.eigenvalues).max())
        errors["distance"] = 2 * bound / exact["norm_Z"] + 4 * forming
        errors["loss"] = (sigma * (2 * bound * exact["norm_Z"] + bound ** 2) + forming * sigma * exact["norm_Z"] ** 2
                          + float_tolerance(dtype, operations=int(steps) + problem.C)
                          * abs(problem.bias_drift()) * (np.abs(b0).sum() + problem.C * np.abs(bias_steps)))
        scores = _Scores(parts)
        slack = 2 * bound * exact["norm_Z"] + bound ** 2 + forming * exact["norm_Z"] ** 2
        exact["accuracy"], ambiguous = scores.accuracy(discrete, slack)
        theory["accuracy"], _ = scores.accuracy(flow)
        errors["accuracy"] = ambiguous / problem.examples
    return dict(record=record, parts=parts, target_unit=target_unit, dtype=str(dtype).replace("torch.", ""),
                series=dict(closed_form=_series(record, "closed_form", None, **theory),
                            discrete=_series(record, "discrete", None, **exact),
                            error_bound=_series(record, "error_bound", None, **errors)))


def unconstrained_curve(problem, H0, W0, b0, eta, steps, every, label, dtype=torch.float64, device=None):
    """One run of :func:`unconstrained_theory`'s setting through :func:`gradient_descent` (the instability figure:
    float32 iterates are let overflow), with the iterates' norms as the ``iterates`` series."""
    theory = unconstrained_theory(problem, H0, W0, b0, eta, steps, every, dtype, full=False)
    record = theory["record"]

    def observe(H, W, b, k):
        out = dict(norm_H=_norm(H), norm_W=_norm(W))
        out["norm_Z"] = math.hypot(out["norm_H"], out["norm_W"])
        return out

    start = time.perf_counter()
    result = gradient_descent(problem, H0, W0, b0, RatePair.proportional(Constant(eta)), steps,
                              record_steps=record.tolist(), observe=observe, method="class-mean",
                              device=default_device(device), dtype=dtype, keep_states=False, stop_non_finite=False)
    seconds = time.perf_counter() - start
    measured = {key: np.array([o[key] for o in result.observations]) for key in result.observations[0]}
    return dict(label=label, seconds=seconds, dtype=theory["dtype"], parts=theory["parts"], eta=eta,
                series=dict(iterates=_series(record, "iterates", label, **measured), **theory["series"]))


def _figure_one_rates(problem, eta):
    """Corollary 3's per-step flow rates: growth of ||Z|| and, in range, decay of the distance to Z~."""
    values = {gamma_symbol: problem.gamma, C_symbol: problem.C}
    unit = eta / (problem.C * math.sqrt(problem.N))
    rates = dict(norm_Z=unit * float(corollary_3.dominant_exponent().subs(values)))
    if corollary_3.classify(problem) == "in range":
        rates["distance"] = unit * float(corollary_3.CLAIMED_RESIDUAL.subs(values))
    return rates


def figure_one(scale="paper", seed=0, progress=True, device=None):
    size = SCALES[scale]
    eta = 0.1
    problems = [LayerPeeledProblem(size["p"], size["C"], size["N"], _gamma(value, size["C"])) for value in
                FIGURE_ONE_GAMMAS]
    starts = [_start(problem, seed) for problem in problems]
    theories = [unconstrained_theory(problem, *start, eta, size["steps"], size["every"])
                for problem, start in zip(problems, starts)]
    classes = torch.as_tensor(problems[0].class_of_column(), device=default_device(device))
    loss = tuple(torch.as_tensor(x, dtype=torch.float64, device=default_device(device)) for x in zip(*(
        ((1 + pb.gamma) / pb.examples, pb.gamma / pb.examples, pb.bias_drift()) for pb in problems)))
    targets, accuracy = {}, BatchAccuracy(classes, range(len(problems)))

    def observe(state):
        if not targets:
            targets["unit"] = BatchTargets(state, [t["parts"] for t in theories],
                                            [t["target_unit"] for t in theories])
        return observe_batch(state, targets, accuracy=accuracy, loss=loss)

    runs = run_batch(problems, starts, [RatePair.proportional(Constant(eta))] * len(problems), None, size["steps"],
                      size["every"], observe, device, "figure 1", progress)
    curves = []
    for value, problem, theory, run in zip(FIGURE_ONE_GAMMAS, problems, theories, runs):
        label = _gamma_label(value)
        curve = dict(label=label, seconds=run["seconds"], dtype="float64", parts=theory["parts"], eta=eta,
                     series=dict(iterates=_series(run["steps"], "iterates", label, **run["measured"]),
                                 **theory["series"]))
        curve["parameters"] = dict(gamma=problem.gamma, eta1=eta, eta2=eta, s=1.0, regime=corollary_3.classify(problem))
        theory = curve["series"]["closed_form"]
        for quantity, slope in _figure_one_rates(problem, eta).items():
            line = _reference(theory["steps"], theory["values"][quantity], slope, quantity)
            if line:
                curve["series"]["rate_" + quantity] = line
        curve["facts"] = dict(final_distance=float(curve["series"]["iterates"]["values"]["distance"][-1]),
                              final_accuracy=float(curve["series"]["iterates"]["values"]["accuracy"][-1]))
        curves.append(curve)
    panels = [("loss", "(a) training loss", "symlog"),
              ("accuracy", r"(b) accuracy of $\arg\max_c w_c^\top h$", "linear"),
              ("distance", r"(c) $\|\hat Z(t)-\tilde Z/\|\tilde Z\|\|$", "log"), ("norm_Z", r"(d) $\|Z(t)\|$", "log")]
    # the caption's red box: the last 2,000 epochs, placed where the curves leave room
    insets = dict(loss=[0.1, 0.1, 0.4, 0.35], accuracy=[0.5, 0.3, 0.45, 0.35], distance=[0.1, 0.1, 0.4, 0.35],
                  norm_Z=[0.1, 0.55, 0.4, 0.35])
    return dict(name="1", caption=CAPTIONS["1"], panels=panels, curves=curves, zoom=size["zoom"], insets=insets,
                parameters=dict(size, eta=eta, seed=seed, gammas=[c["parameters"]["gamma"] for c in curves],
                                closed_form="Theorem 2 (flow) at zeta = eta t",
                                reading="horizon 50,000 epochs as on Fig. 4's axis (Fig. 1's is not legible); "
                                        "loss with biases (Eq. 3), b0 ~ N(0, 1)"))


# ------------------------------------------------------------------------------------------------
# Weight decay (Figs. 4-8)
# ------------------------------------------------------------------------------------------------
def _log_ratio(norm_H, norm_W):
    return np.abs(np.log(norm_H) - np.log(norm_W))


def weight_decay_curve(dynamics, run, label, accuracy=False):
    r"""A gradient-descent run (a :class:`ulproofs.core.weight_decay.Run` of :func:`weight_decay.simulate_batch`:
    the iterates beside Theorem 4's exact discrete closed form with its a-priori bound) and Theorem 4's closed
    form of the flow at :math:`\zeta_2=\eta t`, :math:`\zeta_1=s\eta t`, and the derived quantities of the
    figures."""
    problem, parts, rates = dynamics.problem, dynamics.parts, dynamics.rates
    H0, W0, b0 = parts.H0, parts.W0, dynamics.b0
    eta, decay = run.eta, run.decay
    theory = weight_decay.closed_form_trajectories(problem, H0, W0, b0, rates, decay, times=run.steps.astype(float))
    flow_coefficients = theory["coefficients"]
    quantities = list(weight_decay.QUANTITIES)
    measured = {q: run.measured[q] for q in quantities}
    exact = {q: run.model[q] for q in quantities}
    errors = {q: run.error_bound(q) for q in quantities}
    theory = {q: theory[q] for q in quantities}
    measured["log_ratio_HW"] = _log_ratio(measured["norm_H"], measured["norm_W"])
    exact["log_ratio_HW"] = _log_ratio(exact["norm_H"], exact["norm_W"])
    theory["log_ratio_HW"] = _log_ratio(theory["norm_H"], theory["norm_W"])
    # |log a - log b| <= |a - b| / min(a, b)
    errors["log_ratio_HW"] = sum(errors[q] / np.maximum(exact[q] - errors[q], np.finfo(float).tiny)
                                 for q in ("norm_H", "norm_W"))
    if accuracy:
        discrete = dynamics.discrete_coefficients(int(run.steps[-1]))[run.steps]
        scores = _Scores(run.parts)
        forming = float_tolerance("float64", operations=problem.p * problem.C * (problem.N + 1))
        norm_Z = exact["norm_Z"]
        slack = 2 * run.bound * norm_Z + run.bound ** 2 + forming * norm_Z ** 2
        exact["accuracy"], ambiguous = scores.accuracy(discrete, slack)
        theory["accuracy"], _ = scores.accuracy(flow_coefficients)
        measured["accuracy"] = run.measured["accuracy"]
        errors["accuracy"] = ambiguous / problem.examples
    steps = run.steps
    return dict(label=label, seconds=run.seconds, run=run, eta=eta,
                series=dict(iterates=_series(steps, "iterates", label, **measured),
                            closed_form=_series(steps, "closed_form", None, **theory),
                            discrete=_series(steps, "discrete", None, **exact),
                            error_bound=_series(steps, "error_bound", None, **errors)))


def _weight_decay_reference(curve, quantity, reference):
    """The slope drawn over a panel (per step, flow), or None."""
    run = curve["run"]
    if reference is None:
        return None
    slopes = weight_decay.predicted_slopes(run)
    lam_star = weight_decay.threshold_value(run.problem)
    if reference == "distance_W_P":
        # W -> P only at lambda* (s = 1); below it ||W - P|| follows ||W||
        at_threshold = math.isclose(run.decay, lam_star, rel_tol=1e-12)
        return slopes["W"]["residual_flow"] if at_threshold else slopes["W"]["norm_flow"]
    if reference == "log_ratio":
        # s = 1, lambda1 = lambda2: every component's H and W multipliers are equal, so ||H||^2 - ||W||^2 ~
        # e^{-2 lambda zeta} and ||W||^2 ~ e^{2 (sigma_1 - lambda) zeta}: the ratio tends to 1 at -2 sigma_1 eta,
        # whatever lambda (the caption's 'the same even if the weight decay is different')
        return -2 * lam_star * run.eta if run.ratio == 1.0 else None
    part, key = reference
    if key == "residual_flow" and corollary_3.classify(run.problem) != "in range":
        return None
    return slopes[part][key]


def _varied_label(varied, value):
    if varied == "decay":
        return r"$\lambda=\lambda^*$" if value is None else rf"$\lambda={value:g}$"
    if varied == "gamma":
        return _gamma_label(value)
    return rf"$\eta={value:g}$" if varied == "eta" else rf"$s={value:g}$"


def _weight_decay_settings(name, scale):
    """[(value, problem, decay, eta, ratio)] of weight-decay figure ``name`` (one per curve)."""
    varied, values, fixed, _ = WEIGHT_DECAY_FIGURES[name]
    size, settings = SCALES[scale], []
    for value in values:
        chosen = dict(fixed, **{varied: value})
        problem = LayerPeeledProblem(size["p"], size["C"], size["N"], _gamma(chosen["gamma"], size["C"]))
        decay = weight_decay.threshold_value(problem) if chosen["decay"] is None else float(chosen["decay"])
        settings.append((value, problem, decay, float(chosen["eta"]), float(chosen["ratio"])))
    return settings


def _needs_accuracy(name):
    return any(q == "accuracy" for q, *_ in WEIGHT_DECAY_FIGURES[name][3])


def _run_key(scale, seed, problem, decay, eta, ratio):
    return (scale, seed, problem.gamma, decay, eta, ratio)


def plan_weight_decay_runs(names, scale, seed=0):
    """{run key: whether a figure among ``names`` plots its accuracy}: every distinct (gamma, lambda, eta, s) run
    of the weight-decay figures once (Figs. 4 and 7 share all five, Figs. 5, 6 and 8 the run at lambda*)."""
    plan = {}
    for name in names:
        if name in WEIGHT_DECAY_FIGURES:
            for _, problem, decay, eta, ratio in _weight_decay_settings(name, scale):
                key = _run_key(scale, seed, problem, decay, eta, ratio)
                plan[key] = plan.get(key, False) or _needs_accuracy(name)
    return plan


def _weight_decay_batch(name, scale, seed, progress, device, cache):
    """Run, as one batch, the runs of figure ``name`` not yet in ``cache`` (their accuracy is observed when any
    planned figure plots it); each becomes a :func:`weight_decay_curve` in ``cache``."""
    size = SCALES[scale]
    plan = cache.setdefault("plan", {})
    todo = []
    for _, problem, decay, eta, ratio in _weight_decay_settings(name, scale):
        key = _run_key(scale, seed, problem, decay, eta, ratio)
        plan[key] = plan.get(key, False) or _needs_accuracy(name)
        stale = key in cache and plan[key] and "accuracy" not in cache[key]["series"]["iterates"]["values"]
        if (key not in cache or stale) and key not in [k for k, *_ in todo]:
            rates = RatePair.proportional(Constant(eta), s=ratio)
            dynamics = WeightDecayDynamics(problem, *_start(problem, seed), rates, weight_decay=(decay, decay))
            todo.append((key, dynamics, decay, eta, ratio))
    if not todo:
        return
    runs = weight_decay.simulate_batch([d for _, d, *_ in todo], size["steps"], size["every"],
                                       accuracy=[plan[key] for key, *_ in todo], device=device,
                                       desc=f"figure {name}: {len(todo)} runs", progress=progress)
    for (key, dynamics, *_), run in zip(todo, runs):
        cache[key] = weight_decay_curve(dynamics, run, None, accuracy=plan[key])


def weight_decay_figure(name, scale="paper", seed=0, progress=True, device=None, cache=None):
    """Figs. 4-8 (``name`` in :data:`WEIGHT_DECAY_FIGURES`); ``cache`` shares runs between figures (give it
    ``cache["plan"] = plan_weight_decay_runs(names, ...)`` to run each distinct run once)."""
    varied, values, fixed, panels = WEIGHT_DECAY_FIGURES[name]
    size = SCALES[scale]
    cache = {} if cache is None else cache
    _weight_decay_batch(name, scale, seed, progress, device, cache)
    curves = []
    for value, problem, decay, eta, ratio in _weight_decay_settings(name, scale):
        settings = dict(fixed, **{varied: value})
        key = _run_key(scale, seed, problem, decay, eta, ratio)
        curve = dict(cache[key], label=_varied_label(varied, value))     # a run may serve several figures
        curve["series"] = dict(curve["series"])
        curve["series"]["iterates"] = dict(curve["series"]["iterates"], label=curve["label"])
        curve["parameters"] = dict(gamma=problem.gamma, decay=decay, eta2=settings["eta"],
                                   eta1=settings["eta"] * settings["ratio"], s=settings["ratio"],
                                   lambda_star=weight_decay.threshold_value(problem),
                                   regime=corollary_3.classify(problem))
        theory = curve["series"]["closed_form"]
        for quantity, _, _, reference in panels:
            slope = _weight_decay_reference(curve, quantity, reference)
            line = None if slope is None else _reference(theory["steps"], theory["values"][quantity], slope, quantity)
            if line:
                curve["series"]["rate_" + quantity] = line
        curves.append(curve)
    parameters = dict(size, seed=seed, varied=varied,
                      values=[None if v is None else float(v) for v in values],
                      fixed={k: v for k, v in fixed.items()},
                      none_means={"gamma": "1/(C-1)", "decay": "lambda* = (1+gamma)/(C sqrt N)"},
                      closed_form="Theorem 4 (flow) at zeta2 = eta t, zeta1 = s eta t")
    return dict(name=name, caption=CAPTIONS[name], panels=[p[:3] for p in panels], curves=curves, zoom=None,
                parameters=parameters)


# ------------------------------------------------------------------------------------------------
# Spherical case (Fig. 9)
# ------------------------------------------------------------------------------------------------
def _spherical_values(problem, trace):
    """||H||, the error ||H^ - W(I (x) 1^T)|| and the objective (Eq. 18) per recorded step."""
    norms = np.sqrt((trace.norms ** 2).sum(1))
    objective = -problem.step_scale * (trace.cosines * np.linalg.norm(problem.targets(), axis=0)).sum(1)
    return dict(norm_H=norms, error=trace.errors, objective=objective)


def _lemma_10_bounds(trace):
    r"""Lemma 10's bounds evaluated along the iterates: :math:`\|h_j(t)\|\le e^{2\theta_j/\pi}\|h_j(0)\|` (for
    :math:`\|H\|`) and :math:`\theta_j(t)\le\theta_j\exp(-\frac\pi4\frac{\sin\theta_j}{\theta_j}\sum_{i<t}\alpha_j(i))`
    with :math:`\sum_{i<t}\alpha_j(i)\ge t\,\alpha_j(t)` (alpha is non-increasing), so the error
    :math:`\sqrt{\sum_j(2\sin(\theta_j/2))^2}\le\sqrt{\sum_j\theta_j(t)^2}` is at most the bound drawn."""
    theta0 = trace.angles[0]
    norm_bound = np.sqrt((np.exp(4 * theta0 / np.pi) * trace.norms[0] ** 2).sum()) * np.ones(trace.steps.size)
    kappa = np.pi / 4 * np.sinc(theta0 / np.pi)
    angles = theta0[None, :] * np.exp(-kappa[None, :] * trace.steps[:, None] * trace.alphas)
    return dict(norm_H=norm_bound, error=np.sqrt((angles ** 2).sum(1)))


def figure_nine(scale="paper", seed=0, progress=True, device=None):
    size = SPHERICAL_SCALES[scale]
    p, C, N = size["p"], size["C"], size["N"]
    problem = SphericalProblem(simplex_etf(p, C, 1.0, seed), N, 1 / (C - 1))
    H0 = random_features(p, C * N, seed + 5, 1.0)
    validate = size["steps"] if size["validate"] is None else size["validate"]
    curves = []
    bar = tqdm(total=2 * len(FIGURE_NINE_RATES), desc="figure 9", disable=not progress)
    for rescaled in (False, True):
        group = "rescaled" if rescaled else "plain"
        for eta in FIGURE_NINE_RATES:
            start = time.perf_counter()
            planar = problem.planar(H0, lambda t, eta=eta: eta, size["steps"], rescaled=rescaled,
                                    record_every=size["every"])
            seconds = time.perf_counter() - start
            full = problem.descend(H0, lambda t, eta=eta: eta, validate, rescaled=rescaled,
                                   record_every=size["validate_every"])
            # the planar values at the steps of the full run (same recording when validate = steps)
            check = problem.planar(H0, lambda t, eta=eta: eta, validate, rescaled=rescaled,
                                   record_every=size["validate_every"])
            exact = _spherical_values(problem, check)
            # |full - planar|: each step rounds O(p) sums per column; unit vectors, so the error is relative to
            # the value plus sqrt(CN) (the norm of H^ and of the targets)
            tolerance = float_tolerance("float64", operations=1, condition=1.0) * (check.steps + 1) * (4 * p + 8)
            errors = {q: tolerance * (np.abs(v) + math.sqrt(C * N)) for q, v in exact.items()}
            label = rf"$\eta={eta:g}$"
            bounds = _lemma_10_bounds(planar)
            series = dict(iterates=_series(planar.steps, "iterates", label, **_spherical_values(problem, planar)),
                          validation=_series(full.steps, "validation", None, **_spherical_values(problem, full)),
                          discrete=_series(check.steps, "discrete", None, **exact),
                          error_bound=_series(check.steps, "error_bound", None, **errors),
                          bound=_series(planar.steps, "bound", None, error=bounds["error"]),
                          norm_bound=_series(planar.steps, "record", None, norm_H=bounds["norm_H"]))
            slowest = float(-np.log1p(-planar.alphas[-1].min()))
            line = _reference(planar.steps, planar.errors, -slowest, "error")
            if line:
                series["rate_error"] = line
            facts = dict(final_error=float(planar.errors[-1]), initial_error=float(planar.errors[0]),
                         alpha0_max=float(planar.alphas[0].max()), norm_non_decreasing=bool(
                             (np.diff(planar.norms, axis=0) >= -float_tolerance(operations=4 * p + 8)
                              * planar.norms[:-1]).all()),
                         slowest_rate=slowest)
            curves.append(dict(label=label, group=group, seconds=seconds, series=series, facts=facts,
                               parameters=dict(eta=eta, rescaled=rescaled, gamma=problem.gamma)))
            bar.update()
    bar.close()
    panels = []
    for group, row in (("plain", "abc"), ("rescaled", "def")):
        word = "with rescaled rate" if group == "rescaled" else "without rescaling"
        panels += [("norm_H", rf"({row[0]}) $\|H(t)\|$, {word}", "linear", group),
                   ("error", rf"({row[1]}) $\|\hat H(t)-W(I\otimes 1^\top)\|$, {word}", "log", group),
                   ("objective", rf"({row[2]}) objective (Eq. 18), {word}", "linear", group)]
    parameters = dict(size, seed=seed, gamma=problem.gamma, rates=list(FIGURE_NINE_RATES),
                      prototypes="unit simplex ETF", H0="entries N(0, 1)",
                      iterates="exact planar reduction of Eq. 19 (O(1) per column); the full p-dimensional iterates "
                               f"of the first {validate} steps are the markers and are checked against it",
                      theory="Lemma 10 / Theorem 7: norm bound e^{2 theta0/pi} ||h(0)|| and angle bound (dashed); "
                             "asymptotic per-feature rate -log(1 - alpha) of the slowest feature (dotted)")
    return dict(name="9", caption=CAPTIONS["9"], panels=panels, curves=curves, zoom=None, parameters=parameters,
                rows=2)


# ------------------------------------------------------------------------------------------------
# Instability of the plain unhinged loss
# ------------------------------------------------------------------------------------------------
def figure_instability(scale="paper", seed=0, progress=True, device=None):
    size, horizon = SCALES[scale], INSTABILITY_SCALES[scale]
    problem = LayerPeeledProblem(size["p"], size["C"], size["N"], 1 / (size["C"] - 1))
    H0, W0, b0 = _start(problem, seed)
    float32_max = float(torch.finfo(torch.float32).max)
    curves = []
    runs = run_batch([problem] * len(INSTABILITY_RATES), [(H0, W0, b0)] * len(INSTABILITY_RATES),
                      [RatePair.proportional(Constant(eta)) for eta in INSTABILITY_RATES], None, horizon["steps"],
                      horizon["every"], lambda state: observe_batch(state, {}), device, "instability (float64)",
                      progress)
    bar = tqdm(total=len(INSTABILITY_RATES), desc="instability (float32)", disable=not progress)
    for eta, run in zip(INSTABILITY_RATES, runs):
        label = rf"$\eta={eta:g}$"
        theory = unconstrained_theory(problem, H0, W0, b0, eta, horizon["steps"], horizon["every"], full=False)
        curve = dict(label=label, seconds=run["seconds"], dtype="float64", parts=theory["parts"], eta=eta,
                     series=dict(iterates=_series(run["steps"], "iterates", label, **run["measured"]),
                                 **theory["series"]))
        single = unconstrained_curve(problem, H0, W0, b0, eta, horizon["steps"], horizon["every"], label,
                                     dtype=torch.float32, device=device)
        bar.update()
        values = single["series"]["iterates"]["values"]
        finite = np.isfinite(values["norm_H"]) & np.isfinite(values["norm_W"])
        steps = single["series"]["iterates"]["steps"]
        first_bad = int(steps[np.argmin(finite)]) if not finite.all() else None
        exact = single["series"]["discrete"]["values"]["norm_Z"]
        curve["series"]["float32"] = _series(steps, "float32", None, norm_Z32=values["norm_Z"])
        curve["series"]["float32_discrete"] = _series(steps, "discrete", None, norm_Z32=exact)
        curve["series"]["float32_error_bound"] = _series(steps, "error_bound", None,
                                                         norm_Z32=single["series"]["error_bound"]["values"]["norm_Z"])
        theory = curve["series"]["closed_form"]
        growth = eta * weight_decay.threshold_value(problem)
        for quantity in ("norm_H", "norm_W"):
            curve["series"]["rate_" + quantity] = _reference(theory["steps"], theory["values"][quantity], growth,
                                                             quantity)
        over = np.nonzero(exact > float32_max)[0]
        curve["facts"] = dict(
            float32_first_non_finite_recorded_step=first_bad,
            closed_form_norm_exceeds_float32_max_at=int(steps[over[0]]) if over.size else None,
            float64_final_log_norm_Z=float(np.log(curve["series"]["iterates"]["values"]["norm_Z"][-1])),
            claimed_growth_per_step=growth, seconds_float32=single["seconds"])
        curve["parameters"] = dict(gamma=problem.gamma, eta1=eta, eta2=eta, s=1.0, weight_decay=0.0)
        curves.append(curve)
    bar.close()
    panels = [("norm_H", r"(a) $\|H(t)\|$ (float64)", "log"), ("norm_W", r"(b) $\|W(t)\|$ (float64)", "log"),
              ("norm_Z32", r"(c) $\|Z(t)\|$ in float32 (ends at inf/NaN)", "log")]
    parameters = dict(size, steps=horizon["steps"], every=horizon["every"], seed=seed, gamma=problem.gamma,
                      rates=list(INSTABILITY_RATES), claimed_rate="(1+gamma)/(C sqrt N) per unit zeta (Corollary 3)")
    return dict(name="instability", caption=CAPTIONS["instability"], panels=panels, curves=curves, zoom=None,
                parameters=parameters)


# ------------------------------------------------------------------------------------------------
# Drawing and writing
# ------------------------------------------------------------------------------------------------
def _plot_curve(ax, curve, quantity, color, zoom_from=None, log_axis=False):
    for series in curve["series"].values():
        style = STYLES.get(series["style"])
        if style is None or quantity not in series["values"]:
            continue
        steps, values = series["steps"], np.array(series["values"][quantity], dtype=float)
        if zoom_from is not None:
            if series["style"] == "reference":
                continue
            keep = steps >= zoom_from
            steps, values = steps[keep], values[keep]
        if log_axis and series["style"] == "closed_form":
            # a distance below this fraction of where it started is the closed form's own rounding (differences of
            # nearly equal coefficients)
            values[np.abs(values) < CLOSED_FORM_FLOOR * abs(values[0])] = np.nan
        kwargs = dict(style)
        kwargs.setdefault("color", color)
        ax.plot(steps, values, label=series["label"] if series["style"] == "iterates" else None, **kwargs)


def _set_scale(ax, yscale):
    from matplotlib.ticker import SymmetricalLogLocator

    if yscale == "symlog":
        ax.set_yscale("symlog", linthresh=1.0)
        locator = SymmetricalLogLocator(linthresh=1.0, base=10.0)
        locator.set_params(numticks=6)
        ax.yaxis.set_major_locator(locator)
    else:
        ax.set_yscale(yscale)
    if yscale == "linear":
        ax.ticklabel_format(axis="y", useOffset=False)


def draw(figure, out_dir):
    """Write ``figure`` (a dict from one of the figure functions) as PNG, PDF and JSON under ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    panels = figure["panels"]
    rows = figure.get("rows", 1)
    columns = math.ceil(len(panels) / rows)
    height = 3.0 * rows + 1.2
    fig, axes = plt.subplots(rows, columns, figsize=(3.7 * columns, height), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel in zip(axes.flat, panels):
        quantity, title, yscale = panel[:3]
        group = panel[3] if len(panel) > 3 else None
        chosen = [c for c in figure["curves"] if group is None or c.get("group") == group]
        for i, curve in enumerate(chosen):
            _plot_curve(ax, curve, quantity, colors[i % len(colors)], log_axis=yscale == "log")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch (gradient-descent step)", fontsize=8)
        ax.tick_params(which="both", labelsize=7)
        _set_scale(ax, yscale)
        if figure.get("zoom"):
            last = max(int(c["series"]["iterates"]["steps"][-1]) for c in chosen)
            inset = ax.inset_axes(figure["insets"][quantity])
            for i, curve in enumerate(chosen):
                _plot_curve(inset, curve, quantity, colors[i % len(colors)], zoom_from=last - figure["zoom"],
                            log_axis=yscale == "log")
            _set_scale(inset, yscale)
            inset.tick_params(which="both", labelsize=5)
            for spine in inset.spines.values():
                spine.set_edgecolor("red")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles += [Line2D([], [], color="black", ls="--", lw=1.0), Line2D([], [], color="gray", ls=":", lw=1.4)]
    theory = "Lemma 10 bounds" if figure["name"] == "9" else "closed form (flow)"
    labels += [theory, "claimed rate"]
    if figure["name"] == "9":
        handles.append(Line2D([], [], color="gray", marker="o", lw=0, ms=3))
        labels.append("full p-dim iterates")
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 8), fontsize=7, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(_title(figure), fontsize=9)
    # margins in inches: title 0.6 at the top, x label and legend 0.85 at the bottom
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.85 / height, top=1 - 0.6 / height, wspace=0.3, hspace=0.45)
    stem = out_dir / f"figure_{figure['name']}"
    paths = dict(png=str(stem.with_suffix(".png")), pdf=str(stem.with_suffix(".pdf")),
                 json=str(stem.with_suffix(".json")))
    fig.savefig(paths["png"], dpi=100)
    fig.savefig(paths["pdf"])
    plt.close(fig)
    Path(paths["json"]).write_text(json.dumps(to_json(figure), indent=1))
    return paths


def _title(figure):
    p = figure["parameters"]
    name = "Figure " + figure["name"] if figure["name"] != "instability" else "Instability of the plain unhinged loss"
    return f"{name}: p={p['p']}, C={p['C']}, N={p['N']}, {p['steps']:,} steps, seed {p['seed']}"


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(figure):
    """The figure's record: parameters, caption, panels and every curve's series (non-finite as null)."""
    from ..engine.registry import git_commit

    curves = [{k: v for k, v in c.items() if k not in ("run", "parts")} for c in figure["curves"]]
    return _plain(dict(name=figure["name"], caption=figure["caption"], commit=git_commit(),
                       parameters=figure["parameters"], panels=figure["panels"], curves=curves,
                       seconds=figure.get("seconds"), threads=figure.get("threads", current_threads())))


def build_figure(name, scale="paper", seed=0, progress=True, device=None, cache=None):
    """The data of one figure (no drawing)."""
    if scale not in SCALES:
        raise AssumptionError(f"scale must be one of {tuple(SCALES)} (got {scale!r})")
    start = time.perf_counter()
    if name == "1":
        figure = figure_one(scale, seed, progress, device)
    elif name in WEIGHT_DECAY_FIGURES:
        figure = weight_decay_figure(name, scale, seed, progress, device, cache)
    elif name == "9":
        figure = figure_nine(scale, seed, progress, device)
    elif name == "instability":
        figure = figure_instability(scale, seed, progress, device)
    else:
        raise AssumptionError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    figure["seconds"] = time.perf_counter() - start
    return figure


def existing_outputs(names, out_dir):
    """The files that drawing ``names`` into ``out_dir`` would replace."""
    stems = [Path(out_dir) / f"figure_{name}" for name in names]
    return [str(path) for stem in stems for path in (stem.with_suffix(s) for s in (".png", ".pdf", ".json"))
            if path.exists()]


def draw_figures(names=None, out_dir="results/figures", scale="paper", progress=True, seed=0, device=None,
                 threads=None, force=False, log=None):
    """Build and draw the figures ``names`` (default: all of :data:`FIGURES`); returns
    ``{name: {"png", "pdf", "json", "seconds", "cpu_seconds"}}`` (computing plus drawing; wall-clock and
    this process's CPU time, which does not count other load on the machine).

    Each distinct gradient-descent run is made once (:func:`plan_weight_decay_runs`), a figure's runs as one
    batch. ``threads``: torch threads by :mod:`ulproofs.core.threads` (recorded in each JSON). Existing files are
    replaced only with ``force``. ``log`` (e.g. print) gets one line per figure."""
    names = list(FIGURES) if names is None else [str(n) for n in names]
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise AssumptionError(f"unknown figures {unknown}; known: {', '.join(FIGURES)}")
    if scale not in SCALES:
        raise AssumptionError(f"scale must be one of {tuple(SCALES)} (got {scale!r})")
    existing = existing_outputs(names, out_dir)
    if existing and not force:
        raise FileExistsError(f"{existing[0]} exists ({len(existing)} files would be replaced); pass --force "
                              "(force=True) to replace them, or choose another --out")
    cache, written = {"plan": plan_weight_decay_runs(names, scale, seed)}, {}
    with thread_policy(threads) as count:
        for name in names:
            start, cpu = time.perf_counter(), time.process_time()
            figure = build_figure(name, scale, seed, progress, device, cache)
            figure["threads"] = count
            paths = draw(figure, out_dir)
            written[name] = dict(paths, seconds=round(time.perf_counter() - start, 2),
                                 cpu_seconds=round(time.process_time() - cpu, 2), curves=len(figure["curves"]),
                                 threads=count)
            if log is not None:
                log(f"figure {name}: {len(figure['curves'])} curves, {written[name]['seconds']:.1f} s "
                    f"-> {paths['png']}")
    return written
