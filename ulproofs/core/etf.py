r"""Simplex equiangular tight frames (ETF): the fixed prototypes of prototype-anchored learning.

Convention: **columns are prototypes**. :func:`simplex_etf` returns
:math:`W=[w_1,\dots,w_C]\in\mathbb R^{p\times C}` (the paper's layout, Section 3.3 and 4.1) with

.. math::

    W^\top W=s^2\,\frac{C}{C-1}\Bigl(I_C-\frac1C\mathbf 1_C\mathbf 1_C^\top\Bigr),

i.e. :math:`\|w_c\|=s`, :math:`\cos\angle(w_i,w_j)=-\frac1{C-1}` for :math:`i\ne j`, and
:math:`W\mathbf 1_C=0`. For s = 1 this is the paper's
:math:`W^\top W=\frac{C}{C-1}I_C-\frac1{C-1}\mathbf 1_C\mathbf 1_C^\top`. The construction is

.. math::

    W=s\sqrt{\tfrac{C}{C-1}}\;U B^\top,

with :math:`B\in\mathbb R^{C\times(C-1)}` the Helmert basis of :math:`\mathbf 1_C^\perp`
(orthonormal columns, :math:`BB^\top=I_C-\frac1C\mathbf 1\mathbf 1^\top`) and
:math:`U\in\mathbb R^{p\times(C-1)}` a Haar-random matrix with orthonormal columns drawn from a
seeded :class:`numpy.random.Generator` (QR of a Gaussian matrix, signs fixed by
:math:`\operatorname{diag}R>0`). It needs only :math:`p\ge C-1`: a simplex ETF spans a
(C-1)-dimensional frame. The result is float64 NumPy; for a network use
``torch.as_tensor(W.T)`` if the layer stores prototypes as rows (``nn.Linear.weight`` is C x p).

:func:`etf_deviation` measures how far any W is from a simplex ETF of its own scale;
:func:`is_simplex_etf` compares that with a float64 tolerance from :mod:`ulproofs.core.precision`.

>>> import numpy as np
>>> W = simplex_etf(p=3, C=4, scale=2.0, seed=0)
>>> W.shape
(3, 4)
>>> bool(np.allclose(W.T @ W, simplex_gram(4, 2.0)))
True
>>> np.round(np.linalg.norm(W, axis=0), 12).tolist()
[2.0, 2.0, 2.0, 2.0]
>>> is_simplex_etf(W), is_simplex_etf(np.eye(3, 4))
(True, False)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import AssumptionError
from .precision import float_tolerance


def _check_sizes(p, C):
    for name, value in (("p", p), ("C", C)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise AssumptionError(f"{name} must be an integer (got {value!r})")
    if C < 2:
        raise AssumptionError(f"a simplex ETF needs at least two classes, C >= 2 (got C={C})")
    if p < C - 1:
        raise AssumptionError(f"a simplex ETF of C={C} vectors spans C-1={C - 1} dimensions: it needs p >= C-1 "
                              f"(got p={p})")


def _check_scale(scale):
    value = float(scale)
    if not (math.isfinite(value) and value > 0):
        raise AssumptionError(f"the prototype norm (scale) must be positive and finite (got {scale!r})")
    return value


def helmert_basis(C):
    r"""An orthonormal basis of :math:`\mathbf 1_C^\perp`, as the C x (C-1) matrix B.

    Column k (k = 1..C-1) is :math:`(1,\dots,1,-k,0,\dots,0)/\sqrt{k(k+1)}` with k ones.
    """
    _check_sizes(C - 1, C)
    B = np.zeros((C, C - 1))
    for k in range(1, C):
        B[:k, k - 1] = 1.0
        B[k, k - 1] = -float(k)
        B[:, k - 1] /= math.sqrt(k * (k + 1))
    return B


def simplex_gram(C, scale=1.0):
    r"""The Gram matrix :math:`s^2\frac{C}{C-1}(I_C-\frac1C\mathbf 1\mathbf 1^\top)` of a simplex ETF."""
    _check_sizes(C - 1, C)
    scale = _check_scale(scale)
    return scale ** 2 * (C / (C - 1)) * (np.eye(C) - np.full((C, C), 1.0 / C))


def simplex_etf(p, C, scale=1.0, seed=0):
    r"""A p x C simplex ETF (columns are the C prototypes, each of norm ``scale``).

    ``seed`` is an int (or a :class:`numpy.random.Generator`, used as is); the same seed gives
    the same W, different seeds rotate the frame. Raises :class:`~ulproofs.core.errors.AssumptionError`
    for C < 2, p < C - 1 or scale <= 0.
    """
    _check_sizes(p, C)
    scale = _check_scale(scale)
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((p, C - 1)))
    U = Q * np.where(np.diag(R) < 0, -1.0, 1.0)      # Haar: make the QR factorisation unique
    return scale * math.sqrt(C / (C - 1)) * (U @ helmert_basis(C).T)


def etf_deviation(W):
    r"""Relative distance of :math:`W^\top W` from the simplex-ETF Gram of the same mean scale.

    .. math::

        \frac{\|W^\top W-\bar s^2G_C\|_F}{\bar s^2\|G_C\|_F},\qquad
        \bar s^2=\frac1C\operatorname{tr}(W^\top W),\quad G_C=\tfrac{C}{C-1}(I_C-\tfrac1C\mathbf 1\mathbf 1^\top).

    Zero exactly for a simplex ETF (any scale); infinite for W = 0.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] < 2:
        raise AssumptionError(f"W must be a p x C matrix of C >= 2 prototype columns (got shape {W.shape})")
    gram = W.T @ W
    mean_square = np.trace(gram) / W.shape[1]
    if mean_square == 0:
        return math.inf
    target = simplex_gram(W.shape[1])
    return float(np.linalg.norm(gram / mean_square - target) / np.linalg.norm(target))


def etf_tolerance(p, C):
    r"""float64 tolerance of :func:`etf_deviation` for a constructed ETF: the QR and the product
    :math:`UB^\top` round sums of about p and C terms, and the Gram sums p products."""
    return float_tolerance("float64", operations=2 * p + 2 * C)


def is_simplex_etf(W, tol=None):
    """Whether W is a simplex ETF up to ``tol`` (default :func:`etf_tolerance`) in :func:`etf_deviation`."""
    W = np.asarray(W, dtype=float)
    tol = etf_tolerance(*W.shape) if tol is None else float(tol)
    return bool(etf_deviation(W) <= tol)
