"""Property tests of the simplex-ETF constructor (ulproofs.core.etf) over p, C, scale and seed."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ulproofs.core.errors import AssumptionError
from ulproofs.core.etf import (
    etf_deviation,
    etf_tolerance,
    helmert_basis,
    is_simplex_etf,
    simplex_etf,
    simplex_gram,
)
from ulproofs.core.precision import float_tolerance


@st.composite
def frames(draw):
    """(p, C, scale, seed) with p >= C - 1, including the tight case p = C - 1."""
    C = draw(st.integers(2, 40))
    p = draw(st.integers(C - 1, C + 60))
    scale = draw(st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return p, C, scale, seed


@settings(max_examples=60, deadline=None, database=None)
@given(frames())
def test_gram_identity_norms_and_zero_sum(frame):
    p, C, scale, seed = frame
    W = simplex_etf(p, C, scale, seed)
    tolerance = etf_tolerance(p, C)
    assert W.shape == (p, C) and W.dtype == np.float64
    gram = W.T @ W
    expected = scale ** 2 * (C / (C - 1)) * (np.eye(C) - np.ones((C, C)) / C)
    assert np.abs(gram - expected).max() <= scale ** 2 * tolerance
    assert np.abs(np.linalg.norm(W, axis=0) - scale).max() <= scale * tolerance
    cosines = gram / scale ** 2
    off_diagonal = cosines[~np.eye(C, dtype=bool)]
    assert np.abs(off_diagonal + 1 / (C - 1)).max() <= tolerance
    assert np.linalg.norm(W.sum(axis=1)) <= scale * math.sqrt(C) * tolerance
    assert etf_deviation(W) <= tolerance and is_simplex_etf(W)


@settings(max_examples=30, deadline=None, database=None)
@given(frames())
def test_same_seed_same_frame_other_seed_other_frame(frame):
    p, C, scale, seed = frame
    W = simplex_etf(p, C, scale, seed)
    assert np.array_equal(W, simplex_etf(p, C, scale, seed))
    if p == 1:     # C = 2 on a line: the only frames are +-W
        assert np.array_equal(np.abs(simplex_etf(p, C, scale, seed + 1)), np.abs(W))
        return
    other = simplex_etf(p, C, scale, seed + 1)
    # the Gram is the same, the frame is rotated: a different W (a coincidence has probability zero)
    assert np.abs(other.T @ other - W.T @ W).max() <= scale ** 2 * etf_tolerance(p, C)
    assert np.abs(other - W).max() > scale * 1e-6


def test_generator_seed_is_used_as_is():
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(simplex_etf(6, 4, seed=rng_a), simplex_etf(6, 4, seed=rng_b))
    assert np.array_equal(simplex_etf(6, 4, seed=np.random.default_rng(5)), simplex_etf(6, 4, seed=5))


@pytest.mark.parametrize("C", [2, 3, 7, 100])
def test_helmert_basis_is_an_orthonormal_basis_of_the_centred_vectors(C):
    B = helmert_basis(C)
    tolerance = float_tolerance("float64", 2 * C)
    assert np.abs(B.T @ B - np.eye(C - 1)).max() <= tolerance
    assert np.abs(B @ B.T - (np.eye(C) - np.ones((C, C)) / C)).max() <= tolerance
    assert np.abs(B.sum(axis=0)).max() <= tolerance


def test_two_classes_are_antipodal():
    W = simplex_etf(1, 2, scale=3.0)
    assert W[0, 0] == pytest.approx(-W[0, 1], rel=1e-15) and abs(W[0, 0]) == pytest.approx(3.0, rel=1e-15)


def test_deviation_detects_non_etfs():
    rng = np.random.default_rng(0)
    assert etf_deviation(rng.standard_normal((10, 4))) > 0.1
    assert etf_deviation(np.eye(4)) == pytest.approx(1 / 2, rel=1e-12)   # orthonormal, not centred: 1/sqrt(C)
    W = simplex_etf(5, 4)
    assert not is_simplex_etf(W * np.array([1.0, 1.0, 1.0, 1.01]))                # one norm off by 1%
    assert etf_deviation(np.zeros((3, 4))) == math.inf
    assert not is_simplex_etf(np.zeros((3, 4)))


@pytest.mark.parametrize("p, C, scale, match", [
    (1, 3, 1.0, "p >= C-1"), (5, 1, 1.0, "C >= 2"), (5, 3, 0.0, "positive"), (5, 3, -1.0, "positive"),
    (5, 3, math.inf, "positive"), (5, 3, math.nan, "positive"), (2.5, 3, 1.0, "integer"), (5, True, 1.0, "integer"),
])
def test_bad_inputs_name_the_assumption(p, C, scale, match):
    with pytest.raises(AssumptionError, match=match):
        simplex_etf(p, C, scale)


def test_gram_and_deviation_validate():
    with pytest.raises(AssumptionError, match="C >= 2"):
        simplex_gram(1)
    with pytest.raises(AssumptionError, match="positive"):
        simplex_gram(3, -2.0)
    with pytest.raises(AssumptionError, match="p x C"):
        etf_deviation(np.ones(4))
