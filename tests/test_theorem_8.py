"""Unit tests of Theorem 8's numerics: input validation of the kernel and of the precision."""
import mpmath
import numpy as np
import pytest

from ulproofs.claims import theorem_8_numerics as numerics
from ulproofs.core.errors import AssumptionError
from ulproofs.core.setting import LayerPeeledProblem


@pytest.mark.parametrize("K, message", [(np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
                                        (np.array([[1.0, 0.0], [0.0, -1.0]]), "positive semidefinite"),
                                        (np.eye(3), "p x p")])
def test_kernel_validation(K, message):
    with pytest.raises(AssumptionError, match=message):
        numerics.validate_kernel(K, 2)


def test_ground_truth_refuses_low_precision():
    problem = LayerPeeledProblem(1, 2, 1, 0.0)
    with pytest.raises(AssumptionError, match="significant digits"):
        numerics.expm_solution(np.eye(1), problem, np.ones((1, 2)), np.ones((1, 2)), 1.0, dps=20)


def test_printed_transform_cannot_be_formed_unless_2p_equals_C_times_N_plus_1():
    problem = LayerPeeledProblem(2, 2, 2, 0.1)
    with mpmath.workdps(50):
        _, A, B, _ = numerics.generators(np.eye(2), problem)
        with pytest.raises(AssumptionError, match="C\\(N\\+1\\) = 2p"):
            numerics.printed_transform(numerics.eigendecompositions(A, B))
