"""Injected faults in the deep-network conventions make evaluation-protocol's items fail (issue 9, point 6(c))."""
import numpy as np
import pytest

from ulproofs.claims import evaluation_protocol
from ulproofs.deep import data, evaluation
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import judge, run_item

ORIGINAL = {"auroc": evaluation.auroc, "aupr": evaluation.aupr, "fpr": evaluation.fpr_at_95_tpr,
            "bins": evaluation.reliability_bins, "counts": data.imbalanced_counts}


def equal_mass_bins(probabilities, labels, bins=15):
    """The ECE's bins at confidence quantiles (equal mass) instead of equal width."""
    confidence = np.asarray(probabilities).max(axis=1)
    correct = (np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)).astype(float)
    edges = np.quantile(confidence, np.linspace(0.0, 1.0, bins + 1))
    index = np.clip(np.searchsorted(edges[1:-1], confidence, side="left"), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    safe = np.maximum(counts, 1)
    return evaluation.ReliabilityBins(edges, counts, np.bincount(index, correct, bins) / safe,
                                      np.bincount(index, confidence, bins) / safe)


def exponent_over_classes(n_max, classes, rho, profile="exponential"):
    """Long-tailed sizes with the exponent -c/C instead of -c/(C-1)."""
    if profile != "exponential":
        return ORIGINAL["counts"](n_max, classes, rho, profile)
    return [int(n_max * (1.0 / rho) ** (c / classes)) for c in range(classes)]


FAULTS = {
    "flipped AUROC side": (evaluation, "auroc", lambda i, o: ORIGINAL["auroc"](o, i), "auroc-sklearn"),
    "AUPR-Out": (evaluation, "aupr", lambda i, o: ORIGINAL["aupr"](-np.asarray(o), -np.asarray(i)), "aupr-sklearn"),
    "flipped FPR95 side": (evaluation, "fpr_at_95_tpr",
                           lambda i, o, tpr=0.95: ORIGINAL["fpr"](-np.asarray(o), -np.asarray(i)), "fpr95-definition"),
    "equal-mass ECE bins": (evaluation, "reliability_bins", equal_mass_bins, "ece-equal-width"),
    "exponent -c/C": (data, "imbalanced_counts", exponent_over_classes, "long-tailed-counts"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_an_injected_fault_fails_its_items_and_the_verdict_is_inconclusive(fault, monkeypatch):
    module, name, replacement, slug = FAULTS[fault]
    monkeypatch.setattr(module, name, replacement)
    outcomes = [run_item(item, CheckContext()) for item in evaluation_protocol.EVIDENCE.items()]
    failed = {o.item.slug for o in outcomes if not o.held}
    assert failed and all(s.startswith(slug) or s == "published-lt-sizes" for s in failed), failed
    assert judge(evaluation_protocol.CLAIM, outcomes).verdict_text == "inconclusive"


def test_the_conventions_as_coded_hold():
    outcomes = [run_item(item, CheckContext()) for item in evaluation_protocol.EVIDENCE.items()]
    assert judge(evaluation_protocol.CLAIM, outcomes).verdict_text == "confirmed numerically"
