"""Lemma 14: Q = I_cn - (1/n) I_c (x) 1_n 1_n^T is the orthogonal projector onto {W : W (I_c (x) 1_n) = 0}."""
import pytest
import sympy as sp

from ulproofs.claims import lemma_14
from ulproofs.core.structured import C, N
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def proof():
    return lemma_14.prove()


@pytest.mark.parametrize("name", ["Q Q - Q", "Q^T - Q"])
def test_projector_is_idempotent_and_self_adjoint(proof, name):
    assert proof.residuals[name].is_zero()


def test_range_of_Q_lies_in_S(proof):
    assert proof.residuals["Q K (range(Q) in S)"].is_zero()


def test_S_lies_in_range_of_Q(proof):
    assert proof.residuals["(I - Q) - K R (S in range(Q))"].is_zero()


def test_rank_is_c_times_n_minus_one_two_ways(proof):
    assert proof.residuals["Gram certificate P P - P"].is_zero()
    assert sp.simplify(proof.projector_rank - C * (N - 1)) == 0
    assert sp.simplify(proof.subspace_rank - C * (N - 1)) == 0
    assert proof.holds


@pytest.mark.parametrize("c, n", [(c, n) for c in range(1, 5) for n in range(1, 5)])
def test_dense_projector_equals_projector_onto_a_basis(c, n):
    assert (lemma_14.paper_projector().dense(c, n) - lemma_14.ground_truth(c, n)).is_zero_matrix


def test_residual_is_orthogonal_to_S():
    c, n = 3, 2
    A = sp.randMatrix(2, c * n, -9, 9, seed=1) / 5
    residual = A - A * lemma_14.paper_projector().dense(c, n)
    for w in lemma_14.relations().dense(c, n).T.nullspace():
        assert (residual * w).is_zero_matrix


def test_wrong_constant_fails():
    failures = lemma_14.prove(lemma_14.paper_projector(denominator=N + 1)).failures()
    assert "Q Q - Q" in failures and "Q K (range(Q) in S)" in failures


def test_global_mean_instead_of_class_means_fails_the_range_check():
    """1_cn 1_cn^T/(cn) gives an orthogonal projector (idempotent, symmetric) onto the wrong subspace."""
    proof = lemma_14.prove(lemma_14.paper_projector(denominator=C * N, within_classes=False))
    assert proof.outcome["Q Q - Q"] and proof.outcome["Q^T - Q"]
    assert not proof.outcome["Q K (range(Q) in S)"]


def test_check_proves_the_lemma(context):
    finding = lemma_14.check(context)
    assert finding.verdict is Verdict.PROVED and finding.sound
