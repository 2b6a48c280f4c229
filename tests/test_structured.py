"""Unit tests of the Kronecker-structured algebra: evaluation at concrete sizes is a homomorphism."""
import random

import numpy as np
import pytest
import sympy as sp
import torch

from ulproofs.core.precision import float_tolerance
from ulproofs.core.structured import (
    FEATURES,
    IDENTITY,
    PROTOTYPES,
    SCALAR,
    SECTORS,
    Z_SPACE,
    C,
    N,
    StructuredMatrix,
    _allowed_factors,
)

SPACES = [(FEATURES,), (PROTOTYPES,), (SCALAR,), Z_SPACE, (FEATURES, PROTOTYPES, SCALAR)]
SIZES = [(1, 1), (2, 1), (1, 3), (3, 2), (2, 4)]


def random_structured(rows, cols, generator, symbolic=True):
    """Random coefficients (rationals, optionally times 1/C, 1/N or sqrt(N)) on every allowed Kronecker term."""
    scales = [1, 1 / C, 1 / N, sp.sqrt(N)] if symbolic else [1]
    blocks = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            for fc in _allowed_factors(r.per_class, c.per_class):
                for fn in _allowed_factors(r.per_example, c.per_example):
                    if generator.random() < 0.8:
                        coeff = sp.Rational(generator.randint(-9, 9), generator.randint(1, 5))
                        blocks.setdefault((i, j), {})[(fc, fn)] = coeff * generator.choice(scales)
    return StructuredMatrix(rows, cols, blocks)


def size_of(space, classes, examples):
    return sum(s.size((classes, examples)) for s in space)


@pytest.mark.parametrize("seed", range(6))
def test_dense_is_multiplicative(seed):
    generator = random.Random(seed)
    left, inner, right = (generator.choice(SPACES) for _ in range(3))
    X = random_structured(left, inner, generator)
    Y = random_structured(inner, right, generator)
    for classes, examples in SIZES:
        assert ((X @ Y).dense(classes, examples) - X.dense(classes, examples) * Y.dense(classes, examples)
                ).applyfunc(sp.simplify).is_zero_matrix


@pytest.mark.parametrize("seed", range(4))
def test_dense_commutes_with_transpose_sum_scaling_and_trace(seed):
    generator = random.Random(100 + seed)
    rows, cols = generator.choice(SPACES), generator.choice(SPACES)
    X, Y = random_structured(rows, cols, generator), random_structured(rows, cols, generator)
    square = random_structured(rows, rows, generator)
    for classes, examples in SIZES:
        dense = X.dense(classes, examples)
        assert X.T.dense(classes, examples) == dense.T
        assert ((X + Y).dense(classes, examples) - dense - Y.dense(classes, examples)).is_zero_matrix
        assert ((X * sp.Rational(3, 7)).dense(classes, examples) - dense * sp.Rational(3, 7)).is_zero_matrix
        trace = square.trace().subs({C: classes, N: examples})
        assert sp.simplify(trace - square.dense(classes, examples).trace()) == 0


def test_identity_and_ones():
    for classes, examples in SIZES:
        size = size_of(Z_SPACE, classes, examples)
        assert StructuredMatrix.identity(Z_SPACE).dense(classes, examples) == sp.eye(size)
        assert StructuredMatrix.ones(FEATURES, PROTOTYPES).dense(classes, examples) == sp.ones(
            classes * examples, classes)


def test_is_zero_proves_identities_for_all_sizes():
    J = StructuredMatrix.ones(FEATURES, FEATURES)
    assert (J @ J - J * (C * N)).is_zero()
    assert not (J @ J - J * C).is_zero()
    labels = StructuredMatrix.term(PROTOTYPES, FEATURES, "I", "1")
    assert (labels @ labels.T).equals(StructuredMatrix.identity(PROTOTYPES) * N)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("seed", range(3))
def test_apply_right_matches_dense_matmul(backend, seed):
    generator = random.Random(200 + seed)
    rows, cols = generator.choice(SPACES), generator.choice(SPACES)
    X = random_structured(rows, cols, generator)
    rng = np.random.default_rng(seed)
    for classes, examples in [(2, 1), (3, 4)]:
        blocks = [rng.standard_normal((5, s.size((classes, examples)))) for s in rows]
        dense = X.dense(classes, examples, backend="numpy")
        expected = np.concatenate(blocks, axis=1) @ dense
        inputs = [torch.as_tensor(b) for b in blocks] if backend == "torch" else blocks
        out = X.apply_right(inputs, classes, examples)
        if backend == "torch":
            assert all(isinstance(o, torch.Tensor) and o.dtype == torch.float64 for o in out)
            out = [o.numpy() for o in out]
        got = np.concatenate(out, axis=1)
        assert got.shape == expected.shape
        # componentwise rounding bound: sums of at most n inputs per Kronecker term, a few terms per block,
        # each term counted with the absolute value of its coefficient (no cancellation between terms)
        magnitudes = X.applyfunc(abs).dense(classes, examples, backend="numpy")
        bound = np.abs(np.concatenate(blocks, axis=1)) @ magnitudes
        tolerance = float_tolerance("float64", operations=size_of(rows, classes, examples) + 8)
        assert np.all(np.abs(got - expected) <= tolerance * bound)


def test_apply_right_fills_zero_columns():
    X = StructuredMatrix.zeros(FEATURES, Z_SPACE)
    H = np.ones((2, 6))
    H_out, W_out = X.apply_right([H], 3, 2)
    assert H_out.shape == (2, 6) and W_out.shape == (2, 3) and not H_out.any() and not W_out.any()


@pytest.mark.parametrize("seed", range(3))
def test_sector_blocks_round_trip(seed):
    X = random_structured(Z_SPACE, Z_SPACE, random.Random(300 + seed))
    rebuilt = StructuredMatrix.from_sector_blocks(Z_SPACE, X.sector_blocks())
    assert (rebuilt - X).is_zero()


def test_sector_blocks_are_multiplicative():
    generator = random.Random(7)
    X, Y = (random_structured(Z_SPACE, Z_SPACE, generator) for _ in range(2))
    product, left, right = (X @ Y).sector_blocks(), X.sector_blocks(), Y.sector_blocks()
    for sector in SECTORS:
        assert (product[sector] - left[sector] * right[sector]).applyfunc(sp.simplify).is_zero_matrix


def test_sector_blocks_act_on_sector_vectors():
    """At C = 3, N = 2 the dense matrix maps one unit vector of each sector as the sector block says."""
    X = random_structured(Z_SPACE, Z_SPACE, random.Random(11), symbolic=False)
    classes, examples = 3, 2
    dense, blocks = X.dense(classes, examples), X.sector_blocks()
    unit = {"mean": {classes: sp.ones(classes, 1) / sp.sqrt(classes), examples: sp.ones(examples, 1) / sp.sqrt(2)},
            "perp": {classes: sp.Matrix([1, -1, 0]) / sp.sqrt(2), examples: sp.Matrix([1, -1]) / sp.sqrt(2)}}
    for class_part, example_part in SECTORS:
        u = unit[class_part][classes]
        columns = [sp.Matrix.vstack(sp.kronecker_product(u, unit[example_part][examples]), sp.zeros(classes, 1))]
        if example_part == "mean":       # the prototypes take part only in the example-mean sectors
            columns.append(sp.Matrix.vstack(sp.zeros(classes * examples, 1), u))
        basis = sp.Matrix.hstack(*columns)
        small = blocks[(class_part, example_part)].subs({C: classes, N: examples})
        assert (dense * basis - basis * small).applyfunc(sp.simplify).is_zero_matrix


def test_latex_printing():
    X = StructuredMatrix.term(PROTOTYPES, FEATURES, "I", "1", 1 + C) + StructuredMatrix.ones(PROTOTYPES, FEATURES)
    text = sp.latex(X)
    assert text.startswith(r"\begin{pmatrix}") and text.endswith(r"\end{pmatrix}")
    assert r"I_{C}" in text and r"\mathbf{1}_{N}^\top" in text and r"\left(C + 1\right)" in text
    assert sp.latex(StructuredMatrix.zeros(Z_SPACE, Z_SPACE)).count("0") == 4


def test_mismatched_shapes_raise():
    A = StructuredMatrix.identity(FEATURES)
    B = StructuredMatrix.identity(PROTOTYPES)
    with pytest.raises(ValueError):
        A + B
    with pytest.raises(ValueError):
        A @ B
    with pytest.raises(ValueError):
        StructuredMatrix.ones(FEATURES, PROTOTYPES).trace()
    with pytest.raises(ValueError):
        StructuredMatrix.term(PROTOTYPES, SCALAR, "I", "1")      # an identity cannot map R^1 to R^C
    with pytest.raises(ValueError):
        StructuredMatrix.block([[A, StructuredMatrix.ones(FEATURES, PROTOTYPES)],
                                [StructuredMatrix.ones(FEATURES, FEATURES), B]])


def test_equality_and_hash_are_by_value():
    X = StructuredMatrix.term(FEATURES, FEATURES, "I", "1", sp.Rational(1, 2))
    Y = StructuredMatrix.term(FEATURES, FEATURES, "I", "1", sp.Rational(2, 4))
    assert X == Y and hash(X) == hash(Y)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_apply_right_returns_fresh_writable_arrays(backend):
    """Regression: a single all-ones term used to come back as a read-only stride-0 broadcast view."""
    X = StructuredMatrix.ones(PROTOTYPES, FEATURES)
    W = np.arange(6.0).reshape(2, 3)
    (H,) = X.apply_right([torch.as_tensor(W) if backend == "torch" else W], 3, 2)
    H[0, 0] += 1.0                     # raises on a read-only view; corrupts a whole row on a stride-0 tensor
    H = H.numpy() if backend == "torch" else H
    assert H[0, 0] == W[0].sum() + 1.0 and np.all(H[0, 1:] == W[0].sum())


@pytest.mark.parametrize("seed", range(4))
def test_dense_equals_sympy_kronecker_products(seed):
    """dense() fills identity/ones Kronecker patterns directly; SymPy's kronecker_product is the reference."""
    generator = random.Random(300 + seed)
    rows, cols = generator.choice(SPACES), generator.choice(SPACES)
    X = random_structured(rows, cols, generator)
    for classes, examples in SIZES:
        sizes = (classes, examples)
        blocks = []
        for i, r in enumerate(rows):
            row = []
            for j, c in enumerate(cols):
                block = sp.zeros(r.size(sizes), c.size(sizes))
                for (fc, fn), coeff in X.blocks.get((i, j), {}).items():
                    left = (sp.eye(r.class_size(sizes)) if fc == IDENTITY
                            else sp.ones(r.class_size(sizes), c.class_size(sizes)))
                    right = (sp.eye(r.example_size(sizes)) if fn == IDENTITY
                             else sp.ones(r.example_size(sizes), c.example_size(sizes)))
                    block += sp.sympify(coeff).subs({C: classes, N: examples}) * sp.kronecker_product(left, right)
                row.append(block)
            blocks.append(row)
        reference = sp.Matrix(sp.BlockMatrix(blocks).as_explicit())
        assert (X.dense(classes, examples) - reference).applyfunc(sp.simplify).is_zero_matrix
