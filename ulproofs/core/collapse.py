r"""Neural-collapse metrics (Papyan, Han and Donoho, 2020), one implementation for the layer-peeled
iterates of the theory side and for the penultimate features of a trained network.

Notation. Features :math:`h_i\in\mathbb R^p` (rows of ``features``), labels :math:`y_i\in\{0,\dots,C-1\}`,
:math:`n_c` examples of class c, class means :math:`\mu_c=\frac1{n_c}\sum_{y_i=c}h_i`. The centre is the
mean of the class means :math:`\mu_G=\frac1C\sum_c\mu_c` (Papyan et al.'s global mean when the classes are
balanced; for imbalanced classes it keeps :math:`\sum_c\bar m_c=0`, the simplex-ETF layout), and the centred
class means are the rows of :math:`\bar M\in\mathbb R^{C\times p}`, :math:`\bar m_c=\mu_c-\mu_G`.
Prototypes are the rows :math:`w_c` of :math:`W\in\mathbb R^{C\times p}` (``nn.Linear.weight``; transpose a
p x C ETF of :mod:`ulproofs.core.etf`).

.. math::

    \Sigma_W=\frac1n\sum_i(h_i-\mu_{y_i})(h_i-\mu_{y_i})^\top,\qquad
    \Sigma_B=\frac1C\sum_c\bar m_c\bar m_c^\top=\tfrac1C\bar M^\top\bar M.

* ``nc1`` :math:`=\frac1C\operatorname{Tr}(\Sigma_W\Sigma_B^\dagger)` (within-class variability
  relative to between-class; 0 when every feature sits on its class mean). Computed as
  :math:`\frac1n\sum_i\|(\bar M^\dagger)^\top(h_i-\mu_{y_i})\|^2` using
  :math:`(\bar M^\top\bar M)^\dagger=\bar M^\dagger\bar M^{\dagger\top}`; the pseudo-inverse drops
  singular values below ``float_tolerance(operations=max(C, p))`` times the largest (the direction
  :math:`\mathbf 1_C` that centring removes). Infinite when all class means coincide (:math:`\Sigma_B=0`).
* ``nc2_equinorm`` :math:`=\operatorname{std}_c\|\bar m_c\|/\operatorname{mean}_c\|\bar m_c\|` and
  ``nc2_prototype_equinorm`` the same for :math:`\|w_c\|` (population std; 0 for equal norms).
* ``nc2_equiangle`` :math:`=\sqrt{\operatorname{mean}_{c<c'}\bigl(\cos(\bar m_c,\bar m_{c'})+\frac1{C-1}\bigr)^2}`,
  ``nc2_equiangle_max`` :math:`=\max_{c<c'}\lvert\cos(\bar m_c,\bar m_{c'})+\frac1{C-1}\rvert` and
  ``nc2_prototype_equiangle`` the first for the prototypes: the spread of the pairwise cosines around
  the simplex-ETF value :math:`-\frac1{C-1}` (0 for a simplex ETF). A zero vector has no angle: the
  cosines are then ``nan``.
* ``nc3_self_duality`` :math:`=\bigl\|\frac{W}{\|W\|_F}-\frac{\bar M}{\|\bar M\|_F}\bigr\|_F` (0 when the
  prototypes are the centred class means up to one positive scale; at most 2).
* ``nc4_ncc_mismatch``: the fraction of examples whose nearest class mean
  :math:`\arg\min_c\|h_i-\mu_c\|` (first index on ties) differs from ``predictions[i]``.

Keys needing prototypes are ``None`` without them; ``nc4_ncc_mismatch`` is ``None`` without predictions.

A collapsed layout: every feature is its class's vertex of a simplex ETF and the prototypes are the
same vertices scaled by 3.

>>> from ulproofs.core.etf import simplex_etf
>>> vertices = simplex_etf(p=5, C=4, seed=1).T                  # C x p, rows are the vertices
>>> labels = class_major_labels(4, 3)
>>> labels.tolist()
[0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
>>> metrics = neural_collapse(vertices[labels] + 7.0, labels, prototypes=3 * vertices, predictions=labels)
>>> {key: round(value, 9) for key, value in metrics.items()}  # doctest: +NORMALIZE_WHITESPACE
{'nc1': 0.0, 'nc2_equinorm': 0.0, 'nc2_prototype_equinorm': 0.0, 'nc2_equiangle': 0.0,
 'nc2_equiangle_max': 0.0, 'nc2_prototype_equiangle': 0.0, 'nc3_self_duality': 0.0, 'nc4_ncc_mismatch': 0.0}
>>> neural_collapse(vertices[labels], labels)["nc3_self_duality"] is None
True
>>> neural_collapse(vertices[labels], 0 * labels)
Traceback (most recent call last):
...
ulproofs.core.errors.AssumptionError: neural collapse needs at least two classes, C >= 2 (got C=1)
"""
from __future__ import annotations

import numbers

import numpy as np

from .errors import AssumptionError
from .precision import float_tolerance

KEYS = ("nc1", "nc2_equinorm", "nc2_prototype_equinorm", "nc2_equiangle", "nc2_equiangle_max",
        "nc2_prototype_equiangle", "nc3_self_duality", "nc4_ncc_mismatch")


def class_major_labels(C, N):
    """Labels of the columns of the layer-peeled layout H (p x CN): column (c-1)N + i belongs to class c-1.

    >>> class_major_labels(3, 2).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    for name, value in (("C", C), ("N", N)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise AssumptionError(f"{name} must be a positive integer (got {value!r})")
    return np.repeat(np.arange(C), N)


def _integer_vector(name, values, n, C):
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != n:
        raise AssumptionError(f"{name} must be a 1-D array with one label per feature row "
                              f"(got shape {array.shape} for {n} feature rows)")
    if array.dtype.kind not in "iu":
        raise AssumptionError(f"{name} must be integer class indices (got dtype {array.dtype})")
    if C is not None and n and (array.min() < 0 or array.max() >= C):
        raise AssumptionError(f"{name} must lie in 0..C-1 = 0..{C - 1} (got values from {array.min()} "
                              f"to {array.max()})")
    return array.astype(np.int64)


def _validated(features, labels, prototypes, predictions):
    H = np.asarray(features, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] == 0 or H.shape[1] == 0:
        raise AssumptionError(f"features must be a non-empty (n, p) array (got shape {H.shape})")
    if not np.all(np.isfinite(H)):
        raise AssumptionError("features must be finite (got NaN or infinity)")
    n, p = H.shape
    W = None
    if prototypes is not None:
        W = np.asarray(prototypes, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != p:
            raise AssumptionError(f"prototypes must be a (C, p) array with p = {p} feature columns "
                                  f"(got shape {W.shape})")
        if not np.all(np.isfinite(W)):
            raise AssumptionError("prototypes must be finite (got NaN or infinity)")
    y = _integer_vector("labels", labels, n, None)
    if y.min() < 0:
        raise AssumptionError(f"labels must be non-negative class indices (got {y.min()})")
    C = W.shape[0] if W is not None else int(y.max()) + 1
    if C < 2:
        raise AssumptionError(f"neural collapse needs at least two classes, C >= 2 (got C={C})")
    if y.max() >= C:
        raise AssumptionError(f"labels must lie in 0..C-1 = 0..{C - 1} for C = {C} prototypes (got {y.max()})")
    counts = np.bincount(y, minlength=C)
    if np.any(counts == 0):
        raise AssumptionError(f"every class 0..{C - 1} needs at least one example (classes without any: "
                              f"{np.flatnonzero(counts == 0).tolist()})")
    yhat = None if predictions is None else _integer_vector("predictions", predictions, n, C)
    return H, y, W, yhat, counts


def _class_means(H, y, counts):
    sums = np.zeros((counts.shape[0], H.shape[1]))
    np.add.at(sums, y, H)
    return sums / counts[:, None]


def _coefficient_of_variation(norms):
    mean = norms.mean()
    return float(norms.std() / mean) if mean > 0 else float("nan")


def _cosine_offsets(rows):
    """cos(row_c, row_c') + 1/(C-1) for all pairs c < c' (nan where a row is zero)."""
    C = rows.shape[0]
    norms = np.linalg.norm(rows, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = rows / norms[:, None]
    upper = np.triu_indices(C, k=1)
    return (unit @ unit.T)[upper] + 1.0 / (C - 1)


def _pinv_rows(M):
    """Pseudo-inverse of the C x p matrix M, dropping singular values below the float64 rank threshold."""
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return None
    keep = s > float_tolerance("float64", operations=max(M.shape)) * s[0]
    return (Vt[keep].T / s[keep]) @ U[:, keep].T


def neural_collapse(features, labels, prototypes=None, predictions=None):
    """The neural-collapse metrics of the module docstring, as a dict of floats (``None`` where not defined).

    ``features`` (n, p), ``labels`` (n,) in 0..C-1 with every class present, ``prototypes`` (C, p) or None
    (then C = max label + 1), ``predictions`` (n,) in 0..C-1 or None. Bad input raises
    :class:`~ulproofs.core.errors.AssumptionError` naming it.
    """
    H, y, W, yhat, counts = _validated(features, labels, prototypes, predictions)
    means = _class_means(H, y, counts)
    centred = means - means.mean(axis=0)
    pinv = _pinv_rows(centred)
    if pinv is None:
        nc1 = float("inf")
    else:
        projected = H @ pinv                        # (M^+)^T h_i for every example, n x C
        projected -= (means @ pinv)[y]
        nc1 = float(np.einsum("ij,ij->", projected, projected) / H.shape[0])
    offsets = _cosine_offsets(centred)
    result = {
        "nc1": nc1,
        "nc2_equinorm": _coefficient_of_variation(np.linalg.norm(centred, axis=1)),
        "nc2_prototype_equinorm": None,
        "nc2_equiangle": float(np.sqrt(np.mean(offsets ** 2))),
        "nc2_equiangle_max": float(np.max(np.abs(offsets))),
        "nc2_prototype_equiangle": None,
        "nc3_self_duality": None,
        "nc4_ncc_mismatch": None,
    }
    if W is not None:
        result["nc2_prototype_equinorm"] = _coefficient_of_variation(np.linalg.norm(W, axis=1))
        result["nc2_prototype_equiangle"] = float(np.sqrt(np.mean(_cosine_offsets(W) ** 2)))
        scale_W, scale_M = np.linalg.norm(W), np.linalg.norm(centred)
        if scale_W > 0 and scale_M > 0:
            result["nc3_self_duality"] = float(np.linalg.norm(W / scale_W - centred / scale_M))
        else:
            result["nc3_self_duality"] = float("nan")
    if yhat is not None:
        squared_distance = (means ** 2).sum(axis=1)[None, :] - 2.0 * (H @ means.T)
        nearest = np.argmin(squared_distance, axis=1)
        result["nc4_ncc_mismatch"] = float(np.mean(nearest != yhat))
    return result
