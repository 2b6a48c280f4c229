"""Unit tests of Lemma 9's exact dense arithmetic over Q(sqrt n) (SurdMatrix)."""
import pytest
import sympy as sp

from ulproofs.claims.lemma_9 import SurdMatrix


def test_surd_matrix_arithmetic_matches_sympy():
    A = sp.Matrix([[1, sp.sqrt(3) / 2], [sp.Rational(2, 3), -sp.sqrt(3)]])
    B = sp.Matrix([[sp.sqrt(3), 1], [0, sp.Rational(1, 5)]])
    a, b = SurdMatrix.from_sympy(A, 3), SurdMatrix.from_sympy(B, 3)
    assert (a @ b - SurdMatrix.from_sympy((A * B).applyfunc(sp.expand), 3)).is_zero()
    assert (a + b - SurdMatrix.from_sympy(A + B, 3)).is_zero()
    assert (a * sp.sqrt(3) - SurdMatrix.from_sympy((A * sp.sqrt(3)).applyfunc(sp.expand), 3)).is_zero()
    assert sp.simplify(a.trace() - A.trace()) == 0
    assert not (a - b).is_zero()


def test_surd_matrix_rejects_foreign_entries_and_fields():
    with pytest.raises(ValueError):
        SurdMatrix.from_sympy(sp.Matrix([[sp.sqrt(2)]]), 3)
    with pytest.raises(ValueError):
        SurdMatrix.from_sympy(sp.eye(2), 2) + SurdMatrix.from_sympy(sp.eye(2), 3)
    with pytest.raises(ValueError):
        SurdMatrix.from_sympy(sp.eye(2), 8)
