"""Unit tests of Lemma 1's helpers: the search's ball projection and the errors on bad input."""
import numpy as np
import pytest

from ulproofs.claims import lemma_1 as l1
from ulproofs.claims.lemma_1_search import _project
from ulproofs.core.errors import AssumptionError


def test_projection_stays_feasible():
    X = np.random.default_rng(0).standard_normal((2, 3, 4, 5)) * 3
    norms = np.linalg.norm(_project(X, 1.5), axis=-2)
    assert norms.max() <= 1.5 * (1 + 1e-15)


def test_bad_input_names_the_assumption():
    with pytest.raises(AssumptionError, match="C >= 2 and gamma >= 0"):
        l1.regime(4, -1)
    with pytest.raises(AssumptionError, match="p >= 1"):
        l1.minimum_value(4, 1, features_dim=0)
    with pytest.raises(AssumptionError, match="C >= 4"):
        l1.antipodal_pairs(3)
