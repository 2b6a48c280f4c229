"""Unit tests of the collapse-condition helpers: the limit map against the decomposition, bad input, formulas,
figure."""
import json

import numpy as np
import pytest

from ulproofs.claims import corollary_3
from ulproofs.claims import extension_collapse_condition as collapse
from ulproofs.core import weight_decay
from ulproofs.core.decomposition import Decomposition
from ulproofs.core.errors import AssumptionError
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.reports import extension_figures

PROBLEM = LayerPeeledProblem(p=6, C=4, N=3, gamma=0.2)
RNG = np.random.default_rng(3)
H0, W0 = RNG.standard_normal((6, 12)), RNG.standard_normal((6, 4))


@pytest.mark.parametrize("ratio", [0.5, 1.0, 3.0])
def test_limit_map_equals_corollary_3_limit_from_the_decomposition(ratio):
    parts = Decomposition(PROBLEM, H0, W0)
    expected = parts.combine(corollary_3.limit_coefficients(parts.labels, ratio))
    found = collapse.limit_state(PROBLEM, H0, W0, collapse.numeric_blocks("unconstrained", PROBLEM, ratio))
    for x, y in zip(found, expected):
        assert np.linalg.norm(x - y) <= 1e-13 * np.linalg.norm(y)


@pytest.mark.parametrize("ratio", [0.5, 2.0])
def test_limit_map_equals_corollary_5_limit_at_the_threshold(ratio):
    decay = weight_decay.threshold_value(PROBLEM)
    parts = Decomposition(PROBLEM, H0, W0)
    expected = parts.combine(weight_decay.target_coefficients(PROBLEM, decay, ratio)["limit"])
    found = collapse.limit_state(PROBLEM, H0, W0, collapse.numeric_blocks("threshold", PROBLEM, ratio, decay))
    for x, y in zip(found, expected):
        assert np.linalg.norm(x - y) <= 1e-13 * np.linalg.norm(y)


def test_nc4_violations():
    W = np.array([[1.0, 3.0, -4.0], [0.0, 1.0, -1.0]])
    assert collapse.nc4_violations(W).tolist() == [0]
    assert collapse.nc4_violations(np.array([[1.0, -1.0], [0.0, 0.0]])).tolist() == []


def test_unknown_limit_and_start_raise():
    with pytest.raises(AssumptionError, match="unknown limit"):
        collapse.limit_blocks("sideways")
    with pytest.raises(AssumptionError, match="unknown start"):
        collapse.constructed_start(PROBLEM, "orthogonal", np.random.default_rng(0))


def test_collapse_figure(tmp_path):
    paths = extension_figures.collapse_figure(tmp_path, scale="reduced")
    assert open(paths["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    record = json.loads(open(paths["json"]).read())
    assert record["commit"] and record["parameters"]["seed"] == 0
    runs = record["runs"]
    assert runs["etf"]["limit"]["nc2_equiangle"] < 1e-12 < runs["random"]["limit"]["nc2_equiangle"]
    assert runs["nc4"]["limit"]["nc4_ncc_mismatch"] == runs["nc4"]["iterates"]["nc4_ncc_mismatch"][-1] > 0
    for run in runs.values():
        assert run["iterates"]["nc3_self_duality"][-1] < 1e-12 and run["iterates"]["nc1"][-1] < 1e-12
    with pytest.raises(AssumptionError, match="scale"):
        extension_figures.collapse_data(scale="huge")
