r"""Numeric decomposition of :math:`Z_0=(H_0,W_0)` along the five subspaces of Eq. 8.

The projectors are the ones derived and proved in :mod:`ulproofs.core.operator` (symbolic C, N),
applied in O(pCN) through their Kronecker structure. Every closed form of the paper has the
shape

.. math::

    Z(t)=\sum_{k}\bigl(u_k(t)\,H_k,\ v_k(t)\,W_k\bigr),\qquad (H_k,W_k)=\Pi_k Z_0,

so a trajectory is an array of coefficients of shape (..., 5, 2). Norms, inner products and
distances of such combinations follow from two 5 x 5 Gram matrices computed once, without forming
:math:`Z(t)` (the subspaces are orthogonal as pairs (H, W), but the H-parts of
:math:`\mathcal E_1^+` and :math:`\mathcal E_1^-` are not orthogonal on their own, hence the
Gram matrices rather than a diagonal).

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> problem = LayerPeeledProblem(p=4, C=3, N=2, gamma=0.1)
>>> rng = np.random.default_rng(1)
>>> parts = Decomposition(problem, rng.standard_normal((4, 6)), rng.standard_normal((4, 3)))
>>> ones = np.ones((5, 2))
>>> H, W = parts.combine(ones)                     # the components sum back to Z0
>>> bool(np.allclose(H, parts.H0) and np.allclose(W, parts.W0))
True
"""
from __future__ import annotations

import numpy as np

from .operator import derive_spectrum, gamma
from .structured import C, N

LABELS = ("E1+", "E1-", "E2+", "E2-", "E3")


def spectrum_at(problem):
    """[(label, eigenvalue as float, projector)] for the problem's gamma, C, N."""
    values = {gamma: problem.gamma, C: problem.C, N: problem.N}
    return [(c.label, float(c.eigenvalue.subs(values)), c.projector) for c in derive_spectrum()]


class Decomposition:
    """The five components of (H0, W0), their eigenvalues and Gram matrices."""

    def __init__(self, problem, H0, W0):
        problem.check_shapes(H=H0, W=W0)
        self.problem, self.H0, self.W0 = problem, H0, W0
        spectrum = spectrum_at(problem)
        self.labels = tuple(label for label, _, _ in spectrum)
        self.eigenvalues = np.array([value for _, value, _ in spectrum])
        self.parts = [Q.apply_right([H0, W0], problem.C, problem.N) for _, _, Q in spectrum]
        self.gram_H = _gram([H for H, _ in self.parts])
        self.gram_W = _gram([W for _, W in self.parts])

    def combine(self, coefficients):
        """The state sum_k (u_k H_k, v_k W_k) for coefficients of shape (5, 2)."""
        coefficients = np.asarray(coefficients, dtype=float)
        H = sum(u * Hk for u, (Hk, _) in zip(coefficients[:, 0], self.parts))
        W = sum(v * Wk for v, (_, Wk) in zip(coefficients[:, 1], self.parts))
        return H, W

    def inner(self, left, right):
        """<Z_left, Z_right> for coefficient arrays of shape (..., 5, 2), broadcast over '...'."""
        left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        return (np.einsum("...k,kl,...l->...", left[..., 0], self.gram_H, right[..., 0])
                + np.einsum("...k,kl,...l->...", left[..., 1], self.gram_W, right[..., 1]))

    def norm(self, coefficients):
        return np.sqrt(np.maximum(self.inner(coefficients, coefficients), 0.0))

    def norms_HW(self, coefficients):
        """(||H||, ||W||) separately."""
        c = np.asarray(coefficients, dtype=float)
        h = np.einsum("...k,kl,...l->...", c[..., 0], self.gram_H, c[..., 0])
        w = np.einsum("...k,kl,...l->...", c[..., 1], self.gram_W, c[..., 1])
        return np.sqrt(np.maximum(h, 0.0)), np.sqrt(np.maximum(w, 0.0))

    def distance(self, left, right):
        return self.norm(np.asarray(left, dtype=float) - np.asarray(right, dtype=float))

    def direction_distance(self, left, right):
        """|| Z_left/||Z_left|| - Z_right/||Z_right|| || (Figure 1(c))."""
        nl, nr = self.norm(left), self.norm(right)
        cosine = self.inner(left, right) / (nl * nr)
        return np.sqrt(np.maximum(2.0 - 2.0 * cosine, 0.0))


def _gram(blocks):
    flat = np.stack([np.asarray(b, dtype=float).reshape(-1) for b in blocks])
    return flat @ flat.T
