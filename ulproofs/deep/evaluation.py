r"""Evaluation of Section 4 and Appendix C: accuracy, calibration, OOD detection, feature and prototype statistics.

Inputs may be NumPy arrays or torch tensors (detached and converted to float64 NumPy); results are Python floats
or NumPy arrays, ready for JSON.

* Calibration (App. C.3, Eq. 103): :func:`expected_calibration_error` over equal-width confidence bins,
  :func:`reliability_bins` (per-bin statistics) and :func:`reliability_diagram` (Fig. 10-11 style).
* OOD detection (App. C.4, Tables 3 and 6): scores :func:`softmax_score`, :func:`energy_score`,
  :func:`feature_norm_score`; metrics :func:`fpr_at_95_tpr`, :func:`auroc`, :func:`aupr` (and :func:`ood_metrics`).
  **Convention**: in-distribution is the positive class and a higher score means more in-distribution, as in
  Hendrycks & Gimpel (2017) and Liu et al. (2020); so AUPR is "AUPR-In".
* Fig. 19's panels: :func:`prototype_statistics` (max/min prototype norm ratio, min norm, minimal angle) and
  :func:`feature_norm_statistics`.

>>> import numpy as np
>>> logits = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]])
>>> accuracy(logits, [0, 1, 1])
0.6666666666666666
>>> round(auroc(in_scores=[3.0, 2.0, 2.0], out_scores=[2.0, 0.0]), 6)  # ties count 1/2: (4 + 2/2) / 6
0.833333
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import AssumptionError


def _as_array(values, name: str, ndim: int) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor, without importing torch here
        values = values.detach().cpu().double().numpy()
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise AssumptionError(f"{name} must be a {ndim}-D array (got shape {array.shape})")
    return array


def _as_labels(labels, n: int, classes: int) -> np.ndarray:
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise AssumptionError(f"labels must be integers of shape ({n},) (got {labels.dtype} {labels.shape})")
    outside = labels[(labels < 0) | (labels >= classes)]
    if outside.size:
        raise AssumptionError(f"labels must be class indices in 0..{classes - 1} for {classes} columns of scores "
                              f"(got {int(outside[0])})")
    return labels


def softmax(logits) -> np.ndarray:
    """Row-wise softmax of (N, C) logits, computed stably (max subtracted).

    >>> softmax([[0.0, 0.0], [1000.0, 0.0]]).round(6).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    z = _as_array(logits, "logits", 2)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def accuracy(logits, labels) -> float:
    """Fraction of rows whose arg max (first one on ties) equals the label; works on logits or probabilities."""
    scores = _as_array(logits, "logits", 2)
    labels = _as_labels(labels, len(scores), scores.shape[1])
    return float(np.mean(scores.argmax(axis=1) == labels)) if len(labels) else float("nan")


# ----------------------------------------------------------------------------------------------------------------
# Calibration

@dataclass(frozen=True)
class ReliabilityBins:
    """Per-bin statistics of equal-width confidence bins (lower, upper]; the first bin also holds confidence 0.

    ``counts[b]`` = |S_b|; ``accuracy[b]`` = acc(S_b) and ``confidence[b]`` = conf(S_b) (mean max probability);
    both are 0 for an empty bin, which has weight 0 in the ECE.
    """

    edges: np.ndarray
    counts: np.ndarray
    accuracy: np.ndarray
    confidence: np.ndarray

    @property
    def ece(self) -> float:
        """Eq. (103) without the factor 100: sum_b |S_b| / N * |acc(S_b) - conf(S_b)|."""
        total = self.counts.sum()
        return float(np.sum(self.counts / total * np.abs(self.accuracy - self.confidence))) if total else float("nan")


def _check_probabilities(probabilities) -> np.ndarray:
    p = _as_array(probabilities, "probabilities", 2)
    if not np.all(np.isfinite(p)) or p.min(initial=0.0) < 0 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise AssumptionError("probabilities must be finite, non-negative rows summing to 1 "
                              "(pass softmax(logits), not logits)")
    return p


def reliability_bins(probabilities, labels, bins: int = 15) -> ReliabilityBins:
    """Group predictions by confidence max_c p_c into ``bins`` equal-width bins of [0, 1].

    Bin b is (b/B, (b+1)/B] with edges ``numpy.linspace(0, 1, B + 1)`` (Guo et al. 2017's convention: a confidence
    on an edge goes to the lower bin). The prediction is the arg max.

    >>> r = reliability_bins([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]], [0, 1, 1], bins=2)
    >>> r.counts.tolist(), r.accuracy.tolist(), np.round(r.confidence, 6).tolist()
    ([0, 3], [0.0, 0.6666666666666666], [0.0, 0.733333])
    """
    p = _check_probabilities(probabilities)
    labels = _as_labels(labels, len(p), p.shape[1])
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise AssumptionError(f"bins must be a positive integer (got {bins!r})")
    confidence, correct = p.max(axis=1), (p.argmax(axis=1) == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges[1:-1], confidence, side="left"), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    safe = np.maximum(counts, 1)
    return ReliabilityBins(edges, counts, np.bincount(index, correct, bins) / safe,
                           np.bincount(index, confidence, bins) / safe)


def expected_calibration_error(probabilities, labels, bins: int = 15) -> float:
    """ECE of Eq. (103) as a fraction in [0, 1] (the paper reports 100 x this): the |S_b|/N-weighted mean of
    |acc(S_b) - conf(S_b)| over equal-width confidence bins (see :func:`reliability_bins`).

    >>> round(expected_calibration_error([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]], [0, 1, 1], bins=2), 6)
    0.066667
    """
    return reliability_bins(probabilities, labels, bins).ece


def reliability_diagram(probabilities, labels, bins: int = 15, path=None, title: str | None = None):
    """Reliability diagram in the style of Fig. 10-11: per-bin accuracy bars ("Outputs"), the gap to the diagonal
    ("Gap") and the ECE in percent. Saved to ``path`` (format from its suffix, e.g. .png or .pdf) when given;
    returns the matplotlib Figure. Uses no pyplot state, so it works under any backend.
    """
    from matplotlib.figure import Figure

    stats = reliability_bins(probabilities, labels, bins)
    centers, width = (stats.edges[:-1] + stats.edges[1:]) / 2, 1.0 / bins
    figure = Figure(figsize=(4, 4))
    axes = figure.add_subplot()
    axes.bar(centers, stats.accuracy, width=width, color="tab:blue", edgecolor="black", label="Outputs")
    gap_bottom = np.minimum(stats.accuracy, stats.confidence)
    gap = np.where(stats.counts > 0, np.abs(stats.confidence - stats.accuracy), 0.0)
    axes.bar(centers, gap, bottom=gap_bottom, width=width, color="tab:red", alpha=0.3, edgecolor="tab:red",
             hatch="//", label="Gap")
    axes.plot([0, 1], [0, 1], linestyle="--", color="gray")
    axes.text(0.95, 0.05, f"ECE = {100 * stats.ece:.2f}%", ha="right", va="bottom", transform=axes.transAxes,
              bbox={"facecolor": "white", "alpha": 0.8})
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="Confidence", ylabel="Accuracy", title=title or "")
    axes.legend(loc="upper left")
    figure.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    return figure


# ----------------------------------------------------------------------------------------------------------------
# OOD scores: higher = more in-distribution

def softmax_score(logits) -> np.ndarray:
    """Maximum softmax probability max_c softmax(z)_c (Hendrycks & Gimpel 2017); higher = more in-distribution."""
    return softmax(logits).max(axis=1)


def energy_score(logits, temperature: float = 1.0) -> np.ndarray:
    """Negative free energy T * logsumexp(z / T) (Liu et al. 2020); higher = more in-distribution.

    >>> energy_score([[0.0, 0.0], [1000.0, 1000.0]]).round(6).tolist()
    [0.693147, 1000.693147]
    """
    if not temperature > 0:
        raise AssumptionError(f"the energy temperature must be positive (got {temperature})")
    z = _as_array(logits, "logits", 2) / temperature
    top = z.max(axis=1)
    return temperature * (top + np.log(np.exp(z - top[:, None]).sum(axis=1)))


def feature_norm_score(features) -> np.ndarray:
    """Euclidean norm ||f(x)||_2 of each row of (N, p) features; higher = more in-distribution."""
    return np.linalg.norm(_as_array(features, "features", 2), axis=1)


# ----------------------------------------------------------------------------------------------------------------
# OOD metrics

def _check_scores(in_scores, out_scores) -> tuple[np.ndarray, np.ndarray]:
    in_scores, out_scores = _as_array(in_scores, "in_scores", 1), _as_array(out_scores, "out_scores", 1)
    if not len(in_scores) or not len(out_scores):
        raise AssumptionError("OOD metrics need at least one in-distribution and one OOD score")
    if not (np.all(np.isfinite(in_scores)) and np.all(np.isfinite(out_scores))):
        raise AssumptionError("OOD scores must be finite (a NaN or inf score has no rank)")
    return in_scores, out_scores


def _roc(in_scores, out_scores):
    """True/false positive counts at each distinct threshold, highest threshold first (tied scores form one step)."""
    scores = np.concatenate([in_scores, out_scores])
    positive = np.concatenate([np.ones(len(in_scores)), np.zeros(len(out_scores))])
    order = np.argsort(-scores, kind="mergesort")
    scores, positive = scores[order], positive[order]
    last_of_group = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    true_positives = np.cumsum(positive)[last_of_group]
    return true_positives, last_of_group + 1 - true_positives, scores[last_of_group]


def auroc(in_scores, out_scores) -> float:
    """Area under the ROC curve, in-distribution positive, higher score = more in-distribution.

    Equals P(s_in > s_out) + P(s_in = s_out) / 2 (ties count one half): the curve has one (possibly diagonal) step
    per distinct score and is integrated by the trapezoid rule, as :func:`sklearn.metrics.roc_auc_score`.
    """
    in_scores, out_scores = _check_scores(in_scores, out_scores)
    tp, fp, _ = _roc(in_scores, out_scores)
    tp, fp = np.r_[0.0, tp], np.r_[0.0, fp]
    # trapezoids in integer counts, normalized once: exact for separable sets (AUROC = 1.0, not 0.9999...)
    return float(np.sum(np.diff(fp) * (tp[1:] + tp[:-1])) / (2.0 * len(in_scores) * len(out_scores)))


def aupr(in_scores, out_scores) -> float:
    """Area under the precision-recall curve with in-distribution positive ("AUPR-In"), higher = in-distribution.

    Computed as average precision sum_k (R_k - R_{k-1}) P_k over distinct thresholds from the highest (R_0 = 0), the
    step-wise (non-interpolated) rule of :func:`sklearn.metrics.average_precision_score`; tied scores enter as one
    threshold, so their precision is that of the whole tied group.

    >>> aupr([2.0, 1.0], [1.5])
    0.8333333333333333
    """
    in_scores, out_scores = _check_scores(in_scores, out_scores)
    tp, fp, _ = _roc(in_scores, out_scores)
    recall = np.r_[0.0, tp / len(in_scores)]
    return float(np.sum(np.diff(recall) * tp / (tp + fp)))


def fpr_at_95_tpr(in_scores, out_scores, tpr: float = 0.95) -> float:
    """FPR95: the fraction of OOD samples with score >= t, where t is the largest threshold that keeps at least
    ``tpr`` (95%) of the in-distribution samples (score >= t). Lower is better.

    This is the first point of the ROC curve (``sklearn.metrics.roc_curve(..., drop_intermediate=False)``) with
    true positive rate >= 0.95; OOD samples tied with the threshold count as false positives. (Hendrycks et al.'s
    code takes the ROC point whose recall is nearest 0.95 instead, which can differ by one step.)

    >>> fpr_at_95_tpr(in_scores=np.arange(100.0), out_scores=[-1.0, 4.0, 5.0, 50.0])
    0.5
    """
    if not 0.0 < tpr <= 1.0:
        raise AssumptionError(f"the true positive rate must lie in (0, 1] (got {tpr})")
    in_scores, out_scores = _check_scores(in_scores, out_scores)
    tp, fp, _ = _roc(in_scores, out_scores)
    # tolerance so that e.g. 95 of 100 kept counts as 0.95 despite rounding
    first = int(np.argmax(tp / len(in_scores) >= tpr - 1e-12))
    return float(fp[first] / len(out_scores))


def ood_metrics(in_scores, out_scores) -> dict[str, float]:
    """``{"fpr95": ..., "auroc": ..., "aupr": ...}`` as fractions (the paper's tables show 100 x these)."""
    return {"fpr95": fpr_at_95_tpr(in_scores, out_scores), "auroc": auroc(in_scores, out_scores),
            "aupr": aupr(in_scores, out_scores)}


# ----------------------------------------------------------------------------------------------------------------
# Fig. 19 statistics

def prototype_statistics(W) -> dict[str, float]:
    """Fig. 19 (c)-(e) for prototypes W of shape (p, C), **columns are prototypes** (pass ``linear.weight.T``).

    ``norm_ratio`` = max_c ||w_c|| / min_c ||w_c||, ``min_norm``, ``max_norm``, and ``min_angle_degrees`` =
    arccos max_{i != j} cos(w_i, w_j) in degrees. Non-finite input (the NaN of Fig. 19 at epoch 22) gives NaN
    values instead of an error, so the epoch can still be recorded; so does a zero prototype's angle.

    >>> W = np.array([[1.0, -0.5, -0.5], [0.0, 3 ** 0.5 / 2, -(3 ** 0.5) / 2]])  # simplex ETF, C = 3
    >>> {k: round(v, 6) for k, v in prototype_statistics(W).items()}
    {'norm_ratio': 1.0, 'min_norm': 1.0, 'max_norm': 1.0, 'min_angle_degrees': 120.0}
    """
    W = _as_array(W, "W", 2)
    if W.shape[1] < 2:
        raise AssumptionError(f"prototype statistics need C >= 2 columns (got W of shape {W.shape})")
    norms = np.linalg.norm(W, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = W / norms
        cosines = unit.T @ unit
        np.fill_diagonal(cosines, -np.inf)
        return {"norm_ratio": float(norms.max() / norms.min()), "min_norm": float(norms.min()),
                "max_norm": float(norms.max()),
                "min_angle_degrees": float(np.degrees(np.arccos(np.clip(cosines.max(), -1.0, 1.0))))}


def feature_norm_statistics(features) -> dict[str, float]:
    """Fig. 19 (b): mean, std, min and max of ||f(x)||_2 over the rows of (N, p) features (non-finite
    features give non-finite values, not an error).

    >>> feature_norm_statistics([[3.0, 4.0], [0.0, 1.0]])
    {'mean': 3.0, 'std': 2.0, 'min': 1.0, 'max': 5.0}
    """
    norms = feature_norm_score(features)
    if not len(norms):
        raise AssumptionError("feature_norm_statistics needs at least one feature vector")
    return {"mean": float(norms.mean()), "std": float(norms.std()), "min": float(norms.min()),
            "max": float(norms.max())}
