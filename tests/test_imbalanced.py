"""Unit tests of the imbalanced layer-peeled model (ulproofs.core.imbalanced): bad input, the reduction against dense
iterates, formulas, figure."""
import json
import math

import numpy as np
import pytest

from ulproofs.core.errors import AssumptionError
from ulproofs.core.imbalanced import (
    ImbalancedDynamics,
    ImbalancedProblem,
    class_sizes,
    imbalanced_descent,
    long_tailed,
    two_groups,
)
from ulproofs.core.precision import float_tolerance
from ulproofs.reports import extension_figures


@pytest.mark.parametrize("sizes", [[3, 0, 2], [3, -1], [3], [], [2.5, 3], [True, 2]])
def test_bad_class_sizes_raise(sizes):
    with pytest.raises(AssumptionError):
        class_sizes(sizes)


@pytest.mark.parametrize("groups", [(1, 5, 0, 1), (0, 5, 1, 1), (0, 1, 0, 1), (2, 0, 2, 1), (2, 5, 2, 0),
                                    (-1, 5, 3, 1)])
def test_bad_groups_raise(groups):
    with pytest.raises(AssumptionError):
        two_groups(*groups)


def test_group_sizes_and_long_tail():
    assert two_groups(2, 5, 3, 1).tolist() == [5, 5, 1, 1, 1]
    assert two_groups(2, 5, 0, 1).tolist() == [5, 5]
    sizes = long_tailed(10, 100, 100.0)
    assert sizes[0] == 100 and sizes[-1] == 1 and np.all(np.diff(sizes) <= 0)
    for ratio in (0.5, math.nan, math.inf):
        with pytest.raises(AssumptionError, match="imbalance ratio"):
            long_tailed(10, 100, ratio)


@pytest.mark.parametrize("kwargs", [dict(p=0, sizes=[2, 2], gamma=0.1), dict(p=2, sizes=[2, 2], gamma=-0.1),
                                    dict(p=2, sizes=[2, 2], gamma=math.nan)])
def test_bad_problem_raises(kwargs):
    with pytest.raises(AssumptionError):
        ImbalancedProblem(**kwargs)


def test_bad_weight_decay_rates_and_shapes_raise():
    problem = ImbalancedProblem(p=2, sizes=[3, 1], gamma=0.1)
    H0, W0 = np.ones((2, 4)), np.ones((2, 2))
    with pytest.raises(AssumptionError, match="weight decay"):
        ImbalancedDynamics(problem, H0, W0, (-0.1, 0.0))
    with pytest.raises(AssumptionError, match="shape"):
        ImbalancedDynamics(problem, np.ones((2, 3)), W0)
    for rates in ([0.1, -0.1], [0.1, math.nan]):
        with pytest.raises(AssumptionError, match="finite and >= 0"):
            imbalanced_descent(problem, H0, W0, np.zeros(2), rates, [0.1, 0.1])


def test_descent_matches_dense_products_and_the_reduction():
    problem = ImbalancedProblem(p=3, sizes=[4, 2, 1], gamma=0.3)
    rng = np.random.default_rng(1)
    H0, W0 = rng.standard_normal((3, 7)), rng.standard_normal((3, 3))
    rates1, rates2, decay = np.linspace(0.2, 0.8, 50), np.full(50, 0.5), (0.02, 0.01)
    H, W, _ = imbalanced_descent(problem, H0, W0, np.zeros(3), rates1, rates2, decay)[50]
    M = problem.M_dense()
    H_dense, W_dense = H0.copy(), W0.copy()
    for a, b in zip(rates1, rates2):
        H_dense, W_dense = H_dense + a * (W_dense @ M - decay[0] * H_dense), W_dense + b * (H_dense @ M.T - decay[1]
                                                                                            * W_dense)
    dynamics = ImbalancedDynamics(problem, H0, W0, decay)
    H_closed, W_closed = dynamics.state(dynamics.descent_propagators(rates1, rates2))
    for x, y in ((H, H_dense), (W, W_dense), (H_closed, H_dense), (W_closed, W_dense)):
        assert np.linalg.norm(x - y) <= float_tolerance("float64", 50 * 16) * np.linalg.norm(y)


def test_balanced_sizes_give_theorem_2_eigenvalues():
    problem = ImbalancedProblem(p=1, sizes=[3, 3, 3, 3], gamma=0.2)
    sigma = problem.singular_values()
    expected = sorted([(1 + 0.2) / (4 * math.sqrt(3))] * 3 + [abs(1 + 0.2 - 0.8) / (4 * math.sqrt(3))], reverse=True)
    assert np.allclose(sigma, expected, rtol=float_tolerance("float64", 16), atol=0)


def test_imbalanced_figure(tmp_path):
    paths = extension_figures.imbalanced_figure(tmp_path, scale="reduced")
    assert open(paths["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    record = json.loads(open(paths["json"]).read())
    assert record["commit"] and record["parameters"]["seed"] == 0
    for gd, theory in zip(record["by_ratio"]["gd"], record["by_ratio"]["theory"]):
        assert np.allclose(gd[:2], theory[:2], rtol=float_tolerance("float64", 200 * 16, 1e3), atol=0)
    assert all(row[2] == 1.0 for row in record["by_ratio"]["anchored"])
    with pytest.raises(AssumptionError, match="scale"):
        extension_figures.imbalanced_data(scale="huge")
