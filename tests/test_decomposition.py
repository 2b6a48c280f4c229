"""The numeric decomposition agrees with dense projectors and its Gram shortcuts with direct norms."""
import numpy as np
import pytest

from ulproofs.core.decomposition import Decomposition
from ulproofs.core.operator import derive_spectrum
from ulproofs.core.precision import float_tolerance
from ulproofs.core.setting import LayerPeeledProblem


@pytest.fixture(params=[(3, 2, 1, 0.0), (4, 3, 2, 0.5), (5, 4, 3, 1 / 3), (2, 2, 4, 0.2)])
def case(request, rng):
    p, C, N, gamma = request.param
    problem = LayerPeeledProblem(p, C, N, gamma)
    return problem, Decomposition(problem, rng.standard_normal((p, C * N)), rng.standard_normal((p, C)))


def test_components_match_dense_projectors(case):
    problem, parts = case
    Z0 = np.hstack([parts.H0, parts.W0])
    for component, (H, W) in zip(derive_spectrum(), parts.parts):
        Q = component.projector.dense(problem.C, problem.N, backend="numpy")
        np.testing.assert_allclose(np.hstack([H, W]), Z0 @ Q, atol=float_tolerance(operations=Z0.shape[1]) * 10)


def test_components_are_orthogonal_and_complete(case):
    _, parts = case
    Z = [np.hstack(part) for part in parts.parts]
    gram = np.array([[np.vdot(a, b) for b in Z] for a in Z])
    scale = np.vdot(np.hstack([parts.H0, parts.W0]), np.hstack([parts.H0, parts.W0]))
    assert np.max(np.abs(gram - np.diag(np.diag(gram)))) <= float_tolerance(operations=gram.size) * scale
    H, W = parts.combine(np.ones((5, 2)))
    np.testing.assert_allclose(H, parts.H0, atol=1e-13)
    np.testing.assert_allclose(W, parts.W0, atol=1e-13)


def test_gram_norms_equal_direct_norms(case, rng):
    _, parts = case
    coefficients = rng.standard_normal((7, 5, 2))
    for c, nH_nW, norm in zip(coefficients, zip(*parts.norms_HW(coefficients)), parts.norm(coefficients)):
        H, W = parts.combine(c)
        assert nH_nW[0] == pytest.approx(np.linalg.norm(H), rel=1e-12)
        assert nH_nW[1] == pytest.approx(np.linalg.norm(W), rel=1e-12, abs=1e-14)
        assert norm == pytest.approx(np.linalg.norm(np.hstack([H, W])), rel=1e-12)
    a, b = coefficients[0], coefficients[1]
    Ha, Wa = parts.combine(a)
    Hb, Wb = parts.combine(b)
    za, zb = np.hstack([Ha, Wa]), np.hstack([Hb, Wb])
    direct = np.linalg.norm(za / np.linalg.norm(za) - zb / np.linalg.norm(zb))
    assert parts.direction_distance(a, b) == pytest.approx(direct, rel=1e-10)


def test_shape_mismatch_names_the_shape():
    problem = LayerPeeledProblem(3, 2, 2, 0.1)
    with pytest.raises(ValueError, match="shape"):
        Decomposition(problem, np.zeros((3, 5)), np.zeros((3, 2)))
