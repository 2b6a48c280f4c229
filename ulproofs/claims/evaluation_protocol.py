r"""The evaluation conventions of Section 4 and Appendix C, checked against independent computations.

Statement (Appendix C.3-C.4, Tables 2-6, Eq. 103). *OOD detection is measured by FPR95 (the false positive rate
of OOD examples when the true positive rate of in-distribution examples is 95%), AUROC and AUPR, with the
in-distribution test set as* :math:`D^{\mathrm{in}}` *and SVHN as* :math:`D^{\mathrm{out}}`; *calibration by the
ECE of Eq. 103,*

.. math::

    \mathrm{ECE}=\sum_{b=1}^{B}\frac{|S_b|}{N}\,\bigl|\mathrm{acc}(S_b)-\mathrm{conf}(S_b)\bigr|\times100\%,

*with "interval bins of equal size"; long-tailed sets follow Cui et al. (2019), "an exponential decay in sample
sizes" with* :math:`\rho=\max_i n_i/\min_i n_i`, *and step imbalance (Buda et al., 2018) gives every minority
class one size and every majority class another.*

The paper does not print the long-tailed formula; it is read as the benchmark's
:math:`n_c=\lfloor n_{\max}\rho^{-c/(C-1)}\rfloor`, :math:`c=0,\dots,C-1` (Cao et al. 2019's code, exact floors), whose
CIFAR-10-LT at :math:`\rho=100` has the published 12,406 training images. In-distribution is the positive class
of all three OOD metrics (FPR95 fixes the TPR of in-distribution examples; AUPR is AUPR-In) and a higher score
means more in-distribution.

Each convention of :mod:`ulproofs.deep.evaluation` and :mod:`ulproofs.deep.data` is compared with an independent
computation (scikit-learn's ``roc_auc_score``, ``average_precision_score`` and ``roc_curve`` with the stated
positive class, a direct loop over equal-width bins, exact floors, the published set sizes), and each
comparison has a mutant it must reject: the flipped AUROC/AUPR/FPR95 side, equal-mass bins, a wrong exponent.

>>> exact_long_tailed_counts(5000, 10, 100)[-3:]
[139, 83, 50]
>>> sum(exact_long_tailed_counts(5000, 10, 100))
12406
"""
from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core.precision import MUTANT_MARGIN, float_tolerance
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.verdicts import Claim, Reading

CLAIM = Claim(
    id="evaluation-protocol",
    title="Evaluation conventions of Section 4 and Appendix C",
    statement=(
        "OOD metrics with in-distribution positive and higher score = in-distribution: FPR95 = fraction of OOD "
        "scores >= the threshold that keeps 95% of in-distribution scores; AUROC; AUPR (AUPR-In). ECE (Eq. 103) = "
        "sum_b |S_b|/N |acc(S_b) - conf(S_b)| over B equal-width confidence bins. Long-tailed class sizes n_c = "
        "floor(n_max rho^(-c/(C-1))), c = 0..C-1 (CIFAR-10-LT at rho = 100: 12,406 images); step imbalance: the "
        "last floor(C/2) classes get floor(n_max/rho), the others n_max."),
    equations=("Eq. 103", "Appendix C.3", "Appendix C.4", "Tables 2-6", "Figures 10-11"),
    printed=(
        "C.3: 'long-tailed imbalance (Cui et al., 2019) that utilizes an exponential decay in samples sizes and step "
        "imbalance (Buda et al., 2018)(that sets all minority classes to have the same number of samples, as do all "
        "majority classes)'; 'all predictions are grouped into several interval bins of equal size and then "
        "calculate the error between the accuracy and confidence for each interval bin', Eq. 103 'ECE = Z LS]\\I;| "
        "lacc(Sp) — conf(Sy)| x 100%'. C.4: '(1) the false positive rate (FPR95) of OOD examples when true positive "
        "rate of in-distribution examples is at 95%; (2) the area under the receiver operating characteristic curve "
        "(AUROC); and (3) the area under the precision-recall curve (AUPR)'."),
    readings=(Reading(
        "printed", "the conventions as stated, with in-distribution positive, equal-width bins and the benchmark's "
        "exponential profile n_c = floor(n_max rho^(-c/(C-1)))",
        change="Eq. 103's garbled weight 'LS]\\I;|' read as |S_b|/N (the text's definition of N and S_b); the "
               "exponential profile, not printed, read as Cui et al.'s, the one whose CIFAR-10-LT size is the "
               "published 12,406; AUROC/AUPR's positive class, not printed, read as in-distribution, the class "
               "FPR95's definition fixes",
        establishes="confirmed numerically"),),
    reading="Checks that the code follows the conventions (ulproofs.deep.evaluation, ulproofs.deep.data); the "
            "reported numbers of Tables 2-6 are data, not checkable here.",
    issue=9,
)

EVIDENCE = EvidenceSet(CLAIM)

#: Score sets (in-distribution size, OOD size, rounding decimals: ties when small).
SCORE_CASES = {"small-ties": (40, 30, 1), "medium": (500, 300, 3), "large-ties": (2000, 1500, 2)}
#: Published training-set sizes of CIFAR-10-LT and CIFAR-100-LT (Cao et al. 2019; Cui et al. 2019).
PUBLISHED_LT_SIZES = {("CIFAR-10", 100): 12406, ("CIFAR-10", 50): 13996, ("CIFAR-10", 10): 20431,
                      ("CIFAR-100", 100): 10847, ("CIFAR-100", 50): 12608, ("CIFAR-100", 10): 19573}
LT_SETTINGS = {"CIFAR-10": (5000, 10), "CIFAR-100": (500, 100)}


def score_sets(context, key, n_in, n_out, decimals):
    """Overlapping in-distribution (N(1, 1)) and OOD (N(0, 1)) scores, rounded so that ties occur."""
    rng = item_rng(context, key)
    return np.round(rng.normal(1.0, 1.0, n_in), decimals), np.round(rng.normal(0.0, 1.0, n_out), decimals)


def _labels_in_positive(in_scores, out_scores):
    return np.r_[np.ones(len(in_scores)), np.zeros(len(out_scores))], np.r_[in_scores, out_scores]


def _metric_tolerance(n_in, n_out):
    return float_tolerance("float64", operations=n_in + n_out)


# ------------------------------------------------------------------------------------------------
# OOD metrics
# ------------------------------------------------------------------------------------------------
def declare_sklearn_comparison(name, sklearn_name, label, mutant_slug, mutant_text, negate_flipped):
    """Items ``{name}-sklearn-{case}``: ``ulproofs.deep.evaluation.<name>(in, out)`` equals scikit-learn's
    ``sklearn.metrics.<sklearn_name>`` with in-distribution labelled 1; and ``mutant_slug``: the same reference
    with OOD labelled 1 (scores negated when ``negate_flipped``) misses it by more than MUTANT_MARGIN x tolerance,
    so a flipped side is caught. Both functions are looked up when the item runs."""
    def reference():
        import sklearn.metrics

        return getattr(sklearn.metrics, sklearn_name)

    @EVIDENCE.item(f"{name}-sklearn", kind="exact", cases=SCORE_CASES,
                   description=f"{label} ({{id}}: {{case[0]}} in, {{case[1]}} OOD scores, ties) equals scikit-learn's "
                               f"{sklearn_name} with in-distribution labelled 1")
    def comparison(context, record, case):
        from ..deep import evaluation

        in_scores, out_scores = score_sets(context, f"{name}-{case}", *case)
        expected = reference()(*_labels_in_positive(in_scores, out_scores))
        value = getattr(evaluation, name)(in_scores, out_scores)
        record.passed = abs(value - expected) <= _metric_tolerance(*case[:2])
        record.measured = {name: value, "sklearn (in positive)": expected}

    @EVIDENCE.item(mutant_slug, kind="mutant", description=mutant_text)
    def flipped_side(context, record):
        case = SCORE_CASES["medium"]
        in_scores, out_scores = score_sets(context, f"{name}-mutant", *case)
        labels, scores = _labels_in_positive(in_scores, out_scores)
        flipped = reference()(1 - labels, -scores if negate_flipped else scores)
        miss = abs(flipped - reference()(labels, scores))
        record.passed = miss > MUTANT_MARGIN * _metric_tolerance(*case[:2])
        record.measured = {"miss": miss, "tolerance": _metric_tolerance(*case[:2])}


declare_sklearn_comparison("auroc", "roc_auc_score", "AUROC", "auroc-flipped-mutant",
                           "AUROC with OOD as the positive class misses scikit-learn's in-positive value by more than "
                           "MUTANT_MARGIN x tolerance (the comparison catches a flipped side)", negate_flipped=False)
declare_sklearn_comparison("aupr", "average_precision_score", "AUPR (AUPR-In)", "aupr-out-mutant",
                           "AUPR-Out (OOD positive, negated scores) misses the AUPR-In reference by more than "
                           "MUTANT_MARGIN x tolerance", negate_flipped=True)


def fpr95_loop(in_scores, out_scores, tpr=0.95):
    """FPR95 by its definition: the largest threshold t keeping >= 95% of in-distribution scores (score >= t),
    then the fraction of OOD scores >= t."""
    for threshold in sorted(set(in_scores) | set(out_scores), reverse=True):
        if np.mean(in_scores >= threshold) >= tpr:
            return float(np.mean(out_scores >= threshold))
    raise AssertionError("no threshold reaches the true positive rate")


@EVIDENCE.item("fpr95-definition", kind="exact", cases=SCORE_CASES,
               description="FPR95 ({id}) equals a loop over thresholds by the definition of App. C.4 and the first "
                           "point of scikit-learn's roc_curve (in-distribution positive) with TPR >= 0.95")
def fpr95_definition(context, record, case):
    from sklearn.metrics import roc_curve

    from ..deep.evaluation import fpr_at_95_tpr

    in_scores, out_scores = score_sets(context, f"fpr95-{case}", *case)
    fpr, tpr, _ = roc_curve(*_labels_in_positive(in_scores, out_scores), drop_intermediate=False)
    curve = float(fpr[np.argmax(tpr >= 0.95)])
    loop, value = fpr95_loop(in_scores, out_scores), fpr_at_95_tpr(in_scores, out_scores)
    record.passed = value == loop == curve
    record.measured = {"fpr95": value, "loop": loop, "sklearn roc_curve": curve}


@EVIDENCE.item("fpr95-flipped-mutant", kind="mutant",
               description="FPR95 with OOD as the positive class (negated scores) differs from the in-positive value")
def fpr95_flipped_mutant(context, record):
    in_scores, out_scores = score_sets(context, "fpr95-mutant", *SCORE_CASES["medium"])
    flipped, reference = fpr95_loop(-out_scores, -in_scores), fpr95_loop(in_scores, out_scores)
    record.passed = abs(flipped - reference) > MUTANT_MARGIN * _metric_tolerance(*SCORE_CASES["medium"][:2])
    record.measured = {"flipped": flipped, "in positive": reference}


@EVIDENCE.item("energy-score", kind="exact",
               description="the energy score is the negative free energy T logsumexp(z/T) (higher = "
                           "in-distribution), equal to scipy's logsumexp at T = 1 and T = 2 on logits up to 1e3")
def energy_score_reference(context, record):
    from scipy.special import logsumexp

    from ..deep.evaluation import energy_score

    logits = item_rng(context, "energy").normal(0.0, 300.0, (64, 10))
    misses = {T: float(np.max(np.abs(energy_score(logits, T) - T * logsumexp(logits / T, axis=1))
                              / np.maximum(1.0, np.abs(T * logsumexp(logits / T, axis=1)))))
              for T in (1.0, 2.0)}
    record.passed = all(m <= float_tolerance("float64", operations=20) for m in misses.values())
    record.measured = {"max relative miss by T": misses}


# ------------------------------------------------------------------------------------------------
# ECE (Eq. 103)
# ------------------------------------------------------------------------------------------------
def calibration_sample(context, key, n=3000, classes=10):
    """Softmax outputs over-confident below confidence 2/3 and under-confident above (P(correct) = 1.6 conf - 0.4),
    so that the binning matters: with one sign of acc - conf in every bin any binning gives the same ECE."""
    rng = item_rng(context, key)
    logits = rng.normal(0.0, 1.0, (n, classes)) * rng.uniform(0.5, 6.0, (n, 1))
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    correct = rng.uniform(size=n) < 1.6 * probabilities.max(axis=1) - 0.4
    labels = np.where(correct, probabilities.argmax(axis=1), (probabilities.argmax(axis=1) + 1) % classes)
    return probabilities, labels


def ece_loop(probabilities, labels, edges):
    """Eq. 103 by a loop over bins (edges[b], edges[b+1]] (the first bin also holds its lower edge)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    total = 0.0
    for b in range(len(edges) - 1):
        members = (confidence > edges[b]) & (confidence <= edges[b + 1])
        if b == 0:
            members |= confidence == edges[0]
        if members.any():
            total += members.sum() / len(labels) * abs(correct[members].mean() - confidence[members].mean())
    return total


@EVIDENCE.item("ece-equal-width", kind="exact", cases={"B15": 15, "B10": 10, "B20": 20},
               description="ECE with B = {case} equals Eq. 103 computed by a direct loop over equal-width bins "
                           "(b/B, (b+1)/B] on 3000 miscalibrated softmax outputs")
def ece_equal_width(context, record, case):
    from ..deep.evaluation import expected_calibration_error

    probabilities, labels = calibration_sample(context, "ece")
    reference = ece_loop(probabilities, labels, np.linspace(0.0, 1.0, case + 1))
    value = expected_calibration_error(probabilities, labels, bins=case)
    record.passed = abs(value - reference) <= float_tolerance("float64", operations=len(labels))
    record.measured = {"ece": value, "loop": reference}


@EVIDENCE.item("ece-equal-mass-mutant", kind="mutant",
               description="equal-mass bins (confidence quantiles) in place of equal-width bins change the ECE by "
                           "more than MUTANT_MARGIN x tolerance on the same outputs (B = 15)")
def ece_equal_mass_mutant(context, record):
    probabilities, labels = calibration_sample(context, "ece")
    confidence = probabilities.max(axis=1)
    quantiles = np.quantile(confidence, np.linspace(0.0, 1.0, 16))
    quantiles[0] = 0.0
    miss = abs(ece_loop(probabilities, labels, quantiles) - ece_loop(probabilities, labels, np.linspace(0, 1, 16)))
    record.passed = miss > MUTANT_MARGIN * float_tolerance("float64", operations=len(labels))
    record.measured = {"equal-mass minus equal-width": miss}


# ------------------------------------------------------------------------------------------------
# Long-tailed and step class sizes
# ------------------------------------------------------------------------------------------------
@cache
def exact_long_tailed_counts(n_max, classes, rho, exponent_denominator=None):
    """floor(n_max rho^(-c/(C-1))) in exact arithmetic (``exponent_denominator`` replaces C - 1 for the mutant)."""
    denominator = classes - 1 if exponent_denominator is None else exponent_denominator
    counts = []
    with mpmath.workdps(60):
        for c in range(classes):
            value = n_max * mpmath.power(rho, -mpmath.mpf(c) / denominator)
            if abs(value - mpmath.nint(value)) < mpmath.mpf(10) ** -40:   # at an integer: decide exactly
                value = sp.Integer(n_max) * sp.Integer(rho) ** sp.Rational(-c, denominator)
                counts.append(int(sp.floor(value)))
            else:
                counts.append(int(mpmath.floor(value)))
    return counts


@EVIDENCE.item("long-tailed-counts", kind="exact",
               description="imbalanced_counts(n_max, C, rho) equals floor(n_max rho^(-c/(C-1))) computed exactly, "
                           "with n_0 = n_max and n_(C-1) = n_max/rho, for CIFAR-10 (5000, 10) and CIFAR-100 "
                           "(500, 100), rho in {100, 50, 20, 10, 1}")
def long_tailed_counts(context, record):
    from ..deep.data import imbalanced_counts

    misses = {}
    for name, (n_max, classes) in LT_SETTINGS.items():
        for rho in (100, 50, 20, 10, 1):
            counts, exact = imbalanced_counts(n_max, classes, rho), exact_long_tailed_counts(n_max, classes, rho)
            if counts != exact or counts[0] != n_max or counts[-1] != n_max // rho:
                misses[f"{name} rho={rho}"] = [(c, a, b) for c, (a, b) in enumerate(zip(counts, exact)) if a != b]
    record.passed = not misses
    record.measured = {"settings that differ": misses}


@EVIDENCE.item("published-lt-sizes", kind="data",
               description="the long-tailed training sets have the published sizes: CIFAR-10-LT 12,406 / 13,996 / "
                           "20,431 and CIFAR-100-LT 10,847 / 12,608 / 19,573 images at rho = 100 / 50 / 10")
def published_lt_sizes(context, record):
    from ..deep.data import imbalanced_counts

    sizes = {f"{name} rho={rho}": (sum(imbalanced_counts(*LT_SETTINGS[name], rho)), published)
             for (name, rho), published in PUBLISHED_LT_SIZES.items()}
    record.passed = all(ours == published for ours, published in sizes.values())
    record.measured = {k: f"{ours} (published {published})" for k, (ours, published) in sizes.items()}


@EVIDENCE.item("long-tailed-exponent-mutant", kind="mutant",
               description="the exponent -c/C in place of -c/(C-1) misses the published CIFAR-10-LT size at rho = 100 "
                           "and the ratio n_max/n_min = rho")
def long_tailed_exponent_mutant(context, record):
    counts = exact_long_tailed_counts(5000, 10, 100, exponent_denominator=10)
    record.passed = sum(counts) != PUBLISHED_LT_SIZES["CIFAR-10", 100] and counts[0] / counts[-1] != 100
    record.measured = {"size": sum(counts), "n_max/n_min": counts[0] / counts[-1]}


@EVIDENCE.item("step-counts", kind="exact",
               description="step imbalance: the last floor(C/2) classes have floor(n_max/rho) examples, the others "
                           "n_max, so every minority class shares one size, every majority class another, and "
                           "n_max/n_min = rho (CIFAR-10 and CIFAR-100 sizes, rho in {100, 50, 20, 10})")
def step_counts(context, record):
    from ..deep.data import imbalanced_counts

    misses = []
    for name, (n_max, classes) in LT_SETTINGS.items():
        for rho in (100, 50, 20, 10):
            counts = imbalanced_counts(n_max, classes, rho, "step")
            minority = classes // 2
            expected = [n_max] * (classes - minority) + [n_max // rho] * minority
            if counts != expected or max(counts) / min(counts) != rho:
                misses.append(f"{name} rho={rho}")
    record.passed = not misses
    record.measured = {"settings that differ": misses}


@EVIDENCE.item("imbalance-subset", kind="exact",
               description="imbalance() keeps exactly imbalanced_counts(n_min, C, rho) examples per class of a "
                           "balanced 10 x 500 set and rho = 1 keeps the whole set")
def imbalance_subset(context, record):
    from ..deep.data import ImageDataset, imbalance, imbalanced_counts

    labels = np.repeat(np.arange(10), 500)
    images = np.arange(len(labels), dtype=np.int64).astype(np.uint8).reshape(-1, 1, 1, 1)
    balanced = ImageDataset(images, labels, [str(c) for c in range(10)], "balanced")
    outcomes = {}
    for rho, profile in ((100, "exponential"), (10, "step"), (1, "exponential")):
        subset = imbalance(balanced, rho, profile)
        outcomes[f"{profile} rho={rho}"] = subset.class_counts().tolist() == imbalanced_counts(500, 10, rho, profile)
    record.passed = all(outcomes.values())
    record.measured = outcomes
