"""Neural-collapse metrics against hand-derived values and an independent direct-loop computation."""
import math
import re

import numpy as np
import pytest

from ulproofs.core.collapse import KEYS, class_major_labels, neural_collapse
from ulproofs.core.errors import AssumptionError
from ulproofs.core.etf import simplex_etf
from ulproofs.core.precision import float_tolerance


def direct_loop(features, labels, prototypes, predictions):
    """The definitions written out one example, one class and one pair at a time (no shared code)."""
    n, p = features.shape
    C = prototypes.shape[0]
    means = []
    for c in range(C):
        rows = [features[i] for i in range(n) if labels[i] == c]
        means.append(sum(rows) / len(rows))
    centre = sum(means) / C
    centred = [m - centre for m in means]
    sigma_w = np.zeros((p, p))
    for i in range(n):
        r = features[i] - means[labels[i]]
        sigma_w += np.outer(r, r) / n
    sigma_b = sum(np.outer(m, m) for m in centred) / C
    nc1 = np.trace(sigma_w @ np.linalg.pinv(sigma_b, rcond=1e-10, hermitian=True)) / C

    def cv(values):
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean

    def offsets(vectors):
        out = []
        for a in range(C):
            for b in range(a + 1, C):
                cosine = vectors[a] @ vectors[b] / (np.linalg.norm(vectors[a]) * np.linalg.norm(vectors[b]))
                out.append(cosine + 1 / (C - 1))
        return out

    mean_offsets = offsets(centred)
    M = np.array(centred)
    mismatches = 0
    for i in range(n):
        distances = [np.linalg.norm(features[i] - means[c]) for c in range(C)]
        mismatches += int(np.argmin(distances) != predictions[i])
    return {
        "nc1": nc1,
        "nc2_equinorm": cv([np.linalg.norm(m) for m in centred]),
        "nc2_prototype_equinorm": cv([np.linalg.norm(w) for w in prototypes]),
        "nc2_equiangle": math.sqrt(sum(o * o for o in mean_offsets) / len(mean_offsets)),
        "nc2_equiangle_max": max(abs(o) for o in mean_offsets),
        "nc2_prototype_equiangle": math.sqrt(sum(o * o for o in offsets(prototypes)) / len(mean_offsets)),
        "nc3_self_duality": np.linalg.norm(prototypes / np.linalg.norm(prototypes) - M / np.linalg.norm(M)),
        "nc4_ncc_mismatch": mismatches / n,
    }


def test_collapsed_by_construction_is_zero():
    # features = simplex-ETF vertices (+ a common offset, removed by centring), prototypes = 2.5 x vertices:
    # Sigma_W = 0, equal norms, cosines exactly -1/(C-1), W proportional to M, NCC = labels -> all 0.
    C, N, p = 6, 4, 9
    vertices = simplex_etf(p=p, C=C, seed=3).T
    labels = class_major_labels(C, N)
    metrics = neural_collapse(vertices[labels] - 4.0, labels, prototypes=2.5 * vertices, predictions=labels)
    assert tuple(metrics) == KEYS
    tol = float_tolerance("float64", operations=C * N * p)
    for key, value in metrics.items():
        assert abs(value) <= tol, (key, value)


def test_layer_peeled_layout_columns_are_class_major():
    # H is p x CN with column (c-1)N + i of class c: its transpose with class_major_labels is the input.
    C, N, p = 3, 2, 4
    W = simplex_etf(p=p, C=C, seed=0)                      # p x C
    H = np.repeat(W, N, axis=1)                            # every column equals its class prototype
    assert neural_collapse(H.T, class_major_labels(C, N), prototypes=W.T)["nc3_self_duality"] < 1e-12


def test_two_classes_hand_values():
    # Class 0: (3,0), (-1,0), mean (1,0); class 1: (-3,0), (1,0), mean (-1,0); centre 0, d = (1,0).
    # Sigma_W = diag(4, 0), Sigma_B = d d^T = diag(1, 0) -> Tr(Sigma_W Sigma_B^+) / C = 4 / 2 = 2.
    # C = 2: cosines are -1 = -1/(C-1) and the norms are equal -> NC2 = 0.
    # W = 2 I: W/|W| = I/sqrt2, M/|M| = [[1,0],[-1,0]]/sqrt2, difference [[0,0],[1,-1]]/sqrt2 -> NC3 = 1;
    # prototype cosine 0 -> offset 0 + 1 = 1.  (-1,0) is nearest mean (-1,0), (1,0) nearest (1,0): NC4 = 2/4.
    features = np.array([[3.0, 0.0], [-1.0, 0.0], [-3.0, 0.0], [1.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    metrics = neural_collapse(features, labels, prototypes=2 * np.eye(2), predictions=labels)
    expected = {"nc1": 2.0, "nc2_equinorm": 0.0, "nc2_prototype_equinorm": 0.0, "nc2_equiangle": 0.0,
                "nc2_equiangle_max": 0.0, "nc2_prototype_equiangle": 1.0, "nc3_self_duality": 1.0,
                "nc4_ncc_mismatch": 0.5}
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=float_tolerance("float64", operations=16)), key


def test_within_class_spread_orthogonal_to_the_means_is_invisible_to_nc1():
    # Class 0: (1, 1), (1, -1); class 1: (-1, 1), (-1, -1): Sigma_W = diag(0, 1) lies in the null space of
    # Sigma_B = diag(1, 0), so Tr(Sigma_W Sigma_B^+) = 0 although the features are not collapsed.
    features = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    assert neural_collapse(features, np.array([0, 0, 1, 1]))["nc1"] == 0.0


def test_three_classes_hand_values():
    # Means (1,0), (0,1), (-1,-1) sum to 0. Norms 1, 1, sqrt2: mean (2+sqrt2)/3, population std
    # sqrt2(sqrt2-1)/3, so CV = (sqrt2-1)/(sqrt2+1) = 3 - 2 sqrt2.
    # Cosines 0, -1/sqrt2, -1/sqrt2; offsets from -1/2: 1/2, 1/2-1/sqrt2 (twice):
    # mean square = (1/4 + 2(3/4 - 1/sqrt2)) / 3 = (7 - 4 sqrt2)/12; the largest offset is 1/2.
    means = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    labels = np.array([0, 0, 1, 2, 2, 2])
    metrics = neural_collapse(means[labels], labels)
    tol = float_tolerance("float64", operations=32)
    assert metrics["nc1"] == pytest.approx(0.0, abs=tol)
    assert metrics["nc2_equinorm"] == pytest.approx(3 - 2 * math.sqrt(2), abs=tol)
    assert metrics["nc2_equiangle"] == pytest.approx(math.sqrt((7 - 4 * math.sqrt(2)) / 12), abs=tol)
    assert metrics["nc2_equiangle_max"] == pytest.approx(0.5, abs=tol)
    assert metrics["nc3_self_duality"] is None and metrics["nc4_ncc_mismatch"] is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_the_direct_loop_on_noisy_imbalanced_features(seed):
    rng = np.random.default_rng(seed)
    C, p = 5, 8
    labels = np.concatenate([np.full(k, c) for c, k in enumerate([9, 3, 7, 4, 12])])
    centres = 3.0 * rng.standard_normal((C, p))
    features = centres[labels] + rng.standard_normal((labels.size, p))
    prototypes = rng.standard_normal((C, p))
    predictions = rng.integers(0, C, labels.size)
    fast = neural_collapse(features, labels, prototypes, predictions)
    slow = direct_loop(features, labels, prototypes, predictions)
    assert fast["nc1"] > 0.01 and fast["nc2_equiangle"] > 0.01       # genuinely not collapsed
    condition = np.linalg.cond(np.array([np.mean(features[labels == c], axis=0) for c in range(C)])) ** 2
    tol = float_tolerance("float64", operations=labels.size * p, condition=condition)
    for key in KEYS:
        assert fast[key] == pytest.approx(slow[key], rel=tol, abs=tol), key


def test_equiangle_reference_value_is_minus_one_over_c_minus_one():
    # The mutant "spread around -1/C" would give 1/(C(C-1)) = 1/12 for a simplex ETF with C = 4, far above tol.
    C = 4
    vertices = simplex_etf(p=5, C=C, seed=2).T
    labels = class_major_labels(C, 2)
    tol = float_tolerance("float64", operations=64)
    value = neural_collapse(vertices[labels], labels)["nc2_equiangle"]
    assert value <= tol
    assert abs(value - 1 / (C * (C - 1))) > 1e3 * tol


def test_all_class_means_equal_gives_infinite_nc1():
    features = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0], [2.0, 4.0]])
    assert neural_collapse(features, np.array([0, 0, 1, 1]))["nc1"] == math.inf


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": np.array([0, 1, 1])}, "one label per feature row"),
    ({"labels": np.array([0, 1, -1, 1])}, "non-negative"),
    ({"labels": np.array([0, 0, 0, 0])}, "at least two classes"),
    ({"labels": np.array([0, 2, 2, 0])}, "classes without any: [1]"),
    ({"labels": np.array([0.0, 1.0, 1.0, 0.0])}, "integer class indices"),
    ({"prototypes": np.ones((2, 3))}, "p = 2"),
    ({"prototypes": np.ones((1, 2)), "labels": np.array([0, 0, 0, 0])}, "at least two classes"),
    ({"prototypes": np.ones((2, 2)), "labels": np.array([0, 1, 2, 1])}, "0..1"),
    ({"predictions": np.array([0, 1])}, "predictions"),
    ({"predictions": np.array([0, 1, 5, 1])}, "predictions must lie in 0..C-1"),
    ({"features": np.ones(4)}, "(n, p)"),
    ({"features": np.array([[1.0, np.nan]] * 4)}, "finite"),
])
def test_bad_input_is_named(kwargs, message):
    arguments = {"features": np.arange(8.0).reshape(4, 2), "labels": np.array([0, 1, 1, 0])} | kwargs
    with pytest.raises(AssumptionError, match=re.escape(message)):
        neural_collapse(**arguments)
    with pytest.raises(AssumptionError, match="N must be a positive integer"):
        class_major_labels(3, 0)


def test_fast_enough_for_a_hundred_classes():
    import time
    rng = np.random.default_rng(0)
    C, N, p = 100, 100, 512
    labels = class_major_labels(C, N)
    features = rng.standard_normal((C, p))[labels] + 0.1 * rng.standard_normal((C * N, p))
    start = time.perf_counter()
    metrics = neural_collapse(features, labels, prototypes=rng.standard_normal((C, p)), predictions=labels)
    assert time.perf_counter() - start < 5.0
    assert metrics["nc4_ncc_mismatch"] == 0.0
