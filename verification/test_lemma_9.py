"""Lemma 9 (Eq. 26) and the eigenspace claims of B.2 (Eq. 37): proved, except 'distinct eigenvalues'."""
import pytest
import sympy as sp

from ulproofs.claims import lemma_9
from ulproofs.claims.lemma_9 import LABELS, SurdMatrix
from ulproofs.core.operator import coincident_eigenvalues, derive_spectrum, matrix_M
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return lemma_9.check(CheckContext())


@pytest.fixture(scope="module")
def decomposition():
    return lemma_9.prove_decomposition()


# Lemma 9 as stated ------------------------------------------------------------------------------
def test_subspaces_are_pairwise_orthogonal(decomposition):
    outcome, _ = decomposition
    pairs = [name for name in outcome if name.startswith("G[")]
    assert len(pairs) == 10 and all(outcome[name] for name in pairs)


def test_projectors_annihilate_each_other(decomposition):
    outcome, _ = decomposition
    products = [name for name in outcome if name.startswith("Q[")]
    assert len(products) == 20 and all(outcome[name] for name in products)


def test_projectors_sum_to_identity(decomposition):
    assert decomposition[0]["sum Q - I"]


def test_dimensions(decomposition):
    outcome, dimensions = decomposition
    p = sp.Symbol("p", positive=True, integer=True)
    expected = {"E1+": p * (C - 1), "E1-": p * (C - 1), "E2+": p, "E2-": p, "E3": p * C * (N - 1)}
    assert all(sp.simplify(dimensions[k] - v) == 0 for k, v in expected.items())
    assert outcome["dims sum to pC(N+1)"]


# eigen-relations and Eq. 37 -----------------------------------------------------------------------
def test_eigen_relations_and_eq_37_for_all_gamma():
    outcome = lemma_9.prove_eigen_relations()
    assert outcome["Eq. 37"] and all(outcome.values())


def test_claimed_eigenvalues_are_the_derived_ones():
    for component in derive_spectrum():
        assert sp.simplify(component.eigenvalue - lemma_9.paper_eigenvalue(component.label)) == 0


@pytest.mark.parametrize("name, holds", list(lemma_9.eigen_mutants().items()))
def test_eigen_mutants_fail(name, holds):
    assert not holds


@pytest.mark.parametrize("name, holds", list(lemma_9.definition_mutants().items()))
def test_subspace_definitions_need_the_sqrt_and_the_constraint(name, holds):
    assert not holds


# distinct eigenvalues: false exactly at three values of gamma ----------------------------------------
def test_coincidences_are_exactly_zero_one_over_C_minus_one_and_two_over_C_minus_two():
    found = dict(lemma_9.coincidences())
    assert set(found) == {sp.Integer(0), 1 / (C - 1), 2 / (C - 2)}
    assert set(found[sp.Integer(0)]) == {("E1+", "E2+"), ("E1-", "E2-")}
    assert set(found[1 / (C - 1)]) == {("E2+", "E2-"), ("E2+", "E3"), ("E2-", "E3")}
    assert set(found[2 / (C - 2)]) == {("E1+", "E2-"), ("E1-", "E2+")}


def test_coincidences_agree_with_the_operator_module():
    here = {(root, pair) for root, pairs in lemma_9.coincidences() for pair in pairs}
    assert here == {(sp.simplify(root), pair) for root, pair in coincident_eigenvalues()}


def test_eigenspace_of_sigma_is_the_sum_of_the_subspaces_with_that_sigma():
    assert all(lemma_9.prove_eigenspaces_at_coincidences().values())


@pytest.mark.parametrize("case", lemma_9.COUNTEREXAMPLES, ids=lambda case: f"C={case[0]},N={case[1]},g={case[2]}")
def test_counterexamples_to_distinct_eigenvalues(case):
    info = lemma_9.counterexample(*case)
    assert info["dim ker(B - sigma I) / p"] > info["dim subspace / p"]


@pytest.mark.parametrize("label", LABELS)
def test_away_from_coincidences_the_subspaces_are_the_eigenspaces(label):
    """C = 4, N = 4, gamma = 1/7: plain SymPy nullspaces have exactly the claimed dimensions."""
    info = lemma_9.counterexample(4, 4, sp.Rational(1, 7), label)
    assert info["dim ker(B - sigma I) / p"] == info["dim subspace / p"]


@pytest.mark.parametrize("size, trade_off", [((3, 2), sp.Rational(1, 7)), ((3, 2), sp.Rational(1, 2)),
                                             ((2, 3), sp.Integer(0))])
def test_rescaled_eigenspace_dimensions_match_plain_nullspaces(size, trade_off):
    """The rational rescaling used on the grid gives the same dims as SymPy on the irrational B - sigma I."""
    B = lemma_9.dense_operator_from_loss(*size, trade_off)
    sigmas = {label: lemma_9.paper_eigenvalue(label, trade_off).subs({C: size[0], N: size[1]}) for label in LABELS}
    fast = lemma_9.eigenspace_dimensions(B, sigmas, *size)
    for label, sigma in sigmas.items():
        assert fast[label] == len((B - sp.eye(B.shape[0]) * sigma).nullspace(simplify=True))


# dense ingredients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("trade_off", [sp.Integer(0), sp.Rational(1, 3), sp.Integer(2)])
def test_M_from_the_loss_matches_the_algebra_and_the_setting(trade_off):
    classes, examples = 3, 2
    M = lemma_9.dense_M_from_loss(classes, examples, trade_off)
    assert M == matrix_M(trade_off).dense(classes, examples)
    problem = LayerPeeledProblem(p=1, C=classes, N=examples, gamma=float(trade_off))
    assert (sp.Matrix(problem.M_dense()) - M).norm() < 1e-15


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


def test_one_dense_instance_at_a_coincidence():
    outcome, numbers = lemma_9.dense_instance(4, 2, sp.Rational(1, 3))
    assert all(outcome.values())
    assert numbers["eigenspaces are the subspaces"] is False
    assert numbers["eigenspace dims"]["E3"] == 2 + 4 * (2 - 1)          # ker B = E2+ (+) E2- (+) E3


# the finding -----------------------------------------------------------------------------------------
def test_full_dense_grid_passes(finding):
    (grid,) = [e for e in finding.evidence if e.kind == "exact"]
    assert grid.passed and grid.measured["instances"] == 88 and not grid.measured["failures"]
    assert len(grid.measured["instances where the five subspaces are the eigenspaces"]) == 32


def test_verdict_is_corrected_with_the_coincidences(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "1/(C-1)" in finding.correction and "2/(C-2)" in finding.correction
    assert "gamma=1/2" in finding.counterexample
