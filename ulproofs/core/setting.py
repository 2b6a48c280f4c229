r"""The layer-peeled problem of Section 3 (Eqs. 1--5): sizes, loss, gradients, flow.

Features :math:`H\in\mathbb R^{p\times CN}` are class-major (column :math:`(c-1)N+i` is example
i of class c), labels are the columns of :math:`I_C\otimes\mathbf 1_N^\top`, prototypes
:math:`W\in\mathbb R^{p\times C}`, biases :math:`b\in\mathbb R^C`. The unhinged loss (Eq. 1)

.. math::

    L_\gamma(Wh+b, y) = -w_y^\top h - b_y + \gamma\sum_{j\ne y}(w_j^\top h + b_j)

averaged over the CN examples equals (Eq. 3)
:math:`\operatorname{Tr}(Y^\top W^\top H) + \frac{\gamma C-\gamma-1}{C}\mathbf 1_C^\top b` with

.. math::

    M = -Y = \frac{1}{CN}\bigl((1+\gamma)\,I_C\otimes\mathbf 1_N^\top - \gamma\,\mathbf 1_C\mathbf 1_{CN}^\top\bigr),

so :math:`\nabla_H L=-WM`, :math:`\nabla_W L=-HM^\top`,
:math:`\nabla_b L=\frac{\gamma C-\gamma-1}{C}\mathbf 1_C` (Eq. 4). Every method takes NumPy
arrays or torch tensors; products with M are applied in O(pCN) without forming M.

>>> import numpy as np
>>> problem = LayerPeeledProblem(p=3, C=4, N=2, gamma=0.25)
>>> rng = np.random.default_rng(0)
>>> H, W = rng.standard_normal((3, 8)), rng.standard_normal((3, 4))
>>> bool(np.allclose(problem.apply_M(W), W @ problem.M_dense()))
True
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import AssumptionError
from .validation import real_number


def _is_torch(x):
    return type(x).__module__.startswith("torch")


@dataclass(frozen=True)
class LayerPeeledProblem:
    """Sizes and trade-off of the layer-peeled model; validates the paper's assumptions."""

    p: int
    C: int
    N: int
    gamma: float

    def __post_init__(self):
        for name, low in (("p", 1), ("C", 2), ("N", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise AssumptionError(f"{name} must be an integer (got {value!r})")
            if value < low:
                what = {"p": "feature dimension p >= 1", "C": "at least two classes, C >= 2",
                        "N": "at least one example per class, N >= 1"}[name]
                raise AssumptionError(f"the setting needs {what} (got {name}={value})")
        gamma = real_number("gamma", self.gamma, low=0, assumption=": the unhinged loss (Eq. 1) takes a trade-off "
                                                                   "gamma >= 0")
        object.__setattr__(self, "gamma", gamma)

    # sizes and layout ---------------------------------------------------------------------
    @property
    def examples(self):
        return self.C * self.N

    def class_of_column(self):
        """Class index of each column of H (class-major layout)."""
        return np.repeat(np.arange(self.C), self.N)

    def labels(self):
        r"""The label matrix :math:`I_C\otimes\mathbf 1_N^\top` (C x CN)."""
        return np.kron(np.eye(self.C), np.ones((1, self.N)))

    def M_dense(self):
        """M as an explicit C x CN array (for small checks and the dense baseline only)."""
        C, N, g = self.C, self.N, self.gamma
        return ((1 + g) * self.labels() - g * np.ones((C, C * N))) / (C * N)

    def bias_drift(self):
        r""":math:`(1+\gamma-\gamma C)/C`, the bias velocity per unit of :math:`\eta_2`."""
        return (1 + self.gamma - self.gamma * self.C) / self.C

    def check_shapes(self, H=None, W=None, b=None):
        expected = {"H": (self.p, self.examples), "W": (self.p, self.C), "b": (self.C,)}
        for name, x in (("H", H), ("W", W), ("b", b)):
            if x is not None and not hasattr(x, "shape"):
                raise AssumptionError(f"{name} must be a NumPy array or a torch tensor of shape {expected[name]} "
                                      f"(got {type(x).__name__})")
            if x is not None and tuple(x.shape) != expected[name]:
                raise AssumptionError(f"{name} must have shape {expected[name]} for p={self.p}, C={self.C}, "
                                      f"N={self.N} (got {tuple(x.shape)})")

    # structured products --------------------------------------------------------------------
    def apply_M(self, W):
        """W M without forming M: ((1+g) W repeated per example - g rowsum(W)) / (CN)."""
        self.check_shapes(W=W)
        C, N, g = self.C, self.N, self.gamma
        repeated = W.repeat_interleave(N, dim=1) if _is_torch(W) else np.repeat(W, N, axis=1)
        return ((1 + g) * repeated - g * W.sum(1)[:, None]) / (C * N)

    def apply_MT(self, H):
        """H M^T without forming M: ((1+g) class sums of H - g total sum of H) / (CN)."""
        self.check_shapes(H=H)
        C, N, g = self.C, self.N, self.gamma
        class_sums = H.reshape(self.p, C, N).sum(-1)
        return ((1 + g) * class_sums - g * H.sum(1)[:, None]) / (C * N)

    # loss, gradients, flow ----------------------------------------------------------------
    def logits(self, H, W, b):
        """Scores W^T h + b for every example, C x CN."""
        return W.T @ H + b[:, None]

    def loss(self, H, W, b):
        """Eq. 2: the average of Eq. 1 over all examples, from the logits."""
        self.check_shapes(H, W, b)
        scores = self.logits(H, W, b)
        target_mask = self.labels()
        if _is_torch(scores):
            import torch

            target_mask = torch.as_tensor(target_mask, dtype=scores.dtype, device=scores.device)
        target = (scores * target_mask).sum(0)
        others = scores.sum(0) - target
        return (-target + self.gamma * others).mean()

    def loss_trace_form(self, H, W, b):
        """Eq. 3: Tr(Y^T W^T H) + ((gC - g - 1)/C) 1^T b, with Y = -M."""
        self.check_shapes(H, W, b)
        return -(W * self.apply_MT(H)).sum() - self.bias_drift() * b.sum()

    def gradients(self, H, W, b):
        """Eq. 4: (grad_H, grad_W, grad_b) = (-W M, -H M^T, ((gC-g-1)/C) 1_C)."""
        self.check_shapes(H, W, b)
        grad_b = -self.bias_drift() * (b * 0 + 1)
        return -self.apply_M(W), -self.apply_MT(H), grad_b

    def flow(self, H, W, b, eta1, eta2):
        """Eq. 5: (H', W', b') = (eta1 W M, eta2 H M^T, eta2 ((1+g-gC)/C) 1_C)."""
        for name, eta in (("eta1", eta1), ("eta2", eta2)):
            if not (math.isfinite(float(eta)) and float(eta) > 0):
                raise AssumptionError(f"{name} must be a positive finite learning rate (got {eta!r})")
        grad_H, grad_W, grad_b = self.gradients(H, W, b)
        return -eta1 * grad_H, -eta2 * grad_W, -eta2 * grad_b
