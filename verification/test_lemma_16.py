"""Lemma 16 (Eq. 100): the projection onto E2^eps, with h = (1/(2C))((eps/sqrt N) H 1_CN + W 1_C)."""
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import lemma_16
from ulproofs.core.precision import float_tolerance, relative_error
from ulproofs.engine.verdicts import Verdict

SIGNS = [1, -1]


@pytest.fixture(scope="module", params=SIGNS, ids=["eps=+1", "eps=-1"])
def proof(request):
    return lemma_16.prove(request.param)


@pytest.mark.parametrize("name", ["Q Q - Q", "Q^T - Q"])
def test_projector_is_idempotent_and_self_adjoint(proof, name):
    assert proof.residuals[name].is_zero()


def test_range_of_Q_satisfies_the_defining_relations(proof):
    assert proof.residuals["Q K (range(Q) in S)"].is_zero()


def test_E2_lies_in_range_of_Q(proof):
    assert proof.residuals["G Q - G (S in range(Q))"].is_zero()
    assert proof.residuals["G K (range(G) in S)"].is_zero()


def test_dimension_is_p(proof):
    assert proof.residuals["Gram certificate P P - P"].is_zero()      # G G^T = 2C
    assert proof.projector_rank == 1 and proof.subspace_rank == 1
    assert proof.holds


@pytest.mark.parametrize("eps", SIGNS)
def test_equals_the_projector_derived_from_B(eps):
    assert (lemma_16.paper_projector(eps) - lemma_16.derived_projector(eps)).is_zero()


@pytest.mark.parametrize("eps", SIGNS)
@pytest.mark.parametrize("size", [(2, 1), (3, 2), (3, 3), (4, 2)])
def test_dense_projector_equals_projector_onto_a_basis(eps, size):
    difference = lemma_16.paper_projector(eps).dense(*size) - lemma_16.ground_truth(eps)(*size)
    assert difference.applyfunc(sp.simplify).is_zero_matrix


def test_constant_is_the_minimiser_of_eq_101():
    """d/dh of ||(eps/sqrt N) h 1^T - H||^2 + ||h 1^T - W||^2 vanishes at h = (1/(2C))(...) (one row, C=3, N=2)."""
    h, eps, classes, examples = sp.Symbol("h", real=True), -1, 3, 2
    x = sp.symbols(f"x0:{classes * examples}", real=True)
    w = sp.symbols(f"w0:{classes}", real=True)
    objective = (sum((eps / sp.sqrt(examples) * h - xi) ** 2 for xi in x)
                 + sum((h - wi) ** 2 for wi in w))
    (minimiser,) = sp.solve(sp.diff(objective, h), h)
    formula = (eps / sp.sqrt(examples) * sum(x) + sum(w)) / (2 * classes)
    assert sp.simplify(minimiser - formula) == 0
    assert sp.simplify(minimiser - 2 * formula) != 0          # the 1/C reading is not the minimiser


def test_apply_right_matches_eq_100_written_out(rng):
    p, classes, examples, eps = 3, 4, 3, 1
    H, W = rng.standard_normal((p, classes * examples)), rng.standard_normal((p, classes))
    H_out, W_out = lemma_16.paper_projector(eps).apply_right([H, W], classes, examples)
    h = (eps / np.sqrt(examples) * H.sum(1) + W.sum(1)) / (2 * classes)
    tolerance = float_tolerance("float64", operations=4 * classes * examples)
    assert relative_error(W_out, np.outer(h, np.ones(classes))) < tolerance
    assert relative_error(H_out, eps / np.sqrt(examples) * np.outer(h, np.ones(classes * examples))) < tolerance


@pytest.mark.parametrize("eps", SIGNS)
def test_one_over_C_instead_of_one_over_2C_fails(eps):
    failures = lemma_16.mutants(eps)["1/C instead of 1/(2C)"]().failures()
    assert "Q Q - Q" in failures and "G Q - G (S in range(Q))" in failures


@pytest.mark.parametrize("name", list(lemma_16.mutants(1)))
def test_mutants_fail(name):
    assert lemma_16.mutants(-1)[name]().failures()


def test_check_proves_the_lemma(context):
    finding = lemma_16.check(context)
    assert finding.verdict is Verdict.PROVED and finding.sound
