"""Shared fixtures: mpmath's global precision is set per test and restored afterwards."""
import mpmath
import numpy as np
import pytest

from ulproofs.engine.context import CheckContext


@pytest.fixture(autouse=True)
def restore_mpmath_precision():
    saved = mpmath.mp.prec
    yield
    mpmath.mp.prec = saved


@pytest.fixture
def context():
    return CheckContext()


@pytest.fixture
def rng(context):
    return np.random.default_rng(context.seed)
