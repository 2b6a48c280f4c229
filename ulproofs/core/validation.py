r"""Checks of inputs and of numerical hazards, written once: each failure names the parameter, the value
and the assumption it breaks (:class:`~ulproofs.core.errors.AssumptionError`).

* :func:`real_number`: a finite real number (strings and None refused, bounds optional);
* :func:`schedule`, :func:`rate_pair`: a learning-rate schedule (not a bare float) and a pair of them;
* :func:`array`: an array of a given shape (lists are converted, wrong shapes refused);
* :func:`time_point` / :func:`combine_state`: a closed form's time :math:`t\ge0` (NaN refused), and a state
  that overflows float64 comes back as :math:`\pm\infty` with a :class:`ClosedFormOverflow` warning,
  never as NaN.

>>> real_number("gamma", "0.5", low=0)
0.5
>>> real_number("gamma", "abc")
Traceback (most recent call last):
...
ulproofs.core.errors.AssumptionError: gamma must be a real number (got 'abc')
>>> time_point(-5)
Traceback (most recent call last):
...
ulproofs.core.errors.AssumptionError: the closed form is a forward solution: t must be >= 0 and not NaN (got -5.0)
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .errors import AssumptionError


class ClosedFormOverflow(RuntimeWarning):
    """A closed form's state exceeds the float64 range; its entries are returned as +-inf."""


def real_number(name, value, low=None, high=None, *, strict_low=False, assumption=""):
    """``value`` as a finite float, or AssumptionError naming ``name``; ``low``/``high`` bound it
    (``strict_low``: value > low)."""
    if isinstance(value, bool) or value is None:
        raise AssumptionError(f"{name} must be a real number (got {value!r}){assumption}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AssumptionError(f"{name} must be a real number (got {value!r}){assumption}") from None
    if not math.isfinite(number):
        raise AssumptionError(f"{name} must be finite (got {value!r}){assumption}")
    if low is not None and (number < low or (strict_low and number == low)):
        raise AssumptionError(f"{name} must be {'>' if strict_low else '>='} {low:g} (got {value!r}){assumption}")
    if high is not None and number > high:
        raise AssumptionError(f"{name} must be <= {high:g} (got {value!r}){assumption}")
    return number


def integer(name, value, low=None):
    """``value`` as an int (an integral float like 3.0 is accepted; 2.5, strings and bools are not)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, float, np.floating)) or (
            isinstance(value, (float, np.floating)) and not float(value).is_integer()):
        raise AssumptionError(f"{name} must be an integer (got {value!r})")
    number = int(value)
    if low is not None and number < low:
        raise AssumptionError(f"{name} must be an integer >= {low} (got {value!r})")
    return number


def schedule(name, value):
    """A learning-rate schedule such as those of :mod:`ulproofs.core.rates`: callable, with ``integral`` and
    ``breakpoints``."""
    if not all(hasattr(value, attribute) for attribute in ("integral", "breakpoints")) or not callable(value):
        raise AssumptionError(f"{name} must be a learning-rate schedule such as rates.Constant(0.1) "
                              f"(got {type(value).__name__} {value!r})")
    return value


def rate_pair(value):
    """A :class:`~ulproofs.core.rates.RatePair` of two schedules."""
    if not (hasattr(value, "eta1") and hasattr(value, "eta2") and hasattr(value, "zetas")):
        raise AssumptionError("rates must be a RatePair of two schedules, e.g. RatePair.proportional(Constant(0.1)) "
                              f"(got {type(value).__name__} {value!r})")
    schedule("rates.eta1", value.eta1)
    schedule("rates.eta2", value.eta2)
    return value


def array(name, value, shape=None):
    """``value`` (NumPy array, torch tensor or nested list) as a float64 NumPy array of ``shape``."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        result = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssumptionError(f"{name} must be an array of real numbers (got {type(value).__name__})") from None
    if shape is not None and result.shape != tuple(shape):
        raise AssumptionError(f"{name} must have shape {tuple(shape)} (got {result.shape})")
    return result


def time_point(t):
    """A closed form's time as a float array: t >= 0 (the solution runs forward from Z(0)), NaN refused."""
    times = np.asarray(t, dtype=float)
    if np.isnan(times).any() or (times < 0).any():
        shown = float(times) if times.ndim == 0 else times[np.isnan(times) | (times < 0)][:3].tolist()
        raise AssumptionError(f"the closed form is a forward solution: t must be >= 0 and not NaN (got {shown!r})")
    return times


def combine_state(parts, coefficients):
    """``parts.combine(coefficients)``; where float64 overflows, the entries are +-inf (the sign of the dominant
    terms) with a :class:`ClosedFormOverflow` warning instead of the NaN of inf - inf."""
    coefficients = np.asarray(coefficients, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        state = parts.combine(coefficients)
    if all(np.isfinite(x).all() for x in state) and np.isfinite(coefficients).all():
        return state
    warnings.warn("the closed form's state exceeds the float64 range here; its entries are returned as +-inf",
                  ClosedFormOverflow, stacklevel=3)
    # a NaN multiplier is inf - inf of a decaying component: it does not dominate
    magnitude = np.where(np.isnan(coefficients), 0.0, np.abs(coefficients))
    dominant = np.where((magnitude == magnitude.max()) & ~np.isnan(coefficients), np.sign(coefficients), 0.0)
    signs = parts.combine(dominant)
    return tuple(np.where(np.isfinite(x), x, np.where(s < 0, -np.inf, np.inf)) for x, s in zip(state, signs))


def writable_folder(option, folder):
    """Create ``folder`` (and its parents) and check it can be written, before any work is done: an
    AssumptionError naming the option and the path otherwise."""
    import tempfile
    from pathlib import Path

    path = Path(folder).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
        # a probe of its own: processes that check one folder at once (the ranks of a DDP run) must not
        # delete each other's
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise AssumptionError(f"{option} {folder}: cannot write there ({error.strerror or error})") from None
    return path


def weight_decay_pair(weight_decay):
    """(lambda1, lambda2) as two finite floats >= 0; a single number is refused (say which parameter decays)."""
    if np.ndim(weight_decay) != 1 or len(weight_decay) != 2:
        raise AssumptionError(f"weight_decay must be a pair (lambda1, lambda2) for (H, W) (got {weight_decay!r})")
    try:
        pair = tuple(float(x) for x in weight_decay)
    except (TypeError, ValueError):
        pair = (math.nan,)
    if not all(math.isfinite(x) and x >= 0 for x in pair):
        raise AssumptionError(f"weight decay (lambda1, lambda2) must be finite and >= 0 (got {weight_decay!r})")
    return pair
