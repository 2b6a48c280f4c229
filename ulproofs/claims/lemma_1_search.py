r"""Lemma 1's numerical search: projected gradient descent over the whole feasible set.

W and every :math:`h_{i,c}` are free in the product of balls :math:`\|w_c\|\le E_1`,
:math:`\|h_{i,c}\|\le E_2`; the search uses only the gradients of Eq. 4 and the logits, never the
reduction of :mod:`ulproofs.claims.lemma_1` nor its derived minimum, which it is compared with
afterwards (:func:`run_search`, :func:`judge_search`).

>>> X = np.array([[[3.0], [4.0]]])          # one column of norm 5
>>> float(np.linalg.norm(_project(X, 1.0)))
1.0
"""
from __future__ import annotations

import math

import numpy as np

from ..core.etf import etf_deviation
from ..core.precision import float_tolerance
from ..core.setting import LayerPeeledProblem


def _project(X, radius):
    """Project every column (axis -2 holds the coordinates) of a batch onto the ball of the given radius."""
    norms = np.sqrt((X * X).sum(-2, keepdims=True))
    return X * np.minimum(1.0, radius / np.maximum(norms, _TINY))


_TINY = np.finfo(float).tiny

#: Iterations of the search (the slowest case, C = 3 just beyond gamma = 2, needs about 100).
SEARCH_STEPS = 150


def _random_in_balls(rng, shape, p, k, radius):
    """Directions uniform on the sphere, radii uniform in [0, radius): the whole ball is sampled."""
    X = rng.standard_normal((*shape, p, k))
    X /= np.sqrt((X * X).sum(-2, keepdims=True))
    return X * radius * rng.uniform(0.0, 1.0, (*shape, 1, k))


def batched_loss(W, H, trade_offs, examples):
    """Eq. 1 averaged over the examples, from the logits W^T h (no M, no reduction); batch axes (G, S)."""
    classes = W.shape[-1]
    scores = np.swapaxes(W, -1, -2) @ H                          # (G, S, C, CN)
    labels = np.kron(np.eye(classes), np.ones((1, examples)))
    target = (scores * labels).sum(-2)
    others = scores.sum(-2) - target
    return (-target + np.asarray(trade_offs)[:, None, None] * others).mean(-1)


def projected_gradient_search(p, classes, examples, trade_offs, starts=48, steps=SEARCH_STEPS, seed=0,
                              radii=(1.0, 1.0), step_factor=4.0):
    r"""Alternating projected gradient descent on the full problem from ``starts`` random feasible
    points, for every trade-off in ``trade_offs`` at once (batch axes: trade-off, start).

    Gradients :math:`\nabla_H=-WM`, :math:`\nabla_W=-HM^\top` (Eq. 4, M from
    :meth:`LayerPeeledProblem.M_dense`), step ``step_factor``:math:`/\|M\|_2`, projection onto each
    column's ball; H and W are updated in turn. The loss is linear in each block, so a projected step
    of any size never increases it (projection inequality): the iterates descend monotonically. The
    search uses neither the reduction nor the derived minimum; final losses come from the logits
    (:func:`batched_loss`). Returns (losses (G, S), W (G, S, p, C), H (G, S, p, CN)).
    """
    e1, e2 = radii
    Ms = np.stack([LayerPeeledProblem(p, classes, examples, float(g)).M_dense() for g in trade_offs])[:, None]
    step = np.array([step_factor / np.linalg.norm(M[0], 2) for M in Ms])[:, None, None, None]
    Mt = np.swapaxes(Ms, -1, -2)
    rng = np.random.default_rng(seed)
    W = _random_in_balls(rng, (len(trade_offs), starts), p, classes, e1)
    H = _random_in_balls(rng, (len(trade_offs), starts), p, classes * examples, e2)
    for _ in range(steps):
        H = _project(H + step * (W @ Ms), e2)
        W = _project(W + step * (H @ Mt), e1)
    return batched_loss(W, H, [float(g) for g in trade_offs], examples), W, H



def minimizer_structure(W, H, classes, examples, radii=(1.0, 1.0)):
    """Structure of a batch of points (axis 0): ETF deviation of W (Gram, :func:`~ulproofs.core.etf.etf_deviation`),
    ||S||/(C E1), smallest prototype and feature norms, the worst alignment cos(h_ic, w_c) and the extreme
    pairwise cosines of W. Returns {name: (min over the batch, max over the batch)}."""
    norms = np.sqrt((W * W).sum(-2))                              # (B, C)
    unit = W / norms[:, None, :]
    gram = np.swapaxes(unit, -1, -2) @ unit
    off = gram[:, ~np.eye(classes, dtype=bool)]
    h_norms = np.sqrt((H * H).sum(-2))                            # (B, CN)
    prototype_of_column = np.repeat(unit, examples, axis=-1)
    alignment = (H * prototype_of_column).sum(-2) / h_norms
    values = dict(etf_deviation=np.array([etf_deviation(w) for w in W]),
                  centre=np.sqrt((W.sum(-1) ** 2).sum(-1)) / (classes * radii[0]),
                  min_w_norm=norms.min(-1) / radii[0], min_h_norm=h_norms.min(-1) / radii[1],
                  min_alignment=alignment.min(-1), cos_min=off.min(-1), cos_max=off.max(-1))
    return {k: (float(v.min()), float(v.max())) for k, v in values.items()}


def loss_tolerance(p, classes, examples):
    """float64 tolerance of a loss value: p C N products summed, one projection per column."""
    return float_tolerance("float64", operations=p * classes * examples + classes * (examples + 1))


def search_configurations():
    """{(C, N, p): gammas} for the search: p = C-1 and C+1 and p < C-1 (1, 2, C//2), gamma in
    {0, 1/(C-1), interior, 2/(C-2), beyond} (:func:`exact_trade_offs`)."""
    from .lemma_1 import exact_trade_offs  # lemma_1 imports this module

    configs = {}
    for classes in (2, 3, 4, 5, 10):
        gammas = exact_trade_offs(classes)
        dims = sorted({classes - 1, classes + 1} | {d for d in (1, 2, classes // 2) if 1 <= d < classes - 1})
        for examples in (1, 2):
            for dim in dims:
                configs[(classes, examples, dim)] = gammas
    return configs


def run_search(seed=0, configs=None, starts=48, steps=SEARCH_STEPS):
    """Run :func:`projected_gradient_search` on every configuration and compare with the derived minimum.

    Per (C, N, p, gamma): best loss minus the derived minimum (it must not be below by more than the float
    tolerance, and must reach it), the fraction of starts that reach it, the structure of every reached
    minimizer (extremes over them), and the best point's loss recomputed by :meth:`LayerPeeledProblem.loss`.
    """
    from .lemma_1 import E1, E2, minimum_value, regime  # lemma_1 imports this module

    rows = {}
    for (classes, examples, dim), gammas in (configs or search_configurations()).items():
        losses, W, H = projected_gradient_search(dim, classes, examples, gammas, starts, steps, seed)
        for k, exact in enumerate(gammas):
            g = float(exact)
            derived = float(minimum_value(classes, exact, features_dim=dim).subs({E1: 1, E2: 1}))
            tol = loss_tolerance(dim, classes, examples) * max(1.0, abs(derived))
            reached = np.flatnonzero(losses[k] - derived <= tol)
            best = int(np.argmin(losses[k]))
            problem = LayerPeeledProblem(dim, classes, examples, g)
            rows[(classes, examples, dim, g)] = dict(
                regime=regime(classes, exact), derived=derived, best=float(losses[k, best]),
                best_minus_derived=float(losses[k, best] - derived), tolerance=tol,
                setting_loss_of_best=float(problem.loss(H[k, best], W[k, best], np.zeros(classes))),
                below=bool(losses[k, best] < derived - tol), reached=bool(reached.size),
                fraction=reached.size / starts,
                structure=minimizer_structure(W[k, reached], H[k, reached], classes, examples) if reached.size else {})
    return rows


def structure_tolerance(p, classes, examples):
    r"""Distance tolerance for the structure of a reached minimizer: near a minimum the loss gap is
    quadratic in the distance to the minimizer set, so a loss tolerance :math:`\tau` resolves distances
    only down to :math:`\sqrt\tau` (times a safety factor of 10)."""
    return 10 * math.sqrt(loss_tolerance(p, classes, examples))


def judge_search(rows):
    """Does the search agree with the derived minimum and minimizer sets?

    Never below the derived minimum; always reaching it; every reached minimizer has unit prototype and
    feature norms (interior, threshold, beyond; and gamma = 0 for the prototypes), aligned features in
    the interior, zero sum in the interior, and is an ETF (Gram deviation within the structure
    tolerance) when C in {2, 3} and gamma is interior with p >= C - 1. Returns (ok, summary) where
    the summary gives, per configuration, the largest ETF deviation among the certified minimizers:
    "C<=3" (where the set is the ETF) and "C>=4" (where it is not), interior gamma only.
    """
    ok, deviations = True, {"C<=3": {}, "C>=4": {}}
    for (classes, examples, dim, g), row in rows.items():
        tol = structure_tolerance(dim, classes, examples)
        s = row["structure"]
        good = (row["reached"] and not row["below"]
                and abs(row["setting_loss_of_best"] - row["best"]) <= row["tolerance"])
        odd_line = dim == 1 and classes % 2 == 1
        if good and row["regime"] == "interior" and not odd_line:
            good = (s["centre"][1] <= tol and s["min_w_norm"][0] >= 1 - tol and s["min_h_norm"][0] >= 1 - tol
                    and s["min_alignment"][0] >= 1 - tol)
            if classes <= 3 and dim >= classes - 1:
                good = good and s["etf_deviation"][1] <= tol
                deviations["C<=3"][(classes, examples, dim, g)] = s["etf_deviation"][1]
            if classes >= 4:
                deviations["C>=4"][(classes, examples, dim, g)] = s["etf_deviation"][1]
        if good and row["regime"] in ("threshold", "beyond"):
            good = s["min_w_norm"][0] >= 1 - tol and s["min_h_norm"][0] >= 1 - tol
        if good and row["regime"] == "beyond":
            good = s["cos_min"][0] >= 1 - tol and s["min_w_norm"][0] >= 1 - tol
        if good and row["regime"] == "zero":
            good = s["min_w_norm"][0] >= 1 - tol and s["min_alignment"][0] >= 1 - tol
        row["passed"] = bool(good)
        ok &= good
    return ok, deviations
