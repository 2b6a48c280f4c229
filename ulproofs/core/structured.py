r"""Exact algebra of Kronecker-structured block matrices, generic in the sizes C and N.

Every matrix the layer-peeled analysis needs (the label matrix :math:`I_C\otimes 1_N^\top`,
:math:`M`, the operator :math:`B`, the projectors of Lemmas 13--17) is a block matrix over the
spaces

.. math::

    \mathbb{R}^{CN} = \mathbb{R}^C\otimes\mathbb{R}^N \ (\text{features, class-major}),\qquad
    \mathbb{R}^{C} = \mathbb{R}^C\otimes\mathbb{R}^1 \ (\text{prototypes}),\qquad
    \mathbb{R}^{1} \ (\text{a scalar}),

whose blocks are linear combinations of Kronecker products :math:`F_C\otimes F_N` with each
factor either an identity :math:`I_n` or an all-ones matrix :math:`\mathbf 1_a\mathbf 1_b^\top`
(which covers :math:`J_n=\mathbf 1_n\mathbf 1_n^\top`, :math:`\mathbf 1_n`,
:math:`\mathbf 1_n^\top` and :math:`1`). The products close on that set,

.. math::

    I X = X,\qquad (\mathbf 1_a\mathbf 1_b^\top)(\mathbf 1_b\mathbf 1_c^\top)
    = b\,\mathbf 1_a\mathbf 1_c^\top,

so a matrix is stored as finitely many SymPy coefficients, rational functions of the *symbols*
C and N. Multiplying, transposing and taking traces here is exact for every C >= 1 and N >= 1 at
once: evaluation at concrete sizes (:meth:`StructuredMatrix.dense`) is an algebra homomorphism,
so an identity that simplifies to zero here holds for all sizes. This is how the checker proves
statements "for all C, N" rather than for instances.

The same algebra block-diagonalises: on the orthonormal "sector" bases (class mean or a
direction orthogonal to it, times example mean or orthogonal to it) every structured matrix acts
by a small matrix (:meth:`StructuredMatrix.sector_blocks`). That reduction is how eigenvalues and
projectors are *derived*; the derived objects are then proved directly in the algebra.

>>> from ulproofs.core.structured import StructuredMatrix, FEATURES, PROTOTYPES, C, N
>>> J = StructuredMatrix.ones(FEATURES, FEATURES)          # 1_CN 1_CN^T
>>> (J @ J - C * N * J).is_zero()
True
>>> StructuredMatrix.identity((FEATURES, PROTOTYPES)).trace()
C*(N + 1)
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import sympy as sp

C, N = sp.symbols("C N", positive=True, integer=True)

IDENTITY, ONES = "I", "1"


@dataclass(frozen=True)
class Summand:
    """One direct summand :math:`\\mathbb R^{c}\\otimes\\mathbb R^{n}`, c in {C, 1}, n in {N, 1}."""

    name: str
    per_class: bool
    per_example: bool

    def class_size(self, sizes=(C, N)):
        return sizes[0] if self.per_class else 1

    def example_size(self, sizes=(C, N)):
        return sizes[1] if self.per_example else 1

    def size(self, sizes=(C, N)):
        return self.class_size(sizes) * self.example_size(sizes)


FEATURES = Summand("H", True, True)
PROTOTYPES = Summand("W", True, False)
SCALAR = Summand("1", False, False)

#: The space of Z = (H, W): features then prototypes, as in the paper.
Z_SPACE = (FEATURES, PROTOTYPES)

#: Sectors: (class part, example part), each the mean direction or its orthogonal complement.
MEAN, PERP = "mean", "perp"
SECTORS = ((MEAN, MEAN), (PERP, MEAN), (MEAN, PERP), (PERP, PERP))


def _factor_product(left, right, inner_full, size):
    """Product of two one-axis factors; returns (scalar, factor)."""
    if left == IDENTITY:
        return 1, right
    if right == IDENTITY:
        return 1, left
    return (size if inner_full else 1), ONES


def _allowed_factors(out_full, in_full):
    return (IDENTITY, ONES) if (out_full and in_full) else (ONES,)


def _factor_on_sector(factor, part, out_full, in_full, size):
    """Scalar by which a one-axis factor maps the sector's unit vector to the output's."""
    if part == PERP:
        return 1 if factor == IDENTITY else 0
    if factor == IDENTITY:
        return 1
    return sp.sqrt(size if out_full else 1) * sp.sqrt(size if in_full else 1)


class StructuredMatrix:
    """A block matrix over direct sums of :class:`Summand`, blocks in the Kronecker algebra.

    ``blocks[(i, j)]`` maps a key ``(class_factor, example_factor)`` to a SymPy coefficient;
    absent keys and blocks are zero. Instances are immutable values.
    """

    def __init__(self, rows, cols, blocks):
        self.rows, self.cols = tuple(rows), tuple(cols)
        clean = {}
        for (i, j), terms in blocks.items():
            r, c = self.rows[i], self.cols[j]
            for (fc, fn), coeff in terms.items():
                if fc not in _allowed_factors(r.per_class, c.per_class) or fn not in _allowed_factors(
                    r.per_example, c.per_example
                ):
                    raise ValueError(f"factor {(fc, fn)} does not fit block {r.name}<-{c.name}")
                coeff = sp.sympify(coeff)
                if coeff != 0:
                    clean.setdefault((i, j), {})[(fc, fn)] = coeff
        self.blocks = clean

    # construction -------------------------------------------------------------------------
    @classmethod
    def zeros(cls, rows, cols):
        return cls(_as_space(rows), _as_space(cols), {})

    @classmethod
    def identity(cls, space):
        space = _as_space(space)
        def key(summand):
            return (IDENTITY if summand.per_class else ONES, IDENTITY if summand.per_example else ONES)

        return cls(space, space, {(i, i): {key(s): 1} for i, s in enumerate(space)})

    @classmethod
    def term(cls, rows, cols, class_factor, example_factor, coeff=1, at=(0, 0)):
        """A single Kronecker term ``coeff * (class_factor (x) example_factor)`` in block ``at``."""
        return cls(_as_space(rows), _as_space(cols), {at: {(class_factor, example_factor): coeff}})

    @classmethod
    def ones(cls, rows, cols):
        """The all-ones matrix between two summands."""
        return cls.term(rows, cols, ONES, ONES)

    @classmethod
    def block(cls, grid):
        """Assemble from a grid (list of rows) of single-block StructuredMatrix or 0."""
        rows = [next(m.rows[0] for m in row if isinstance(m, StructuredMatrix)) for row in grid]
        cols = [next(grid[i][j].cols[0] for i in range(len(grid)) if isinstance(grid[i][j], StructuredMatrix))
                for j in range(len(grid[0]))]
        blocks = {}
        for i, row in enumerate(grid):
            for j, m in enumerate(row):
                if isinstance(m, StructuredMatrix):
                    if m.rows != (rows[i],) or m.cols != (cols[j],):
                        raise ValueError("block grid shapes do not match")
                    if (0, 0) in m.blocks:
                        blocks[(i, j)] = dict(m.blocks[(0, 0)])
        return cls(rows, cols, blocks)

    # algebra ------------------------------------------------------------------------------
    def _check_same_shape(self, other):
        if not isinstance(other, StructuredMatrix) or self.rows != other.rows or self.cols != other.cols:
            raise ValueError("shapes differ")

    def __add__(self, other):
        self._check_same_shape(other)
        blocks = {k: dict(v) for k, v in self.blocks.items()}
        for k, terms in other.blocks.items():
            target = blocks.setdefault(k, {})
            for key, coeff in terms.items():
                target[key] = target.get(key, 0) + coeff
        return StructuredMatrix(self.rows, self.cols, blocks)

    def __neg__(self):
        return self.scale(-1)

    def __sub__(self, other):
        return self + (-other)

    def scale(self, factor):
        factor = sp.sympify(factor)
        return StructuredMatrix(self.rows, self.cols,
                                {k: {key: factor * c for key, c in v.items()} for k, v in self.blocks.items()})

    def __mul__(self, factor):
        if isinstance(factor, StructuredMatrix):
            return NotImplemented
        return self.scale(factor)

    __rmul__ = __mul__

    def __matmul__(self, other):
        if self.cols != other.rows:
            raise ValueError("inner spaces differ")
        blocks = {}
        for (i, k), left_terms in self.blocks.items():
            inner = self.cols[k]
            for (k2, j), right_terms in other.blocks.items():
                if k2 != k:
                    continue
                target = blocks.setdefault((i, j), {})
                for ((lc, ln), a), ((rc, rn), b) in product(left_terms.items(), right_terms.items()):
                    sc, fc = _factor_product(lc, rc, inner.per_class, C)
                    sn, fn = _factor_product(ln, rn, inner.per_example, N)
                    target[(fc, fn)] = target.get((fc, fn), 0) + a * b * sc * sn
        return StructuredMatrix(self.rows, other.cols, blocks)

    @property
    def T(self):
        return StructuredMatrix(self.cols, self.rows, {(j, i): dict(v) for (i, j), v in self.blocks.items()})

    def trace(self):
        """Exact trace: every factor (identity or all-ones) on an n x n block has trace n."""
        if self.rows != self.cols:
            raise ValueError("trace of a non-square structured matrix")
        return sp.simplify(sum(coeff * self.rows[i].size() for (i, j), terms in self.blocks.items()
                               if i == j for coeff in terms.values()))

    def applyfunc(self, function):
        return StructuredMatrix(self.rows, self.cols,
                                {k: {key: function(c) for key, c in v.items()} for k, v in self.blocks.items()})

    def subs(self, *args, **kwargs):
        return self.applyfunc(lambda c: c.subs(*args, **kwargs))

    def simplified(self):
        return self.applyfunc(sp.simplify)

    def coefficients(self):
        """All (block, factor key) -> coefficient pairs, the canonical coordinates."""
        return {(k, key): c for k, v in self.blocks.items() for key, c in v.items()}

    def is_zero(self):
        """True when every coefficient simplifies to exactly zero (a proof for all C, N)."""
        return all(sp.simplify(c) == 0 for c in self.coefficients().values())

    def equals(self, other):
        return (self - other).is_zero()

    # reduction to sectors -----------------------------------------------------------------
    def sector_blocks(self):
        r"""The small matrices by which this map acts on each sector.

        A summand takes part in sector (class part, example part) when each part is the mean
        direction or its factor has full size. With orthonormal sector vectors
        :math:`u\otimes v` the map sends the sector into itself (identity keeps a direction,
        all-ones kills :math:`\mathbf 1^\perp` and maps unit means to
        :math:`\sqrt{ab}` times unit means), so it acts there by the returned matrix.
        """
        result = {}
        for sector in SECTORS:
            class_part, example_part = sector
            row_idx = [i for i, s in enumerate(self.rows) if _takes_part(s, sector)]
            col_idx = [j for j, s in enumerate(self.cols) if _takes_part(s, sector)]
            if not row_idx or not col_idx:
                continue
            matrix = sp.zeros(len(row_idx), len(col_idx))
            for a, i in enumerate(row_idx):
                for b, j in enumerate(col_idx):
                    r, c = self.rows[i], self.cols[j]
                    for (fc, fn), coeff in self.blocks.get((i, j), {}).items():
                        matrix[a, b] += (coeff * _factor_on_sector(fc, class_part, r.per_class, c.per_class, C)
                                         * _factor_on_sector(fn, example_part, r.per_example, c.per_example, N))
            result[sector] = matrix.applyfunc(sp.simplify)
        return result

    @classmethod
    def from_sector_blocks(cls, space, targets):
        """The unique structured map on ``space`` acting on each sector by ``targets[sector]``.

        Solves the linear system for the coefficients; sectors missing from ``targets`` get 0.
        Unique when C >= 2 and N >= 2 (the algebra is then isomorphic to its sector image).
        """
        space = _as_space(space)
        unknowns, blocks = [], {}
        for i, r in enumerate(space):
            for j, c in enumerate(space):
                for fc in _allowed_factors(r.per_class, c.per_class):
                    for fn in _allowed_factors(r.per_example, c.per_example):
                        x = sp.Symbol(f"x_{i}{j}{fc}{fn}")
                        unknowns.append(x)
                        blocks.setdefault((i, j), {})[(fc, fn)] = x
        general = cls(space, space, blocks)
        equations = []
        for sector, image in general.sector_blocks().items():
            target = targets.get(sector, sp.zeros(*image.shape))
            equations.extend(image - target)
        solution = sp.solve(equations, unknowns, dict=True)
        if len(solution) != 1 or set(solution[0]) != set(unknowns):
            raise ValueError("sector images do not determine a unique structured matrix")
        return general.subs(solution[0]).simplified()

    # concrete evaluation ------------------------------------------------------------------
    def dense(self, classes, examples, backend="sympy"):
        """The explicit matrix at C = classes, N = examples ("sympy" exact, or "numpy")."""
        sizes = (classes, examples)
        row_sizes = [s.size(sizes) for s in self.rows]
        col_sizes = [s.size(sizes) for s in self.cols]
        out = sp.zeros(sum(row_sizes), sum(col_sizes))
        for (i, j), terms in self.blocks.items():
            r, c = self.rows[i], self.cols[j]
            block = [[sp.S.Zero] * col_sizes[j] for _ in range(row_sizes[i])]
            p, q = r.example_size(sizes), c.example_size(sizes)
            for (fc, fn), coeff in terms.items():
                value = sp.sympify(coeff).subs({C: classes, N: examples})
                # the entries of value * (fc (x) fn), fc and fn each an identity or all ones
                for row in range(row_sizes[i]):
                    for col in range(col_sizes[j]):
                        if ((fc != IDENTITY or row // p == col // q)
                                and (fn != IDENTITY or row % p == col % q)):
                            block[row][col] += value
            r0, c0 = sum(row_sizes[:i]), sum(col_sizes[:j])
            out[r0:r0 + row_sizes[i], c0:c0 + col_sizes[j]] = sp.Matrix(block)
        if backend == "numpy":
            import numpy as np

            return np.array(out.evalf(), dtype=float)
        return out

    def apply_right(self, blocks_in, classes, examples):
        """Numerically multiply ``[X_0, X_1, ...] @ self`` without forming it densely.

        ``blocks_in`` holds one array per row summand, each p x size (NumPy or torch); the
        Kronecker factors act on the reshaped (p, class, example) axes: an identity keeps an
        axis, an all-ones factor sums it and broadcasts to the output size. Cost O(p * size).
        """
        sizes = (classes, examples)
        out = [None] * len(self.cols)
        for (i, j), terms in self.blocks.items():
            r, c = self.rows[i], self.cols[j]
            x = blocks_in[i]
            rows = x.shape[0]
            cube = x.reshape(rows, r.class_size(sizes), r.example_size(sizes))
            for (fc, fn), coeff in terms.items():
                value = float(sp.sympify(coeff).subs({C: classes, N: examples}))
                y = cube
                if fc == ONES:
                    y = y.sum(1)[:, None, :]
                if fn == ONES:
                    y = y.sum(2)[:, :, None]
                target = (rows, c.class_size(sizes), c.example_size(sizes))
                contribution = _broadcast(value * y, target).reshape(rows, c.size(sizes))
                out[j] = contribution if out[j] is None else out[j] + contribution
        return [o if o is not None else _zeros_like(blocks_in[0], (blocks_in[0].shape[0], c.size(sizes)))
                for o, c in zip(out, self.cols)]

    # printing -----------------------------------------------------------------------------
    def _latex(self, printer):
        cells = []
        for i, r in enumerate(self.rows):
            row = []
            for j, c in enumerate(self.cols):
                terms = self.blocks.get((i, j), {})
                parts = [_latex_term(printer, coeff, fc, fn, r, c) for (fc, fn), coeff in sorted(terms.items())]
                row.append(" + ".join(parts) if parts else "0")
            cells.append(" & ".join(row))
        return r"\begin{pmatrix}" + r" \\ ".join(cells) + r"\end{pmatrix}"

    def __repr__(self):
        return f"StructuredMatrix({[s.name for s in self.rows]} <- {[s.name for s in self.cols]}, {self.blocks})"

    __str__ = __repr__

    def __eq__(self, other):
        return (isinstance(other, StructuredMatrix) and self.rows == other.rows and self.cols == other.cols
                and self.blocks == other.blocks)

    def __hash__(self):
        return hash((self.rows, self.cols, tuple(sorted((k, tuple(sorted(v.items(), key=str)))
                                                         for k, v in self.blocks.items()))))


def _as_space(space):
    return (space,) if isinstance(space, Summand) else tuple(space)


def _takes_part(summand, sector):
    class_part, example_part = sector
    return (class_part == MEAN or summand.per_class) and (example_part == MEAN or summand.per_example)


def _broadcast(x, shape):
    """Broadcast into a fresh array: a stride-0 view would make apply_right's output read-only (NumPy)
    or unsafe to update in place (torch)."""
    if type(x).__module__.startswith("torch"):
        return x.expand(*shape).contiguous()
    import numpy as np

    return np.broadcast_to(x, shape).copy()


def _zeros_like(x, shape):
    if type(x).__module__.startswith("torch"):
        return x.new_zeros(shape)
    import numpy as np

    return np.zeros(shape, dtype=x.dtype)


def _latex_factor(factor, out_full, in_full, symbol):
    if factor == IDENTITY:
        return f"I_{{{symbol}}}"
    if out_full and in_full:
        return rf"\mathbf{{1}}_{{{symbol}}}\mathbf{{1}}_{{{symbol}}}^\top"
    if out_full:
        return rf"\mathbf{{1}}_{{{symbol}}}"
    if in_full:
        return rf"\mathbf{{1}}_{{{symbol}}}^\top"
    return ""


def _latex_term(printer, coeff, fc, fn, r, c):
    factors = [f for f in (_latex_factor(fc, r.per_class, c.per_class, "C"),
                           _latex_factor(fn, r.per_example, c.per_example, "N")) if f]
    body = r" \otimes ".join(factors) if len(factors) == 2 else "".join(factors)
    coeff_tex = printer._print(coeff)
    if not body:
        return coeff_tex
    if coeff == 1:
        return f"({body})" if len(factors) == 2 else body
    return rf"\left({coeff_tex}\right)({body})" if isinstance(coeff, sp.Add) else rf"{coeff_tex}\,({body})"
