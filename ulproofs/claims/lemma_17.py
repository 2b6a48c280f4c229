r"""Lemma 17: the orthogonal projection onto :math:`\mathcal E_3` (Appendix B.9, Eq. 102).

Statement. *For* :math:`H\in\mathbb R^{p\times CN}`, :math:`W\in\mathbb R^{p\times C}`, *the
projection of* :math:`(H,W)` *onto*
:math:`\mathcal E_3=\{(H,W): H(I_C\otimes\mathbf 1_N)=0,\ W=0\}` *is*

.. math::

    \Pi_3(H,W)=\Bigl(H\Bigl(I_{CN}-\frac1N I_C\otimes\mathbf 1_N\mathbf 1_N^\top\Bigr),\ 0\Bigr).

As a right multiplication :math:`Q=\operatorname{diag}(Q_{14}, 0)` with Lemma 14's projector
:math:`Q_{14}` (c = C, n = N). The relations are :math:`ZK=(H(I_C\otimes\mathbf 1_N),\ W)`; by
Lemma 14 :math:`\mathcal E_3=\{VG\}` with :math:`G=(Q_{14},\ 0)`, and :math:`GG^\top=Q_{14}`
is idempotent with trace C(N-1), so :math:`\dim\mathcal E_3=pC(N-1)` (0 when N = 1).

>>> proof = prove()
>>> proof.holds, proof.projector_rank
(True, C*(N - 1))
>>> prove(paper_projector(denominator=N + 1)).holds       # 1/(N+1) instead of 1/N
False
"""
from __future__ import annotations

import sympy as sp

from ..core.operator import derive_spectrum
from ..core.structured import FEATURES, PROTOTYPES, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from . import lemma_14
from .lemma_13 import declare_projector_evidence, prove_projector, row_space_projector

CLAIM = Claim(
    id="lemma-17",
    title="Projection onto E3",
    statement="For H in R^{p x CN}, W in R^{p x C}: Pi_3(H, W) = (H (I_CN - (1/N) I_C (x) 1_N 1_N^T), 0).",
    equations=("Eq. 102", "Eq. 8", "Eq. 26"),
    reading=("The OCR prints 'H(I_CN - *I_C (x) 1_N 1_N)'; the proof cites Lemma 14 with c = C, n = N, whose "
             "projector is I_cn - (1/n) I_c (x) 1_n 1_n^T, so the constant is read as 1/N."),
    printed=('Lemma 17. For H € RPXCN W ¢ RPXC | the projection of (H, W) onto &3 is ... H(I_CN - *I_C ®'
             ' 1_N 1_N) ... (102)'),
    readings=(Reading("printed", "Pi_3(H, W) = (H (I_CN - (1/N) I_C (x) 1_N 1_N^T), 0)",
                      change="'*' read as 1/N, Lemma 14's constant with c = C, n = N, which the proof cites",
                      proof_needs=True),),
)

LEDGER = (
    LedgerRow("Eq. 102", "Lemma 17: the projection onto E3", "holds as reconstructed",
              note="'*' read as 1/N (Lemma 14 with c = C, n = N, which the proof cites). Proved for all C, N and "
                   "equal to the projector derived from the sectors of B.",
              evidence=("lemma-17::symbolic-proof", "lemma-17::derived-projector")),
)


def paper_projector(denominator=N):
    r""":math:`\operatorname{diag}(I_{CN}-\frac1N I_C\otimes J_N,\ 0)`; ``denominator`` replaces N (mutants)."""
    within_class = lemma_14.paper_projector(denominator=denominator)
    return StructuredMatrix.block([
        [within_class, StructuredMatrix.zeros(FEATURES, PROTOTYPES)],
        [StructuredMatrix.zeros(PROTOTYPES, FEATURES), StructuredMatrix.zeros(PROTOTYPES, PROTOTYPES)],
    ])


def relations():
    r"""K with :math:`ZK=(H(I_C\otimes\mathbf 1_N),\ W)`."""
    return StructuredMatrix.block([
        [lemma_14.relations(), StructuredMatrix.zeros(FEATURES, PROTOTYPES)],
        [StructuredMatrix.zeros(PROTOTYPES, PROTOTYPES), StructuredMatrix.identity(PROTOTYPES)],
    ])


def parametrisation():
    r""":math:`G=(Q_{14},\ 0)`, whose range is :math:`\mathcal E_3` by Lemma 14."""
    return StructuredMatrix.block([[lemma_14.paper_projector(), StructuredMatrix.zeros(FEATURES, PROTOTYPES)]])


def prove(Q=None):
    """The proof that Q (default: Eq. 102) is the orthogonal projector onto E3; rank C(N - 1)."""
    Q = paper_projector() if Q is None else Q
    return prove_projector(Q, relations(), C * (N - 1), spanning=parametrisation(), gram_scale=1)


def ground_truth(classes, examples):
    """Dense projector onto E3 at (C, N) from a basis: (v, 0) with v^T (I_C (x) 1_N) = 0."""
    K = lemma_14.relations().dense(classes, examples)
    vectors = [sp.Matrix.vstack(v, sp.zeros(classes, 1)) for v in K.T.nullspace()]
    return row_space_projector(vectors, classes * (examples + 1))


def derived_projector():
    """The projector onto E3 that derive_spectrum() obtains from the sector reduction of B."""
    return next(c.projector for c in derive_spectrum() if c.name == "E3")


MUTANTS = {"1/(N+1) instead of 1/N": N + 1, "1/(2N) instead of 1/N": 2 * N}


EVIDENCE = EvidenceSet(CLAIM)
declare_projector_evidence(
    EVIDENCE, "Q = diag(I - (1/N) I_C (x) 1_N 1_N^T, 0): Q^2 = Q, Q^T = Q, Q K = 0 (range in E3), G Q = G "
    "(E3 in range), tr Q = C(N-1) = rank G, for all C, N", prove,
    {name: (lambda d=d: prove(paper_projector(denominator=d))) for name, d in MUTANTS.items()},
    dense_sizes=[(2, 1), (3, 2), (4, 3), (3, 4)], ground_truth=ground_truth, paper_Q=paper_projector,
    derived_Q=derived_projector)
