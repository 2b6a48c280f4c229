r"""Lemma 13: the orthogonal projection onto :math:`\{W: W\mathbf 1_n=0\}` (Appendix B.9).

Statement. *Let* :math:`S=\{W\in\mathbb R^{m\times n}: W\mathbf 1_n=0\}`. *The projection of a
point* :math:`A\in\mathbb R^{m\times n}` *onto S is*

.. math::

    \Pi_S A = A\Bigl(I_n-\frac1n\mathbf 1_n\mathbf 1_n^\top\Bigr).

Every projection in Appendix B.9 acts on the right, :math:`\Pi(Z)=ZQ`, row by row, so it is the
orthogonal projection of :math:`\mathbb R^{m\times n}` onto S (Frobenius inner product) exactly
when the :math:`n\times n` matrix Q is the orthogonal projector onto the row space S' of S
(:math:`S=\{Z: \text{every row in } S'\}`). This module holds the proof pattern that Lemmas
13--17 share (:func:`prove_projector`), with S given by defining relations
:math:`S=\{Z: ZK=0\}`:

1. :math:`Q^2=Q` and :math:`Q^\top=Q`;
2. :math:`QK=0`, so :math:`\operatorname{range}(Q)\subseteq S`;
3. :math:`S\subseteq\operatorname{range}(Q)`, either from a factorisation :math:`I-Q=KR`
   (then :math:`ZK=0` gives :math:`ZQ=Z`) or from a parametrisation :math:`S=\{VG\}` with
   :math:`GQ=G`;
4. dimensions: :math:`\operatorname{rank}Q=\operatorname{tr}Q` (Q idempotent) equals the rank
   of S' computed separately from a Gram certificate
   (:math:`XX^\top=\kappa P`, P idempotent, so :math:`\operatorname{rank}X=\operatorname{tr}P`).

Every identity is an identity of the structured algebra (:mod:`ulproofs.core.structured`), so it
holds for all sizes at once. Here the generic n is the algebra's symbol C (Q acts on
:math:`\mathbb R^C`); the algebra's identities hold for every :math:`C\ge 1`.

>>> proof = prove()
>>> proof.holds, proof.projector_rank, proof.subspace_rank
(True, C - 1, C - 1)
>>> prove(paper_projector(denominator=C + 1)).failures()   # a wrong constant is caught
['Q Q - Q', 'Q K (range(Q) in S)', '(I - Q) - K R (S in range(Q))', 'tr Q = claimed rank']
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from ..core.structured import PROTOTYPES, SCALAR, C, StructuredMatrix
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading

CLAIM = Claim(
    id="lemma-13",
    title="Projection onto {W : W 1_n = 0}",
    statement=("For S = {W in R^{m x n}: W 1_n = 0}, the projection of A in R^{m x n} onto S is "
               "Pi_S A = A (I_n - (1/n) 1_n 1_n^T)."),
    equations=("Lemma 13",),
    reading=("'Projection' is read as the orthogonal projection in the Frobenius inner product (the proof "
             "minimises ||W - A||_F over S). It acts on the right, row by row, so it suffices to show that "
             "Q = I_n - (1/n) 1_n 1_n^T is the orthogonal projector onto {w : w^T 1_n = 0}. The generic n is "
             "the structured algebra's symbol C."),
    printed=('Lemma 13. Let S denote the subspace S = {W : W1, = 0,W € R™*"}  then the projection of a p'
             'oint A € R™*™ onto S can be denoted as lIsA = A (In — %lnlz).'),
    readings=(Reading("printed", "Pi_S A = A (I_n - (1/n) 1_n 1_n^T), the orthogonal (Frobenius) projection onto S",
                      change="the glyphs '%lnlz' read as (1/n) 1_n 1_n^T, as the proof's last line prints",
                      proof_needs=True),),
)

LEDGER = (
    LedgerRow("Proof of Lemma 13", "Appendix B.9; Lemmas 14-17 and the decomposition of Z0", "holds as reconstructed",
              note="The statement's '%lnlz' and the proof's last line read as (1/n) 1_n 1_n^T; the projector is "
                   "proved for every n (idempotent, symmetric, range S, rank n - 1), checked against exact dense "
                   "projectors and by the orthogonality of the residual.",
              evidence=("lemma-13::symbolic-proof", "lemma-13::dense-exact", "lemma-13::residual-orthogonal")),
)


@dataclass
class ProjectorProof:
    """The residuals (structured matrices that must vanish) and ranks that prove a projection.

    ``outcome`` maps each check's name to whether it holds; it is evaluated once, when the proof
    is built (:func:`prove_projector`).
    """

    residuals: dict
    projector_rank: sp.Expr
    subspace_rank: sp.Expr
    claimed_rank: sp.Expr
    outcome: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, residual in self.residuals.items():
            self.outcome[name] = residual.is_zero()
        self.outcome["tr Q = claimed rank"] = sp.simplify(self.projector_rank - self.claimed_rank) == 0
        self.outcome["rank S = claimed rank"] = sp.simplify(self.subspace_rank - self.claimed_rank) == 0

    @property
    def holds(self):
        return all(self.outcome.values())

    def failures(self):
        """Names of the checks that do not hold."""
        return [name for name, ok in self.outcome.items() if not ok]

    def measured(self):
        """Numbers for the evidence log: ranks and the nonzero coefficients of each residual."""
        return {
            "tr Q": str(self.projector_rank),
            "rank of S (Gram certificate)": str(self.subspace_rank),
            "claimed rank": str(self.claimed_rank),
            "checks": dict(self.outcome),
            "nonzero residual coefficients": {name: sum(1 for c in r.coefficients().values() if sp.simplify(c) != 0)
                                              for name, r in self.residuals.items()},
        }


def gram_certificate(X, scale):
    r"""Rank of X from :math:`XX^\top=\kappa P`: returns (residual :math:`P^2-P`, :math:`\operatorname{tr}P`).

    When the residual vanishes P is idempotent, so :math:`\operatorname{rank}X=\operatorname{rank}(XX^\top)
    =\operatorname{rank}P=\operatorname{tr}P`.
    """
    P = (X @ X.T) * (1 / sp.sympify(scale))
    return P @ P - P, P.trace()


def prove_projector(Q, relations, claimed_rank, *, spanning=None, cofactor=None, gram_scale=1):
    r"""Prove that :math:`Z\mapsto ZQ` is the orthogonal projection onto :math:`S=\{Z: ZK=0\}`.

    ``relations`` is K. The inclusion :math:`S\subseteq\operatorname{range}(Q)` comes from either
    ``spanning`` = G with :math:`S=\{VG\}` (checks :math:`GQ=G` and :math:`GK=0`; the rank of S is
    that of G, with :math:`GG^\top=\kappa P`) or ``cofactor`` = R with :math:`I-Q=KR` (the rank of
    S is the size minus the rank of K, with :math:`K^\top K=\kappa P`). ``gram_scale`` is
    :math:`\kappa`; ``claimed_rank`` the dimension of S per row.
    """
    if (spanning is None) == (cofactor is None):
        raise ValueError("give exactly one of spanning (S = range G) or cofactor (I - Q = K R)")
    K = relations
    residuals = {"Q Q - Q": Q @ Q - Q, "Q^T - Q": Q.T - Q, "Q K (range(Q) in S)": Q @ K}
    if spanning is not None:
        G = spanning
        residuals["G Q - G (S in range(Q))"] = G @ Q - G
        residuals["G K (range(G) in S)"] = G @ K
        certificate, subspace_rank = gram_certificate(G, gram_scale)
    else:
        identity = StructuredMatrix.identity(Q.rows)
        residuals["(I - Q) - K R (S in range(Q))"] = identity - Q - K @ cofactor
        certificate, relations_rank = gram_certificate(K.T, gram_scale)
        subspace_rank = sp.simplify(identity.trace() - relations_rank)
    residuals["Gram certificate P P - P"] = certificate
    return ProjectorProof(residuals, sp.simplify(Q.trace()), sp.simplify(subspace_rank), sp.sympify(claimed_rank))


def row_space_projector(vectors, size):
    r"""The orthogonal projector :math:`A^\top(AA^\top)^{-1}A` onto the span of ``vectors`` (exact).

    ``vectors`` are linearly independent SymPy column vectors of length ``size`` (the rows of A);
    an empty list spans {0}.
    """
    if not vectors:
        return sp.zeros(size, size)
    basis = sp.Matrix.hstack(*vectors).T
    return (basis.T * (basis * basis.T).inv() * basis).applyfunc(sp.simplify)


def dense_agreement(Q, ground_truth, sizes):
    """Compare ``Q.dense(C, N)`` with ``ground_truth(C, N)`` exactly; returns {(C, N): agrees}."""
    return {size: (Q.dense(*size) - ground_truth(*size)).applyfunc(sp.simplify).is_zero_matrix for size in sizes}


def declare_projector_evidence(evidence, statement, prove_paper, mutants, dense_sizes, ground_truth, paper_Q,
                               derived_Q=None, prefix=""):
    """Declare the symbolic proof, the exact dense comparison and the mutants of one projection lemma.

    ``prove_paper`` and the values of ``mutants`` are callables returning a :class:`ProjectorProof`;
    ``derived_Q``, when given, is a callable returning the projector
    :func:`~ulproofs.core.operator.derive_spectrum` derives, which must equal ``paper_Q()`` in the
    algebra (two independent routes to the same projector). ``prefix`` starts every slug.
    """
    @evidence.item(f"{prefix}symbolic-proof", kind="symbolic", description=statement)
    def symbolic_proof(context, record):
        proof = prove_paper()
        record.passed = proof.holds
        record.measured = proof.measured()

    @evidence.item(f"{prefix}dense-exact", kind="exact",
                   description="dense Q equals the projector onto the span of a basis of S built from its "
                               "definition (A^T (A A^T)^-1 A, exact SymPy)")
    def dense_exact(context, record):
        start = time.perf_counter()
        agreement = dense_agreement(paper_Q(), ground_truth, dense_sizes)
        record.passed = all(agreement.values())
        record.measured = {"sizes (C, N)": [list(s) for s in agreement], "all agree": record.passed,
                           "seconds per size": round((time.perf_counter() - start) / len(agreement), 4)}

    if derived_Q is not None:
        @evidence.item(f"{prefix}derived-projector", kind="symbolic",
                       description="the paper's Q equals the projector derived from B's sectors (derive_spectrum)")
        def derived_projector(context, record):
            record.passed = (paper_Q() - derived_Q()).is_zero()
            record.measured = {"agree": record.passed}

    for number, (name, prove_mutant) in enumerate(mutants.items(), start=1):
        @evidence.item(f"{prefix}mutant-{number}", kind="mutant", description=f"mutant '{name}' fails the proof")
        def mutant(context, record, prove_mutant=prove_mutant):
            failures = prove_mutant().failures()
            record.passed = bool(failures)
            record.measured = {"failed checks": failures}


def declare_signed_projection_evidence(evidence, summary, prove, mutants, ground_truth, paper_projector,
                                       derived_projector, dense_sizes):
    """Lemmas 15 and 16: :func:`declare_projector_evidence` for eps = +1 and eps = -1 (slugs ``plus-``, ``minus-``).

    The arguments after ``summary`` are the lemma's functions of eps.
    """
    for eps, prefix in ((1, "plus-"), (-1, "minus-")):
        declare_projector_evidence(evidence, f"eps={eps:+d}: {summary}", lambda eps=eps: prove(eps), mutants(eps),
                                   dense_sizes, ground_truth(eps), lambda eps=eps: paper_projector(eps),
                                   lambda eps=eps: derived_projector(eps), prefix=prefix)


# Lemma 13 ------------------------------------------------------------------------------------
def paper_projector(denominator=C):
    r""":math:`I_n-\frac1n\mathbf 1_n\mathbf 1_n^\top` on :math:`\mathbb R^n` (n = C); ``denominator`` for mutants."""
    return StructuredMatrix.identity(PROTOTYPES) - StructuredMatrix.ones(PROTOTYPES, PROTOTYPES) * (1 / denominator)


def relations():
    r"""K = :math:`\mathbf 1_n`: :math:`W\in S \iff WK=0`."""
    return StructuredMatrix.ones(PROTOTYPES, SCALAR)


def cofactor():
    r"""R = :math:`\frac1n\mathbf 1_n^\top`, with :math:`I_n-Q=KR`."""
    return StructuredMatrix.ones(SCALAR, PROTOTYPES) * (1 / C)


def prove(Q=None):
    """The proof that Q (default: the paper's) is the orthogonal projector onto S; rank n - 1."""
    Q = paper_projector() if Q is None else Q
    return prove_projector(Q, relations(), C - 1, cofactor=cofactor(), gram_scale=C)


def ground_truth(classes, examples=1):
    """Projector onto {w : w^T 1_n = 0} at n = ``classes`` from a nullspace basis (examples unused)."""
    return row_space_projector(sp.ones(classes, 1).T.nullspace(), classes)


MUTANTS = {"1/(n+1) instead of 1/n": C + 1, "1/(2n) instead of 1/n": 2 * C}


EVIDENCE = EvidenceSet(CLAIM)
declare_projector_evidence(
    EVIDENCE, "Q = I_n - (1/n) 1 1^T: Q^2 = Q, Q^T = Q, Q 1_n = 0, I - Q = 1_n (1/n) 1_n^T, "
    "tr Q = n - 1 = n - rank(1_n), for every n >= 1", prove,
    {name: (lambda d=d: prove(paper_projector(denominator=d))) for name, d in MUTANTS.items()},
    dense_sizes=[(n, 1) for n in range(1, 7)], ground_truth=ground_truth, paper_Q=paper_projector)


@EVIDENCE.item("residual-orthogonal", kind="exact",
               description="A - A Q is orthogonal to every vector of S for random rational A (n = 2, 5): the "
                           "defining property of the orthogonal projection, checked on its own")
def residual_orthogonal(context, record):
    products = {}
    for n in (2, 5):
        A = sp.randMatrix(3, n, -9, 9, seed=n) / 7
        residual = A - A * paper_projector().dense(n, 1)
        products[n] = [(residual * w).is_zero_matrix for w in sp.ones(n, 1).T.nullspace()]
    record.passed = all(all(v) for v in products.values())
    record.measured = {"residual . w = 0 for every basis vector w of S, by n": products}
