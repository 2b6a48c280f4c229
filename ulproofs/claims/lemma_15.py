r"""Lemma 15: the orthogonal projection onto :math:`\mathcal E_1^\epsilon` (Appendix B.9, Eq. 98).

Statement. *For* :math:`H\in\mathbb R^{p\times CN}`, :math:`W\in\mathbb R^{p\times C}`, *the
projection of* :math:`(H,W)` *onto*
:math:`\mathcal E_1^\epsilon=\{(H,W): H=\frac{\epsilon}{\sqrt N}(W\otimes\mathbf 1_N^\top),\ W\mathbf 1_C=0\}` *is*

.. math::

    \Pi_1^\epsilon(H,W)=\Bigl(\frac{\epsilon}{\sqrt N}\bigl(P\otimes\mathbf 1_N^\top\bigr),\,P\Bigr),
    \qquad
    P=\frac12\Bigl(\frac{\epsilon}{\sqrt N}H(I_C\otimes\mathbf 1_N)+W\Bigr)
      \Bigl(I_C-\frac1C\mathbf 1_C\mathbf 1_C^\top\Bigr).

As a right multiplication :math:`\Pi_1^\epsilon(Z)=ZQ` with :math:`Q=RG_1`, where :math:`P=ZR`,

.. math::

    R=\frac12\begin{pmatrix}\frac{\epsilon}{\sqrt N}I_C\otimes\mathbf 1_N\\ I_C\end{pmatrix}
      \Bigl(I_C-\frac1C J_C\Bigr)

and :math:`G_1=\bigl(\frac{\epsilon}{\sqrt N}I_C\otimes\mathbf 1_N^\top,\ I_C\bigr)`
(:math:`P\otimes\mathbf 1_N^\top=P(I_C\otimes\mathbf 1_N^\top)`). The proof
(:func:`~ulproofs.claims.lemma_13.prove_projector`) uses the defining relations
:math:`ZK=(H-\frac{\epsilon}{\sqrt N}W(I_C\otimes\mathbf 1_N^\top),\ W\mathbf 1_C)=0` and the
parametrisation :math:`\mathcal E_1^\epsilon=\{VG\}`, :math:`G=(I_C-\frac1C J_C)G_1` (Lemma 13:
:math:`W\mathbf 1_C=0\iff W=V(I_C-\frac1C J_C)`), with :math:`GG^\top=2(I_C-\frac1C J_C)`, so
:math:`\dim\mathcal E_1^\epsilon=p(C-1)`. A second, independent route: Q equals the projector
that :func:`~ulproofs.core.operator.derive_spectrum` derives from the sector reduction of B.

>>> proof = prove(+1)
>>> proof.holds, proof.projector_rank
(True, C - 1)
>>> prove(+1, paper_projector(+1, inner_sign=-1)).holds     # eps flipped inside P
False
"""
from __future__ import annotations

import sympy as sp

from ..core.operator import derive_spectrum
from ..core.structured import FEATURES, PROTOTYPES, SCALAR, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from . import lemma_13
from .lemma_13 import declare_signed_projection_evidence, prove_projector, row_space_projector

CLAIM = Claim(
    id="lemma-15",
    title="Projection onto E1^eps",
    statement=("For H in R^{p x CN}, W in R^{p x C}: Pi_1^eps(H, W) = ((eps/sqrt N)(P (x) 1_N^T), P) with "
               "P = (1/2)((eps/sqrt N) H (I_C (x) 1_N) + W)(I_C - (1/C) 1_C 1_C^T)."),
    equations=("Eq. 98", "Eq. 99", "Eq. 8", "Eq. 26"),
    reading=("The OCR drops H from P ('(eps/sqrt N)(I_C (x) 1_N) + W'); the proof (Eq. 99) minimises "
             "||(eps/sqrt N)(Z (x) 1_N^T) - H||^2 + ||Z - W||^2 over Z 1_C = 0, whose minimiser is "
             "(1/2)((eps/sqrt N) H (I_C (x) 1_N) + W) projected by Lemma 13, so P is read with H. "
             "E1^eps is read with the 1/sqrt(N) factor and the constraint W 1_C = 0 (Eq. 26)."),
    printed=('Lemma 15. For H € RP*N W ¢ RPXY | the projection of (H, W) onto & is I5(H, W) = (& (P 1}).'
             ' P), (98) where P = %(% (Ic®1y)+ W)(Ic — §1c1]).'),
    readings=(Reading("printed", "Pi_1^eps(H, W) = ((eps/sqrt N)(P (x) 1_N^T), P), P = (1/2)((eps/sqrt N) H (I_C "
        "(x) 1_N) + W)(I_C - (1/C) 1_C 1_C^T)",
        change="the glyphs drop H before (I_C (x) 1_N); without it the sum does not typecheck "
        "(CN x C plus p x C), and the proof's minimiser (Eq. 99) has it", proof_needs=True),),
)

LEDGER = (
    LedgerRow("Eq. 98", "Lemma 15: the projection onto E1^eps (Theorem 2's coefficients)", "holds as reconstructed",
              note="The OCR drops H from P; with it (the only reading that typechecks, and the minimiser of "
                   "Eq. 99) the projector is proved for all C, N and both signs, and equals the projector derived "
                   "from the sectors of B.",
              evidence=("lemma-15::plus-symbolic-proof", "lemma-15::minus-symbolic-proof",
                        "lemma-15::plus-derived-projector", "lemma-15::minus-derived-projector")),
    LedgerRow("Eq. 99", "Proof of Lemma 15", "holds as reconstructed",
              note="The minimisation over Z 1_C = 0 is garbled line by line; its result, "
                   "(1/2)((eps/sqrt N) H (I_C (x) 1_N) + W) centred, is what Eq. 98 is proved to be.",
              evidence=("lemma-15::plus-dense-exact", "lemma-15::minus-dense-exact")),
)


def _spread(eps):
    r""":math:`\frac{\epsilon}{\sqrt N}I_C\otimes\mathbf 1_N^\top` (C x CN): right multiplication by it
    sends W to :math:`\frac{\epsilon}{\sqrt N}W\otimes\mathbf 1_N^\top`."""
    return StructuredMatrix.term(PROTOTYPES, FEATURES, "I", "1", eps / sp.sqrt(N))


def centring():
    r""":math:`I_C-\frac1C\mathbf 1_C\mathbf 1_C^\top` (Lemma 13's projector)."""
    return lemma_13.paper_projector()


def embedding(eps):
    r""":math:`G_1=(\frac{\epsilon}{\sqrt N}I_C\otimes\mathbf 1_N^\top,\ I_C)`, so that
    :math:`WG_1=(\frac{\epsilon}{\sqrt N}W\otimes\mathbf 1_N^\top, W)`."""
    return StructuredMatrix.block([[_spread(eps), StructuredMatrix.identity(PROTOTYPES)]])


def coordinate_map(eps, half=sp.Rational(1, 2)):
    r"""R with :math:`P=ZR=\frac12(\frac{\epsilon}{\sqrt N}H(I_C\otimes\mathbf 1_N)+W)(I_C-\frac1C J_C)`."""
    stacked = StructuredMatrix.block([[_spread(eps).T], [StructuredMatrix.identity(PROTOTYPES)]])
    return (stacked @ centring()) * half


def paper_projector(eps, inner_sign=None, half=sp.Rational(1, 2)):
    r"""Q with :math:`\Pi_1^\epsilon(Z)=ZQ`, encoded from Eq. 98.

    Mutants: ``inner_sign`` replaces :math:`\epsilon` inside P only; ``half`` replaces the 1/2.
    """
    inner = eps if inner_sign is None else inner_sign
    return coordinate_map(inner, half) @ embedding(eps)


def relations(eps):
    r"""K with :math:`ZK=(H-\frac{\epsilon}{\sqrt N}W(I_C\otimes\mathbf 1_N^\top),\ W\mathbf 1_C)` (Eq. 26)."""
    return StructuredMatrix.block([
        [StructuredMatrix.identity(FEATURES), StructuredMatrix.zeros(FEATURES, SCALAR)],
        [_spread(eps) * -1, StructuredMatrix.ones(PROTOTYPES, SCALAR)],
    ])


def parametrisation(eps):
    r""":math:`G=(I_C-\frac1C J_C)G_1`, whose range :math:`\{VG\}` is :math:`\mathcal E_1^\epsilon`."""
    return centring() @ embedding(eps)


def prove(eps, Q=None):
    """The proof that Q (default: Eq. 98) is the orthogonal projector onto E1^eps; rank C - 1."""
    Q = paper_projector(eps) if Q is None else Q
    return prove_projector(Q, relations(eps), C - 1, spanning=parametrisation(eps), gram_scale=2)


def ground_truth(eps):
    """Dense projector onto E1^eps at (C, N) from a basis built from the definition: w ranges over 1_C^perp."""
    def projector(classes, examples):
        vectors = [sp.Matrix.vstack(sp.kronecker_product(w, sp.ones(examples, 1)) * eps / sp.sqrt(examples), w)
                   for w in sp.ones(classes, 1).T.nullspace()]
        return row_space_projector(vectors, classes * (examples + 1))
    return projector


def derived_projector(eps):
    """The projector onto E1^eps that derive_spectrum() obtains from the sector reduction of B."""
    return next(c.projector for c in derive_spectrum() if c.name == "E1" and c.sign == eps)


def mutants(eps):
    return {
        "eps flipped inside P": lambda: prove(eps, paper_projector(eps, inner_sign=-eps)),
        "eps flipped everywhere (the projector onto E1^-eps)": lambda: prove(eps, paper_projector(-eps)),
        "1 instead of 1/2": lambda: prove(eps, paper_projector(eps, half=1)),
    }


DENSE_SIZES = [(2, 1), (3, 2), (4, 3), (3, 4)]


EVIDENCE = EvidenceSet(CLAIM)
declare_signed_projection_evidence(
    EVIDENCE, ("Q^2 = Q, Q^T = Q, Q K = 0 (range in E1), G Q = G (E1 in range), "
               "tr Q = C - 1 = rank G (G G^T = 2(I - J/C)), for all C, N"),
    prove, mutants, ground_truth, paper_projector, derived_projector, DENSE_SIZES)
