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

from ..core.structured import FEATURES, PROTOTYPES, C, N, StructuredMatrix
from ..engine.verdicts import Claim, EvidenceLog, Finding
from .lemma_13 import finding_from, prove_projector, record_projector_evidence, row_space_projector

CLAIM = Claim(
    id="lemma-14",
    title="Projection onto {W : W (I_c (x) 1_n) = 0}",
    statement=("For S = {W in R^{m x cn}: W (I_c (x) 1_n) = 0}, the projection of A in R^{m x cn} onto S is "
               "Pi_S A = A (I_cn - (1/n) I_c (x) 1_n 1_n^T)."),
    equations=("Lemma 14",),
    reading=("Orthogonal projection in the Frobenius inner product, acting on the right (as in Lemma 13); the "
             "columns are grouped class-major, c blocks of n, matching I_c (x) 1_n. The generic c, n are the "
             "structured algebra's symbols C, N."),
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


def check(context) -> Finding:
    log = EvidenceLog()
    mutants = {name: (lambda kw=kw: prove(paper_projector(**kw))) for name, kw in MUTANTS.items()}
    record_projector_evidence(
        log, "Q = I - (1/n) I_c (x) 1_n 1_n^T: Q^2 = Q, Q^T = Q, Q (I_c (x) 1_n) = 0, "
        "I - Q = (I_c (x) 1_n)(1/n)(I_c (x) 1_n^T), tr Q = c(n-1) = cn - rank(I_c (x) 1_n), for all c, n >= 1",
        prove, mutants, dense_sizes=[(c, n) for c in (1, 2, 3) for n in (1, 2, 3)],
        ground_truth=ground_truth, paper_Q=paper_projector())
    return finding_from(CLAIM, log)
