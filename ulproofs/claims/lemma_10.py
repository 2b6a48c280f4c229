r"""Lemma 10: the spherical iterates of one feature converge to its prototype's direction (Appendix B.6,
Eqs. 82--85).

Statement (reconstructed; the OCR garbles the formulas). *For* :math:`h(t),w\in\mathbb R^p`,
:math:`\eta(t)>0`, *consider*

.. math::

    h(t+1)=h(t)+\frac{\eta(t)}{\|h(t)\|}\bigl(I_p-\hat h(t)\hat h(t)^\top\bigr)w .

*If* :math:`w^\top\hat h(0)>-1`, :math:`\lim_t\eta(t+1)/\eta(t)=1`, :math:`\eta(t)/\|h(t)\|^2` *is
non-increasing with* :math:`\eta(0)/\|h(0)\|^2\le1/\|w\|` *and* :math:`\eta(t)\ge\varepsilon>0`, *then*

.. math::

    \lim_{t\to\infty}\Bigl\|\frac{h(t)}{\|h(t)\|}-\frac{w}{\|w\|}\Bigr\|=0. \tag{82}

The proof sets :math:`\alpha_t=\eta(t)\|w\|/\|h(t)\|^2`, :math:`\xi_t=\eta(t+1)/\eta(t)`,
:math:`\beta_t=w^\top\hat h(t)/\|w\|` (the cosine), claims :math:`\alpha_t` decreases and
:math:`\beta_t` increases, using

.. math::

    \|h(t+1)\|^2=\|h(t)\|^2+\frac{\eta(t)^2}{\|h(t)\|^2}\|(I_p-\hat h\hat h^\top)w\|^2,\qquad
    h(t+1)=(1-\alpha_t\beta_t)\,h(t)+\frac{\eta(t)}{\|h(t)\|}w, \tag{83}

.. math::

    \beta_{t+1}=\frac{\beta_t+\alpha_t(1-\beta_t^2)}{\sqrt{1+\alpha_t^2(1-\beta_t^2)}},\qquad
    \alpha_{t+1}=\frac{\xi_t\alpha_t}{1+\alpha_t^2(1-\beta_t^2)}, \tag{84}

and the limits :math:`a=\lim\alpha_t`, :math:`b=\lim\beta_t` satisfy a = 0 or b = 1 (Eq. 85).

What is derived here (symbolically, for every p, :math:`\|h\|`, :math:`\|w\|`, :math:`\eta`, from the
inner products of h and w, since the step lies in :math:`\operatorname{span}\{h,w\}`):

* Eq. 83 (Pythagoras: the step is orthogonal to h) and the positive combination, whose coefficient
  :math:`1-\alpha\beta` is :math:`\ge0` for :math:`\alpha\le1`; Eq. 84 exactly;
* :math:`\beta_{t+1}\ge\beta_t` for **every** :math:`\alpha\in[0,2]`, :math:`\beta\in[-1,1]`:
  :math:`(\beta+\alpha s)^2-\beta^2(1+\alpha^2s)=\alpha s\,(2\beta+\alpha(1-2\beta^2))` with
  :math:`s=1-\beta^2`; the bound 2 is sharp (at :math:`\beta\to1` the bracket is 2 - α);
* the angle form :math:`\theta_{t+1}=\theta_t-\arctan(\alpha_t\sin\theta_t)` (:math:`\beta=\cos\theta`)
  and :math:`\|h_\perp(t+1)\|=(1-\alpha_t\beta_t)\|h_\perp(t)\|`;
* from these and two calculus facts (:math:`\arctan x\ge\frac\pi4x` and
  :math:`x^2\le\frac4\pi\arctan x` on [0, 1]): for :math:`\alpha_t\le1`,

  .. math::

      \|h(t)\|^2\le\|h(0)\|^2e^{4(\theta_0-\theta_t)/\pi}\le e^{4\theta_0/\pi}\|h(0)\|^2,\qquad
      \theta_t\le\theta_0\exp\Bigl(-\tfrac\pi4\tfrac{\sin\theta_0}{\theta_0}\sum_{i<t}\alpha_i\Bigr).

  So :math:`\|h(t)\|` is always bounded, :math:`\alpha_t\ge\varepsilon\|w\|e^{-4\theta_0/\pi}/\|h(0)\|^2`,
  and the convergence is exponential: this proves Eq. 82 (and more) without Eq. 85's limit argument.
  :math:`\lim\xi_t=1` is implied by the other hypotheses (rises of :math:`\eta` are bounded by the
  norm growth, a bounded product; infinitely many drops by a fixed factor would break
  :math:`\eta\ge\varepsilon`), and :math:`\eta\ge\varepsilon` can be weakened to
  :math:`\sum_t\eta(t)=\infty`, which is necessary.

Numerically: Eq. 84 against mpmath iterates (50 digits), the monotonicity and both bounds on float64
iterates over many seeds, sizes and rate schedules (constant, decaying to a floor, and the adaptive
largest rate the conditions allow, which *grows*), and each hypothesis dropped in turn.

Outcome: the proof's algebra holds; the hypothesis must be read on the cosine
:math:`w^\top\hat h(0)/\|w\|>-1` (as the proof's :math:`\beta_0>-1`): read literally,
:math:`w^\top\hat h(0)>-1` admits :math:`\hat h(0)=-w/\|w\|` when :math:`\|w\|<1`, a fixed point.

>>> facts = prove_recursion()
>>> facts["beta"], facts["alpha"]
(True, True)
>>> monotone_bracket()
2*alpha*beta**2 - alpha - 2*beta
>>> [round(float(b), 6) for b in recursion_84(0.5, 0.0, [1.0] * 3)[1]]
[0.0, 0.447214, 0.722373, 0.866275]
"""
from __future__ import annotations

import math
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance
from ..core.spherical import (
    AlphaPreserving,
    FlooredDecay,
    Power,
    descend,
    mp_feature_iterates,
    mp_lemma10_quantities,
    planar_descent,
)
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading

CLAIM = Claim(
    id="lemma-10",
    title="Spherical iterates of one feature converge to its prototype",
    statement=(
        "For h(t+1) = h(t) + eta(t)/||h(t)|| (I - h^ h^T) w with w^T h^(0)/||w|| > -1 (the cosine), lim "
        "eta(t+1)/eta(t) = 1, eta(t)/||h(t)||^2 non-increasing with eta(0)/||h(0)||^2 <= 1/||w||, and eta(t) >= "
        "eps > 0: lim ||h^(t) - w/||w|| || = 0 (Eq. 82). With alpha_t = eta(t)||w||/||h(t)||^2, xi_t = "
        "eta(t+1)/eta(t), beta_t = w^T h^(t)/||w||: ||h(t+1)||^2 = ||h(t)||^2 + eta^2/||h||^2 ||(I - h^h^T) w||^2 "
        "and h(t+1) = (1 - alpha_t beta_t) h(t) + eta(t)/||h(t)|| w (Eq. 83); beta_{t+1} = (beta_t + alpha_t(1 - "
        "beta_t^2))/sqrt(1 + alpha_t^2(1 - beta_t^2)), alpha_{t+1} = xi_t alpha_t/(1 + alpha_t^2(1 - beta_t^2)) "
        "(Eq. 84); alpha_t decreases and beta_t increases; a = lim alpha_t, b = lim beta_t satisfy a = 0 or b = 1 "
        "(Eq. 85)."),
    equations=("Eq. 82", "Eq. 83", "Eq. 84", "Eq. 85"),
    printed=("Lemma 10. For h(t),w € RP, n(t) > 0, let v = 5 denote the la-normalized vector of [[v]l2 v, "
             "considering the discrete dynamical system h(t 4+ 1) = h(t) + % (Ip - ﬁ(t)ﬁT(t)> w, if w h(0) > -1, "
             "the learning rate n(t) satisfies that limy_,eg ns;t(-:)l) =1 ... ’ ||f:7((t>)u2 5 non-increasing "
             "with IIh((OO))H < m, and there exists a constant € > 0, s.t., n(t) > ¢, ... then we have "
             "lim HOOHHh(t)Hz w2 - 0 (82)"),
    readings=(
        Reading("printed", "h(t+1) = h(t) + eta(t)/||h(t)|| (I - h^ h^T) w; if w^T h^(0) > -1, lim xi_t = 1, "
                "eta(t)/||h(t)||^2 non-increasing with eta(0)/||h(0)||^2 <= 1/||w|| and eta(t) >= eps > 0, then "
                "lim ||h^(t) - w/||w|| || = 0",
                change="the dropped fractions read as eta(t)/||h(t)||_2 (Theorem 7's Eq. 92 with (1+gamma)/(CN) "
                       "absorbed into eta) and eta(0)/||h(0)||^2 <= 1/||w|| (alpha_0 <= 1); xi_t = eta(t+1)/eta(t); "
                       "'decreasing/increasing' as non-increasing/non-decreasing (alpha_t is constant when beta_t "
                       "= 1 or under the adaptive rate); the hypothesis w^T h^(0) > -1 as printed"),
        Reading("cosine", "the same with the hypothesis on the cosine: w^T h^(0)/||w|| > -1",
                change="the hypothesis is divided by ||w||", departs=True,
                why="the proof's beta_0 = w^T h^(0)/||w|| > -1 is what it uses; Eq. 82 spells out w/||w||_2, so the "
                    "printed hypothesis does not normalise w, and read literally with ||w|| < 1 it admits h^(0) = "
                    "-w/||w||, a fixed point",
                proof_needs=True),
    ),
)

# ------------------------------------------------------------------------------------------------
# Symbolic derivation, from inner products: h = n e, |w| = m, cos(h, w) = beta
# ------------------------------------------------------------------------------------------------
alpha, beta = sp.symbols("alpha beta", real=True)
xi, eta, n, m = sp.symbols("xi eta n m", positive=True)
theta = sp.Symbol("theta", positive=True)


def _inner(u, v):
    r"""Inner product of :math:`u=u_hh+u_ww` and :math:`v=v_hh+v_ww` with :math:`\|h\|=n`, :math:`\|w\|=m`,
    :math:`h^\top w=nm\beta`: holds in every dimension p."""
    (uh, uw), (vh, vw) = u, v
    return uh * vh * n ** 2 + (uh * vw + uw * vh) * n * m * beta + uw * vw * m ** 2


H_VEC, W_VEC = (sp.Integer(1), sp.Integer(0)), (sp.Integer(0), sp.Integer(1))


def tangent():
    r""":math:`(I-\hat h\hat h^\top)w=w-\frac{h^\top w}{\|h\|^2}h` as coefficients on (h, w)."""
    return (-_inner(H_VEC, W_VEC) / n ** 2, sp.Integer(1))


def step(rate=eta, power=1):
    r"""h(t+1) on (h, w): :math:`h+\frac{\eta}{\|h\|^{\rm power}}(I-\hat h\hat h^\top)w` (power 1 is Eq. 82)."""
    u = tangent()
    return (1 + rate / n ** power * u[0], rate / n ** power * u[1])


@cache
def prove_norm_growth(power=1):
    """Eq. 83: the step is orthogonal to h and ||h(t+1)||^2 = ||h||^2 + eta^2/||h||^2 ||(I - h^h^T) w||^2,
    with ||(I - h^h^T) w||^2 = ||w||^2 (1 - beta^2). ``power`` != 1 is a mutant of the step."""
    u = tangent()
    new = step(power=power)
    orthogonal = sp.simplify(_inner(H_VEC, u)) == 0
    tangent_norm = sp.simplify(_inner(u, u) - m ** 2 * (1 - beta ** 2)) == 0
    growth = sp.simplify(_inner(new, new) - (n ** 2 + eta ** 2 / n ** 2 * _inner(u, u))) == 0
    return dict(orthogonal=orthogonal, tangent_norm=tangent_norm, growth=growth)


@cache
def prove_positive_combination():
    r"""Eq. 83: :math:`h(t+1)=(1-\alpha\beta)h+\frac{\eta}{\|h\|}w` with :math:`\alpha=\eta\|w\|/\|h\|^2`;
    the coefficient of h is :math:`\ge0` for :math:`0\le\alpha\le1`, :math:`|\beta|\le1` (it is linear in
    each, with corner values 1, 1, 0, 2)."""
    new = step()
    a = eta * m / n ** 2
    coefficients = (sp.simplify(new[0] - (1 - a * beta)) == 0, sp.simplify(new[1] - eta / n) == 0)
    corners = [(1 - alpha * beta).subs({alpha: x, beta: y}) for x in (0, 1) for y in (-1, 1)]
    return dict(h_coefficient=coefficients[0], w_coefficient=coefficients[1], corners=corners,
                nonnegative=all(c >= 0 for c in corners))


def _alpha_substitution():
    return {eta: alpha * n ** 2 / m}


@cache
def prove_recursion(variant="paper"):
    """Eq. 84 from the iterates: beta_{t+1} and alpha_{t+1} (with eta(t+1) = xi eta(t)) simplify to it.
    ``variant`` names a mutant of Eq. 84 (see :func:`eq_84_step`), which must fail."""
    new = step()
    norm_sq = sp.simplify(_inner(new, new).subs(_alpha_substitution()))
    norm_sq_ok = sp.simplify(norm_sq - n ** 2 * (1 + alpha ** 2 * (1 - beta ** 2))) == 0
    new_norm = n * sp.sqrt(1 + alpha ** 2 * (1 - beta ** 2))        # the root of norm_sq, n > 0
    beta_next = sp.simplify(_inner(new, W_VEC).subs(_alpha_substitution()) / (m * new_norm))
    alpha_next = xi * (alpha * n ** 2 / m) * m / norm_sq
    beta_84, alpha_84 = eq_84_step(alpha, beta, xi, variant)
    return dict(norm=norm_sq_ok, beta=sp.simplify(beta_next - beta_84) == 0,
                alpha=sp.simplify(alpha_next - alpha_84) == 0)


def eq_84_step(a, b, x, variant="paper"):
    r"""One step of Eq. 84: (:math:`\beta_{t+1}`, :math:`\alpha_{t+1}`). Mutants: ``"sign"``
    (:math:`\beta-\alpha(1-\beta^2)`), ``"no-sqrt"`` (no root in the denominator), ``"no-xi"``."""
    s = 1 - b ** 2
    root = sp.sqrt if isinstance(a, sp.Basic) or isinstance(b, sp.Basic) else mpmath.sqrt
    numerator = b - a * s if variant == "sign" else b + a * s
    denominator = 1 + a ** 2 * s if variant == "no-sqrt" else root(1 + a ** 2 * s)
    factor = 1 if variant == "no-xi" else x
    return numerator / denominator, factor * a / (1 + a ** 2 * s)


def recursion_84(alpha0, beta0, xis, variant="paper"):
    r"""(alphas, betas) of Eq. 84 from :math:`(\alpha_0,\beta_0)` and :math:`\xi_0,\xi_1,\dots`."""
    alphas, betas = [alpha0], [beta0]
    for x in xis:
        b, a = eq_84_step(alphas[-1], betas[-1], x, variant)
        alphas.append(a)
        betas.append(b)
    return alphas, betas


def monotone_bracket():
    r""":math:`(\beta_{t+1}^2-\beta_t^2)`-numerator over :math:`\alpha(1-\beta^2)`:
    :math:`(\beta+\alpha s)^2-\beta^2(1+\alpha^2s)=-\alpha s\cdot` this."""
    s = 1 - beta ** 2
    difference = sp.factor(sp.expand((beta + alpha * s) ** 2 - beta ** 2 * (1 + alpha ** 2 * s)))
    bracket = sp.factor(difference / (alpha * (beta - 1) * (beta + 1)))
    return bracket


@cache
def prove_monotone_cosine():
    r""":math:`\beta_{t+1}\ge\beta_t` for all :math:`\alpha\in[0,2]`, :math:`\beta\in[-1,1]`, and not beyond 2.

    For :math:`\beta\ge0`: :math:`\beta_{t+1}\ge\beta_t\iff(\beta+\alpha s)^2\ge\beta^2(1+\alpha^2s)\iff
    \alpha s\,L\ge0` with :math:`L=2\beta+\alpha(1-2\beta^2)`, linear in :math:`\alpha`, equal to
    :math:`2\beta` at 0 and :math:`2(1-\beta)(1+2\beta)` at 2. For :math:`\beta=-b\le0`:
    :math:`D(\beta_{t+1}-\beta_t)=\alpha s+b(D-1)` with :math:`D=\sqrt{1+\alpha^2s}\ge1`, and
    :math:`D-1=\alpha^2s/(D+1)`. Sharpness: :math:`L(\alpha,1)=2-\alpha<0` for :math:`\alpha>2`.
    """
    s = 1 - beta ** 2
    bracket = -monotone_bracket()               # L = 2 beta + alpha (1 - 2 beta^2)
    linear = sp.Poly(bracket, alpha).degree() == 1
    at_zero = sp.simplify(bracket.subs(alpha, 0) - 2 * beta) == 0
    at_two = sp.simplify(bracket.subs(alpha, 2) - 2 * (1 - beta) * (1 + 2 * beta)) == 0
    b_, a_, s_ = sp.symbols("b a s", nonnegative=True)
    D = sp.sqrt(1 + a_ ** 2 * s_)
    negative_side = sp.simplify((D - 1) - a_ ** 2 * s_ / (D + 1)) == 0 and \
        bool((a_ * s_ + b_ * a_ ** 2 * s_ / (D + 1)).is_nonnegative)
    at_one = sp.simplify(bracket.subs(beta, 1) - (2 - alpha)) == 0
    squared = sp.simplify(sp.expand((beta + alpha * s) ** 2 - beta ** 2 * (1 + alpha ** 2 * s))
                          - alpha * s * bracket) == 0
    return dict(factorisation=squared, linear_in_alpha=linear, at_alpha_0=at_zero, at_alpha_2=at_two,
                nonpositive_beta=negative_side, sharp_at_beta_1=at_one)


@cache
def prove_limit_alternative():
    r"""Eq. 85: a limit :math:`(a,b)` of Eq. 84 with :math:`\xi_t\to1` is a fixed point of
    :math:`a\mapsto a/(1+a^2(1-b^2))`, i.e. :math:`a^3(1-b^2)=0`: a = 0 or :math:`b^2=1` (b = 1, since
    :math:`\beta_t` is non-decreasing from :math:`\beta_0>-1`). Returns the factored fixed-point residual."""
    residual = sp.factor(sp.together(alpha * (1 + alpha ** 2 * (1 - beta ** 2)) - alpha))
    return dict(residual=residual, alternative=sp.simplify(residual - alpha ** 3 * (1 - beta ** 2)) == 0)


def decreasing_cosine_example(a=sp.Integer(3), b=sp.Rational(19, 20)):
    r"""Exact :math:`(\beta_t,\beta_{t+1})` at :math:`\alpha=3`, :math:`\beta=0.95`: a decrease beyond the bound 2."""
    return b, sp.nsimplify(eq_84_step(a, b, 1)[0])


@cache
def prove_angle_form():
    r""":math:`\beta_{t+1}=\cos(\theta-\arctan(\alpha\sin\theta))` with :math:`\beta=\cos\theta`, the
    perpendicular part :math:`(1-\beta_{t+1}^2)\|h(t+1)\|^2=(1-\alpha\beta)^2(1-\beta^2)\|h\|^2`, and the
    two facts behind the bounds: :math:`f=\arctan x-\frac\pi4x` and :math:`g=\frac4\pi\arctan x-x^2` vanish
    at 0 and 1 and are concave (so :math:`\ge0` on [0, 1]); :math:`(\sin\theta/\theta)'=(\theta\cos\theta-
    \sin\theta)/\theta^2` with :math:`(\theta\cos\theta-\sin\theta)'=-\theta\sin\theta<0` on :math:`(0,\pi)`."""
    a = sp.Symbol("a", nonnegative=True)
    beta_next = (sp.cos(theta) + a * sp.sin(theta) ** 2) / sp.sqrt(1 + a ** 2 * sp.sin(theta) ** 2)
    angle = sp.simplify(sp.expand_trig(sp.cos(theta - sp.atan(a * sp.sin(theta)))) - beta_next) == 0
    s = 1 - beta ** 2
    b_next, _ = eq_84_step(alpha, beta, 1)
    perpendicular = sp.simplify((1 - b_next ** 2) * (1 + alpha ** 2 * s) - (1 - alpha * beta) ** 2 * s) == 0
    x = sp.Symbol("x", nonnegative=True)
    f = sp.atan(x) - sp.pi / 4 * x
    g = 4 / sp.pi * sp.atan(x) - x ** 2
    concave = all(bool(sp.diff(e, x, 2).is_nonpositive) for e in (f, g))
    ends = all(sp.simplify(e.subs(x, v)) == 0 for e in (f, g) for v in (0, 1))
    sinc_derivative = sp.simplify(sp.diff(theta * sp.cos(theta) - sp.sin(theta), theta) + theta * sp.sin(theta)) == 0
    return dict(angle=angle, perpendicular=perpendicular, concave=concave, ends=ends, sinc=sinc_derivative)


# ------------------------------------------------------------------------------------------------
# Exactness of Eq. 84 on mpmath iterates
# ------------------------------------------------------------------------------------------------
def mp_schedules(alpha0_rate):
    """Rate schedules for the exactness check (any schedule: Eq. 84 holds regardless of the conditions)."""
    return {"constant": lambda t: alpha0_rate,
            "decay": lambda t: alpha0_rate * (1 + mpmath.mpf(t) / 7) ** -1 + alpha0_rate / 10,
            "growing": lambda t: alpha0_rate * (1 + mpmath.mpf(t)) ** mpmath.mpf("0.5"),
            "adaptive": AlphaPreserving(alpha0_rate)}


@cache
def recursion_exactness(seed=0, dps=50, p=5, steps=150, variants=("paper", "sign", "no-sqrt", "no-xi")):
    r"""Max one-step residual between :math:`(\alpha_{t+1},\beta_{t+1})` of mpmath iterates (``dps`` digits)
    and Eq. 84 applied to the iterates' :math:`(\alpha_t,\beta_t,\xi_t)`, over the mp tolerance, per schedule
    and variant. One-step residuals do not propagate rounding, so the check is as sharp where the dynamics is
    unstable (the growing rate takes :math:`\alpha_t` past 2) as where it contracts."""
    with mpmath.workdps(dps):
        return _recursion_exactness(seed, p, steps, variants)


def _recursion_exactness(seed, p, steps, variants):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(p) * 1.7
    h0 = rng.standard_normal(p) * 0.8
    w_norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(v) ** 2 for v in w))
    h_norm_sq = mpmath.fsum(mpmath.mpf(v) ** 2 for v in h0)
    rate0 = h_norm_sq / w_norm                                   # alpha_0 = 1, the bound
    tolerance = mp_tolerance()
    results = {}
    for name, rate in mp_schedules(rate0).items():
        states, etas = mp_feature_iterates(h0, w, rate, steps)
        alphas, betas, xis, _ = mp_lemma10_quantities(states, w, etas)
        for variant in variants:
            error = 0
            for t in range(steps):
                b, a = eq_84_step(alphas[t], betas[t], xis[t], variant)
                error = max(error, abs(a - alphas[t + 1]) / alphas[t + 1], abs(b - betas[t + 1]))
            results[(name, variant)] = float(error / tolerance)
    return results


# ------------------------------------------------------------------------------------------------
# Float64 iterates: monotonicity, bounds, convergence
# ------------------------------------------------------------------------------------------------
def lemma10_batch(p, n, seed):
    """n independent (h(0), w) pairs in R^p with cosines spread over (-1, 1]: generic ones, one
    orthogonal (beta_0 = 0), two near -1 (beta_0 about -0.999 and -0.99999) and one near 1."""
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((p, n))
    T *= rng.uniform(0.5, 2.0, n) / np.linalg.norm(T, axis=0)
    H0 = rng.standard_normal((p, n))
    H0 *= rng.uniform(0.5, 2.0, n) / np.linalg.norm(H0, axis=0)
    if p >= 2 and n >= 4:
        units = T / np.linalg.norm(T, axis=0)
        for j, (cos, size) in enumerate(((0.0, 1.0), (-0.999, 1.3), (-0.99999, 0.7), (0.999, 1.1))):
            perp = H0[:, j] - (H0[:, j] @ units[:, j]) * units[:, j]
            perp /= np.linalg.norm(perp)
            H0[:, j] = size * (cos * units[:, j] + math.sqrt(1 - cos ** 2) * perp)
    return H0, T


def largest_rate(H0, T):
    """eta(0) with max_j alpha_j(0) = 1."""
    return float((np.linalg.norm(H0, axis=0) ** 2 / np.linalg.norm(T, axis=0)).min())


def sweep_schedules(rate0):
    """Schedules satisfying every hypothesis (alpha_0 <= 1, alpha non-increasing, eta >= eps, xi -> 1)."""
    return {"constant at the bound": lambda t: rate0,
            "constant, alpha_0 <= 0.3": lambda t: 0.3 * rate0,
            "decay to a floor": FlooredDecay(rate0, 0.2 * rate0, timescale=20.0),
            "adaptive largest (growing)": AlphaPreserving(rate0)}


SWEEP_SIZES = ((2, 8, 0), (3, 12, 1), (30, 12, 2))


def bounds_report(trace, p):
    """Monotonicity of norms and cosines, alpha non-increasing, the norm bound (as the largest used fraction
    of its exponent, log(max ||h(t)||/||h(0)||) / (2 theta_0/pi)) and the angle bound (largest excess)."""
    tolerance = float_tolerance("float64", operations=4 * p + 8)
    norms, cosines, alphas = trace.norms, trace.cosines, trace.alphas
    angles = trace.angles
    theta0 = angles[0]
    exponent = 2 * theta0 / np.pi
    used = np.log(norms.max(0) / norms[0]) / np.where(exponent > 0, exponent, 1)
    kappa = np.pi / 4 * np.sinc(theta0 / np.pi)                  # (pi/4) sin(theta_0)/theta_0
    cumulative = np.vstack([np.zeros(alphas.shape[1]), np.cumsum(alphas[:-1], axis=0)])
    angle_excess = float((angles - theta0 * np.exp(-kappa * cumulative)).max())
    facts = dict(
        min_norm_step=float((np.diff(norms, axis=0) / norms[:-1]).min()),
        min_cosine_step=float(np.diff(cosines, axis=0).min()),
        max_alpha_step=float((np.diff(alphas, axis=0) / alphas[:-1]).max()),
        norm_bound_exponent_used=float(used.max()),
        max_angle_excess=angle_excess,
        final_max_gap=float(trace.gaps[-1].max()),
        tolerance=tolerance,
    )
    facts["passed"] = bool(facts["min_norm_step"] >= -tolerance and facts["min_cosine_step"] >= -tolerance
                           and facts["max_alpha_step"] <= tolerance
                           and facts["norm_bound_exponent_used"] <= 1 + tolerance and angle_excess <= tolerance)
    return facts


def sweep(seed=0, steps=1200, sizes=SWEEP_SIZES):
    """float64 iterates for every size and schedule: bounds, monotonicity and the final gap."""
    results = {}
    for p, count, offset in sizes:
        H0, T = lemma10_batch(p, count, seed + offset)
        rate0 = largest_rate(H0, T)
        for name, rate in sweep_schedules(rate0).items():
            trace = descend(H0, T, rate, steps)
            report = bounds_report(trace, p)
            report["converged"] = report["final_max_gap"] <= 1e-6
            results[f"p={p}, {name}"] = report
    return results


# ------------------------------------------------------------------------------------------------
# Dropping hypotheses
# ------------------------------------------------------------------------------------------------
def large_bound_runs(alphas0=(1.9, 3.0, 10.0, 50.0), beta0=0.95, steps=400):
    """Constant eta with alpha_0 above the bound 1 (alpha still non-increasing): beta decreases beyond 2, converges."""
    results = {}
    for a0 in alphas0:
        trace = planar_descent([beta0], [math.sqrt(1 - beta0 ** 2)], [1.0], lambda t, a0=a0: a0, steps)
        steps_ = np.diff(trace.cosines[:, 0])
        results[repr(a0)] = dict(decreases=int((steps_ < 0).sum()), min_cosine_step=float(steps_.min()),
                                 final_gap=float(trace.gaps[-1, 0]))
    return results


def _bursts(angles):
    """Steps where the angle climbs back above 0.3 after having been below 1e-10."""
    bursts, armed = [], False
    for t, angle in enumerate(angles):
        if angle < 1e-10:
            armed = True
        elif armed and angle > 0.3:
            bursts.append(t)
            armed = False
    return bursts


def growing_rate_bursts(steps=1200, p=3, dps=30):
    r""":math:`\eta(t)=\frac12(1+t)^2` (:math:`\alpha_0=\frac12`, :math:`\xi_t\to1`, :math:`\eta\ge\varepsilon`; only
    ":math:`\eta/\|h\|^2` non-increasing" dropped), w = e_1. While :math:`\theta` is tiny the norm stalls, so
    :math:`\alpha_t` climbs past 2, where :math:`\theta=0` repels (:math:`\theta_{t+1}\approx(1-\alpha_t)
    \theta_t`), and the direction *bursts* back to :math:`\theta\approx0.6` again and again: :math:`\beta_t
    \not\to1`. mpmath (unbounded exponents; with w = e_1 the perpendicular part is only ever multiplied, so
    it keeps its relative precision) and float64 agree burst for burst."""
    w = [1] + [0] * (p - 1)
    h0 = [0, 1] + [0] * (p - 2)
    with mpmath.workdps(dps):
        states, etas = mp_feature_iterates(h0, w, lambda t: mpmath.mpf(t + 1) ** 2 / 2, steps)
        alphas, _, _, _ = mp_lemma10_quantities(states, w, etas)
        perp = [mpmath.sqrt(mpmath.fsum(v ** 2 for v in h[1:])) for h in states]
        angles = [float(mpmath.atan2(y, h[0])) for y, h in zip(perp, states)]
        log_smallest = float(min(mpmath.log10(y) for y in perp if y > 0))
    bursts = _bursts(angles)
    trace = descend(np.array(h0, dtype=float)[:, None], np.array(w, dtype=float)[:, None], Power(0.5, 2.0), steps)
    float_bursts = _bursts(trace.angles[:, 0])
    return dict(bursts_at=bursts, float64_bursts_at=float_bursts,
                max_angle_after_first_burst=max(angles[bursts[0]:]) if bursts else 0.0,
                log10_smallest_perpendicular=log_smallest, largest_alpha=float(max(alphas)),
                passed=bool(len(bursts) >= 3 and float_bursts == bursts))


@cache
def small_rate_runs(steps=8000, alpha0=0.5, beta0=0.0):
    r"""Dropping :math:`\eta\ge\varepsilon`: summable :math:`\eta=\eta_0(1+t)^{-2}` stalls, with the bound
    :math:`\theta_t\ge\theta_0-\sum\alpha_i\ge\theta_0-\alpha_0\pi^2/6`; :math:`\eta_0/(1+t)` (not summable,
    :math:`\to0`) still converges, but only polynomially (fitted power of the gap)."""
    theta0 = math.acos(beta0)
    results = {}
    for name, power in (("summable (1+t)^-2", -2.0), ("harmonic (1+t)^-1", -1.0)):
        trace = planar_descent([beta0], [math.sqrt(1 - beta0 ** 2)], [1.0], Power(alpha0, power), steps,
                               record_every=steps // 4)
        results[name] = dict(gaps=[float(g) for g in trace.gaps[:, 0]], final_angle=float(trace.angles[-1, 0]),
                             steps=[int(s) for s in trace.steps])
    summable, harmonic = results["summable (1+t)^-2"], results["harmonic (1+t)^-1"]
    summable["angle_lower_bound"] = theta0 - alpha0 * math.pi ** 2 / 6
    gaps, times = harmonic["gaps"], harmonic["steps"]
    harmonic["fitted_power"] = math.log(gaps[1] / gaps[-1]) / math.log(times[-1] / times[1])
    results["passed"] = bool(summable["final_angle"] >= summable["angle_lower_bound"] > 0
                             and all(b < a for a, b in zip(gaps, gaps[1:])) and 0 < harmonic["fitted_power"] < 1)
    return results


def adaptive_xi_limit(seed=0, steps=2500):
    """The adaptive largest rate grows (xi_t > 1) yet xi_t -> 1: the hypothesis lim xi = 1 follows from the rest."""
    H0, T = lemma10_batch(10, 12, seed)
    trace = descend(H0, T, AlphaPreserving(largest_rate(H0, T)), steps)
    xis = trace.etas[1:] / trace.etas[:-1]
    return dict(max_xi=float(xis.max()), last_xi_minus_one=float(xis[-1] - 1), eta_growth=float(trace.etas[-1]
                                                                                               / trace.etas[0]),
                passed=bool(xis.max() > 1 and abs(xis[-1] - 1) <= float_tolerance("float64", 8)))


def literal_hypothesis_counterexample(p=4, w_norm=0.5, steps=200):
    r"""||w|| = 1/2 and :math:`\hat h(0)=-w/\|w\|`: :math:`w^\top\hat h(0)=-\frac12>-1` (the literal hypothesis)
    but the step vanishes, so :math:`\hat h(t)=\hat h(0)` and the gap stays 2. Exact (SymPy) and float64."""
    w = sp.Matrix([sp.nsimplify(w_norm)] + [0] * (p - 1))
    h0 = -3 * w
    h_hat = h0 / h0.norm()
    exact_step = sp.simplify((sp.eye(p) - h_hat * h_hat.T) * w)
    literal = sp.simplify((w.T * h_hat)[0])
    trace = descend(np.array(h0, dtype=float), np.array(w, dtype=float), lambda t: 1.0, steps)
    return dict(w_norm=float(w.norm()), literal_value=str(literal), cosine=float(literal / w.norm()),
                exact_step_is_zero=exact_step.is_zero_matrix, float_final_gap=float(trace.gaps[-1, 0]),
                passed=bool(exact_step.is_zero_matrix and literal > -1 and trace.gaps[-1, 0] == 2.0))




# ------------------------------------------------------------------------------------------------
# Evidence
# ------------------------------------------------------------------------------------------------
EVIDENCE = EvidenceSet(CLAIM)


@EVIDENCE.item("eq-83", kind="symbolic",
               description="Eq. 83 for every p: the step is orthogonal to h, ||(I - h^h^T) w||^2 = ||w||^2 (1 - "
                           "beta^2), ||h(t+1)||^2 = ||h||^2 + eta^2/||h||^2 ||(I - h^h^T) w||^2; positive combination "
                           "h(t+1) = (1 - alpha beta) h + eta/||h|| w with 1 - alpha beta >= 0 for alpha <= 1")
def eq_83(context, record):
    growth = prove_norm_growth()
    combination = prove_positive_combination()
    record.measured = dict(growth, **{k: v for k, v in combination.items() if k != "corners"},
                           corners=[str(c) for c in combination["corners"]])
    record.passed = (all(growth.values()) and combination["h_coefficient"] and combination["w_coefficient"]
                     and combination["nonnegative"])


@EVIDENCE.item("eq-84", kind="symbolic",
               description="Eq. 84 from the iterates: beta_{t+1} = (beta + alpha(1-beta^2))/sqrt(1 + "
                           "alpha^2(1-beta^2)), alpha_{t+1} = xi alpha/(1 + alpha^2(1-beta^2)); Eq. 85: a fixed "
                           "point of the alpha map has a^3 (1 - b^2) = 0, so a = 0 or b = 1")
def eq_84(context, record):
    facts = prove_recursion()
    limits = prove_limit_alternative()
    record.measured = dict(facts, eq_85_residual=str(limits["residual"]))
    record.passed = all(facts.values()) and limits["alternative"]


@EVIDENCE.item("eq-84-symbolic-mutants", kind="mutant",
               description="mutants of Eq. 84 (beta - alpha(1-beta^2), no square root, no xi) are not identities; "
                           "a step with eta/||h||^2 breaks Eq. 83")
def eq_84_symbolic_mutants(context, record):
    broken = {"sign": "beta", "no-sqrt": "beta", "no-xi": "alpha"}
    holds = {variant: prove_recursion(variant)[key] for variant, key in broken.items()}
    holds["eta/||h||^2 step: Eq. 83"] = prove_norm_growth(power=2)["growth"]
    record.measured = {"mutant is an identity": holds}
    record.passed = not any(holds.values())


@EVIDENCE.item("monotone-cosine", kind="symbolic",
               description="beta_{t+1} >= beta_t for every alpha in [0, 2], beta in [-1, 1] (alpha_0 <= 1 suffices, 2 "
                           "is sharp: alpha = 3, beta = 0.95 decreases); angle form theta_{t+1} = theta_t - atan(alpha "
                           "sin theta_t), perpendicular part scales by 1 - alpha beta; the calculus facts behind the "
                           "norm and angle bounds")
def monotone_cosine(context, record):
    monotone = prove_monotone_cosine()
    angle = prove_angle_form()
    before, after = decreasing_cosine_example()
    at_two = sp.nsimplify(eq_84_step(sp.Integer(2), sp.Rational(99, 100), 1)[0])
    record.measured = dict(monotone, **angle, bracket=str(monotone_bracket()),
                           alpha_3_beta_095=(str(before), float(after)), alpha_2_beta_099=float(at_two))
    record.passed = bool(all(monotone.values()) and all(angle.values()) and after < before
                         and at_two >= sp.Rational(99, 100))


@EVIDENCE.item("eq-84-mpmath", kind="mpmath",
               description="Eq. 84 against mpmath iterates (context digits, p=5, 150 steps, alpha_0 = 1; constant, "
                           "decaying, growing and adaptive rates): max one-step residual / mp tolerance <= 1")
def eq_84_mpmath(context, record):
    ratios = recursion_exactness(context.seed, context.dps)
    paper = {k[0]: v for k, v in ratios.items() if k[1] == "paper"}
    record.measured = dict(paper_residual_over_tolerance=paper)
    record.passed = set(paper) == {"constant", "decay", "growing", "adaptive"} and max(paper.values()) <= 1


@EVIDENCE.item("eq-84-mpmath-mutants", kind="mutant",
               description="mutants of Eq. 84 miss the same mpmath iterates by > MUTANT_MARGIN x tolerance: beta - "
                           "alpha(1-beta^2), no square root, no xi (on the non-constant rates)")
def eq_84_mpmath_mutants(context, record):
    ratios = recursion_exactness(context.seed, context.dps)
    mutants = {f"{k[0]}/{k[1]}": v for k, v in ratios.items()
               if k[1] != "paper" and not (k[1] == "no-xi" and k[0] == "constant")}
    record.measured = mutants
    record.passed = min(mutants.values()) > MUTANT_MARGIN


@EVIDENCE.item("iterates-sweep", kind="iterates", role="correction", reading="cosine",
               description="float64 iterates, p in {2, 3, 30}, 8-12 features each (cosines down to -0.99999), four "
                           "schedules meeting every hypothesis (incl. the adaptive largest rate, which grows), 1200 "
                           "steps: ||h|| and beta non-decreasing, alpha non-increasing, ||h(t)|| <= e^{2 theta_0/pi} "
                           "||h(0)||, theta_t <= theta_0 exp(-(pi/4)(sin theta_0/theta_0) sum alpha_i), gap -> 0")
def iterates_sweep(context, record):
    results = sweep(context.seed)
    record.measured = results
    record.passed = len(results) == 12 and all(r["passed"] and r["converged"] for r in results.values())


@EVIDENCE.item("literal-hypothesis", kind="counterexample", reading="printed",
               description="the printed hypothesis w^T h^(0) > -1 with ||w|| = 1/2 and h^(0) = -w/||w||: w^T h^(0) = "
                           "-1/2 > -1, yet the step is exactly 0 (SymPy) and the float64 gap stays 2")
def literal_hypothesis(context, record):
    record.measured = literal_hypothesis_counterexample()
    record.passed = record.measured["literal_value"] == "-1/2" and record.measured["passed"]


@EVIDENCE.item("rate-bound-dropped", kind="iterates",
               description="outside the hypotheses (alpha_0 <= 1 dropped; constant eta, beta_0 = 0.95): alpha_0 = 1.9 "
                           "stays monotone; 3, 10, 50 make beta decrease, yet all converge")
def rate_bound_dropped(context, record):
    runs = large_bound_runs()
    record.measured = runs
    record.passed = runs["1.9"]["decreases"] == 0 and all(
        runs[k]["decreases"] > 0 for k in ("3.0", "10.0", "50.0")) and all(r["final_gap"] < 1e-8 for r in runs.values())


@EVIDENCE.item("monotone-rate-dropped", kind="iterates",
               description="outside the hypotheses ('eta/||h||^2 non-increasing' dropped; eta = (1+t)^2/2, alpha_0 = "
                           "1/2, xi -> 1, eta >= eps): alpha_t climbs past 2 and the direction bursts back to theta ~ "
                           "0.6 again and again (no convergence); mpmath and float64 agree burst for burst")
def monotone_rate_dropped(context, record):
    record.measured = growing_rate_bursts()
    record.passed = (record.measured["passed"] and record.measured["largest_alpha"] > 2
                     and record.measured["max_angle_after_first_burst"] > 0.3)


@EVIDENCE.item("rate-floor-dropped", kind="iterates",
               description="outside the hypotheses ('eta >= eps' dropped): summable eta_0 (1+t)^-2 stalls (theta_t >= "
                           "theta_0 - alpha_0 pi^2/6 > 0), eta_0/(1+t) still converges, polynomially: the sharp "
                           "condition is sum eta = oo")
def rate_floor_dropped(context, record):
    record.measured = small_rate_runs()
    record.passed = record.measured["passed"]


@EVIDENCE.item("xi-limit-implied", kind="iterates",
               description="'lim xi_t = 1' is implied by the other hypotheses: the adaptive largest rate grows (xi > "
                           "1) and still xi_t -> 1")
def xi_limit_implied(context, record):
    record.measured = adaptive_xi_limit(context.seed)
    record.passed = record.measured["passed"]


LEDGER = (
    LedgerRow("Lemma 10", "Theorem 7, Lemma 11", "erratum",
              note="the hypothesis w^T h^(0) > -1 must be read on the cosine (the proof's beta_0); read as printed it "
                   "admits a fixed point when ||w|| < 1",
              correction=r"\frac{w^\top\hat h(0)}{\|w\|_2}>-1",
              counterexample=r"\|w\|_2=\tfrac12,\ \hat h(0)=-\frac{w}{\|w\|_2}:\ w^\top\hat h(0)=-\tfrac12>-1,"
                             r"\ \hat h(t)=\hat h(0),\ \Bigl\|\hat h(t)-\frac{w}{\|w\|_2}\Bigr\|=2",
              evidence=("lemma-10::literal-hypothesis", "lemma-10::iterates-sweep")),
    LedgerRow("Eq. 82", "Lemma 10", "holds as reconstructed",
              note="the limit holds under the cosine hypothesis, exponentially fast (norm and angle bounds); 'eta >= "
                   "eps' can be weakened to sum eta = oo, which is necessary",
              evidence=("lemma-10::iterates-sweep", "lemma-10::monotone-cosine", "lemma-10::rate-floor-dropped")),
    LedgerRow("Eq. 83", "Proof of Lemma 10", "holds as reconstructed",
              note="norm growth and the positive combination, with their fractions restored, are identities",
              evidence=("lemma-10::eq-83", "lemma-10::eq-84-symbolic-mutants")),
    LedgerRow("Eq. 84", "Proof of Lemma 10, Lemma 11", "holds as reconstructed",
              note="the recursion for (alpha_t, beta_t) is exact (SymPy; mpmath iterates at 50 digits)",
              evidence=("lemma-10::eq-84", "lemma-10::eq-84-mpmath", "lemma-10::eq-84-mpmath-mutants")),
    LedgerRow("Eq. 85", "Proof of Lemma 10", "holds as reconstructed",
              note="a limit (a, b) has a = 0 or b = 1", evidence=("lemma-10::eq-84",)),
    LedgerRow("Proof of Lemma 10", "Lemma 10", "holds as reconstructed",
              note="'alpha_t decreasing, beta_t increasing' holds as non-increasing / non-decreasing (for every "
                   "alpha_t <= 2); 'lim xi_t = 1' is implied by the other hypotheses",
              evidence=("lemma-10::monotone-cosine", "lemma-10::iterates-sweep", "lemma-10::xi-limit-implied")),
)
