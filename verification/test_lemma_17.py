"""Lemma 17 (Eq. 102): the projection onto E3 is (H (I_CN - (1/N) I_C (x) 1_N 1_N^T), 0)."""
import pytest
import sympy as sp

from ulproofs.claims import lemma_17
from ulproofs.core.structured import C, N
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def proof():
    return lemma_17.prove()


@pytest.mark.parametrize("name", ["Q Q - Q", "Q^T - Q"])
def test_projector_is_idempotent_and_self_adjoint(proof, name):
    assert proof.residuals[name].is_zero()


def test_range_of_Q_satisfies_the_defining_relations(proof):
    assert proof.residuals["Q K (range(Q) in S)"].is_zero()


def test_E3_lies_in_range_of_Q(proof):
    assert proof.residuals["G Q - G (S in range(Q))"].is_zero()
    assert proof.residuals["G K (range(G) in S)"].is_zero()


def test_dimension_is_p_C_times_N_minus_one(proof):
    assert sp.simplify(proof.projector_rank - C * (N - 1)) == 0
    assert sp.simplify(proof.subspace_rank - C * (N - 1)) == 0
    assert proof.holds


def test_equals_the_projector_derived_from_B():
    assert (lemma_17.paper_projector() - lemma_17.derived_projector()).is_zero()


@pytest.mark.parametrize("size", [(2, 1), (3, 2), (3, 3), (4, 2)])
def test_dense_projector_equals_projector_onto_a_basis(size):
    assert (lemma_17.paper_projector().dense(*size) - lemma_17.ground_truth(*size)).is_zero_matrix


@pytest.mark.parametrize("denominator", [N + 1, 2 * N], ids=["1/(N+1)", "1/(2N)"])
def test_wrong_constant_fails(denominator):
    failures = lemma_17.prove(lemma_17.paper_projector(denominator=denominator)).failures()
    assert "Q Q - Q" in failures and "Q K (range(Q) in S)" in failures


def test_check_proves_the_lemma(context):
    finding = lemma_17.check(context)
    assert finding.verdict is Verdict.PROVED and finding.sound
