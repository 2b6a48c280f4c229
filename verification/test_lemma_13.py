"""Lemma 13: Q = I_n - (1/n) 1 1^T is the orthogonal projector onto {W : W 1_n = 0}."""
import pytest
import sympy as sp

from ulproofs.claims import lemma_13
from ulproofs.core.structured import C
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def proof():
    return lemma_13.prove()


@pytest.mark.parametrize("name", ["Q Q - Q", "Q^T - Q"])
def test_projector_is_idempotent_and_self_adjoint(proof, name):
    assert proof.residuals[name].is_zero()


def test_range_of_Q_lies_in_S(proof):
    assert proof.residuals["Q K (range(Q) in S)"].is_zero()


def test_S_lies_in_range_of_Q(proof):
    assert proof.residuals["(I - Q) - K R (S in range(Q))"].is_zero()


def test_rank_is_n_minus_one_two_ways(proof):
    assert proof.residuals["Gram certificate P P - P"].is_zero()
    assert sp.simplify(proof.projector_rank - (C - 1)) == 0
    assert sp.simplify(proof.subspace_rank - (C - 1)) == 0
    assert proof.holds


@pytest.mark.parametrize("n", range(1, 9))
def test_dense_projector_equals_projector_onto_a_basis(n):
    assert (lemma_13.paper_projector().dense(n, 1) - lemma_13.ground_truth(n)).is_zero_matrix


@pytest.mark.parametrize("n", [2, 5])
def test_residual_is_orthogonal_to_S(n):
    """A - A Q is orthogonal to S for a random rational A: the defining property of the orthogonal projection."""
    A = sp.randMatrix(3, n, -9, 9, seed=n) / 7
    residual = A - A * lemma_13.paper_projector().dense(n, 1)
    for w in sp.ones(n, 1).T.nullspace():
        assert (residual * w).is_zero_matrix


@pytest.mark.parametrize("denominator", list(lemma_13.MUTANTS.values()), ids=list(lemma_13.MUTANTS))
def test_wrong_constant_fails(denominator):
    failures = lemma_13.prove(lemma_13.paper_projector(denominator=denominator)).failures()
    assert "Q Q - Q" in failures and "Q K (range(Q) in S)" in failures


def test_check_proves_the_lemma(context):
    finding = lemma_13.check(context)
    assert finding.verdict is Verdict.PROVED and finding.sound
    assert {e.kind for e in finding.evidence} == {"symbolic", "exact", "mutant"}
