"""Unit tests of the precision policy's mpmath solver setting."""
import mpmath

from ulproofs.core.precision import mp_tolerance, taylor_odefun


def growth(t, y):
    return [t * y[0]]


def test_taylor_odefun_meets_the_working_precision_like_the_default():
    """y' = t y, y(0) = 1 has y = exp(t^2/2): the tuned degree and mpmath's default both land within the
    50-digit tolerance at t = 2; the same solve at 30 digits misses it (the comparison can fail)."""
    with mpmath.workdps(50):
        exact = mpmath.exp(2)
        tuned = taylor_odefun(growth, 0, [mpmath.mpf(1)])(2)[0]
        default = mpmath.odefun(growth, 0, [mpmath.mpf(1)])(2)[0]
        assert abs(tuned - exact) / exact <= mp_tolerance()
        assert abs(default - exact) / exact <= mp_tolerance()
    with mpmath.workdps(30):
        coarse = taylor_odefun(growth, 0, [mpmath.mpf(1)])(2)[0]
    with mpmath.workdps(50):
        assert abs(coarse - exact) / exact > mp_tolerance()
