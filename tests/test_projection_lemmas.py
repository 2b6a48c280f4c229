"""Projections of Lemmas 15 and 16 applied to matrices equal Eqs. 98 and 100 written out in NumPy."""
import numpy as np

from ulproofs.claims import lemma_15, lemma_16
from ulproofs.core.precision import float_tolerance, relative_error


def test_apply_right_matches_eq_98_written_out(rng):
    """Pi(H, W) from Q (structured, NumPy) equals Eq. 98 evaluated directly on random H, W."""
    p, classes, examples, eps = 4, 3, 2, -1
    H, W = rng.standard_normal((p, classes * examples)), rng.standard_normal((p, classes))
    H_out, W_out = lemma_15.paper_projector(eps).apply_right([H, W], classes, examples)
    centring = np.eye(classes) - np.ones((classes, classes)) / classes
    labels = np.kron(np.eye(classes), np.ones((examples, 1)))
    P = 0.5 * (eps / np.sqrt(examples) * H @ labels + W) @ centring
    expected_H = eps / np.sqrt(examples) * np.kron(P, np.ones((1, examples)))
    tolerance = float_tolerance("float64", operations=4 * classes * examples)
    assert relative_error(W_out, P) < tolerance
    assert relative_error(H_out, expected_H) < tolerance


def test_apply_right_matches_eq_100_written_out(rng):
    p, classes, examples, eps = 3, 4, 3, 1
    H, W = rng.standard_normal((p, classes * examples)), rng.standard_normal((p, classes))
    H_out, W_out = lemma_16.paper_projector(eps).apply_right([H, W], classes, examples)
    h = (eps / np.sqrt(examples) * H.sum(1) + W.sum(1)) / (2 * classes)
    tolerance = float_tolerance("float64", operations=4 * classes * examples)
    assert relative_error(W_out, np.outer(h, np.ones(classes))) < tolerance
    assert relative_error(H_out, eps / np.sqrt(examples) * np.outer(h, np.ones(classes * examples))) < tolerance
