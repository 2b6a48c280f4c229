"""The digits studies (ulproofs.deep.studies): statistics, predictions, bad input, and tiny end-to-end runs."""
import json
import math

import numpy as np
import pytest

from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import MUTANT_MARGIN, float_tolerance
from ulproofs.deep import studies
from ulproofs.deep.data import load_digits_dataset, parse_classes, restrict_classes

TINY = {"width": 0.25, "classes": "0,1,2,3,4"}      # p = 32, C = 5: a few tenths of a second per epoch


def test_t_interval_matches_the_t_quantile_by_hand():
    # n = 5, values 1..5: mean 3, s = sqrt(2.5), t_{0.975,4} = 2.776445 -> half-width 2.776445 * sqrt(2.5/5)
    interval = studies.t_interval([1, 2, 3, 4, 5])
    assert interval["mean"] == 3.0
    assert interval["half_width"] == pytest.approx(2.7764451051977987 * math.sqrt(0.5), rel=1e-12)
    assert studies.format_interval([0.5, 0.5], scale=100) == "50.00 ± 0.00"


@pytest.mark.parametrize("seeds, message", [((0,), "at least 2 seeds"), ((1, 1), "distinct")])
def test_fewer_than_two_seeds_are_refused(seeds, message):
    with pytest.raises(AssumptionError, match=message):
        studies.check_seeds(seeds)
    with pytest.raises(AssumptionError, match=message):
        studies.digits_lt(seeds=seeds, runs_dir="/nonexistent")
    with pytest.raises(AssumptionError, match="at least 2 seeds"):
        studies.t_interval([1.0, None])


def test_verdict_rules():
    assert studies.sign_verdict({"low": 0.1, "high": 0.3}, +1) == "agrees"
    assert studies.sign_verdict({"low": 0.1, "high": 0.3}, -1) == "disagrees"
    assert studies.sign_verdict({"low": -0.1, "high": 0.3}, -1) == "within noise"
    assert studies.contains_verdict({"low": 0.9, "high": 1.1}, 1.0) == "agrees"
    assert studies.contains_verdict({"low": 0.9, "high": 0.95}, 1.0) == "disagrees"


def test_corollary_3_boundary_is_where_the_two_growth_exponents_tie():
    for C in (3, 10, 100):
        boundary = studies.gamma_boundary(C)
        assert 1 + boundary == pytest.approx(abs(1 + boundary - boundary * C), rel=1e-12)
    with pytest.raises(AssumptionError, match="C > 2"):
        studies.gamma_boundary(2)


def test_theorem_6_limit_in_the_minibatch_mapping():
    # (1 + gamma) s / (2 lambda |B|) with gamma = 1/9, s = 1; the mutant without the factor 2 is caught.
    for lam, batch in ((1e-3, 64), (3e-4, 256)):
        value = studies.feature_norm_limit(lam, batch)
        expected = (10 / 9) / (2 * lam * batch)
        tol = float_tolerance("float64", operations=128 * 10)
        assert abs(value - expected) <= tol * expected
        assert abs(value - 2 * expected) > MUTANT_MARGIN * tol * expected


def test_prototype_mean_fraction_on_the_two_subspaces():
    etf = np.array([[1.0, 0.0], [-0.5, 3 ** 0.5 / 2], [-0.5, -(3 ** 0.5) / 2]])
    assert studies.prototype_mean_fraction(etf) < 1e-15
    assert studies.prototype_mean_fraction(np.tile([[2.0, 1.0]], (3, 1))) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("inside, held_out, message", [
    ("0,1,2", "", "held-out class list is empty"),
    ("0,1,2", [], "held-out class list is empty"),
    ("0,1,2", "2,3", "held-out classes [2] are also training classes"),
    ("0,1,2", "3,10", "held-out classes names classes that do not exist: [10]"),
    ("0,11", "3", "in-distribution classes names classes that do not exist: [11]"),
    ("0", "3", "at least two in-distribution classes"),
    ("0,0,1", "3", "repeats a class"),
])
def test_bad_class_lists_are_named(inside, held_out, message):
    with pytest.raises(AssumptionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        studies.ood_split(inside, held_out)


def test_restricting_classes_relabels_and_refuses_a_single_class():
    test = load_digits_dataset(train=False)
    kept = restrict_classes(test, "7,3")
    assert set(kept.labels.tolist()) == {0, 1} and kept.classes == ["7", "3"]
    assert len(kept) == int(np.sum(np.isin(test.labels, [3, 7])))
    with pytest.raises(AssumptionError, match="at least two classes"):
        restrict_classes(test, "4")
    with pytest.raises(AssumptionError, match="comma-separated"):
        parse_classes("a,b", 10)


@pytest.mark.parametrize("rho", [0.5, -2, float("inf")])
def test_imbalance_ratio_below_one_is_refused(rho):
    with pytest.raises(AssumptionError, match="imbalance ratio"):
        studies.digits_lt(seeds=(0, 1), rhos=(rho,), runs_dir="/nonexistent")


@pytest.fixture(scope="module")
def tiny_theory(tmp_path_factory):
    root = tmp_path_factory.mktemp("theory")
    wanted = ("plain γ=0.05 no ReLU", "plain γ=1.0 no ReLU", "UL-PAL λ=0.001", "UL-PAL λ=0.003")
    specs = [s for s in studies.theory_specs() if s.label in wanted]
    record = studies.digits_theory(seeds=(0, 1), epochs=2, runs_dir=root, doc=root / "theory.md",
                                   figures=root / "figures", overrides=TINY, specs=specs, log=lambda *_: None)
    return root, record


def test_tiny_theory_study_reports_every_measured_prediction(tiny_theory):
    root, record = tiny_theory
    measured = record["measured"]
    assert set(measured) >= {"cor3-regime", "cor3-growth", "thm6-limit", "thm6-slope", "thm6-alignment"}
    verdicts = {"agrees", "disagrees", "within noise"}
    assert {entry["verdict"] for entry in measured["cor3-regime"].values()} <= verdicts
    # C = 5 classes: gamma = 1/4, limit (5/4) / (2e-3 * 64)
    assert measured["thm6-limit"]["0.001"]["predicted"] == pytest.approx(1.25 / 0.128, rel=1e-12)
    text = (root / "theory.md").read_text()
    assert "Predictions (stated before the runs)" in text and "| cor3-regime | plain γ=0.05 no ReLU |" in text
    saved = json.loads((root / "figures" / "digits_theory.json").read_text())
    assert saved["seeds"] == [0, 1] and saved["torch_threads"] >= 1 and saved["wall_seconds"] > 0
    assert (root / "figures" / "neural-collapse.png").is_file()


def test_metrics_json_carries_neural_collapse_per_epoch(tiny_theory):
    _, record = tiny_theory
    for run in record["runs"]["UL-PAL λ=0.003"]:
        epochs = json.loads((studies.Path(run) / "metrics.json").read_text())["epochs"]
        assert len(epochs) == 2
        for entry in epochs:
            assert set(entry["neural_collapse"]) == {"nc1", "nc2_equinorm", "nc2_equiangle", "nc3_self_duality",
                                                     "nc4_ncc_mismatch"}
            assert all(math.isfinite(v) for v in entry["neural_collapse"].values())


def test_tiny_runs_score_held_out_classes_and_inverted_images(tiny_theory):
    root, record = tiny_theory
    run = next(iter(record["runs"]["UL-PAL λ=0.001"]))
    metrics = json.loads((studies.Path(run) / "metrics.json").read_text())
    scores = studies.ood_scores(metrics, run, held_out=[5, 6, 7, 8, 9])
    assert scores["sizes"]["held-out classes"] == int(sum(np.isin(d.labels, [5, 6, 7, 8, 9]).sum()
                                                          for d in (load_digits_dataset(True),
                                                                    load_digits_dataset(False))))
    for shift in ("held-out classes", "inverted images"):      # AUROC itself is checked against scikit-learn
        assert set(scores[shift]) >= {"softmax", "energy", "feature_norm"}


def test_tiny_long_tailed_table(tmp_path):
    record = studies.digits_lt(seeds=(0, 1), epochs=1, runs_dir=tmp_path, doc=tmp_path / "lt.md",
                               figures=tmp_path, rhos=(10,), profiles=("step",), balanced=False,
                               overrides=TINY, log=lambda *_: None)
    cell = record["cells"]["UL-PAL | step ρ=10"]
    assert len(cell["overall"]) == 2 and all(0 <= v <= 1 for v in cell["many_shot"] + cell["few_shot"])
    text = (tmp_path / "lt.md").read_text()
    assert "## few-shot accuracy (%)" in text and "| CE (λ=0.0001) |" in text
