r"""The tolerance policy, written down once.

Every numeric comparison in ulproofs takes its tolerance from here, derived from the precision
in use and never loosened to make a check pass.

* **Floating point** (NumPy / torch): the unit roundoff :math:`u=\epsilon/2` of the dtype times
  an operation count and a condition factor, times a safety factor of 8:
  :math:`\mathrm{tol}=8\,u\,n_{\mathrm{ops}}\,\kappa`. :data:`FLOAT_TABLE` lists :math:`u` per
  dtype (the dtype-keyed table of neural-tangents).
* **mpmath**: a working precision of ``dps`` significant digits answers to
  :math:`10^{-(\mathrm{dps}-G)}` relative error, with :data:`GUARD_DIGITS` G = 10 digits kept
  for the rounding of matrix exponentials and ODE steps (mpmath's ``odefun`` and ``expm`` work
  at the same precision and lose a few digits to cancellation).
* mpmath's ``odefun`` is always called through :func:`taylor_odefun`: its error target is the
  working precision, as by default, and its Taylor degree is the number of working digits.
* A **mutant** (a perturbed formula) must miss by at least :data:`MUTANT_MARGIN` times the
  tolerance, so "caught" never means "barely".

>>> float_tolerance("float64") == 8 * 2.0 ** -53
True
>>> import mpmath
>>> with mpmath.workdps(50):
...     mp_tolerance() == mpmath.mpf(10) ** -40
True
"""
from __future__ import annotations

import mpmath
import numpy as np

GUARD_DIGITS = 10
SAFETY = 8
MUTANT_MARGIN = 1e3

#: Unit roundoff per dtype name.
FLOAT_TABLE = {
    "float64": float(np.finfo(np.float64).eps) / 2,
    "float32": float(np.finfo(np.float32).eps) / 2,
    "float16": float(np.finfo(np.float16).eps) / 2,
}


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def unit_roundoff(dtype="float64"):
    return FLOAT_TABLE[_dtype_name(dtype)]


def float_tolerance(dtype="float64", operations=1, condition=1.0):
    """Relative tolerance for a result of ``operations`` roundings amplified by ``condition``."""
    return SAFETY * unit_roundoff(dtype) * max(operations, 1) * max(condition, 1.0)


def mp_tolerance(dps=None):
    """Relative tolerance at the current (or given) mpmath precision."""
    digits = mpmath.mp.dps if dps is None else dps
    return mpmath.mpf(10) ** (-(digits - GUARD_DIGITS))


def taylor_odefun(derivative, x0, initial):
    r"""``mpmath.odefun(derivative, x0, initial)`` with Taylor degree ``mp.dps``.

    The degree only trades the length of each Taylor series against the number of series; the
    error target stays the working precision. mpmath's default degree, :math:`3+1.5\,\mathrm{dps}`,
    forms each series at :math:`(1+\mathrm{degree})` times the working precision, and on the linear
    flows solved here (50 digits, up to a dozen unknowns) degree = dps is about 30% faster with
    results that agree with the default's to the last digit."""
    return mpmath.odefun(derivative, x0, initial, degree=mpmath.mp.dps)


def relative_error(value, reference):
    """||value - reference|| / ||reference|| in the Frobenius norm (NumPy arrays)."""
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    return float(np.linalg.norm(value - reference) / np.linalg.norm(reference))
