r"""Learning-rate schedules :math:`\eta(t)` and their integrals :math:`\zeta(t)=\int_0^t\eta`.

The paper's closed forms hold when the two rates are proportional,
:math:`\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)`, i.e. :math:`\eta_1=s\,\eta_2` with a
constant :math:`s>0` (footnote 8). :class:`RatePair` makes that assumption explicit: asking it
for ``s`` raises :class:`NonProportionalRatesError` when the rates are not proportional.

For gradient descent the same schedule is read at integer steps: step k uses ``schedule(k)``.

>>> eta = CosineAnnealing(0.1, period=100.0)
>>> round(float(eta(0.0)), 12), round(float(eta(100.0)), 12)
(0.1, 0.0)
>>> RatePair(eta.scaled(2.0), eta).ratio()
2.0
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import validation
from .errors import AssumptionError
from .validation import real_number


class NonProportionalRatesError(AssumptionError):
    """The closed form needs eta1(t1) eta2(t2) = eta1(t2) eta2(t1) (eta1 = s * eta2)."""


def _positive_finite(name, value):
    value = real_number(name, value, assumption=": learning rates are positive")
    if value <= 0:
        raise AssumptionError(f"{name} must be a positive finite number (got {value!r}): learning rates are positive")
    return value


@dataclass(frozen=True)
class Constant:
    r""":math:`\eta(t)=\eta_0`."""

    rate: float

    def __post_init__(self):
        object.__setattr__(self, "rate", _positive_finite("rate", self.rate))

    def __call__(self, t):
        return self.rate * np.ones_like(np.asarray(t, dtype=float))

    def integral(self, t):
        return self.rate * np.asarray(t, dtype=float)

    def scaled(self, factor):
        return Constant(self.rate * _positive_finite("scale factor s", factor))

    def breakpoints(self):
        return ()


@dataclass(frozen=True)
class Step:
    r"""Piecewise constant: :math:`\eta_0\,f^{k}` after the k-th milestone."""

    rate: float
    milestones: tuple = ()
    factor: float = 0.1

    def __post_init__(self):
        object.__setattr__(self, "rate", _positive_finite("rate", self.rate))
        object.__setattr__(self, "factor", _positive_finite("step factor", self.factor))
        ms = tuple(float(m) for m in self.milestones)
        if any(m <= 0 or not math.isfinite(m) for m in ms) or list(ms) != sorted(ms):
            raise AssumptionError("step milestones must be positive, finite and increasing")
        object.__setattr__(self, "milestones", ms)

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        return self.rate * self.factor ** np.searchsorted(self.milestones, t, side="right")

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        edges = (0.0,) + self.milestones
        total = np.zeros_like(t)
        for k, start in enumerate(edges):
            end = edges[k + 1] if k + 1 < len(edges) else np.inf
            total = total + self.rate * self.factor ** k * np.clip(np.minimum(t, end) - start, 0.0, None)
        return total

    def scaled(self, factor):
        return Step(self.rate * _positive_finite("scale factor s", factor), self.milestones, self.factor)

    def breakpoints(self):
        return self.milestones


@dataclass(frozen=True)
class CosineAnnealing:
    r"""Cosine annealing (Loshchilov and Hutter) over ``period``, then held at ``rate_min``.

    .. math::

        \eta(t)=\eta_{\min}+\tfrac12(\eta_{\max}-\eta_{\min})\bigl(1+\cos(\pi t/T)\bigr),
        \qquad 0\le t\le T.
    """

    rate_max: float
    period: float
    rate_min: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "rate_max", _positive_finite("rate_max", self.rate_max))
        object.__setattr__(self, "period", _positive_finite("period", self.period))
        rmin = float(self.rate_min)
        if not math.isfinite(rmin) or rmin < 0 or rmin > self.rate_max:
            raise AssumptionError("rate_min must be finite with 0 <= rate_min <= rate_max")
        object.__setattr__(self, "rate_min", rmin)

    def __call__(self, t):
        tc = np.clip(np.asarray(t, dtype=float), 0.0, self.period)
        return self.rate_min + 0.5 * (self.rate_max - self.rate_min) * (1 + np.cos(np.pi * tc / self.period))

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        tc = np.clip(t, 0.0, self.period)
        amplitude = 0.5 * (self.rate_max - self.rate_min)
        inside = self.rate_min * tc + amplitude * (tc + self.period / np.pi * np.sin(np.pi * tc / self.period))
        return inside + self.rate_min * np.clip(t - self.period, 0.0, None)

    def scaled(self, factor):
        f = _positive_finite("scale factor s", factor)
        return CosineAnnealing(self.rate_max * f, self.period, self.rate_min * f)

    def breakpoints(self):
        return (self.period,)


@dataclass(frozen=True)
class LinearWarmup:
    r"""Linear warm-up from ``start_factor`` times ``rate`` to ``rate`` over ``warmup``, then constant.

    .. math::

        \eta(t)=\eta_0\Bigl(f+(1-f)\frac{t}{T}\Bigr),\quad 0\le t\le T;\qquad \eta(t)=\eta_0,\quad t\ge T.

    >>> eta = LinearWarmup(1.0, warmup=4.0, start_factor=0.5)
    >>> float(eta(0.0)), float(eta(2.0)), float(eta(9.0)), float(eta.integral(4.0))
    (0.5, 0.75, 1.0, 3.0)
    """

    rate: float
    warmup: float
    start_factor: float = 0.1

    def __post_init__(self):
        object.__setattr__(self, "rate", _positive_finite("rate", self.rate))
        object.__setattr__(self, "warmup", _positive_finite("warmup", self.warmup))
        factor = float(self.start_factor)
        if not math.isfinite(factor) or not 0 < factor <= 1:
            raise AssumptionError(f"start_factor must be finite with 0 < start_factor <= 1 (got {self.start_factor!r}):"
                                  " learning rates are positive")
        object.__setattr__(self, "start_factor", factor)

    def __call__(self, t):
        tc = np.clip(np.asarray(t, dtype=float), 0.0, self.warmup)
        return self.rate * (self.start_factor + (1 - self.start_factor) * tc / self.warmup)

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        tc = np.clip(t, 0.0, self.warmup)
        inside = self.rate * (self.start_factor * tc + (1 - self.start_factor) * tc ** 2 / (2 * self.warmup))
        return inside + self.rate * np.clip(t - self.warmup, 0.0, None)

    def scaled(self, factor):
        return LinearWarmup(self.rate * _positive_finite("scale factor s", factor), self.warmup, self.start_factor)

    def breakpoints(self):
        return (self.warmup,)


@dataclass(frozen=True)
class Sinusoidal:
    r"""A rate oscillating about ``rate``: :math:`\eta(t)=\eta_0\,(1+a\cos(2\pi t/T))`, :math:`0\le a<1`.

    >>> eta = Sinusoidal(2.0, amplitude=0.5, period=4.0)
    >>> float(eta(0.0)), float(eta(2.0)), round(float(eta.integral(4.0)), 12)
    (3.0, 1.0, 8.0)
    """

    rate: float
    amplitude: float
    period: float

    def __post_init__(self):
        object.__setattr__(self, "rate", _positive_finite("rate", self.rate))
        object.__setattr__(self, "period", _positive_finite("period", self.period))
        amplitude = float(self.amplitude)
        if not math.isfinite(amplitude) or not 0 <= amplitude < 1:
            raise AssumptionError(f"amplitude must be finite with 0 <= amplitude < 1 (got {self.amplitude!r}): "
                                  "learning rates are positive")
        object.__setattr__(self, "amplitude", amplitude)

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        return self.rate * (1 + self.amplitude * np.cos(2 * np.pi * t / self.period))

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        return self.rate * (t + self.amplitude * self.period / (2 * np.pi) * np.sin(2 * np.pi * t / self.period))

    def scaled(self, factor):
        return Sinusoidal(self.rate * _positive_finite("scale factor s", factor), self.amplitude, self.period)

    def breakpoints(self):
        return ()


SCHEDULES = {"constant": Constant, "step": Step, "cosine": CosineAnnealing, "warmup": LinearWarmup,
             "sinusoidal": Sinusoidal}


def schedule(name, **parameters):
    """The schedule called ``name`` in :data:`SCHEDULES`, built from ``parameters`` (validated there).

    >>> schedule("warmup", rate=0.1, warmup=5.0)
    LinearWarmup(rate=0.1, warmup=5.0, start_factor=0.1)
    >>> schedule("linear", rate=0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ulproofs.core.errors.AssumptionError: unknown learning-rate schedule 'linear': the rates are one of constant, ...
    """
    if name not in SCHEDULES:
        raise AssumptionError(f"unknown learning-rate schedule {name!r}: the rates are one of {', '.join(SCHEDULES)}")
    return SCHEDULES[name](**parameters)


def checked_rates(name, values):
    """``values`` of the schedule ``name`` as a float array, or AssumptionError if any is negative or not finite.

    For schedules given as any callable (not one of :data:`SCHEDULES`): the flow needs
    0 <= eta(t) < infinity.
    """
    values = np.asarray(values, dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        raise AssumptionError(f"{name} must be finite and >= 0 at every time (got {values[bad][0]!r}): "
                              "learning rates are non-negative finite numbers")
    return values


@dataclass(frozen=True)
class RatePair:
    """The rates of features (eta1) and of prototypes and biases (eta2)."""

    eta1: object
    eta2: object

    def __post_init__(self):
        validation.schedule("eta1", self.eta1)
        validation.schedule("eta2", self.eta2)

    @classmethod
    def proportional(cls, eta2, s=1.0):
        """eta1 = s * eta2, the assumption of Theorems 2 and 4."""
        return cls(validation.schedule("eta2", eta2).scaled(s), eta2)

    def ratio(self):
        """The constant s = eta1/eta2, or NonProportionalRatesError.

        Structurally proportional schedules (one is ``scaled`` from the other) are recognised
        exactly; otherwise the ratio is probed on a grid of times and must be constant to
        rounding: on a dense grid and at a point inside every piece between the schedules'
        breakpoints (where both are smooth). Where both rates vanish any s fits.
        """
        for s in self._structural_ratios():
            return s
        times = self.probe_times()
        values1, values2 = self.eta1(times), self.eta2(times)
        both_zero = (values1 == 0) & (values2 == 0)
        if np.any((values1 == 0) != (values2 == 0)):
            raise NonProportionalRatesError(
                "the closed form assumes proportional rates, eta1 = s * eta2, but one rate vanishes where the other "
                "does not")
        ratios = values1[~both_zero] / values2[~both_zero]
        if np.ptp(ratios) > 64 * np.finfo(float).eps * np.max(np.abs(ratios)):
            raise NonProportionalRatesError(
                "the closed form assumes proportional rates, eta1(t1) eta2(t2) = eta1(t2) eta2(t1) "
                f"(eta1 = s * eta2); here eta1/eta2 ranges over [{ratios.min():.6g}, {ratios.max():.6g}]")
        return float(ratios[0])

    def probe_times(self):
        edges = sorted(set(self.eta1.breakpoints()) | set(self.eta2.breakpoints()))
        horizon = 2 * edges[-1] if edges else 1e4
        cuts = np.array([0.0] + edges + [horizon])
        return np.union1d(np.linspace(0.0, horizon, 4001), (cuts[1:] + cuts[:-1]) / 2)

    def _structural_ratios(self):
        a, b = self.eta1, self.eta2
        if type(a) is not type(b):
            return
        if isinstance(a, Constant):
            yield a.rate / b.rate
        elif isinstance(a, Step) and a.milestones == b.milestones and a.factor == b.factor:
            yield a.rate / b.rate
        elif isinstance(a, CosineAnnealing) and a.period == b.period:
            s = a.rate_max / b.rate_max
            if math.isclose(a.rate_min, s * b.rate_min, rel_tol=1e-15, abs_tol=0.0):
                yield s

    def zetas(self, t):
        """(zeta1(t), zeta2(t)), the integrated rates."""
        return self.eta1.integral(t), self.eta2.integral(t)
