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
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from . import lemma_10
from .lemma_10 import alpha, beta, eq_84_step, xi

CLAIM = Claim(
    id="lemma-11",
    title="The cosine tends to 1 when it starts non-negative",
    statement="For the discrete dynamics in Eq. 84 (under Lemma 10's hypotheses), if beta_0 >= 0 then lim_{t -> oo} "
              "beta_t = 1 (proof: Eq. 86, 1 - beta_{t+1}^2 = alpha_{t+1}/(xi_t alpha_t) (1 - beta_t^2)(1 - alpha_t "
              "beta_t)^2 <= alpha_{t+1} eta(0)(1 - beta_0^2)/(eps alpha_0) prod_i (1 - alpha_i beta_i)^2).",
    equations=("Eq. 84", "Eq. 86"),
    printed="Lemma 11. For the discrete dynamics in Equation (84), if 5o > 0, then lim;_,o B = 1.",
    readings=(Reading(
        "printed", "for Eq. 84 under Lemma 10's hypotheses (alpha_0 <= 1, alpha_t non-increasing, eta(t) >= eps, "
        "xi_t -> 1), beta_0 >= 0 implies lim beta_t = 1",
        change="'5o > 0' read as beta_0 >= 0 (the proof's other case is -1 < beta_0 < 0; both readings are checked, "
               "beta_0 = 0 included); 'the discrete dynamics in Equation (84)' carries Lemma 10's hypotheses, stated "
               "with Eq. 84; the garbled first line of Eq. 86 read as 1 - beta_{t+1}^2 = alpha_{t+1}(1 - beta_t^2)"
               "(1 - alpha_t beta_t)^2/(xi_t alpha_t), the only reading consistent with its next lines",
        proof_needs=True),),
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


@cache
def identity_iterates(seed=0, dps=50, p=4, steps=120):
    """mpmath iterates (``dps`` digits) of Eq. 84's quantities (alphas, betas, xis) from beta_0 in {0, 0.6} under
    a decaying rate (xi != 1), with the mp tolerance they are compared at."""
    rng = np.random.default_rng(seed)
    runs = []
    with mpmath.workdps(dps):
        for cos in (0.0, 0.6):
            w = rng.standard_normal(p)
            u = w / np.linalg.norm(w)
            v = rng.standard_normal(p)
            v -= (v @ u) * u
            h0 = 1.3 * (cos * u + np.sqrt(1 - cos ** 2) * v / np.linalg.norm(v))
            rate0 = mpmath.mpf(1.3) ** 2 / mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in w))
            states, etas = mp_feature_iterates(h0, w, lambda t, r=rate0: r * (1 + mpmath.mpf(t) / 5) ** -1 + r / 4,
                                               steps)
            runs.append(mp_lemma10_quantities(states, w, etas)[:3])
        return runs, mp_tolerance()


def identity_exactness(seed=0, dps=50, power=2):
    """Max one-step residual of Eq. 86's identity (``power`` on 1 - alpha beta; 1 is a mutant) on the mpmath
    iterates of :func:`identity_iterates`, over the mp tolerance."""
    runs, tolerance = identity_iterates(seed, dps)
    worst = 0
    with mpmath.workdps(dps):
        for alphas, betas, xis in runs:
            for t in range(len(xis)):
                right = alphas[t + 1] / (xis[t] * alphas[t]) * (1 - betas[t] ** 2) * (1 - alphas[t] * betas[t]) ** power
                worst = max(worst, abs((1 - betas[t + 1] ** 2) - right))
        return float(worst / tolerance)


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


EVIDENCE = EvidenceSet(CLAIM)


@EVIDENCE.item("eq-86-identity", kind="symbolic",
               description="Eq. 86: 1 - beta_{t+1}^2 = alpha_{t+1}/(xi_t alpha_t) (1 - beta_t^2)(1 - alpha_t beta_t)^2 "
                           "from Eq. 84 (the part of h perpendicular to w scales by 1 - alpha_t beta_t); factors 1 - "
                           "alpha beta in [0, 1] for alpha, beta in [0, 1]; beta_1 = alpha_0/sqrt(1 + alpha_0^2) > 0 "
                           "from beta_0 = 0; beta_t non-decreasing (Lemma 10)")
def eq_86_identity(context, record):
    identity = prove_identity()
    factors = prove_factor_bounds()
    monotone = lemma_10.prove_monotone_cosine()
    record.measured = dict(identity, corners=[str(c) for c in factors["corners"]], monotone=all(monotone.values()))
    record.passed = bool(identity["identity"] and identity["beta_1_from_zero"] and factors["within"]
                         and all(monotone.values()))


@EVIDENCE.item("eq-86-mpmath", kind="mpmath",
               description="Eq. 86's identity on mpmath iterates (context digits, p=4, 120 steps, beta_0 in {0, 0.6}, "
                           "decaying rate): max one-step residual / mp tolerance <= 1")
def eq_86_mpmath(context, record):
    ratio = identity_exactness(context.seed, context.dps)
    record.measured = dict(residual_over_tolerance=ratio)
    record.passed = ratio <= 1


@EVIDENCE.item("eq-86-mutant", kind="mutant",
               description="(1 - alpha beta)^1 instead of squared: not an identity (SymPy), and misses the same mpmath "
                           "iterates by > MUTANT_MARGIN x tolerance")
def eq_86_mutant(context, record):
    miss = identity_exactness(context.seed, context.dps, power=1)
    symbolic = prove_identity()["wrong_power_is_identity"]
    record.measured = dict(mutant_residual_over_tolerance=miss, symbolic_identity=symbolic)
    record.passed = miss > MUTANT_MARGIN and not symbolic


@EVIDENCE.item("nonnegative-starts", kind="iterates",
               description="float64 iterates (p=6, 1000 steps) from beta_0 in {0, 0.1, 0.5, 0.9, 0.999}, four "
                           "schedules meeting Lemma 10's hypotheses: the telescoped identity, the paper's bound (eps "
                           "= min eta), 1 - beta_T <= 1e-9")
def nonnegative_starts(context, record):
    runs = nonnegative_start_runs(context.seed)
    record.measured = runs
    record.passed = len(runs) == 4 and all(r["passed"] for r in runs.values())


@EVIDENCE.item("rate-floor-dropped", kind="iterates",
               description="outside the hypotheses ('eta >= eps' dropped): summable eta_0 (1+t)^-2 from beta_0 = 0 "
                           "stalls (theta_t >= pi/2 - alpha_0 pi^2/6); eta_0/(1+t) converges polynomially")
def rate_floor_dropped(context, record):
    record.measured = lemma_10.small_rate_runs()
    summable = record.measured["summable (1+t)^-2"]
    record.passed = record.measured["passed"] and summable["final_angle"] >= summable["angle_lower_bound"] > 0


LEDGER = (
    LedgerRow("Eq. 86", "Proof of Lemma 11", "holds as reconstructed",
              note="the garbled first line read as 1 - beta_{t+1}^2 = alpha_{t+1}(1 - beta_t^2)(1 - alpha_t beta_t)^2"
                   "/(xi_t alpha_t), an identity; its telescoped form and the bound with eta(t+1) >= eps hold on "
                   "iterates",
              evidence=("lemma-11::eq-86-identity", "lemma-11::eq-86-mpmath", "lemma-11::eq-86-mutant",
                        "lemma-11::nonnegative-starts")),
    LedgerRow("Lemma 11", "Proof of Lemma 10", "holds as reconstructed",
              note="'beta_0 > 0' read as beta_0 >= 0; beta_0 = 0 converges too (beta_1 > 0)",
              evidence=("lemma-11::eq-86-identity", "lemma-11::nonnegative-starts")),
)
