r"""The block operator :math:`B` of the unconstrained flow and its spectral decomposition.

The flow of Eq. 5 is :math:`Z'=ZA(t)` with :math:`Z=(H,W)` and, for proportional rates,
:math:`\int_0^tA=BC(t)`, where

.. math::

    B=\begin{pmatrix}0 & M^\top\\ M & 0\end{pmatrix},\qquad
    C(t)=\begin{pmatrix}\zeta_1(t)I_{CN} & 0\\ 0 & \zeta_2(t)I_C\end{pmatrix}.

:math:`B` acts on :math:`Z\in\mathbb R^{p\times(CN+C)}` from the right, row by row, so every
statement about the operator :math:`Z\mapsto ZB` is a statement about the
:math:`(CN+C)\times(CN+C)` matrix :math:`B`, with dimensions multiplied by p. Here :math:`B` is
a :class:`~ulproofs.core.structured.StructuredMatrix` with symbolic C, N, :math:`\gamma`; its
spectrum is *derived* from the sector reduction (2 x 2 blocks) and returned as orthogonal
projectors :math:`Q` with :math:`\Pi Z = ZQ`.

>>> spectrum = derive_spectrum()
>>> for component in spectrum:
...     print(component.label, component.eigenvalue, component.dimension())
E1+ (gamma + 1)/(C*sqrt(N)) p*(C - 1)
E1- (-gamma - 1)/(C*sqrt(N)) p*(C - 1)
E2+ (-C*gamma + gamma + 1)/(C*sqrt(N)) p
E2- (C*gamma - gamma - 1)/(C*sqrt(N)) p
E3 0 C*p*(N - 1)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .structured import FEATURES, MEAN, PERP, PROTOTYPES, Z_SPACE, C, N, StructuredMatrix

gamma = sp.Symbol("gamma", nonnegative=True)
p = sp.Symbol("p", positive=True, integer=True)


def label_matrix():
    r""":math:`I_C\otimes\mathbf 1_N^\top`, prototypes <- features."""
    return StructuredMatrix.term(PROTOTYPES, FEATURES, "I", "1")


def matrix_M(trade_off=gamma):
    r""":math:`M=\frac{1}{CN}((1+\gamma)I_C\otimes\mathbf 1_N^\top-\gamma\mathbf 1_C\mathbf 1_{CN}^\top)`."""
    ones = StructuredMatrix.ones(PROTOTYPES, FEATURES)
    return (label_matrix() * (1 + trade_off) - ones * trade_off) * (1 / (C * N))


def operator_B(trade_off=gamma):
    """B = [[0, M^T], [M, 0]] on Z = (H, W)."""
    M = matrix_M(trade_off)
    return StructuredMatrix.block([[0, M.T], [M, 0]])


def time_scaling(zeta1, zeta2):
    """C(t) = diag(zeta1 I_CN, zeta2 I_C)."""
    return StructuredMatrix(Z_SPACE, Z_SPACE, {(0, 0): {("I", "I"): zeta1}, (1, 1): {("I", "1"): zeta2}})


#: Which sectors make up each of the paper's subspaces (Eq. 8).
SUBSPACE_SECTORS = {"E1": ((PERP, MEAN),), "E2": ((MEAN, MEAN),), "E3": ((MEAN, PERP), (PERP, PERP))}


@dataclass(frozen=True)
class Eigencomponent:
    r"""One of the five subspaces: its eigenvalue and the projector :math:`Q` (:math:`\Pi Z=ZQ`)."""

    name: str
    sign: int
    eigenvalue: sp.Expr
    projector: StructuredMatrix

    @property
    def label(self):
        return self.name + {1: "+", -1: "-", 0: ""}[self.sign]

    def dimension(self):
        """dim = p * rank(Q) = p * tr(Q), since Q is idempotent."""
        return sp.factor(p * self.projector.trace())

    def _latex(self, printer):
        sign = {1: "+", -1: "-", 0: ""}[self.sign]
        return rf"\mathcal{{E}}_{{{self.name[1]}}}^{{{sign}}}:\ \sigma={printer._print(self.eigenvalue)}"


@cache
def derive_spectrum(trade_off=gamma):
    """Eigenvalues and projectors of B, derived sector by sector.

    On each 2-dimensional sector B acts as m [[0, 1], [1, 0]]; SymPy diagonalises the swap, the
    sign eps of its eigenvalue (B's eigenvalue is eps*m) names the subspace E^eps, and the
    projector on the sector is mapped back to a structured matrix
    (:meth:`StructuredMatrix.from_sector_blocks`). The two 1-dimensional sectors, where B acts
    as 0, make up E3.
    """
    sectors = operator_B(trade_off).sector_blocks()
    components = []
    for name in ("E1", "E2"):
        (sector,) = SUBSPACE_SECTORS[name]
        block = sectors[sector]
        coupling = block[0, 1]
        swap = sp.Matrix([[0, 1], [1, 0]])
        if (block - coupling * swap).applyfunc(sp.simplify) != sp.zeros(2, 2):
            raise ArithmeticError(f"B does not act as [[0, m], [m, 0]] on the {name} sector")
        by_sign = {}
        # Diagonalise the swap rather than the block: the eigenvectors (1, +-1) do not depend on m,
        # so E2+ and E2- stay defined where m vanishes (gamma = 1/(C-1)).
        for sign, _, vectors in swap.eigenvects():
            (vector,) = vectors
            by_sign[int(sign)] = (sp.simplify(sign * coupling), (vector * vector.T) / (vector.T * vector)[0, 0])
        for sign in (1, -1):
            value, local = by_sign[sign]
            projector = StructuredMatrix.from_sector_blocks(Z_SPACE, {sector: local})
            components.append(Eigencomponent(name, sign, value, projector))
    zero_sectors = {sector: sp.eye(1) for sector in SUBSPACE_SECTORS["E3"]}
    if any(sectors[s] != sp.zeros(1, 1) for s in zero_sectors):
        raise ArithmeticError("B does not vanish on the within-class sectors")
    kernel = StructuredMatrix.from_sector_blocks(Z_SPACE, zero_sectors)
    components.append(Eigencomponent("E3", 0, sp.Integer(0), kernel))
    return tuple(components)


def coincident_eigenvalues(trade_off=gamma):
    """Values of gamma >= 0 at which two of the five eigenvalues coincide (symbolic in C).

    Returns a list of (gamma value, labels that merge). At those gamma the five subspaces are
    still invariant and orthogonal, but not each a whole eigenspace of B.
    """
    spectrum = derive_spectrum(trade_off)
    found = []
    for i, a in enumerate(spectrum):
        for b in spectrum[i + 1:]:
            for root in sp.solve(sp.Eq(a.eigenvalue, b.eigenvalue), trade_off):
                found.append((sp.simplify(root), (a.label, b.label)))
    return found
