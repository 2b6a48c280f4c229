r"""Lemma 11: a cosine that starts non-negative tends to 1 (Appendix B.6, Eq. 86).

Statement. *For the discrete dynamics in Equation (84), if* :math:`\beta_0\ge0`, *then*
:math:`\lim_{t\to\infty}\beta_t=1.`

The dynamics is Eq. 84 of Lemma 10 (:mod:`ulproofs.claims.lemma_10`) under Lemma 10's hypotheses
(:math:`\alpha_0\le1`, :math:`\alpha_t` non-increasing, :math:`\eta(t)\ge\varepsilon`,
:math:`\xi_t\to1`). The proof rests on the identity (Eq. 86, first line; the OCR is garbled)

.. math::

    1-\beta_{t+1}^2=\frac{\alpha_{t+1}}{\xi_t\alpha_t}(1-\beta_t^2)(1-\alpha_t\beta_t)^2,
    \qquad\text{so}\qquad
    1-\beta_t^2=\frac{\alpha_t\,\eta(0)}{\alpha_0\,\eta(t)}(1-\beta_0^2)\prod_{i<t}(1-\alpha_i\beta_i)^2
    \le\alpha_t\frac{\eta(0)(1-\beta_0^2)}{\varepsilon\alpha_0}\prod_{i<t}(1-\alpha_i\beta_i)^2 , \tag{86}

with every factor in [0, 1] once :math:`0\le\beta_i\le1`, :math:`\alpha_i\le1`; it then treats the case
:math:`\alpha_t\to0` (the other case of Eq. 85 is already :math:`\beta_t\to1`).

Since :math:`\alpha_t\eta(0)/(\alpha_0\eta(t))=\|h(0)\|^2/\|h(t)\|^2`, the identity says that the part of
h perpendicular to w is multiplied by :math:`1-\alpha_t\beta_t` per step. A proof that needs no limit of
:math:`\alpha_t`: for t >= 1, :math:`\beta_t\ge\beta_1>0` (monotone, and :math:`\beta_1=\alpha_0/
\sqrt{1+\alpha_0^2}` when :math:`\beta_0=0`), so
:math:`1-\beta_t^2\le\frac{\|h(0)\|^2}{\|h(t)\|^2}\prod_{1\le i<t}(1-\alpha_i\beta_1)^2`. Either
:math:`\|h(t)\|\to\infty` and the first factor vanishes, or :math:`\|h(t)\|\le L` and
:math:`\alpha_i\ge\varepsilon\|w\|/L^2` makes the product vanish geometrically. Either way
:math:`\beta_t^2\to1` with :math:`\beta_t>0`. (Lemma 10's module shows :math:`\|h(t)\|` is in fact always
bounded.) The steps are identities and sign facts checked in SymPy for all values; the remaining
two-case limit is elementary.

Numerically: the identity as one-step residuals of mpmath iterates (50 digits), the telescoped form
and the paper's bound on float64 iterates for :math:`\beta_0\in\{0,0.1,0.5,0.9,0.999\}` under four
schedules, and a summable rate (dropping :math:`\eta\ge\varepsilon`) where :math:`\beta_t` stalls.

>>> prove_identity()["identity"]
True
>>> prove_factor_bounds()["corners"]
[1, 1, 1, 0]
"""
from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance
from ..core.spherical import AlphaPreserving, FlooredDecay, descend, mp_feature_iterates, mp_lemma10_quantities
from ..engine.verdicts import Claim, EvidenceLog, Finding, Verdict
from . import lemma_10
from .lemma_10 import alpha, beta, eq_84_step, xi

CLAIM = Claim(
    id="lemma-11",
    title="The cosine tends to 1 when it starts non-negative",
    statement="For the discrete dynamics in Eq. 84, if beta_0 >= 0 then lim_{t -> oo} beta_t = 1 (proof: Eq. 86, "
              "1 - beta_{t+1}^2 = alpha_{t+1}/(xi_t alpha_t) (1 - beta_t^2)(1 - alpha_t beta_t)^2 <= alpha_{t+1} "
              "eta(0)(1 - beta_0^2)/(eps alpha_0) prod_i (1 - alpha_i beta_i)^2).",
    equations=("Eq. 84", "Eq. 86"),
    reading=("'The discrete dynamics in Eq. 84' is read with Lemma 10's hypotheses (alpha_0 <= 1, alpha_t "
             "non-increasing, eta(t) >= eps, xi_t -> 1): without eta >= eps (or sum eta = oo) it fails, see the "
             "condition evidence. The garbled first line of Eq. 86 is read as 1 - beta_{t+1}^2 = alpha_{t+1} "
             "(1 - beta_t^2)(1 - alpha_t beta_t)^2/(xi_t alpha_t), the only reading consistent with its next lines "
             "(it is an identity, checked below)."),
    issue=4,
)


@cache
def prove_identity():
    r"""Eq. 86's identity from Eq. 84 and the perpendicular form it is equivalent to (Lemma 10's
    :math:`(1-\beta_{t+1}^2)(1+\alpha^2(1-\beta^2))=(1-\alpha\beta)^2(1-\beta^2)`)."""
    b_next, a_next = eq_84_step(alpha, beta, xi)
    identity = sp.simplify((1 - b_next ** 2) - a_next / (xi * alpha) * (1 - beta ** 2) * (1 - alpha * beta) ** 2) == 0
    wrong_power = sp.simplify((1 - b_next ** 2) - a_next / (xi * alpha) * (1 - beta ** 2) * (1 - alpha * beta)) == 0
    a0 = sp.Symbol("alpha_0", positive=True)
    first_from_zero = sp.simplify(eq_84_step(a0, sp.Integer(0), 1)[0] - a0 / sp.sqrt(1 + a0 ** 2)) == 0
    return dict(identity=identity, wrong_power_is_identity=wrong_power, beta_1_from_zero=first_from_zero)


@cache
def prove_factor_bounds():
    r""":math:`1-\alpha\beta\in[0,1]` on :math:`[0,1]^2` (bilinear: the extremes are at the corners)."""
    corners = [sp.Integer(1) - x * y for x in (0, 1) for y in (0, 1)]
    return dict(corners=corners, within=all(0 <= c <= 1 for c in corners))


def identity_exactness(seed=0, p=4, steps=120, power=2):
    """Max one-step residual of Eq. 86's identity (``power`` on 1 - alpha beta; 1 is a mutant) on mpmath
    iterates, over the mp tolerance, for beta_0 in {0, 0.6} and a decaying rate (xi != 1)."""
    rng = np.random.default_rng(seed)
    worst = 0
    for cos in (0.0, 0.6):
        w = rng.standard_normal(p)
        u = w / np.linalg.norm(w)
        v = rng.standard_normal(p)
        v -= (v @ u) * u
        h0 = 1.3 * (cos * u + np.sqrt(1 - cos ** 2) * v / np.linalg.norm(v))
        rate0 = mpmath.mpf(1.3) ** 2 / mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in w))
        states, etas = mp_feature_iterates(h0, w, lambda t, r=rate0: r * (1 + mpmath.mpf(t) / 5) ** -1 + r / 4, steps)
        alphas, betas, xis, _ = mp_lemma10_quantities(states, w, etas)
        for t in range(steps):
            right = alphas[t + 1] / (xis[t] * alphas[t]) * (1 - betas[t] ** 2) * (1 - alphas[t] * betas[t]) ** power
            worst = max(worst, abs((1 - betas[t + 1] ** 2) - right))
    return float(worst / mp_tolerance())


def start_batch(p, cosines, seed):
    """Features with prescribed initial cosines to random targets of norm in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((p, len(cosines)))
    T *= rng.uniform(0.5, 2.0, len(cosines)) / np.linalg.norm(T, axis=0)
    units = T / np.linalg.norm(T, axis=0)
    H0 = np.empty_like(T)
    for j, cos in enumerate(cosines):
        v = rng.standard_normal(p)
        v -= (v @ units[:, j]) * units[:, j]
        H0[:, j] = rng.uniform(0.5, 2.0) * (cos * units[:, j] + np.sqrt(1 - cos ** 2) * v / np.linalg.norm(v))
    return H0, T


START_COSINES = (0.0, 0.1, 0.5, 0.9, 0.999)


def nonnegative_start_runs(seed=0, p=6, steps=1000):
    """float64 iterates from beta_0 >= 0 under four schedules meeting Lemma 10's hypotheses: the telescoped
    identity, the paper's bound (Eq. 86 with eps = min eta) and the final 1 - beta."""
    H0, T = start_batch(p, START_COSINES, seed)
    rate0 = lemma_10.largest_rate(H0, T)
    schedules = {"constant at the bound": lambda t: rate0, "constant, small": lambda t: 0.05 * rate0,
                 "decay to a floor": FlooredDecay(rate0, 0.1 * rate0, timescale=10.0),
                 "adaptive largest": AlphaPreserving(rate0)}
    tolerance = float_tolerance("float64", operations=steps * (p + 4))
    results = {}
    for name, rate in schedules.items():
        trace = descend(H0, T, rate, steps)
        alphas, betas, norms = trace.alphas, trace.cosines, trace.norms
        factors = np.vstack([np.ones(len(START_COSINES)), np.cumprod((1 - alphas[:-1] * betas[:-1]) ** 2, axis=0)])
        telescoped = (norms[0] / norms) ** 2 * (1 - betas[0] ** 2) * factors
        sine_sq = (trace.gaps * np.sqrt(1 - trace.gaps ** 2 / 4)) ** 2          # sin^2 theta, stably
        eps = trace.etas.min()
        paper_bound = alphas * trace.etas[0] * (1 - betas[0] ** 2) / (eps * alphas[0]) * factors
        results[name] = dict(
            telescoped_error=float(np.abs(telescoped - sine_sq).max()),
            paper_bound_excess=float((sine_sq - paper_bound).max()),
            min_factor=float((1 - alphas * betas).min()),
            final_one_minus_beta=[float(x) for x in 1 - betas[-1]],
            passed=bool(np.abs(telescoped - sine_sq).max() <= tolerance and (sine_sq - paper_bound).max() <= tolerance
                        and (1 - alphas * betas).min() >= -tolerance and (1 - betas[-1]).max() <= 1e-9))
    return results


def check(context) -> Finding:
    log = EvidenceLog()
    with mpmath.workdps(context.dps):
        with log.check("symbolic", "Eq. 86: 1 - beta_{t+1}^2 = alpha_{t+1}/(xi_t alpha_t) (1 - beta_t^2)(1 - alpha_t "
                       "beta_t)^2 from Eq. 84 (so the part of h perpendicular to w scales by 1 - alpha_t beta_t); "
                       "factors 1 - alpha beta in [0, 1] for alpha, beta in [0, 1]; beta_1 = alpha_0/sqrt(1 + "
                       "alpha_0^2) > 0 from beta_0 = 0; beta_t non-decreasing (Lemma 10)") as record:
            identity = prove_identity()
            factors = prove_factor_bounds()
            monotone = lemma_10.prove_monotone_cosine()
            record.measured = dict(identity, corners=[str(c) for c in factors["corners"]],
                                   monotone=all(monotone.values()))
            record.passed = bool(identity["identity"] and identity["beta_1_from_zero"] and factors["within"]
                                 and all(monotone.values()))

        with log.check("mpmath", f"Eq. 86 identity on mpmath iterates ({context.dps} digits, p=4, 120 steps, beta_0 "
                       "in {0, 0.6}, decaying rate): max one-step residual / mp tolerance") as record:
            ratio = identity_exactness(context.seed)
            record.measured = dict(residual_over_tolerance=ratio)
            record.passed = ratio <= 1

        with log.check("mutant", "(1 - alpha beta)^1 instead of squared: not an identity, misses the iterates by "
                       "> MUTANT_MARGIN x tolerance") as record:
            miss = identity_exactness(context.seed, power=1)
            record.measured = dict(mutant_residual_over_tolerance=miss,
                                   symbolic_identity=prove_identity()["wrong_power_is_identity"])
            record.passed = miss > MUTANT_MARGIN and not prove_identity()["wrong_power_is_identity"]

    with log.check("iterates", "float64 iterates (p=6, 1000 steps) from beta_0 in {0, 0.1, 0.5, 0.9, 0.999}, four "
                   "schedules meeting Lemma 10's hypotheses: telescoped identity, the paper's bound (eps = min eta), "
                   "1 - beta_T <= 1e-9") as record:
        runs = nonnegative_start_runs(context.seed)
        record.measured = runs
        record.passed = all(r["passed"] for r in runs.values())

    with log.check("condition", "'eta >= eps' dropped: summable eta_0 (1+t)^-2 from beta_0 = 0 stalls (theta_t >= "
                   "pi/2 - alpha_0 pi^2/6); eta_0/(1+t) converges polynomially") as record:
        record.measured = lemma_10.small_rate_runs()
        record.passed = record.measured["passed"]

    core = [e for e in log.items if e.kind != "condition"]
    if all(e.passed for e in core):
        return Finding(CLAIM, Verdict.PROVED, log.items)
    failed = "; ".join(e.description for e in core if not e.passed)
    return Finding(CLAIM, Verdict.REFUTED, log.items, counterexample=f"failed: {failed}")
