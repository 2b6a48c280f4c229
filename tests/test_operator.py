"""Unit tests of the operator B, its derived spectrum and the eigenvalue coincidences."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.core.operator import (
    coincident_eigenvalues,
    derive_spectrum,
    gamma,
    label_matrix,
    matrix_M,
    operator_B,
    time_scaling,
)
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import Z_SPACE, C, N, StructuredMatrix


def independent_B(classes, examples, trade_off):
    """B = [[0, M^T], [M, 0]] with M_{c, j} = ((1 + gamma) [c = class of j] - gamma) / (CN), entry by entry."""
    size = classes * examples
    M = sp.Matrix(classes, size, lambda c, j: ((1 + trade_off) * int(c == j // examples) - trade_off) / size)
    B = sp.zeros(size + classes, size + classes)
    B[:size, size:] = M.T
    B[size:, :size] = M
    return B


@pytest.mark.parametrize("classes, examples", [(2, 1), (3, 2), (4, 3)])
@pytest.mark.parametrize("trade_off", [sp.Integer(0), sp.Rational(1, 5), sp.Integer(3)])
def test_operator_B_dense_matches_an_independent_construction(classes, examples, trade_off):
    assert operator_B(trade_off).dense(classes, examples) == independent_B(classes, examples, trade_off)


def test_symbolic_gamma_substitutes_to_the_numeric_operator():
    dense = operator_B().dense(3, 2).subs(gamma, sp.Rational(2, 7))
    assert dense == independent_B(3, 2, sp.Rational(2, 7))


def test_M_matches_the_setting():
    problem = LayerPeeledProblem(p=1, C=4, N=3, gamma=0.25)
    assert np.allclose(matrix_M(sp.Rational(1, 4)).dense(4, 3, backend="numpy"), problem.M_dense(), rtol=0, atol=1e-16)
    assert np.array_equal(label_matrix().dense(4, 3, backend="numpy"), problem.labels())


def test_B_is_symmetric_and_time_scaling_is_diagonal():
    assert (operator_B().T - operator_B()).is_zero()
    z1, z2 = sp.symbols("z1 z2")
    assert time_scaling(z1, z2).dense(2, 2) == sp.diag(*([z1] * 4 + [z2] * 2))


def test_derived_spectrum_is_a_resolution_of_the_identity():
    spectrum = derive_spectrum()
    assert [c.label for c in spectrum] == ["E1+", "E1-", "E2+", "E2-", "E3"]
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    for component in spectrum:
        Q = component.projector
        assert (Q @ Q - Q).is_zero() and (Q.T - Q).is_zero()
        assert (Q @ operator_B() - Q * component.eigenvalue).is_zero()
        total = total + Q
    assert total.equals(StructuredMatrix.identity(Z_SPACE))
    p = sp.Symbol("p", positive=True, integer=True)
    assert [sp.simplify(c.dimension() - d) for c, d in zip(spectrum, [p * (C - 1)] * 2 + [p] * 2 + [p * C * (N - 1)])
            ] == [0] * 5


@pytest.mark.parametrize("trade_off", [sp.Integer(0), 1 / (C - 1), 2 / (C - 2), sp.Rational(1, 2)])
def test_derive_spectrum_at_special_gamma(trade_off):
    """Regression: at gamma = 1/(C-1) B vanishes on the E2 sector; E2+ and E2- must still be returned."""
    spectrum = derive_spectrum(trade_off)
    generic = derive_spectrum()
    for component, reference in zip(spectrum, generic):
        assert component.label == reference.label
        assert (component.projector - reference.projector).is_zero()
        assert sp.simplify(component.eigenvalue - reference.eigenvalue.subs(gamma, trade_off)) == 0


def test_coincident_eigenvalues():
    found = {(sp.simplify(root), labels) for root, labels in coincident_eigenvalues()}
    assert found == {
        (0, ("E1+", "E2+")), (0, ("E1-", "E2-")),
        (2 / (C - 2), ("E1+", "E2-")), (2 / (C - 2), ("E1-", "E2+")),
        (1 / (C - 1), ("E2+", "E2-")), (1 / (C - 1), ("E2+", "E3")), (1 / (C - 1), ("E2-", "E3")),
    }


@pytest.mark.parametrize("classes, examples, trade_off", [(4, 1, sp.Integer(1)), (3, 4, sp.Rational(1, 2)),
                                                          (2, 4, sp.Integer(0))])
def test_coincidences_show_in_the_dense_spectrum(classes, examples, trade_off):
    """At a coincidence the dense B has fewer distinct eigenvalues than the five labels (with E3 nonzero or not)."""
    values = independent_B(classes, examples, trade_off).eigenvals()
    present = 5 if examples > 1 else 4
    assert len(values) < present
