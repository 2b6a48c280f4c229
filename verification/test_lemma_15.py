"""Lemma 15 (Eq. 98): the projection onto E1^eps."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import lemma_15
from ulproofs.core.precision import float_tolerance, relative_error
from ulproofs.core.structured import C
from ulproofs.engine.verdicts import Verdict

SIGNS = [1, -1]


@pytest.fixture(scope="module", params=SIGNS, ids=["eps=+1", "eps=-1"])
def signed_proof(request):
    return request.param, lemma_15.prove(request.param)


@pytest.mark.parametrize("name", ["Q Q - Q", "Q^T - Q"])
def test_projector_is_idempotent_and_self_adjoint(signed_proof, name):
    assert signed_proof[1].residuals[name].is_zero()


def test_range_of_Q_satisfies_the_defining_relations(signed_proof):
    """Q K = 0: every Z Q has H = (eps/sqrt N) W (I_C (x) 1_N^T) and W 1_C = 0."""
    assert signed_proof[1].residuals["Q K (range(Q) in S)"].is_zero()


def test_E1_lies_in_range_of_Q(signed_proof):
    proof = signed_proof[1]
    assert proof.residuals["G Q - G (S in range(Q))"].is_zero()
    assert proof.residuals["G K (range(G) in S)"].is_zero()


def test_dimension_is_p_times_C_minus_one_two_ways(signed_proof):
    proof = signed_proof[1]
    assert proof.residuals["Gram certificate P P - P"].is_zero()      # G G^T = 2 (I - J/C)
    assert sp.simplify(proof.projector_rank - (C - 1)) == 0
    assert sp.simplify(proof.subspace_rank - (C - 1)) == 0
    assert proof.holds


@pytest.mark.parametrize("eps", SIGNS)
def test_equals_the_projector_derived_from_B(eps):
    assert (lemma_15.paper_projector(eps) - lemma_15.derived_projector(eps)).is_zero()


@pytest.mark.parametrize("eps", SIGNS)
@pytest.mark.parametrize("size", [(2, 1), (3, 2), (3, 3), (4, 2)])
def test_dense_projector_equals_projector_onto_a_basis(eps, size):
    difference = lemma_15.paper_projector(eps).dense(*size) - lemma_15.ground_truth(eps)(*size)
    assert difference.applyfunc(sp.simplify).is_zero_matrix


def test_apply_right_matches_eq_98_written_out(rng):
    """Pi(H, W) from Q (structured, NumPy) equals Eq. 98 evaluated directly on random H, W."""
    p, classes, examples, eps = 4, 3, 2, -1
    H, W = rng.standard_normal((p, classes * examples)), rng.standard_normal((p, classes))
    H_out, W_out = lemma_15.paper_projector(eps).apply_right([H, W], classes, examples)
    centring = np.eye(classes) - np.ones((classes, classes)) / classes
    labels = np.kron(np.eye(classes), np.ones((examples, 1)))
    P = 0.5 * (eps / np.sqrt(examples) * H @ labels + W) @ centring
    expected_H = eps / np.sqrt(examples) * np.kron(P, np.ones((1, examples)))
    tolerance = float_tolerance("float64", operations=4 * classes * examples)
    assert relative_error(W_out, P) < tolerance
    assert relative_error(H_out, expected_H) < tolerance


@pytest.mark.parametrize("name", list(lemma_15.mutants(1)))
@pytest.mark.parametrize("eps", SIGNS)
def test_mutants_fail(eps, name):
    failures = lemma_15.mutants(eps)[name]().failures()
    assert failures
    assert "Q Q - Q" in failures or "Q K (range(Q) in S)" in failures


def test_flipped_eps_inside_P_breaks_idempotence():
    assert "Q Q - Q" in lemma_15.mutants(1)["eps flipped inside P"]().failures()


def test_check_proves_the_lemma(context):
    finding = lemma_15.check(context)
    assert finding.verdict is Verdict.PROVED and finding.sound
