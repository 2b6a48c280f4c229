r"""Gradient-descent iterates of the layer-peeled model in PyTorch (float64; CUDA when present).

One step of plain gradient descent on Eq. 2, or on Eq. 11 with weight decay
:math:`(\lambda_1,\lambda_2)` (Eq. 12 read at integer steps):

.. math::

    H_{k+1}=H_k+\eta_{1,k}(W_kM-\lambda_1H_k),\quad W_{k+1}=W_k+\eta_{2,k}(H_kM^\top-\lambda_2W_k),\quad
    b_{k+1}=b_k+\eta_{2,k}\bigl(\tfrac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b_k\bigr).

With ``train_prototypes=False`` W and b stay fixed (the prototype-anchored case, Eq. 16).

Three update rules compute the same iterates:

* ``"dense"``: the naive baseline, explicit :math:`M` and matrix products, O(pC^2N) a step;
* ``"structured"``: products with M by reshaping and summing (O(pCN) a step), H held in full;
* ``"class-mean"``: since :math:`W_kM` is constant within each class,
  :math:`H_k=c_kH_0+D_k\otimes\mathbf 1_N^\top` with a scalar :math:`c_k=\prod_j(1-\eta_{1,j}\lambda_1)`;
  the iteration runs on :math:`(c_k,D_k,W_k)`, O(pC) a step, and H is formed only when recorded.

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=3, C=4, N=2, gamma=0.1)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((3, 8)), rng.standard_normal((3, 4)), np.zeros(4)
>>> rates = RatePair.proportional(Constant(0.5))
>>> a = gradient_descent(problem, H0, W0, b0, rates, steps=20, method="dense")
>>> b = gradient_descent(problem, H0, W0, b0, rates, steps=20, method="class-mean")
>>> bool(np.allclose(a.H[-1], b.H[-1]) and np.allclose(a.W[-1], b.W[-1]))
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .errors import AssumptionError

METHODS = ("dense", "structured", "class-mean")


def default_device(device=None):
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class DescentRecord:
    """States at the recorded steps (NumPy arrays) and scalar observations."""

    steps: list = field(default_factory=list)
    H: list = field(default_factory=list)
    W: list = field(default_factory=list)
    b: list = field(default_factory=list)
    observations: list = field(default_factory=list)
    device: str = "cpu"


def gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=None, observe=None, method="class-mean",
                     device=None, dtype=torch.float64, keep_states=True, progress=False, weight_decay=(0.0, 0.0),
                     train_prototypes=True):
    """Run ``steps`` steps from (H0, W0, b0); record states at ``record_steps`` (default: last).

    ``weight_decay`` is (lambda1, lambda2) of Eq. 11 (lambda2 also decays b);
    ``train_prototypes=False`` keeps W and b fixed.

    ``rates`` is a :class:`~ulproofs.core.rates.RatePair`; step k uses (eta1(k), eta2(k)), so any
    pair (proportional or not) can be iterated. ``observe(H, W, b, step)`` may return a dict of
    scalars stored per recorded step. States are returned as NumPy float64 arrays.
    """
    if method not in METHODS:
        raise AssumptionError(f"method must be one of {METHODS} (got {method!r})")
    if int(steps) != steps or steps < 0:
        raise AssumptionError(f"steps must be a non-negative integer (got {steps!r})")
    problem.check_shapes(H0, W0, b0)
    decay_H, decay_W = (float(x) for x in weight_decay)
    if not (np.isfinite([decay_H, decay_W]).all() and decay_H >= 0 and decay_W >= 0):
        raise AssumptionError(f"weight decay (lambda1, lambda2) must be finite and >= 0 (got {weight_decay!r})")
    device = default_device(device)
    record_steps = sorted(set([steps] if record_steps is None else (int(k) for k in record_steps)))
    if record_steps and (record_steps[0] < 0 or record_steps[-1] > steps):
        raise AssumptionError("record_steps must lie in 0..steps")
    # Python floats: torch takes them as scalars without wrapping each in a tensor.
    eta1 = np.asarray(rates.eta1(np.arange(steps)), dtype=float).tolist()
    eta2 = np.asarray(rates.eta2(np.arange(steps)), dtype=float).tolist()

    def tensor(x):  # a copy: the class-mean update writes into W
        return torch.tensor(np.asarray(x, dtype=float), dtype=dtype, device=device)

    H, W, b = tensor(H0), tensor(W0), tensor(b0)
    C, N, g = problem.C, problem.N, problem.gamma
    drift = problem.bias_drift()
    M = tensor(problem.M_dense()) if method == "dense" else None
    base_H, class_sums0 = H, H.reshape(problem.p, C, N).sum(-1)
    D = torch.zeros_like(W)
    # class-mean: W M = (own W - shared rowsum(W)) (x) 1_N^T and H M^T = own S - shared rowsum(S),
    # S = class sums of H; the update of D is the first without its (x) 1_N^T.
    own, shared = (1 + g) / (C * N), g / (C * N)
    class_sums, W_next = torch.empty_like(W), torch.empty_like(W)

    scale = 1.0  # c_k of the class-mean update

    def current_H():
        return scale * base_H + D.repeat_interleave(N, dim=1) if method == "class-mean" else H

    record = DescentRecord(device=str(device))
    pending = iter(record_steps)
    next_record = next(pending, None)
    for k in tqdm(range(steps + 1), disable=not progress, desc=f"gradient descent ({method})"):
        while next_record == k:
            H_now = current_H()
            record.steps.append(k)
            if keep_states:
                record.H.append(H_now.cpu().numpy())
                record.W.append(W.cpu().numpy().copy())   # W and b are updated in place
                record.b.append(b.cpu().numpy().copy())
            if observe is not None:
                record.observations.append(observe(H_now, W, b, k))
            next_record = next(pending, None)
        if k == steps:
            break
        keep_H, keep_W = 1.0 - eta1[k] * decay_H, 1.0 - eta2[k] * decay_W
        if not train_prototypes:
            keep_W = 1.0
        if method == "dense":
            H_next = keep_H * H + eta1[k] * (W @ M)
            if train_prototypes:
                W = keep_W * W + eta2[k] * (H @ M.T)
            H = H_next
        elif method == "structured":
            H_next = keep_H * H + eta1[k] * problem.apply_M(W)
            if train_prototypes:
                W = keep_W * W + eta2[k] * problem.apply_MT(H)
            H = H_next
        else:
            # in place, with the per-step constants folded into alpha: a few passes over p x C
            W_total = W.sum(1, keepdim=True)
            # passes that multiply by 1 are skipped: without weight decay a step is 5 passes over p x C
            if train_prototypes:
                torch.add(class_sums0 if scale == 1.0 else scale * class_sums0, D, alpha=N, out=class_sums)
                sums_total = class_sums.sum(1, keepdim=True)
                torch.add(W, class_sums, alpha=eta2[k] * own, out=W_next).sub_(sums_total, alpha=eta2[k] * shared)
                if keep_W != 1.0:
                    W_next.sub_(W, alpha=1.0 - keep_W)
            if keep_H != 1.0:
                D.mul_(keep_H)
            D.add_(W, alpha=eta1[k] * own).sub_(W_total, alpha=eta1[k] * shared)
            scale *= keep_H
            if train_prototypes:
                W, W_next = W_next, W
        if train_prototypes:
            b = keep_W * b + eta2[k] * drift
    return record
