r"""Lemma 14: the orthogonal projection onto :math:`\{W: W(I_c\otimes\mathbf 1_n)=0\}` (Appendix B.9).

Statement. *Let* :math:`S=\{W\in\mathbb R^{m\times cn}: W(I_c\otimes\mathbf 1_n)=0\}`. *The
projection of a point* :math:`A\in\mathbb R^{m\times cn}` *onto S is*

.. math::

    \Pi_S A = A\Bigl(I_{cn}-\frac1n\,I_c\otimes\mathbf 1_n\mathbf 1_n^\top\Bigr).

S holds the matrices whose column blocks of width n (the examples of one class, in the
class-major layout) each sum to zero. The proof follows :func:`~ulproofs.claims.lemma_13.prove_projector`
with :math:`K=I_c\otimes\mathbf 1_n`, the factorisation
:math:`I-Q=K\cdot\frac1n(I_c\otimes\mathbf 1_n^\top)` and :math:`K^\top K=nI_c` (so
:math:`\operatorname{rank}K=c` and :math:`\dim S=m\,c(n-1)`); c and n are the structured
algebra's symbols C and N, so the identities hold for every :math:`c, n\ge 1`.

>>> proof = prove()
>>> proof.holds, proof.projector_rank
(True, C*(N - 1))
>>> prove(paper_projector(denominator=N + 1)).holds      # 1/(n+1): not a projection onto S
False
"""
from __future__ import annotations

import sympy as sp

from ..core.structured import FEATURES, PROTOTYPES, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from .lemma_13 import declare_projector_evidence, prove_projector, row_space_projector

CLAIM = Claim(
    id="lemma-14",
    title="Projection onto {W : W (I_c (x) 1_n) = 0}",
    statement=("For S = {W in R^{m x cn}: W (I_c (x) 1_n) = 0}, the projection of A in R^{m x cn} onto S is "
               "Pi_S A = A (I_cn - (1/n) I_c (x) 1_n 1_n^T)."),
    equations=("Lemma 14",),
    reading=("Orthogonal projection in the Frobenius inner product, acting on the right (as in Lemma 13); the "
             "columns are grouped class-major, c blocks of n, matching I_c (x) 1_n. The generic c, n are the "
             "structured algebra's symbols C, N."),
    printed=('Lemma 14. Let S denote the subspace {W : W (I. ® 1,) = 0, W € R"*"}  then the projection o'
             'f a point A € R™ " onto S can be denoted as lIsA = A (I(m — %Ie ® lnljl).'),
    readings=(Reading("printed", "Pi_S A = A (I_cn - (1/n) I_c (x) 1_n 1_n^T), the orthogonal (Frobenius) "
        "projection onto S", change="'I(m' read as I_cn and '%Ie ® lnljl' as (1/n) I_c (x) 1_n 1_n^T, as the proof's "
        "last line prints", proof_needs=True),),
)

LEDGER = (
    LedgerRow("Proof of Lemma 14", "Appendix B.9; Lemma 17 (the projection onto E3)", "holds as reconstructed",
              note="'I(m - %Ie (x) lnljl' read as I_cn - (1/n) I_c (x) 1_n 1_n^T, as the proof prints it; proved for "
                   "every c, n, and a global-mean mutant is an orthogonal projector onto the wrong subspace.",
              evidence=("lemma-14::symbolic-proof", "lemma-14::dense-exact", "lemma-14::global-mean-mutant")),
)


def paper_projector(denominator=N, within_classes=True):
    r""":math:`I_{cn}-\frac1n I_c\otimes\mathbf 1_n\mathbf 1_n^\top` on :math:`\mathbb R^{cn}`.

    Mutants: ``denominator`` replaces n; ``within_classes=False`` replaces
    :math:`I_c\otimes\mathbf 1_n\mathbf 1_n^\top` by :math:`\mathbf 1_{cn}\mathbf 1_{cn}^\top`.
    """
    class_factor = "I" if within_classes else "1"
    averaging = StructuredMatrix.term(FEATURES, FEATURES, class_factor, "1")
    return StructuredMatrix.identity(FEATURES) - averaging * (1 / denominator)


def relations():
    r"""K = :math:`I_c\otimes\mathbf 1_n`: :math:`W\in S\iff WK=0`."""
    return StructuredMatrix.term(FEATURES, PROTOTYPES, "I", "1")


def cofactor():
    r"""R = :math:`\frac1n I_c\otimes\mathbf 1_n^\top`, with :math:`I_{cn}-Q=KR`."""
    return StructuredMatrix.term(PROTOTYPES, FEATURES, "I", "1", 1 / N)


def prove(Q=None):
    """The proof that Q (default: the paper's) is the orthogonal projector onto S; rank c(n - 1)."""
    Q = paper_projector() if Q is None else Q
    return prove_projector(Q, relations(), C * (N - 1), cofactor=cofactor(), gram_scale=N)


def ground_truth(classes, examples):
    """Projector onto {w : w^T (I_c (x) 1_n) = 0} from a nullspace basis, at c = classes, n = examples."""
    K = relations().dense(classes, examples)
    return row_space_projector(K.T.nullspace(), classes * examples)


MUTANTS = {
    "1/(n+1) instead of 1/n": dict(denominator=N + 1),
    "1_cn 1_cn^T / (cn) instead of I_c (x) 1_n 1_n^T / n": dict(denominator=C * N, within_classes=False),
}


EVIDENCE = EvidenceSet(CLAIM)
declare_projector_evidence(
    EVIDENCE, "Q = I - (1/n) I_c (x) 1_n 1_n^T: Q^2 = Q, Q^T = Q, Q (I_c (x) 1_n) = 0, "
    "I - Q = (I_c (x) 1_n)(1/n)(I_c (x) 1_n^T), tr Q = c(n-1) = cn - rank(I_c (x) 1_n), for all c, n >= 1",
    prove, {name: (lambda kw=kw: prove(paper_projector(**kw))) for name, kw in MUTANTS.items()},
    dense_sizes=[(c, n) for c in range(1, 5) for n in range(1, 5)], ground_truth=ground_truth,
    paper_Q=paper_projector)


@EVIDENCE.item("residual-orthogonal", kind="exact",
               description="A - A Q is orthogonal to every vector of S for a random rational A (c = 3, n = 2)")
def residual_orthogonal(context, record):
    c, n = 3, 2
    A = sp.randMatrix(2, c * n, -9, 9, seed=1) / 5
    residual = A - A * paper_projector().dense(c, n)
    products = [(residual * w).is_zero_matrix for w in relations().dense(c, n).T.nullspace()]
    record.passed = all(products)
    record.measured = {"basis vectors of S checked": len(products), "all orthogonal": record.passed}


@EVIDENCE.item("global-mean-mutant", kind="mutant",
               description="1_cn 1_cn^T/(cn) in place of I_c (x) 1_n 1_n^T/n is an orthogonal projector onto the "
                           "wrong subspace: idempotent and symmetric, but its range leaves S")
def global_mean_mutant(context, record):
    proof = prove(paper_projector(denominator=C * N, within_classes=False))
    record.passed = (proof.outcome["Q Q - Q"] and proof.outcome["Q^T - Q"]
                     and not proof.outcome["Q K (range(Q) in S)"])
    record.measured = {"failed checks": proof.failures()}
