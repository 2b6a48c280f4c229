"""Unit tests of Eq. 25's numeric field: input validation and the shared symbols."""
import numpy as np
import pytest

from ulproofs.claims import eq_25 as e25
from ulproofs.core.errors import AssumptionError


def test_shapes_are_validated():
    with pytest.raises(AssumptionError, match="shapes"):
        e25.numeric_field(np.ones((2, 4)), np.ones((2, 2)), np.ones(3), np.eye(2), -1.0)


def test_symbolic_sizes_are_the_shared_symbols():
    from ulproofs.core.operator import p as operator_p
    from ulproofs.core.structured import C as structured_C

    assert e25.p is operator_p and e25.C is structured_C
