"""Evaluation metrics, cross-checked against scikit-learn and against direct loop implementations."""
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from ulproofs.core.errors import AssumptionError
from ulproofs.deep.evaluation import (
    accuracy,
    aupr,
    auroc,
    energy_score,
    expected_calibration_error,
    feature_norm_score,
    feature_norm_statistics,
    fpr_at_95_tpr,
    ood_metrics,
    prototype_statistics,
    reliability_bins,
    reliability_diagram,
    softmax,
    softmax_score,
)


def score_sets(kind, seed):
    rng = np.random.default_rng(seed)
    n_in, n_out = rng.integers(1, 300, size=2)
    if kind == "continuous":
        return rng.normal(1.0, 1.0, n_in), rng.normal(0.0, 1.5, n_out)
    if kind == "tied":  # few distinct values: many ties within and across the two sets
        return rng.integers(0, 6, n_in).astype(float), rng.integers(-2, 4, n_out).astype(float)
    return np.full(n_in, 2.0), np.full(n_out, 2.0)  # all tied


def sklearn_inputs(in_scores, out_scores):
    return np.r_[np.ones(len(in_scores)), np.zeros(len(out_scores))], np.r_[in_scores, out_scores]


@pytest.mark.parametrize("kind", ["continuous", "tied", "constant"])
@pytest.mark.parametrize("seed", range(8))
def test_ood_metrics_match_sklearn(kind, seed):
    in_scores, out_scores = score_sets(kind, seed)
    y, s = sklearn_inputs(in_scores, out_scores)
    assert auroc(in_scores, out_scores) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert aupr(in_scores, out_scores) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    precision, recall, _ = precision_recall_curve(y, s)
    assert aupr(in_scores, out_scores) == pytest.approx(-np.sum(np.diff(recall) * precision[:-1]), abs=1e-12)
    fpr, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    first = np.argmax(tpr >= 0.95)
    assert fpr_at_95_tpr(in_scores, out_scores) == pytest.approx(fpr[first], abs=1e-12)
    # the definition in words: OOD fraction at or above the largest threshold keeping >= 95% of in-distribution
    t = thresholds[first]
    assert np.mean(in_scores >= t) >= 0.95 and np.mean(in_scores >= np.min(s[s > t], initial=np.inf)) < 0.95
    assert fpr_at_95_tpr(in_scores, out_scores) == pytest.approx(np.mean(out_scores >= t), abs=1e-12)


def test_ood_auroc_is_the_tie_corrected_mann_whitney_statistic():
    in_scores, out_scores = score_sets("tied", 42)
    pairs = in_scores[:, None] - out_scores[None, :]
    assert auroc(in_scores, out_scores) == pytest.approx(np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0), abs=1e-12)


def test_ood_convention_in_distribution_positive_higher_score():
    in_scores, out_scores = np.linspace(1, 2, 50), np.linspace(-2, 0, 30)
    assert ood_metrics(in_scores, out_scores) == {"fpr95": 0.0, "auroc": 1.0, "aupr": 1.0}
    swapped = ood_metrics(out_scores, in_scores)
    assert swapped["fpr95"] == 1.0 and swapped["auroc"] == 0.0
    assert fpr_at_95_tpr(np.arange(100.0), [-1.0, 4.0, 5.0, 50.0]) == 0.5
    assert fpr_at_95_tpr(np.arange(20.0), [0.5, 1.0, 1.5]) == pytest.approx(2 / 3)  # t = 1: 19 of 20 kept
    assert fpr_at_95_tpr(torch.tensor([1.0, 2.0]), torch.tensor([0.0])) == 0.0


def test_ood_metrics_reject_bad_scores():
    with pytest.raises(AssumptionError, match="finite"):
        auroc([1.0, np.nan], [0.0])
    with pytest.raises(AssumptionError, match="at least one"):
        aupr([], [0.0])
    with pytest.raises(AssumptionError, match="1-D"):
        fpr_at_95_tpr(np.zeros((2, 2)), [0.0])


def test_scores():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(20, 7)) * 5
    t = torch.tensor(logits)
    np.testing.assert_allclose(softmax(logits), torch.softmax(t, dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(softmax_score(t), torch.softmax(t, dim=1).max(dim=1).values.numpy(), rtol=1e-12)
    for temperature in (1.0, 0.5, 1000.0):
        expected = temperature * torch.logsumexp(t / temperature, dim=1)
        np.testing.assert_allclose(energy_score(logits, temperature), expected.numpy(), rtol=1e-12)
    assert np.isfinite(energy_score([[1e4, -1e4]])).all() and softmax_score([[1e4, -1e4]])[0] == 1.0
    np.testing.assert_allclose(feature_norm_score(logits), np.linalg.norm(logits, axis=1), rtol=1e-12)
    with pytest.raises(AssumptionError, match="temperature"):
        energy_score(logits, 0.0)


def test_accuracy():
    logits = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
    assert accuracy(logits, torch.tensor([1, 0, 0, 0])) == 0.75  # the tie goes to the first class
    with pytest.raises(AssumptionError, match="labels"):
        accuracy(logits, [0.0, 1.0, 0.0, 1.0])


def loop_ece(probabilities, labels, bins):
    """Guo et al. (2017)'s reference loop: bins (lower, upper] with edges linspace(0, 1, bins + 1)."""
    confidence, predictions = probabilities.max(1), probabilities.argmax(1)
    edges, ece = np.linspace(0, 1, bins + 1), 0.0
    for lower, upper in zip(edges[:-1], edges[1:]):
        members = (confidence > lower) & (confidence <= upper)
        if members.any():
            ece += members.mean() * abs((predictions[members] == labels[members]).mean() - confidence[members].mean())
    return ece


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("bins", [1, 10, 15])
def test_ece_matches_the_reference_loop(seed, bins):
    rng = np.random.default_rng(seed)
    probabilities = softmax(rng.normal(size=(500, 10)) * rng.uniform(0.5, 5))
    labels = rng.integers(0, 10, 500)
    ece = expected_calibration_error(probabilities, labels, bins)
    assert 0.0 <= ece <= 1.0 and ece == pytest.approx(loop_ece(probabilities, labels, bins), abs=1e-12)
    stats = reliability_bins(probabilities, labels, bins)
    assert stats.counts.sum() == 500 and len(stats.edges) == bins + 1


def test_ece_of_edge_cases():
    # confidence exactly on a bin edge goes to the lower bin; calibrated bins give ECE 0
    probabilities = np.array([[0.8, 0.2]] * 5 + [[0.2, 0.8]] * 5)
    labels = np.array([0, 0, 0, 0, 1] + [1, 1, 1, 1, 0])
    stats = reliability_bins(probabilities, labels, bins=5)
    assert stats.counts.tolist() == [0, 0, 0, 10, 0]
    assert expected_calibration_error(probabilities, labels, bins=5) == pytest.approx(0.0, abs=1e-12)
    assert expected_calibration_error([[1.0, 0.0], [1.0, 0.0]], [1, 1]) == 1.0  # confident and always wrong
    with pytest.raises(AssumptionError, match="not logits"):
        expected_calibration_error([[2.0, -1.0]], [0])
    with pytest.raises(AssumptionError, match="bins"):
        reliability_bins([[1.0, 0.0]], [0], bins=0)


def test_reliability_diagram_writes_png_and_pdf(tmp_path):
    rng = np.random.default_rng(0)
    probabilities, labels = softmax(rng.normal(size=(200, 10)) * 3), rng.integers(0, 10, 200)
    for suffix in ("png", "pdf"):
        path = tmp_path / "figures" / f"reliability.{suffix}"
        figure = reliability_diagram(probabilities, labels, bins=15, path=path, title="CE, rho = 100")
        assert path.stat().st_size > 1000
    assert path.read_bytes().startswith(b"%PDF")
    assert any(t.get_text().startswith("ECE = ") for t in figure.axes[0].texts)


def simplex_etf_columns(p, C, seed):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(p, C)))
    return basis @ (np.eye(C) - np.ones((C, C)) / C) * np.sqrt(C / (C - 1))


def test_prototype_statistics():
    W = simplex_etf_columns(8, 5, 0)
    stats = prototype_statistics(torch.tensor(W))
    assert stats["norm_ratio"] == pytest.approx(1.0) and stats["min_norm"] == pytest.approx(1.0)
    assert stats["min_angle_degrees"] == pytest.approx(np.degrees(np.arccos(-1 / 4)))
    W[:, 2] *= 10
    W[:, 4] = W[:, 0] + 0.01 * W[:, 1]  # nearly parallel pair
    stats = prototype_statistics(W)
    cos = W[:, 0] @ W[:, 4] / np.linalg.norm(W[:, 0]) / np.linalg.norm(W[:, 4])
    assert stats["min_angle_degrees"] == pytest.approx(np.degrees(np.arccos(cos)))
    norms = np.linalg.norm(W, axis=0)
    assert stats["norm_ratio"] == pytest.approx(norms.max() / norms.min()) and stats["max_norm"] == norms.max()
    W[0, 0] = np.nan  # the epoch where NaN appears is still recorded
    assert all(np.isnan(v) for v in prototype_statistics(W).values())
    with pytest.raises(AssumptionError, match="C >= 2"):
        prototype_statistics(np.ones((3, 1)))


def test_feature_norm_statistics():
    features = np.array([[3.0, 4.0], [6.0, 8.0], [0.0, 0.0]])
    assert feature_norm_statistics(torch.tensor(features)) == pytest.approx(
        {"mean": 5.0, "std": np.std([5.0, 10.0, 0.0]), "min": 0.0, "max": 10.0})
    assert np.isnan(feature_norm_statistics([[np.nan, 1.0]])["mean"])
