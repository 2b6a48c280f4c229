"""Theorem 7 (Eqs. 18-21, 90-94) and the rescaled learning rate (Sec. 4.3, Fig. 9)."""
import math

import pytest

from ulproofs.claims import theorem_7
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return theorem_7.check(CheckContext())


def measured(finding, kind, words):
    return next(e for e in finding.evidence if e.kind == kind and words in e.description).measured


def test_eq_19_and_rlr_steps_match_autograd(finding):
    facts = measured(finding, "exact", "Eq. 19")
    assert facts["eq19_error"] <= facts["tolerance"] and facts["rlr_error"] <= facts["tolerance"]


def test_centring_removes_the_gamma_term_and_mutants_miss(finding):
    facts = measured(finding, "exact", "Eq. 19")
    assert facts["centred_gamma_term_error"] <= facts["tolerance"]
    assert facts["centred_needed_error"] > MUTANT_MARGIN * facts["tolerance"]
    assert facts["mutant_no_one_plus_gamma"] > MUTANT_MARGIN and facts["mutant_norm_squared"] > MUTANT_MARGIN


def test_iterates_monotone_bounded_convergent_exponential(finding):
    runs = measured(finding, "iterates", "float64 iterates of Eq. 19")
    assert len(runs) == 9
    for name, report in runs.items():
        assert report["ok"], name
        assert report["final_error"] <= 1e-8
    rates = [r for report in runs.values() for r in report.get("rates", [])]
    assert len(rates) >= 10 and all(abs(r["fitted"] - r["predicted"]) <= r["tolerance"] for r in rates)


def test_mutant_rate_misses(finding):
    assert measured(finding, "mutant", "rate")["smallest_miss_over_tolerance"] > MUTANT_MARGIN


def test_prototype_norm_matters(finding):
    facts = measured(finding, "counterexample", "unit prototypes")
    assert facts["norm_2_final_error"] == pytest.approx(facts["predicted"], abs=1e-8)
    assert facts["norm_2_final_direction_gap"] <= 1e-8
    assert facts["norm_half_literal_value"] == -0.5 and facts["norm_half_feature_moved"] == 0.0


def test_papers_rho_gives_half_the_rate(finding):
    facts = measured(finding, "proof", "rho")
    assert facts["half_rho"] <= facts["fitted_rate"] < facts["rho"]
    assert facts["error_times_exp_rho_t_growth"] > 1e3


def test_fixed_point_exact_and_repelling(finding):
    assert measured(finding, "symbolic", "Moreover")["passed"]
    facts = measured(finding, "instability", "repelling")
    assert facts["escaped"] > 0 and facts["stayed_exactly"] > 0
    low, high = facts["escape_steps"]
    assert 0.7 * facts["predicted_float_steps"] <= low <= high <= 1.3 * facts["predicted_float_steps"]
    assert facts["mp_escape_step"] == pytest.approx(facts["predicted_mp_steps"], rel=0.3)


def test_rlr_converges_under_the_corrected_condition(finding):
    runs = measured(finding, "iterates", "RLR (Sec. 4.3)")
    assert all(r["ok"] for r in runs.values())


def test_rlr_condition_as_printed_fails():
    facts = theorem_7.rlr_condition_counterexample()
    assert facts["alpha_0"] == pytest.approx(10.0) and facts["min_cosine_step"] < -0.1
    assert facts["final_error"] <= 1e-8 and facts["corrected_min_cosine_step"] > -1e-14


def test_rlr_speedup_only_above_unit_norm(finding):
    facts = measured(finding, "iterates", "speed-up")
    assert all(r["speedup"] > 1 for r in facts["norm_above_one"]["rows"].values())
    assert facts["rates_meeting_the_bound_below_one"] >= 1 and facts["passed"]


def test_reduced_condition():
    assert theorem_7.reduced_condition(2.0, 0.5, 3, 1, 1.0, 1.0) == 1.0
    assert theorem_7.reduced_condition(2.0, 0.5, 3, 1, 0.1, 1.0, rescaled=True) == pytest.approx(10.0)


def test_check_corrects_the_theorem(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "unit prototypes" in finding.correction and "rho t/2" in finding.correction


@pytest.mark.paper_scale
def test_figure_nine_at_paper_scale():
    facts = theorem_7.figure_nine()
    assert facts["passed"], facts
    rows = facts["runs"]["sigma=1"]["rows"]
    assert rows["10.0"]["rlr"]["steps"] is not None
    assert math.isfinite(facts["runs"]["sigma=0.0442"]["mean_initial_norm"])
