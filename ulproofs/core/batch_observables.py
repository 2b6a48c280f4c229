r"""Scalars of B gradient-descent runs observed in the class-mean coordinates of
:class:`~ulproofs.core.descent.BatchState`, with no p x CN matrix formed per step: norms, distances to
fixed targets and to a direction, self-duality, centring, ETF deviation, loss and accuracy.

One implementation serves the checks (Corollary 3's Figure 1 sweep, Corollary 5's Figures 4-8) and the
figures, so a run observed by both gives the same numbers.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from tqdm.auto import tqdm

from .descent import batched_descent
from .errors import AssumptionError
from .etf import etf_deviation
from .precision import float_tolerance


class BatchTargets:
    r"""Fixed targets of B runs in the coordinates of a :class:`~ulproofs.core.descent.BatchState`: a target
    :math:`T_H=T_A\otimes\mathbf 1_N^\top+t\,R_0` (its E3 part is the start's within-class part :math:`R_0`, the
    others are constant within each class) is held as (T_A, t) and T_W, so that by Pythagoras (:math:`R_0` is
    orthogonal to every class-constant matrix)
    :math:`\|H-T_H\|^2=N\|A-T_A\|_F^2+(c-t)^2\|R_0\|^2` with no cancellation and no p x CN matrix formed."""

    def __init__(self, state, parts_list, coefficient_list):
        p, C = state.within.shape[1], state.A.shape[-1]
        N = state.within.shape[-1] // C
        means, prototypes, within = [], [], []
        for i, (parts, coefficients) in enumerate(zip(parts_list, coefficient_list)):
            coefficients = np.array(coefficients, dtype=float)
            e3 = parts.labels.index("E3")
            within.append(coefficients[e3, 0])
            coefficients[e3, 0] = 0.0
            H, W = parts.combine(coefficients)
            basis = state.basis[i].double().cpu().numpy()
            for full, out in ((H[:, ::N], means), (W, prototypes)):
                reduced = basis.T @ full
                residual = np.linalg.norm(full - basis @ reduced)
                if residual > float_tolerance(operations=p * C) * max(np.linalg.norm(full), 1.0):
                    raise AssumptionError(f"a target leaves the span of the start (residual {residual:.3g})")
                out.append(reduced)
        as_tensor = lambda x: torch.as_tensor(np.array(x), dtype=state.A.dtype, device=state.A.device)  # noqa: E731
        self.A, self.W, self.t = as_tensor(means), as_tensor(prototypes), as_tensor(within)
        self.norm_H = torch.sqrt(N * (self.A ** 2).sum((1, 2)) + self.t ** 2 * state.within_squared)
        self.norm_W = torch.linalg.vector_norm(self.W, dim=(1, 2))


def feature_distance(state, A, c, TA, t):
    r""":math:`\|H-T_H\|` for H = (A, c) and T_H = (T_A, t) (see :class:`BatchTargets`), per run."""
    N = state.within.shape[-1] // state.A.shape[-1]
    return torch.sqrt(N * ((A - TA) ** 2).sum((1, 2)) + (c - t) ** 2 * state.within_squared)


def frobenius(x):
    return torch.linalg.vector_norm(x, dim=(1, 2))


class BatchAccuracy:
    r"""Accuracy of :math:`\arg\max_cw_c^\top h` for the runs ``which`` of a batch (NaN for the others):
    :math:`W^\top H=(W^\top A)\otimes\mathbf 1_N^\top+c\,W^\top R_0` in the basis's coordinates, with
    :math:`Q^\top R_0` (r x CN) formed once."""

    def __init__(self, classes, which):
        self.classes, self.which, self.within = classes, list(which), None

    def __call__(self, state):
        out = torch.full_like(state.scale, math.nan)
        if not self.which:
            return out
        index = torch.as_tensor(self.which, device=state.A.device)
        if self.within is None:
            self.within = state.basis[index].transpose(1, 2) @ state.within[index]
        N = state.within.shape[-1] // state.A.shape[-1]
        W = state.W[index].transpose(1, 2)
        scores = (W @ state.A[index]).repeat_interleave(N, dim=-1) + state.scale[index, None, None] * (W @ self.within)
        out[index] = (scores.argmax(1) == self.classes).to(out.dtype).mean(1)
        return out


def observe_batch(state, targets, direction=None, accuracy=None, loss=None):
    """Scalars of every run at one recorded step (float64 NumPy arrays of length B): norms, distances to the
    fixed ``targets`` (name -> :class:`BatchTargets`), self-duality and centring of W, the direction distances of
    H, W and Z to ``direction`` and the ETF deviation of W (weight decay), the loss (``loss``: per-run (own, shared,
    bias drift) of M) and the accuracy (``accuracy``: a :class:`BatchAccuracy`)."""
    A, W, c = state.A, state.W, state.scale
    N = state.within.shape[-1] // A.shape[-1]
    zero = torch.zeros_like(c)
    norm_H = feature_distance(state, A, c, torch.zeros_like(A), zero)
    norm_W = frobenius(W)
    norm_Z = torch.sqrt(norm_H ** 2 + norm_W ** 2)
    # <H, W (x) 1^T> = N <A, W>: self-duality <H, W (x) 1>/(N ||W||^2)
    out = dict(norm_H=norm_H, norm_W=norm_W, norm_Z=norm_Z, self_duality=(A * W).sum((1, 2)) / norm_W ** 2,
               centring=torch.linalg.vector_norm(W.sum(2), dim=1) / norm_W)
    for name, target in targets.items():
        if name == "unit":   # the distance of Z/||Z|| to a unit target (Fig. 1)
            z = norm_Z[:, None, None]
            out["distance"] = torch.sqrt(feature_distance(state, A / z, c / norm_Z, target.A, target.t) ** 2
                                         + frobenius(W / z - target.W) ** 2)
            continue
        out[f"distance_H_{name}"] = feature_distance(state, A, c, target.A, target.t)
        out[f"distance_W_{name}"] = frobenius(W - target.W)
    if direction is not None:
        d = direction
        h, w = norm_H[:, None, None], norm_W[:, None, None]
        out["direction_H"] = feature_distance(state, A / h, c / norm_H, d.A / d.norm_H[:, None, None],
                                               d.t / d.norm_H)
        out["direction_W"] = frobenius(W / w - d.W / d.norm_W[:, None, None])
        norm_d = torch.sqrt(d.norm_H ** 2 + d.norm_W ** 2)
        z, dz = norm_Z[:, None, None], norm_d[:, None, None]
        out["direction_Z"] = torch.sqrt(feature_distance(state, A / z, c / norm_Z, d.A / dz, d.t / norm_d) ** 2
                                        + frobenius(W / z - d.W / dz) ** 2)
    if loss is not None:
        # Eq. 3: -<W, H M^T> - drift 1^T b with H M^T = N (own A - shared A 1 1^T)
        own, shared, drift = loss
        out["loss"] = -N * (own * (A * W).sum((1, 2)) - shared * (A.sum(2) * W.sum(2)).sum(1)) - drift * state.b.sum(1)
    if accuracy is not None:
        out["accuracy"] = accuracy(state)
    result = {key: value.double().cpu().numpy() for key, value in out.items()}
    if direction is not None:
        result["etf"] = np.array([etf_deviation(w) for w in W.double().cpu().numpy()])
    return result


def run_batch(problems, starts, rates, decays, steps, every, observe, device, desc, progress):
    """One batched gradient-descent run of several (gamma, lambda, eta, s) settings; per-run observations."""
    bar = tqdm(total=steps, desc=desc, disable=not progress, leave=False, mininterval=0.5)
    recorded, observations, seconds = batched_descent(problems, starts, rates, steps, range(0, steps + 1, every),
                                                      observe, decays, device=device, progress=bar)
    bar.close()
    keys = observations[0].keys()
    return [dict(steps=np.array(recorded), seconds=seconds / len(problems),
                 measured={key: np.array([o[key][i] for o in observations]) for key in keys})
            for i in range(len(problems))]
