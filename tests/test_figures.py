"""The figures at the reduced size: files, and the plotted series against the library's closed forms.

Every check reads the JSON written beside each PNG/PDF, i.e. the series that were plotted.
"""
import json
import math

import numpy as np
import pytest
import torch

from ulproofs.claims.corollary_3 import random_start
from ulproofs.claims.theorem_2 import UnconstrainedDynamics
from ulproofs.core.decomposition import Decomposition
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance
from ulproofs.core.rates import Constant, RatePair
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.weight_decay import WeightDecayDynamics
from ulproofs.reports import figures

CLOSED_FORM_FIGURES = ("1", "4", "5", "6", "7", "8", "instability")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    written = figures.draw_figures(scale="reduced", out_dir=out, progress=False)
    records = {name: json.loads(open(paths["json"]).read()) for name, paths in written.items()}
    return written, records


def _values(series, quantity):
    return np.array(series["values"][quantity], dtype=float)        # null (non-finite) -> nan


def _problem(record, gamma):
    p = record["parameters"]
    return LayerPeeledProblem(p["p"], p["C"], p["N"], gamma)


# --- files ----------------------------------------------------------------------------------
def test_every_figure_is_written_as_png_pdf_and_json(drawn):
    written, records = drawn
    assert set(written) == set(figures.FIGURES)
    for name, paths in written.items():
        assert open(paths["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        assert open(paths["pdf"], "rb").read(5) == b"%PDF-"
        record = records[name]
        assert record["commit"] and record["parameters"]["seed"] == 0 and record["curves"]
        assert all(c["series"]["iterates"]["steps"] for c in record["curves"])


def test_unknown_figure_and_scale_are_rejected(tmp_path):
    with pytest.raises(AssumptionError):
        figures.draw_figures(["3"], out_dir=tmp_path, scale="reduced", progress=False)
    with pytest.raises(AssumptionError):
        figures.build_figure("1", scale="huge", progress=False)


# --- iterates against the exact discrete closed form -----------------------------------------
def _agreement(curve, iterates="iterates", discrete="discrete", bound="error_bound", accuracy=True):
    """max over quantities and recorded steps of |iterates - discrete| / bound (finite entries)."""
    worst, checked = 0.0, 0
    series = curve["series"]
    for quantity in series[discrete]["values"]:
        if quantity not in series[iterates]["values"] or (quantity == "accuracy" and not accuracy):
            continue
        measured, exact = _values(series[iterates], quantity), _values(series[discrete], quantity)
        allowed = _values(series[bound], quantity)
        finite = np.isfinite(measured)
        gap = np.abs(measured[finite] - exact[finite])
        if quantity == "accuracy":          # bound = fraction of columns whose argmax rounding may flip
            assert np.all(gap <= allowed[finite] + 1e-12), (curve["label"], quantity)
            continue
        worst = max(worst, float(np.max(gap / allowed[finite])))
        checked += int(finite.sum())
    return worst, checked


@pytest.mark.parametrize("name", CLOSED_FORM_FIGURES)
def test_plotted_iterates_match_the_exact_discrete_closed_form(drawn, name):
    """Theorem 2/4's multipliers of gradient descent, within the a-priori float64 rounding bound."""
    _, records = drawn
    for curve in records[name]["curves"]:
        worst, checked = _agreement(curve)
        assert checked > 0 and worst <= 1.0, (name, curve["label"], worst)


def test_float32_iterates_match_the_closed_form_until_they_overflow(drawn):
    _, records = drawn
    float32_max = float(torch.finfo(torch.float32).max)
    overflowed = 0
    for curve in records["instability"]["curves"]:
        series = curve["series"]
        measured = _values(series["float32"], "norm_Z32")
        exact = _values(series["float32_discrete"], "norm_Z32")
        allowed = _values(series["float32_error_bound"], "norm_Z32")
        finite = np.isfinite(measured)
        assert np.all(np.abs(measured[finite] - exact[finite]) <= allowed[finite]), curve["label"]
        if not finite.all():
            overflowed += 1
            # an entry of a class-mean step is a sum of at most C(N+1) terms no larger than ||Z||
            p = records["instability"]["parameters"]
            first = int(np.argmin(finite))
            assert exact[first] >= float32_max / (4 * p["C"] * (p["N"] + 1))
            assert not np.isfinite(measured[first:]).any()
    assert overflowed >= 1


def test_mutant_flow_instead_of_iterates_is_caught(drawn):
    """The bound is tight enough to tell gradient descent from the flow: the flow's closed form misses it."""
    _, records = drawn
    for name in ("1", "4"):
        misses = [_agreement(c, discrete="closed_form", accuracy=False)[0] for c in records[name]["curves"]]
        assert max(misses) > 1e3, (name, misses)


# --- the closed form drawn is the library's --------------------------------------------------
def test_figure_one_closed_form_is_theorem_2(drawn):
    _, records = drawn
    record = records["1"]
    for curve in record["curves"]:
        problem = _problem(record, curve["parameters"]["gamma"])
        H0, W0, b0 = random_start(problem, record["parameters"]["seed"])
        dynamics = UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.1)))
        steps = np.array(curve["series"]["closed_form"]["steps"], dtype=float)
        # one state formed in full, the rest through the Gram matrices
        H, W = dynamics.state(steps[-1])
        norm = math.sqrt((H ** 2).sum() + (W ** 2).sum())
        plotted = _values(curve["series"]["closed_form"], "norm_Z")
        assert abs(plotted[-1] - norm) <= float_tolerance(operations=problem.p * problem.examples) * 10 * norm
        assert np.allclose(plotted, dynamics.parts.norm(dynamics.coefficients(steps)), rtol=1e-13, atol=0)
        loss = problem.loss(H, W, dynamics.bias(steps[-1]))
        assert abs(_values(curve["series"]["closed_form"], "loss")[-1] - loss) <= 1e-9 * max(1.0, abs(loss))


def test_weight_decay_closed_form_is_theorem_4(drawn):
    _, records = drawn
    record = records["4"]
    for curve in record["curves"]:
        parameters = curve["parameters"]
        problem = _problem(record, parameters["gamma"])
        H0, W0, b0 = random_start(problem, record["parameters"]["seed"])
        rates = RatePair.proportional(Constant(parameters["eta2"]), s=parameters["s"])
        dynamics = WeightDecayDynamics(problem, H0, W0, b0, rates, (parameters["decay"],) * 2)
        steps = np.array(curve["series"]["closed_form"]["steps"], dtype=float)
        H, W = dynamics.state(steps[-1])
        assert math.isclose(_values(curve["series"]["closed_form"], "norm_W")[-1], np.linalg.norm(W), rel_tol=1e-12)
        assert math.isclose(_values(curve["series"]["closed_form"], "norm_H")[-1], np.linalg.norm(H), rel_tol=1e-12)


def test_flow_overlay_differs_from_descent_by_the_discretisation_only(drawn):
    r"""s = 1: each component of Z scales by :math:`(1+\eta\sigma_j)^k` (descent) or :math:`e^{\eta\sigma_jk}`
    (flow), so :math:`|\log\|Z_{\rm flow}\|-\log\|Z_{\rm GD}\||\le k\max_j|\eta\sigma_j-\log(1+\eta\sigma_j)|`."""
    _, records = drawn
    for name in ("1", "instability"):
        record = records[name]
        for curve in record["curves"]:
            problem = _problem(record, curve["parameters"]["gamma"])
            eta = curve["parameters"]["eta2"]
            sigma = np.array(Decomposition(problem, *random_start(problem, 0)[:2]).eigenvalues)
            per_step = float(np.max(np.abs(eta * sigma - np.log1p(eta * sigma))))
            k = np.array(curve["series"]["closed_form"]["steps"], dtype=float)
            gap = np.abs(np.log(_values(curve["series"]["closed_form"], "norm_Z"))
                         - np.log(_values(curve["series"]["discrete"], "norm_Z")))
            assert np.all(gap <= k * per_step * (1 + 1e-9) + 1e-12), (name, curve["label"])


# --- claimed rates -------------------------------------------------------------------------
def test_reference_rates_are_corollary_3s(drawn):
    _, records = drawn
    record = records["1"]
    C, N = record["parameters"]["C"], record["parameters"]["N"]
    unit = 0.1 / (C * math.sqrt(N))
    for curve in record["curves"]:
        g = curve["parameters"]["gamma"]
        growth = curve["series"]["rate_norm_Z"]["slope"]
        assert math.isclose(growth, unit * max(1 + g, abs(1 + g - g * C)), rel_tol=1e-12)
        if 0 < g < 2 / (C - 2):
            assert math.isclose(curve["series"]["rate_distance"]["slope"], unit * max(-g * C, (C - 2) * g - 2),
                                rel_tol=1e-12)
        else:
            assert "rate_distance" not in curve["series"]
    for curve in records["instability"]["curves"]:
        p = records["instability"]["parameters"]
        sigma_1 = (1 + p["gamma"]) / (C * math.sqrt(N))
        assert math.isclose(curve["series"]["rate_norm_H"]["slope"], curve["parameters"]["eta2"] * sigma_1,
                            rel_tol=1e-12)


def test_figure_one_regimes_at_the_reduced_size(drawn):
    """gamma = 0.05 > 2/(C-2): the distance to Z~ turns upward (towards sqrt 2); in range it decreases."""
    _, records = drawn
    facts = {c["parameters"]["gamma"]: c for c in records["1"]["curves"]}
    beyond = facts[0.05]
    distance = _values(beyond["series"]["iterates"], "distance")
    assert beyond["parameters"]["regime"] == "E2 dominates" and distance[-1] > distance.min()
    for curve in facts.values():
        if curve["parameters"]["regime"] == "in range":
            d = _values(curve["series"]["iterates"], "distance")
            assert d[-1] < d[0]


# --- Fig. 9 -----------------------------------------------------------------------------------
def test_figure_nine_full_iterates_match_the_planar_reduction_and_lemma_10(drawn):
    _, records = drawn
    for curve in records["9"]["curves"]:
        worst, checked = _agreement(curve, iterates="validation")
        assert checked > 0 and worst <= 1.0, (curve["label"], worst)
        series = curve["series"]["iterates"]
        norms, error = _values(series, "norm_H"), _values(series, "error")
        tolerance = float_tolerance(operations=4 * records["9"]["parameters"]["p"] + 8)
        assert np.all(np.diff(norms) >= -tolerance * norms[:-1])            # ||H(t)|| non-decreasing
        assert np.all(np.diff(error) <= tolerance * (error[:-1] + 1))        # the error decreases
        bound = _values(curve["series"]["bound"], "error")
        assert np.all(error <= bound * (1 + tolerance) + tolerance)          # Lemma 10's angle bound
        assert np.all(norms <= _values(curve["series"]["norm_bound"], "norm_H") * (1 + tolerance))
    rates = {(c["parameters"]["eta"], c["parameters"]["rescaled"]): c["facts"]["final_error"]
             for c in records["9"]["curves"]}
    # ||h(0)|| > 1 here (entries N(0, 1)): the rescaled rate converges faster at every eta
    assert all(rates[(eta, True)] < rates[(eta, False)] for eta in figures.FIGURE_NINE_RATES)
