r"""Corollary 3: convergence in the unconstrained case (Eqs. 9--10, 47--53, Figure 1).

Statement (reconstructed; the OCR garbles the formulas). *Under the conditions and notation of
Theorem 2, let* :math:`s=\eta_1(t)/\eta_2(t)` *be constant. If* :math:`0<\gamma<\frac{2}{C-2}`
*(where C > 2) or C = 2, and* :math:`\lim_{t\to\infty}\zeta_1(t)=\infty`, *then*

.. math::

    e^{-\frac{(1+\gamma)\sqrt{\zeta_1\zeta_2}}{C\sqrt N}}\,Z(t)=\tilde Z+\Delta(t),\qquad
    \tilde Z=\Bigl(\tfrac{1+\sqrt s}{2}H_1^++\tfrac{1-\sqrt s}{2}H_1^-,\
    \tfrac{1+\sqrt s}{2\sqrt s}W_1^+-\tfrac{1-\sqrt s}{2\sqrt s}W_1^-\Bigr),
    \qquad (H_1^\pm,W_1^\pm)=\Pi_1^\pm Z_0, \tag{9}

.. math::

    \|\Delta(t)\|=O\Bigl(e^{\frac{\sqrt{\zeta_1\zeta_2}}{C\sqrt N}\max\{-\gamma C,(C-2)\gamma-2\}}\Bigr),
    \qquad
    \Bigl\|\frac{Z(t)}{\|Z(t)\|}-\frac{\tilde Z}{\|\tilde Z\|}\Bigr\|
    =O\Bigl(e^{\frac{\sqrt{\zeta_1\zeta_2}}{C\sqrt N}\max\{-\gamma C,(C-2)\gamma-2\}}\Bigr), \tag{10}

so :math:`Z(t)/\|Z(t)\|` converges into
:math:`\mathcal E=\{(H,W):H=k\,W\otimes\mathbf 1_N^\top,\ W\mathbf 1_C=0,\ k>0\}`; moreover
:math:`\lim_t\max_ib_i(t)/\min_ib_i(t)=1` if :math:`\gamma\ne\frac1{C-1}`. The text adds that
the rate is fastest at :math:`\gamma=\frac1{C-1}`, where the bound is
:math:`e^{-\sqrt{\zeta_1\zeta_2}/((C-1)\sqrt N)}`, and that :math:`\|Z(t)\|` grows like
:math:`e^{(1+\gamma)\sqrt{\zeta_1\zeta_2}/(C\sqrt N)}`.

What is derived here, for symbolic C, N, :math:`\gamma`, s (the unit of every exponent is
:math:`X=\sqrt{\zeta_1\zeta_2}/(C\sqrt N)`):

* the growth exponents :math:`|\lambda_k|` of the five components and the exact range in which
  :math:`\mathcal E_1` strictly dominates: :math:`(1+\gamma)^2-(1+\gamma-\gamma C)^2
  =C\gamma(2-(C-2)\gamma)>0`, i.e. :math:`0<\gamma<\frac2{C-2}` (C > 2) or :math:`\gamma>0`
  (C = 2); at :math:`\gamma=0` and :math:`\gamma=\frac2{C-2}` the :math:`\mathcal E_2` rate ties;
* :math:`\tilde Z` as the limit of :math:`e^{-(1+\gamma)X}` times Theorem 2's multipliers; it
  equals the paper's :math:`\tilde Z`, lies in :math:`\mathcal E` with :math:`k=\sqrt{s/N}`, and
  lies in :math:`\mathcal E_1^+` only when s = 1;
* the residual exponent :math:`\max\{-\gamma C,(C-2)\gamma-2,-(1+\gamma),-2(1+\gamma)\}
  =\max\{-\gamma C,(C-2)\gamma-2\}` (:math:`\mathcal E_3`'s static part never dominates:
  :math:`-(1+\gamma)` is the mean of the two), its minimiser :math:`\gamma=\frac1{C-1}` and value
  :math:`-\frac{C}{C-1}`; the bias-ratio limit; and the implicit assumption :math:`\tilde Z\ne0`.

Numerically, real gradient-descent iterates (:func:`~ulproofs.core.descent.gradient_descent`,
class-mean update, float64) are fitted on a log scale. For s = 1, GD scales component j by
exactly :math:`(1+\eta\sigma_j)^k`, so fitted per-step rates are judged against
:math:`\log(1+\eta\sqrt s\,\sigma)` (the flow's :math:`\eta\sqrt s\,\sigma` is reported beside
it), within the a-priori error bound of :func:`fit_rate`.

Outcome: the formulas hold, but the statement needs two assumptions it leaves implicit:
:math:`\gamma>0` also for C = 2, where :math:`\gamma=0` is a tie, and :math:`\tilde Z\ne0`.
If :math:`\tilde Z=0` the normalized iterates converge into :math:`\mathcal E_2`, not
:math:`\mathcal E`: the verdict is "true after correction" (reading ``assumptions``).

>>> residual_exponent()
Max(-C*gamma, C*gamma - 2*gamma - 2)
>>> dominance_range()["C>2"]
Interval.open(0, 2/(C - 2))
>>> fastest_trade_off()[:2]
(1/(C - 1), -C/(C - 1))
>>> self_duality_constant()
sqrt(s)/sqrt(N)
"""
from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
import torch

from ..core.decomposition import Decomposition
from ..core.descent import default_device, gradient_descent
from ..core.errors import AssumptionError
from ..core.operator import derive_spectrum, gamma, label_matrix, time_scaling
from ..core.precision import MUTANT_MARGIN, float_tolerance
from ..core.rates import Constant, RatePair
from ..core.setting import LayerPeeledProblem
from ..core.structured import FEATURES, MEAN, PERP, PROTOTYPES, SCALAR, Z_SPACE, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from .theorem_2 import alpha_beta, s

CLAIM = Claim(
    id="corollary-3",
    title="Convergence in the unconstrained case",
    statement=(
        "Under Theorem 2 with s = eta1/eta2 constant, if 0 < gamma < 2/(C-2) (C > 2) or C = 2, and zeta1(t) -> oo: "
        "e^{-(1+gamma) sqrt(z1 z2)/(C sqrt N)} Z(t) = Z~ + Delta(t), Z~ = ((1+sqrt s)/2 H1+ + (1-sqrt s)/2 H1-, "
        "(1+sqrt s)/(2 sqrt s) W1+ - (1-sqrt s)/(2 sqrt s) W1-), (H1+-, W1+-) = Pi_1^+- Z0, "
        "||Delta(t)|| = O(e^{sqrt(z1 z2)/(C sqrt N) max{-gamma C, (C-2) gamma - 2}}) and "
        "||Z/||Z|| - Z~/||Z~|| || = O(same) (Eq. 10), so Z/||Z|| converges into "
        "E = {(H, W): H = k W (x) 1_N^T, W 1_C = 0, k > 0}; fastest at gamma = 1/(C-1) with exponent "
        "-sqrt(z1 z2)/((C-1) sqrt N); ||Z(t)|| grows like e^{(1+gamma) sqrt(z1 z2)/(C sqrt N)}; if "
        "gamma != 1/(C-1), lim max_i b_i(t)/min_i b_i(t) = 1. Fig. 1 (p=512, C=100, N=10, eta=0.1, s=1): for "
        "gamma = 0.05 > 2/(C-2) the normalized Z(t) tends orthogonal to Z~ (distance sqrt 2) and ||Z(t)|| grows "
        "like e^{3.95 eta t/(C sqrt N)}, faster than the ~e^{(1+gamma) eta t/(C sqrt N)} of the other gammas, whose "
        "curves (gamma in {0, 0.001, 0.005, 1/(C-1)}) overlap."),
    equations=("Eq. 9", "Eq. 10", "Eqs. 47-53", "Figure 1"),
    reading=(
        "The range is read as 0 < gamma strictly, and as gamma > 0 also when C = 2: the proof (B.3) uses "
        "p(t) - q(t) = gamma C sqrt(z1 z2)/(C sqrt N) > 0, which needs gamma > 0, and at gamma = 0 the E2 rate ties "
        "the E1 rate for every C (so Delta does not vanish). Read literally, 'or C = 2' would admit gamma = 0 at "
        "C = 2, where the claim fails (recorded below). Z~ is read from Eq. 53 (W1- with a minus sign); the residual "
        "is read as max{-gamma C, (C-2) gamma - 2} in units of sqrt(z1 z2)/(C sqrt N): the OCR of the max in Eqs. 9, "
        "10 and 48 is unreadable, and the proof's max{q - p, -q - p} gives exactly these two terms. The proof's "
        "Delta omits Pi_3 Z0, which contributes e^{-(1+gamma) X}; it is kept here. The caption's growth rates are "
        "read per epoch with zeta = eta t: 3.95 eta/(C sqrt N) = 1.249e-3 for gamma = 0.05 (3.95 = gamma C - 1 - "
        "gamma) and about eta/(C sqrt N) = 3.16e-4 for the others. Eq. 10 divides by ||Z~||: Z~ != 0 is read as an "
        "implicit assumption and checked."),
    printed=("Corollary 3 (Convergence in the Unconstrained Case). Under the conditions and notation of Theorem 2, let "
             "s = Z;ggg Ifo < vy < % (where C > 2) or C = 2, and limy—, 0 C1(t) = 00, the gradient flow (as in "
             "Equation (5)) will behave as: NGO _ e O Z() = Z 4+ AD), (9) where Z = (HT‘/ng + 58 HT R Ew - e Ew ) "
             "(H W) =TI{ Zo, (Hy , WY) ) Vaa®m o 1] Zy, and the residual term A(t) decreases as ||A(t)]| = O (e VN "
             "(G (C=20y 2}) N and so the normalized Z(t) converges to n S H Z(t) _ = H: <€W'max{707(02)')’2}) (10) "
             "1Z®I [Z] max; b;i(t) 1 min; bi(t) - Z cg. Moreover, if v # C 7, limg oo which indicates lim;_,o "
             "Hgggll ||Z||"),
    readings=(
        Reading("printed", "Eqs. 9-10 with Z~ of Eq. 53 and the residual max{-gamma C, (C-2) gamma - 2}, under "
                "'0 < gamma < 2/(C-2) (where C > 2) or C = 2' as printed (gamma = 0 admitted at C = 2), for every "
                "Z0", change="the garbled maxima read as max{-gamma C, (C-2) gamma - 2} (the proof's max{q - p, "
                "-q - p}); Z~ from Eq. 53", establishes="proved"),
        Reading("assumptions", "the same, with gamma > 0 also when C = 2 and for Z0 with Z~ != 0 (sqrt(N) Hbar_c(0) "
                "+ sqrt(s) W_c(0) != 0; for s = 1, Pi_1^+ Z0 != 0)", departs=True, proof_needs=True,
                change="adds gamma > 0 at C = 2 and Z~ != 0",
                why="the proof needs p(t) - q(t) = gamma sqrt(z1 z2)/sqrt(N) > 0, i.e. gamma > 0, also at C = 2 (at "
                    "gamma = 0 the E2 rate ties and the limit leaves E), and Eq. 10 divides by ||Z~||; if Z~ = 0 the "
                    "normalized iterates converge into E2, not E"),
    ),
)

#: The unit of every exponent: X = sqrt(zeta1 zeta2)/(C sqrt N).
X = sp.Symbol("X", positive=True)

#: The paper's residual exponent (Eq. 9), in units of X.
CLAIMED_RESIDUAL = sp.Max(-gamma * C, (C - 2) * gamma - 2)


# ------------------------------------------------------------------------------------------------
# Symbolic derivation
# ------------------------------------------------------------------------------------------------
def growth_exponents():
    r""":math:`\lambda_k=\sigma_kC\sqrt N`: Theorem 2's component k has multipliers in
    :math:`e^{\pm\lambda_kX}`, so it grows like :math:`e^{|\lambda_k|X}`."""
    return dict(_growth_exponents())


@cache
def _growth_exponents():
    return tuple((c.label, sp.simplify(c.eigenvalue * C * sp.sqrt(N))) for c in derive_spectrum())


@cache
def dominant_exponent():
    r"""The fastest growth :math:`\max_k|\lambda_k|=\max\{1+\gamma,|1+\gamma-\gamma C|\}`."""
    return sp.Max(*[sp.Abs(v) for v in growth_exponents().values()])


@cache
def dominance_gap():
    r""":math:`\lambda_{1}^2-\lambda_{2}^2`, factored; :math:`\mathcal E_1` strictly dominates iff it is > 0.

    Since :math:`\lambda_1=1+\gamma>0`, :math:`\lambda_1>|\lambda_2|\iff\lambda_1^2>\lambda_2^2`.
    """
    lam = growth_exponents()
    return sp.factor(lam["E1+"] ** 2 - lam["E2+"] ** 2)


def dominance_range(gap=None):
    r"""The set of :math:`\gamma\ge0` with a positive gap, solved for C > 2 and for C = 2."""
    gap = dominance_gap() if gap is None else gap
    g = sp.Symbol("g", real=True)
    c = sp.Symbol("c", positive=True)  # C - 2 when C > 2
    solved = {"C>2": sp.solve_univariate_inequality(gap.subs({gamma: g, C: 2 + c}) > 0, g, relational=False),
              "C=2": sp.solve_univariate_inequality(gap.subs({gamma: g, C: 2}) > 0, g, relational=False)}
    # gamma >= 0 in the setting; SymPy leaves the intersection unevaluated for symbolic ends.
    for key, values in solved.items():
        if not (isinstance(values, sp.Interval) and sp.simplify(values.inf) >= 0):
            values = values.intersect(sp.Interval(0, sp.oo))
        solved[key] = values.subs(c, C - 2)
    return solved


def tie_values(gap=None):
    r"""The :math:`\gamma` where the :math:`\mathcal E_2` rate ties the :math:`\mathcal E_1` rate (gap = 0)."""
    gap = dominance_gap() if gap is None else gap
    return sorted(set(sp.solve(gap, gamma)), key=sp.default_sort_key)


def beyond_upper_tie_sign():
    r"""Sign of the gap at :math:`\gamma=\frac2{C-2}+\delta` (C > 2, :math:`\delta>0`): E2 dominates."""
    c, delta = sp.symbols("c delta", positive=True)
    value = sp.factor(dominance_gap().subs(gamma, 2 / c + delta).subs(C, 2 + c))
    return value, value.is_negative


def _exponential_terms(expression):
    """{exponent e: coefficient} with expression = sum coefficient * exp(e X)."""
    expanded = sp.expand(sp.powsimp(sp.expand(expression.rewrite(sp.exp))))
    terms = {}
    for term in sp.Add.make_args(expanded):
        coefficient, dependent = term.as_independent(X)
        dependent = sp.powsimp(dependent)
        if dependent == 1:
            exponent = sp.Integer(0)
        elif isinstance(dependent, sp.exp):
            exponent = sp.simplify(dependent.args[0] / X)
        else:
            raise ArithmeticError(f"not an exponential in X: {dependent}")
        terms[exponent] = sp.simplify(terms.get(exponent, 0) + coefficient)
    return {e: c for e, c in terms.items() if c != 0}


def scaled_multiplier_terms(ratio=s):
    r"""Theorem 2's multipliers times :math:`e^{-(1+\gamma)X}`, as exponentials in X.

    With :math:`\zeta_2=z`, :math:`\zeta_1=sz` and :math:`X=\sqrt sz/(C\sqrt N)`, component k's
    H-multiplier is :math:`u_k=\alpha_k\zeta_1+\beta_k` and its W-multiplier
    :math:`v_k=\alpha_k\zeta_2+\beta_k` (Eq. 41). Returns {label: {"u": {exponent: coefficient},
    "v": {...}}}.
    """
    return _scaled_multiplier_terms(ratio)


@cache
def _scaled_multiplier_terms(ratio):
    z = C * sp.sqrt(N) * X / sp.sqrt(ratio)
    scale = sp.exp(-(1 + gamma) * X)
    result = {}
    for component in derive_spectrum():
        a, b = alpha_beta(component.eigenvalue, ratio * z, z)
        result[component.label] = {"u": _exponential_terms((a * ratio * z + b) * scale),
                                   "v": _exponential_terms((a * z + b) * scale)}
    return result


def limit_multipliers(ratio=s, trade_off=None):
    r"""(label, u, v): the limits of :math:`e^{-(1+\gamma)X}u_k` and :math:`e^{-(1+\gamma)X}v_k`, the
    coefficients of the exponents that vanish. ``trade_off`` substitutes a value of :math:`\gamma`
    first (e.g. 0, where E2's exponent vanishes too). The limit exists when every other exponent is
    negative (:func:`prove_residual_negative`)."""
    return _limit_multipliers(ratio, trade_off)


@cache
def _limit_multipliers(ratio, trade_off):
    rows = []
    for component in derive_spectrum():
        terms = scaled_multiplier_terms(ratio)[component.label]
        limits = []
        for part in ("u", "v"):
            value = sp.Integer(0)
            for exponent, coefficient in terms[part].items():
                at = exponent if trade_off is None else exponent.subs(gamma, trade_off)
                if sp.simplify(at) == 0:
                    value += coefficient
            limits.append(sp.simplify(value))
        rows.append((component.label, *limits))
    return tuple(rows)


def limit_propagator(ratio=s, trade_off=None):
    r""":math:`\tilde Q` with :math:`\tilde Z=Z_0\tilde Q`, from :func:`limit_multipliers`."""
    return _limit_propagator(ratio, trade_off)


@cache
def _limit_propagator(ratio, trade_off):
    projectors = {c.label: c.projector for c in derive_spectrum()}
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    for label, u, v in limit_multipliers(ratio, trade_off):
        if u != 0 or v != 0:
            total = total + projectors[label] @ time_scaling(u, v)
    return total.simplified()


def paper_limit_propagator(ratio=s, w_minus_sign=-1, subspace="E1"):
    r"""The paper's :math:`\tilde Z` (Eqs. 9, 53) as :math:`Z_0\tilde Q`; ``w_minus_sign`` is the sign
    in front of :math:`\frac{1-\sqrt s}{2\sqrt s}W_1^-` (the paper's is -1; +1 is a mutant).
    ``subspace="E2"`` gives the same combination of :math:`\Pi_2^\pm Z_0`."""
    projectors = {c.label: c.projector for c in derive_spectrum()}
    root = sp.sqrt(ratio)
    return (projectors[subspace + "+"] @ time_scaling((1 + root) / 2, (1 + root) / (2 * root))
            + projectors[subspace + "-"] @ time_scaling((1 - root) / 2, w_minus_sign * (1 - root) / (2 * root)))


def membership_maps(k):
    r"""Maps T with :math:`ZT=0` expressing :math:`Z\in\mathcal E`: :math:`H-kW(I_C\otimes\mathbf 1_N^\top)`
    and :math:`W\mathbf 1_C`."""
    self_duality = StructuredMatrix.block([[StructuredMatrix.identity(FEATURES)], [label_matrix() * (-k)]])
    centred = StructuredMatrix.block([[StructuredMatrix.zeros(FEATURES, SCALAR)],
                                      [StructuredMatrix.ones(PROTOTYPES, SCALAR)]])
    return self_duality, centred


def self_duality_constant(Q=None):
    r"""The k with :math:`Z_0\tilde Q\in\mathcal E` for every :math:`Z_0`, solved from
    :math:`\tilde Q\,T(k)=0`; None when no single k works or :math:`W\mathbf 1_C\ne0`."""
    Q = limit_propagator() if Q is None else Q
    k = sp.Symbol("k")
    self_duality, centred = membership_maps(k)
    if not (Q @ centred).is_zero():
        return None
    equations = [sp.simplify(c) for c in (Q @ self_duality).coefficients().values()]
    solutions = sp.solve([e for e in equations if e != 0], k, dict=True)
    if len(solutions) != 1:
        return None
    return sp.simplify(solutions[0][k])


def ratios_in_plus_component(Q=None):
    r"""The s > 0 for which :math:`\tilde Z\in\mathcal E_1^+` for every :math:`Z_0`
    (:math:`\tilde Q P_1^+=\tilde Q`)."""
    Q = limit_propagator() if Q is None else Q
    plus = next(c.projector for c in derive_spectrum() if c.label == "E1+")
    equations = [sp.simplify(c) for c in (Q - Q @ plus).coefficients().values()]
    return sp.solve([e for e in equations if e != 0], s, dict=True)


def vanishing_limit_condition(Q=None):
    r"""When does :math:`\tilde Z` vanish? :math:`\tilde Q` acts on the :math:`\mathcal E_1` sector
    (class-centred class means ⊗ example mean) by a rank-1 2x2 block; its left null vector
    :math:`(a,b)` says :math:`\tilde Z=0\iff` the sector part of :math:`Z_0` is
    :math:`(a\,u\otimes\mathbf 1_N^\top/\sqrt N,\ b\,u)`, i.e. :math:`\sqrt N\bar H_c+\sqrt s\,W_c=0`
    for the centred class means :math:`\bar H_c` and centred prototypes :math:`W_c`
    (:math:`\Pi_1^+Z_0=0` when s = 1); :math:`\mathcal E_2\oplus\mathcal E_3` is in the kernel too.

    Returns (the sector block, its rank, the left null vector normalised to b = -1).
    """
    Q = limit_propagator() if Q is None else Q
    block = Q.sector_blocks()[(PERP, MEAN)]
    (null,) = block.T.nullspace()
    null = sp.simplify(null / -null[1])
    return block, block.rank(simplify=True), null


def residual_exponents(ratio=s):
    """{exponent: [labels]} over the exponents != 0 whose coefficient is not identically zero."""
    return {e: list(labels) for e, labels in _residual_exponents(ratio)}


@cache
def _residual_exponents(ratio):
    found = {}
    for label, parts in scaled_multiplier_terms(ratio).items():
        for terms in parts.values():
            for exponent in terms:
                if sp.simplify(exponent) != 0:
                    found.setdefault(sp.simplify(exponent), set()).add(label)
    return tuple((e, tuple(sorted(labels))) for e, labels in found.items())


def residual_exponent():
    r"""The residual exponent, derived: the max of the two E2 exponents (see :func:`prove_residual_exponent`)."""
    lam = growth_exponents()["E2+"]
    return sp.Max(sp.expand(lam - (1 + gamma)), sp.expand(-lam - (1 + gamma)))


def prove_residual_exponent(claimed=CLAIMED_RESIDUAL):
    r"""The residual exponent is :math:`\max\{-\gamma C,(C-2)\gamma-2\}`, E3 and E1 never dominate.

    Returns a dict of facts: the derived exponent set; that E3's :math:`-(1+\gamma)` is the mean
    of the two E2 exponents (hence :math:`\le` their max, equal only at :math:`\gamma=\frac1{C-1}`);
    that E1's :math:`-2(1+\gamma)<-(1+\gamma)`; and that the max equals the claimed one.
    """
    a, b = -gamma * C, (C - 2) * gamma - 2
    derived = set(residual_exponents())
    expected = {sp.expand(a), sp.expand(b), sp.expand(-(1 + gamma)), sp.expand(-2 * (1 + gamma))}
    same_set = {sp.expand(e) for e in derived} == expected
    e3_is_mean = sp.simplify((a + b) / 2 + (1 + gamma)) == 0
    equal_where = sp.solve(a - b, gamma)
    e1_below_e3 = sp.simplify(-2 * (1 + gamma) + (1 + gamma)).is_negative
    # max{a, b} = |lambda_2| - (1 + gamma): a is the E2+ exponent, b the E2- one.
    lam = growth_exponents()["E2+"]
    matches_e2 = sp.simplify(lam - (1 + gamma) - a) == 0 and sp.simplify(-lam - (1 + gamma) - b) == 0
    claimed_matches = _branches(claimed) == _branches(residual_exponent())
    return dict(exponents=sorted(derived, key=sp.default_sort_key), same_set=same_set, e3_is_mean=e3_is_mean,
                e3_ties_at=equal_where, e1_below_e3=bool(e1_below_e3), e2_exponents=matches_e2,
                claimed_matches=bool(claimed_matches))


def _branches(expression):
    """The branches of a Max (or the expression itself), expanded."""
    args = expression.args if isinstance(expression, sp.Max) else (expression,)
    return {sp.expand(a) for a in args}


def prove_residual_negative():
    r"""Every exponent except 0 is negative on the range: for C > 2 write
    :math:`\gamma=\frac{2}{c(1+\varphi)}` (c = C - 2 > 0, :math:`\varphi>0` covers
    :math:`0<\gamma<2/c`); for C = 2 any :math:`\gamma>0`. Returns {exponent: (C>2 sign, C=2 sign)}."""
    c, phi, g = sp.symbols("c phi g", positive=True)
    signs = {}
    for exponent in residual_exponents():
        above = sp.simplify(exponent.subs(gamma, 2 / (c * (1 + phi))).subs(C, 2 + c)).is_negative
        at_two = sp.simplify(exponent.subs(gamma, g).subs(C, 2)).is_negative
        signs[exponent] = (above, at_two)
    return signs


def fastest_trade_off(claimed=CLAIMED_RESIDUAL):
    r"""The :math:`\gamma` minimising the residual exponent, its value, the exponent in
    :math:`\sqrt{\zeta_1\zeta_2}` and the slopes of the two branches.

    :math:`-\gamma C` decreases and :math:`(C-2)\gamma-2` increases (strictly for C > 2), so the
    max is minimised where they cross. For C = 2 the second branch is flat (-2) and every
    :math:`\gamma\ge1` attains the minimum.
    """
    a, b = claimed.args if isinstance(claimed, sp.Max) else (claimed, claimed)
    (crossing,) = sp.solve(sp.Eq(a, b), gamma)
    value = sp.simplify(a.subs(gamma, crossing))
    zeta1, zeta2 = sp.symbols("zeta_1 zeta_2", positive=True)
    per_time = sp.simplify(value * sp.sqrt(zeta1 * zeta2) / (C * sp.sqrt(N)))
    slopes = sorted((sp.diff(a, gamma), sp.diff(b, gamma)), key=sp.default_sort_key)
    return sp.simplify(crossing), value, per_time, slopes


def bias_ratio_limits():
    r"""b(t) = b0 + kappa zeta2(t) 1_C with kappa = (1+gamma-gamma C)/C (Theorem 2).

    Every :math:`b_i` moves by the same amount, so :math:`\max_ib_i(t)/\min_ib_i(t)=
    (\max b_0+\kappa\zeta_2)/(\min b_0+\kappa\zeta_2)`. Returns kappa's root in gamma, the
    limit for kappa != 0 (:math:`\zeta_2\to\infty`) and the value for kappa = 0.
    """
    kappa = (1 + gamma - gamma * C) / C
    roots = sp.solve(kappa, gamma)
    top, bottom = sp.symbols("b_max b_min", real=True)
    z = sp.Symbol("zeta_2", positive=True)
    nonzero = sp.Symbol("kappa", nonzero=True, real=True)
    moving = sp.limit((top + nonzero * z) / (bottom + nonzero * z), z, sp.oo)
    constant = sp.simplify(((top + kappa * z) / (bottom + kappa * z)).subs(gamma, roots[0]))
    return roots, moving, constant


# ------------------------------------------------------------------------------------------------
# Gradient-descent iterates
# ------------------------------------------------------------------------------------------------
def limit_coefficients(labels, ratio):
    """Z~'s multipliers (u, v) per component, shape (5, 2), in the order of ``labels``, at s = ratio."""
    values = {label: (u, v) for label, u, v in limit_multipliers()}
    return np.array([[float(sp.sympify(x).subs(s, ratio)) for x in values[label]] for label in labels])


@contextmanager
def _few_threads(device):
    """Per-step tensors are tiny (p x C): on CPU, thread synchronisation costs more than it saves."""
    if device.type != "cpu":
        yield
        return
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


@dataclass
class Trajectory:
    """Scalars observed along real gradient-descent iterates, plus what the fits' error bounds need."""

    problem: LayerPeeledProblem
    eta: float
    ratio: float
    steps: np.ndarray
    norm: np.ndarray            # ||Z_k||
    distance: np.ndarray        # || Z_k/||Z_k|| - Z~/||Z~|| ||
    e1_fraction: np.ndarray     # ||Pi_1 Z_k|| / ||Z_k|| (first and last step only, NaN between)
    self_duality: np.ndarray    # <H, W (x) 1^T> / (N ||W||^2): the k of E
    centring: np.ndarray        # ||W 1_C|| / ||W||
    accuracy: np.ndarray        # argmax_c w_c^T h
    bias_ratio: np.ndarray      # max_i b_i / min_i b_i
    component_norms: np.ndarray  # ||Pi_j Z0||, order of labels
    eigenvalues: np.ndarray
    labels: tuple
    limit_norm: float           # ||Z~||
    b0: np.ndarray
    seconds: float = 0.0

    @property
    def step_factors(self):
        """The exact per-step multiplier 1 + eta sqrt(s) sigma_j of each component (s = 1)."""
        return 1 + self.eta * math.sqrt(self.ratio) * self.eigenvalues


def simulate(problem, H0, W0, b0, eta, steps, every, ratio=1.0, device=None):
    r"""Run gradient descent (class-mean update, float64) with :math:`\eta_2=\eta`,
    :math:`\eta_1=s\eta` and observe the scalars of a :class:`Trajectory` every ``every`` steps."""
    if steps < 2 * every:
        raise AssumptionError("need at least two recorded steps after the start (steps >= 2 * every)")
    device = default_device(device)
    parts = Decomposition(problem, H0, W0)
    limit_H, limit_W = parts.combine(limit_coefficients(parts.labels, ratio))
    limit_norm = float(np.sqrt((limit_H ** 2).sum() + (limit_W ** 2).sum()))
    sizes = {C: problem.C, N: problem.N}
    e1 = sum((c.projector for c in derive_spectrum() if c.name == "E1"),
             StructuredMatrix.zeros(Z_SPACE, Z_SPACE)).subs(sizes)
    as_tensor = lambda x: torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64, device=device)  # noqa: E731
    target_H, target_W = (as_tensor(x / max(limit_norm, np.finfo(float).tiny)) for x in (limit_H, limit_W))
    classes = torch.as_tensor(problem.class_of_column(), device=device)
    ones_N = torch.ones(1, problem.N, dtype=torch.float64, device=device)

    def observe(H, W, b, k):
        norm = torch.sqrt((H * H).sum() + (W * W).sum())
        distance = torch.sqrt(((H / norm - target_H) ** 2).sum() + ((W / norm - target_W) ** 2).sum())
        e1_fraction = math.nan
        if k in (0, steps):   # only reported at the ends; the structured product is the costly part
            P_H, P_W = e1.apply_right([H, W], problem.C, problem.N)
            e1_fraction = float(torch.sqrt((P_H * P_H).sum() + (P_W * P_W).sum()) / norm)
        repeated = torch.kron(W, ones_N)
        return dict(norm=float(norm), distance=float(distance), e1=e1_fraction,
                    k=float((H * repeated).sum() / (problem.N * (W * W).sum())),
                    centring=float(W.sum(1).norm() / W.norm()),
                    accuracy=float(((W.T @ H).argmax(0) == classes).double().mean()),
                    bias_ratio=float(b.max() / b.min()))

    record_steps = list(range(0, steps + 1, every))
    rates = RatePair.proportional(Constant(eta), s=ratio)
    start = time.perf_counter()
    with _few_threads(device):
        record = gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=record_steps, observe=observe,
                                  method="class-mean", device=device, keep_states=False)
    seconds = time.perf_counter() - start
    column = lambda key: np.array([o[key] for o in record.observations])  # noqa: E731
    component_norms = np.sqrt(np.maximum(np.diag(parts.gram_H) + np.diag(parts.gram_W), 0.0))
    return Trajectory(problem, float(eta), float(ratio), np.array(record.steps), column("norm"), column("distance"),
                      column("e1"), column("k"), column("centring"), column("accuracy"), column("bias_ratio"),
                      component_norms, parts.eigenvalues, parts.labels, limit_norm, np.asarray(b0, dtype=float),
                      seconds)


def random_start(problem, seed, remove=()):
    """H0, W0, b0 with standard normal entries; ``remove`` drops those components of Z0 (labels)."""
    rng = np.random.default_rng(seed)
    H0 = rng.standard_normal((problem.p, problem.examples))
    W0 = rng.standard_normal((problem.p, problem.C))
    b0 = rng.standard_normal(problem.C)
    if remove:
        parts = Decomposition(problem, H0, W0)
        keep = np.array([[0.0, 0.0] if label in remove else [1.0, 1.0] for label in parts.labels])
        H0, W0 = parts.combine(keep)
    return H0, W0, b0


def claimed_step_rates(trajectory):
    r"""Per-step exponents of the corollary: the flow's (:math:`\eta\sqrt s` times the rate in X-units,
    here per unit of :math:`\sqrt{\zeta_1\zeta_2}=\sqrt s\eta k`) and gradient descent's exact
    counterparts :math:`\log(1+\eta\sqrt s\,\sigma)`, for the growth of :math:`\|Z\|` and, in the
    range only, for the decay of the residual."""
    problem = trajectory.problem
    g, c, n = problem.gamma, problem.C, problem.N
    unit = trajectory.eta * math.sqrt(trajectory.ratio) / (c * math.sqrt(n))
    growth = float(dominant_exponent().subs({gamma: g, C: c}))
    residual = float(CLAIMED_RESIDUAL.subs({gamma: g, C: c}))
    in_range = classify(problem) == "in range"
    rates = dict(growth_flow=unit * growth, growth_gd=math.log1p(unit * growth))
    if in_range:
        rates.update(residual_flow=unit * residual,
                     residual_gd=math.log1p(unit * (growth + residual)) - math.log1p(unit * growth))
    return rates


def _log_model(trajectory, k):
    """log||Z_k|| and log d_k of the exact s = 1 iterates, from ||Pi_j Z0|| and the step factors
    (components are orthogonal and each is scaled by (1 + eta sigma_j)^k): the fits' error bound."""
    if trajectory.ratio != 1.0:
        raise AssumptionError("the error bound of the fits uses s = 1 (orthogonal, uniformly scaled components)")
    k = np.asarray(k, dtype=float)[:, None]
    factors, norms = np.abs(trajectory.step_factors), trajectory.component_norms
    present = norms > 0
    logs = k * np.log(factors[present]) + np.log(norms[present])
    log_norm = 0.5 * np.logaddexp.reduce(2 * logs, axis=1)
    lead = list(np.array(trajectory.labels)[present]).index("E1+")
    others = np.delete(2 * (logs - logs[:, [lead]]), lead, axis=1)
    ratio_sq = np.exp(np.logaddexp.reduce(others, axis=1))                  # R = ||rest||^2 / ||Z~-part||^2
    one_minus_cos = -np.expm1(-0.5 * np.log1p(ratio_sq))
    return log_norm, 0.5 * np.log(2 * one_minus_cos)


def _model_slopes(trajectory):
    """The asymptotic slopes of :func:`_log_model`: log of the largest step factor (norm) and of
    the largest one besides E1+'s over E1+'s (distance to Z~ when E1+ leads), over the components
    present in Z0. The fits' error bound measures deviations from these, whatever is claimed."""
    labels = np.array(trajectory.labels)
    present = trajectory.component_norms > 0
    factors = np.abs(trajectory.step_factors)
    lead = factors[labels == "E1+"][0]
    rest = factors[present & (labels != "E1+")]
    return dict(norm=float(np.log(factors[present].max())), distance=float(np.log(rest.max() / lead)))


def _float_error(trajectory, last_step):
    problem = trajectory.problem
    return float_tolerance("float64", operations=int(last_step) * (problem.C + problem.N))


#: Distances below this are left out of the fits: their rounding error, ~k u / d, would dominate the bound.
DISTANCE_FLOOR = 1e-6


def fit_rate(trajectory, quantity, claimed, window=None):
    r"""Least-squares slope of :math:`\log` ``quantity`` over a late window and its error bound.

    For the exact iterates :math:`y_k=\log f_k=g k+c+\varepsilon_k`; the fitted slope differs
    from g by :math:`\sum(k-\bar k)\varepsilon_k/\sum(k-\bar k)^2\le\frac{\operatorname{span}\varepsilon}{2}
    \frac{\sum|k-\bar k|}{\sum(k-\bar k)^2}`, with :math:`\varepsilon` (the sub-leading components)
    taken from :func:`_log_model`, plus the rounding of k steps in float64 (relative
    ``float_tolerance``, divided by the smallest distance for :math:`\log d`). Window: the late
    half of the run, and for the distance the late half of the steps where it stays above
    :data:`DISTANCE_FLOOR` (below, rounding dominates).
    """
    steps = trajectory.steps
    values = getattr(trajectory, quantity)
    usable = values > DISTANCE_FLOOR if quantity == "distance" else np.ones(steps.shape, dtype=bool)
    if window is None:
        window = (steps[usable].max() / 2, steps[usable].max()) if usable.any() else (0, -1)
    mask = usable & (steps >= window[0]) & (steps <= window[1])
    k, y = steps[mask].astype(float), np.log(values[mask])
    if k.size < 3:
        raise AssumptionError(f"fewer than three usable points to fit the rate of {quantity}")
    centred = k - k.mean()
    slope = float((centred * (y - y.mean())).sum() / (centred ** 2).sum())
    leverage = float(np.abs(centred).sum() / (centred ** 2).sum())
    model_norm, model_distance = _log_model(trajectory, k)
    model = model_norm if quantity == "norm" else model_distance
    deviation = model - _model_slopes(trajectory)[quantity] * k
    rounding = _float_error(trajectory, k[-1])
    if quantity == "distance":
        rounding = 2 * rounding / float(values[mask].min())
    tolerance = (float(np.ptp(deviation)) / 2 + rounding) * leverage
    return dict(fitted=slope, claimed=claimed, tolerance=tolerance, window=(int(k[0]), int(k[-1])),
                relative_error=abs(slope - claimed) / abs(claimed), passed=abs(slope - claimed) <= tolerance)


def rate_report(trajectory):
    """Fitted vs claimed per-step exponents (flow and GD) for the norm and, in range, the residual."""
    rates = claimed_step_rates(trajectory)
    report = {"growth": fit_rate(trajectory, "norm", rates["growth_gd"])}
    report["growth"]["claimed_flow"] = rates["growth_flow"]
    report["growth"]["flow_within_tolerance"] = abs(report["growth"]["fitted"] - rates["growth_flow"]) <= \
        report["growth"]["tolerance"]
    if "residual_gd" in rates:
        report["residual"] = fit_rate(trajectory, "distance", rates["residual_gd"])
        report["residual"]["claimed_flow"] = rates["residual_flow"]
        report["residual"]["flow_within_tolerance"] = abs(report["residual"]["fitted"] - rates["residual_flow"]) <= \
            report["residual"]["tolerance"]
    return report


def plateau(trajectory):
    """At a tie (gamma = 0 or 2/(C-2)) the distance tends to a positive constant. The measured
    distance at the last step against the orthogonal-component model's (:func:`_log_model`), which
    by then has settled on that constant; the tolerance is the rounding of the iterates."""
    _, model_distance = _log_model(trajectory, trajectory.steps[-1:])
    predicted = float(np.exp(model_distance[0]))
    measured = float(trajectory.distance[-1])
    tolerance = 2 * _float_error(trajectory, trajectory.steps[-1])
    return dict(measured=measured, predicted=predicted, tolerance=tolerance,
                passed=abs(measured - predicted) <= tolerance and predicted > 0)


def k_error(trajectory):
    r"""|k_hat - sqrt(s/N)| for :math:`\hat k=\langle H,W\otimes\mathbf 1^\top\rangle/(N\|W\|^2)` of the
    last normalized iterate, against twice its first-order bound: the gradient of :math:`\hat k` at
    :math:`\tilde Z/\|\tilde Z\|` has norm :math:`\sqrt{(1/N+k^2)(1+k^2N)}=(1+s)/\sqrt N`, so
    :math:`|\Delta k|\lesssim(1+s)d/\sqrt N` at distance d."""
    problem = trajectory.problem
    expected = math.sqrt(trajectory.ratio / problem.N)
    error = abs(float(trajectory.self_duality[-1]) - expected)
    bound = 2 * (1 + trajectory.ratio) * float(trajectory.distance[-1]) / math.sqrt(problem.N) + \
        _float_error(trajectory, trajectory.steps[-1])
    return dict(k=float(trajectory.self_duality[-1]), expected=expected, error=error, bound=bound,
                passed=error <= bound)


def summarize(trajectory):
    """The numbers to report for one run."""
    last = -1
    return dict(gamma=trajectory.problem.gamma, steps=int(trajectory.steps[last]), seconds=round(trajectory.seconds, 3),
                initial_distance=float(trajectory.distance[0]), final_distance=float(trajectory.distance[last]),
                final_log_norm=float(np.log(trajectory.norm[last])),
                final_e1_fraction=float(trajectory.e1_fraction[last]), final_k=float(trajectory.self_duality[last]),
                final_centring=float(trajectory.centring[last]), final_accuracy=float(trajectory.accuracy[last]),
                final_bias_ratio=float(trajectory.bias_ratio[last]))


# ------------------------------------------------------------------------------------------------
# Experiments
# ------------------------------------------------------------------------------------------------
#: Default size: thresholds 1/(C-1) = 1/4 and 2/(C-2) = 2/3; gamma = 2/3 and 0 are the ties.
SMALL = dict(p=8, C=5, N=3, eta=1.0, steps=500, every=5)
SMALL_GAMMAS = (0.0, 0.05, 0.25, 0.5, 2 / 3, 1.0)
#: Figure 1.
#: Figure 1 (its caption gives no run length): 20,000 steps keep the paper-scale check within budget.
PAPER = dict(p=512, C=100, N=10, eta=0.1, steps=20_000, every=100)
PAPER_GAMMAS = (0.0, 0.05, 0.005, 0.001, 1 / 99)


def run_sweep(size, gammas, seed=0, device=None, ratio=1.0):
    """One trajectory per gamma from the same random start (size: SMALL or PAPER)."""
    runs = {}
    for g in gammas:
        problem = LayerPeeledProblem(size["p"], size["C"], size["N"], g)
        H0, W0, b0 = random_start(problem, seed)
        runs[g] = simulate(problem, H0, W0, b0, size["eta"], size["steps"], size["every"], ratio=ratio,
                           device=device)
    return runs


def classify(problem):
    """'in range', 'tie' (E2 ties E1) or 'E2 dominates', from the derived gap."""
    gap = float(dominance_gap().subs({gamma: problem.gamma, C: problem.C}))
    scale = float_tolerance("float64", operations=8) * (1 + problem.gamma * problem.C) ** 2
    if abs(gap) <= scale:
        return "tie"
    return "in range" if gap > 0 else "E2 dominates"


def judge_sweep(runs):
    """Per-gamma verdict pieces for a sweep: rate fits in range, plateaus at ties, sqrt(2) beyond."""
    measured, passed = {}, True
    for g, trajectory in runs.items():
        kind = classify(trajectory.problem)
        entry = dict(kind=kind, **summarize(trajectory))
        rates = claimed_step_rates(trajectory)
        entry["growth"] = fit_rate(trajectory, "norm", rates["growth_gd"])
        entry["growth"]["claimed_flow"] = rates["growth_flow"]
        ok = entry["growth"]["passed"]
        if kind == "in range":
            report = rate_report(trajectory)
            entry["residual"] = report["residual"]
            ok &= report["residual"]["passed"] and trajectory.distance[-1] < trajectory.distance[0]
            entry["k_error"] = k_error(trajectory)
            ok &= entry["k_error"]["passed"]
        elif kind == "tie":
            entry["plateau"] = plateau(trajectory)
            ok &= entry["plateau"]["passed"]
        else:
            gap_to_orthogonal = math.sqrt(2) - trajectory.distance[-1]
            _, model = _log_model(trajectory, trajectory.steps[-1:])
            rounding = _float_error(trajectory, trajectory.steps[-1])
            bound = math.sqrt(2) - float(np.exp(model[0])) + rounding
            entry["orthogonal"] = dict(sqrt2_minus_distance=gap_to_orthogonal, bound=bound)
            ok &= -rounding <= gap_to_orthogonal <= bound
        entry["passed"] = bool(ok)
        passed &= bool(ok)
        measured[repr(g)] = entry
    return measured, passed


def fastest_among(measured):
    """The gamma with the steepest fitted residual decay among the in-range runs."""
    slopes = {g: e["residual"]["fitted"] for g, e in measured.items() if "residual" in e}
    return min(slopes, key=slopes.get), slopes


def bias_check(trajectory):
    r"""GD biases: for kappa != 0, :math:`|\max b/\min b-1|\le\frac{\operatorname{range}b_0}{|\kappa|\zeta_2-\max|b_0|}`
    at the last step; for kappa = 0 the ratio stays :math:`\max b_0/\min b_0`."""
    problem = trajectory.problem
    kappa = problem.bias_drift()
    zeta2 = trajectory.eta * trajectory.steps[-1]
    final = trajectory.bias_ratio[-1]
    spread = float(np.ptp(trajectory.b0))
    rounding = _float_error(trajectory, trajectory.steps[-1])
    if abs(kappa) * zeta2 > 4 * (np.abs(trajectory.b0).max() + spread):
        bound = spread / (abs(kappa) * zeta2 - np.abs(trajectory.b0).max()) + rounding
        return dict(kappa=kappa, final_ratio=final, bound=bound, passed=abs(final - 1) <= bound)
    initial = trajectory.b0.max() / trajectory.b0.min()
    drift = abs(kappa) * zeta2 * 2 / abs(trajectory.b0.min())
    return dict(kappa=kappa, final_ratio=final, initial_ratio=initial,
                passed=abs(final - initial) <= abs(initial) * (drift + rounding) + drift)


def vanishing_limit_run(seed=0, device=None, steps=300):
    r"""Counterexample to the implicit :math:`\tilde Z\ne0`: s = 1 and :math:`\Pi_1^+Z_0=0`, gamma = 0.1.

    In exact arithmetic the normalized iterates converge into :math:`\mathcal E_2` (along
    :math:`\Pi_2^+Z_0`), orthogonal to :math:`\mathcal E\subset\mathcal E_1`. In floating point,
    rounding seeds an :math:`\mathcal E_1^+` part of relative size ~k u that outgrows
    :math:`\mathcal E_2^+` by :math:`(m_{1+}/m_{2+})^k`, so the run stops at ``steps`` (300 here,
    where that seed is still ~1e-7) and the bound on :math:`\|\Pi_1Z_k\|/\|Z_k\|` counts both
    the decaying :math:`\mathcal E_1^-` part and the grown seed.
    """
    problem = LayerPeeledProblem(SMALL["p"], SMALL["C"], SMALL["N"], 0.1)
    H0, W0, b0 = random_start(problem, seed, remove=("E1+",))
    trajectory = simulate(problem, H0, W0, b0, SMALL["eta"], steps, SMALL["every"], device=device)
    labels, k = list(trajectory.labels), float(trajectory.steps[-1])
    factors, norms = np.abs(trajectory.step_factors), trajectory.component_norms
    lead = labels.index("E2+")
    rounding = _float_error(trajectory, k)
    minus_part = (factors[labels.index("E1-")] / factors[lead]) ** k * norms[labels.index("E1-")] / norms[lead]
    seed_part = rounding * (factors[labels.index("E1+")] / factors[lead]) ** k * np.linalg.norm(norms) / norms[lead]
    bound = float(minus_part + seed_part)
    start_norm = float(np.linalg.norm(norms))
    return trajectory, dict(limit_norm_over_start=trajectory.limit_norm / start_norm, steps=int(k),
                            initial_e1_fraction=float(trajectory.e1_fraction[0]),
                            final_e1_fraction=float(trajectory.e1_fraction[-1]), bound=bound,
                            final_centring=float(trajectory.centring[-1]),
                            passed=bool(trajectory.limit_norm <= rounding * start_norm
                                        and trajectory.e1_fraction[-1] <= bound
                                        and trajectory.e1_fraction[0] > 0.1))


def c2_tie_run(seed=0, device=None):
    """The literal 'or C = 2' reading admits gamma = 0 at C = 2: E2 ties E1 and the distance plateaus."""
    problem = LayerPeeledProblem(4, 2, 3, 0.0)
    H0, W0, b0 = random_start(problem, seed)
    trajectory = simulate(problem, H0, W0, b0, SMALL["eta"], 300, 5, device=device)
    return trajectory, plateau(trajectory)


def unequal_rates_run(seed=0, device=None, ratio=4.0):
    r"""s != 1: the direction converges to :math:`\tilde Z` (not to :math:`\Pi_1^+Z_0`) with k = sqrt(s/N)."""
    problem = LayerPeeledProblem(SMALL["p"], SMALL["C"], SMALL["N"], 0.25)
    H0, W0, b0 = random_start(problem, seed)
    trajectory = simulate(problem, H0, W0, b0, SMALL["eta"] / 2, 600, 10, ratio=ratio, device=device)
    parts = Decomposition(problem, H0, W0)
    plus = parts.combine(np.array([[1.0, 1.0] if label == "E1+" else [0.0, 0.0] for label in parts.labels]))
    limit = parts.combine(limit_coefficients(parts.labels, ratio))
    cosine = sum((a * b).sum() for a, b in zip(plus, limit)) / (
        math.sqrt(sum((a ** 2).sum() for a in plus)) * math.sqrt(sum((b ** 2).sum() for b in limit)))
    to_plus = math.sqrt(max(2 - 2 * cosine, 0.0))
    k_expected = math.sqrt(ratio / problem.N)
    tolerance = 1e-9
    return trajectory, dict(final_distance=float(trajectory.distance[-1]), distance_pi1_plus_to_limit=to_plus,
                            final_k=float(trajectory.self_duality[-1]), expected_k=k_expected,
                            passed=bool(trajectory.distance[-1] <= tolerance and to_plus > 100 * tolerance
                                        and abs(trajectory.self_duality[-1] - k_expected) <= tolerance))


def mutant_residual_miss(trajectory, wrong=lambda g, c: -g * (c - 1)):
    """|fitted - mutant| / tolerance for the residual rate with a wrong exponent (default -(C-1) gamma)."""
    problem = trajectory.problem
    unit = trajectory.eta * math.sqrt(trajectory.ratio) / (problem.C * math.sqrt(problem.N))
    growth = 1 + problem.gamma
    claimed = math.log1p(unit * (growth + wrong(problem.gamma, problem.C))) - math.log1p(unit * growth)
    fit = fit_rate(trajectory, "distance", claimed)
    return abs(fit["fitted"] - claimed) / fit["tolerance"]


def figure_one_claims(measured):
    """Fig. 1's caption at paper scale: sqrt(2) for gamma = 0.05; 3.95 growth; overlap; fastest 1/(C-1)."""
    out = {}
    fifty = measured[repr(0.05)]
    out["gamma_0.05_distance"] = fifty["final_distance"]
    unit = PAPER["eta"] / (PAPER["C"] * math.sqrt(PAPER["N"]))
    out["gamma_0.05_growth_over_unit"] = fifty["growth"]["fitted"] / unit
    overlap = [repr(g) for g in (0.0, 0.001, 0.005, 1 / 99)]
    slopes = {g: measured[g]["growth"]["fitted"] / unit for g in overlap}
    out["overlap_growth_over_unit"] = slopes
    out["overlap_max_relative_gap"] = (max(slopes.values()) - min(slopes.values())) / min(slopes.values())
    fastest, decay = fastest_among(measured)
    out["fastest_residual"] = fastest
    out["residual_over_unit"] = {g: v / unit for g, v in decay.items()}
    out["passed"] = bool(fastest == repr(1 / 99) and all(measured[g]["passed"] for g in measured))
    return out


# ------------------------------------------------------------------------------------------------
# Evidence
# ------------------------------------------------------------------------------------------------
EVIDENCE = EvidenceSet(CLAIM)


def _seed(context, key):
    """A seed for :func:`random_start`, drawn from the item's own generator."""
    return int(item_rng(context, key).integers(2 ** 31))


@cache
def _small_sweep(context):
    return run_sweep(SMALL, SMALL_GAMMAS, _seed(context, "sweep"), context.device)


@cache
def _judged_small_sweep(context):
    return judge_sweep(_small_sweep(context))


@cache
def _paper_sweep(context):
    runs = run_sweep(PAPER, PAPER_GAMMAS, _seed(context, "figure-1"), context.device)
    return runs, judge_sweep(runs)


@EVIDENCE.item("growth-exponents", kind="symbolic",
               description="growth exponents |lambda_k| (units of X = sqrt(z1 z2)/(C sqrt N)): 1 + gamma (E1), "
                           "|1 + gamma - gamma C| (E2), 0 (E3); at C = 100, gamma = 0.05 the fastest is 3.95 (Fig. 1)")
def growth_exponents_item(context, record):
    lam = growth_exponents()
    figure = sp.simplify(dominant_exponent().subs({gamma: sp.Rational(5, 100), C: 100}))
    record.passed = bool(sp.simplify(lam["E1+"] - (1 + gamma)) == 0 and sp.simplify(lam["E1-"] + (1 + gamma)) == 0
                         and sp.simplify(lam["E2+"] - (1 + gamma - gamma * C)) == 0 and lam["E3"] == 0
                         and figure == sp.Rational(395, 100))
    record.measured = {"exponents": {k: str(v) for k, v in lam.items()}, "fastest at C=100, gamma=0.05": str(figure)}


@EVIDENCE.item("dominance-range", kind="symbolic",
               description="dominant growth exponent and the exact range where E1 strictly dominates E2 (both "
                           "directions: ties at gamma = 0 and 2/(C-2), E2 dominates beyond)")
def dominance(context, record):
    gap = dominance_gap()
    ranges = dominance_range(gap)
    ties = tie_values(gap)
    beyond, beyond_negative = beyond_upper_tie_sign()
    record.measured = dict(gap=str(gap), range_C_gt_2=str(ranges["C>2"]), range_C_eq_2=str(ranges["C=2"]),
                           ties=[str(t) for t in ties], gap_beyond_upper_tie=str(beyond),
                           dominant_exponent=str(dominant_exponent()))
    record.passed = bool(sp.simplify(gap - C * gamma * (2 - (C - 2) * gamma)) == 0
                         and ranges["C>2"] == sp.Interval.open(0, 2 / (C - 2))
                         and ranges["C=2"] == sp.Interval.open(0, sp.oo)
                         and {sp.simplify(t) for t in ties} == {sp.Integer(0), sp.simplify(2 / (C - 2))}
                         and bool(beyond_negative))


@EVIDENCE.item("mutant-threshold", kind="mutant",
               description="the threshold 1/(C-2) in place of 2/(C-2) is no tie: E1 still strictly dominates there")
def mutant_threshold(context, record):
    gap = sp.simplify(dominance_gap().subs(gamma, 1 / (C - 2)))
    record.passed = bool(sp.simplify(gap - C / (C - 2)) == 0
                         and dominance_range()["C>2"] != sp.Interval.open(0, 1 / (C - 2)))
    record.measured = {"gap at 1/(C-2)": str(gap)}


@EVIDENCE.item("limit-z-tilde", kind="symbolic",
               description="Z~ = lim e^{-(1+gamma)X} Z(t) derived from Theorem 2's multipliers equals the paper's Z~ "
                           "(Eq. 9/53); Z~ in E with k = sqrt(s/N); Z~ in E1+ only for s = 1")
def limit_z_tilde(context, record):
    Q = limit_propagator()
    matches = (Q - paper_limit_propagator()).is_zero()
    k = self_duality_constant(Q)
    plus_only = ratios_in_plus_component(Q)
    record.measured = dict(matches_paper=matches, k=str(k), s_with_Z_in_E1_plus=[str(x) for x in plus_only])
    record.passed = bool(matches and k is not None and sp.simplify(k - sp.sqrt(s / N)) == 0 and k.is_positive
                         and plus_only == [{s: 1}])


@EVIDENCE.item("limit-direct", kind="symbolic",
               description="the limit multipliers of Z~ equal SymPy's limit of e^{-(1+gamma)X} v_k computed straight "
                           "from Eq. 41's alpha, beta (gamma = 1/10, C = 3, N = 2, s = 4, every component)")
def limit_direct(context, record):
    point = {gamma: sp.Rational(1, 10), C: 3, N: 2, s: 4}
    z = sp.Symbol("z", positive=True)
    limits = {label: v for label, _, v in limit_multipliers()}
    agree = {}
    for component in derive_spectrum():
        a, b = alpha_beta(component.eigenvalue.subs(point), 4 * z, z)
        rate = (1 + point[gamma]) * sp.sqrt(4 * z * z) / (point[C] * sp.sqrt(point[N]))
        direct = sp.limit((a * z + b) * sp.exp(-rate), z, sp.oo)
        agree[component.label] = sp.simplify(direct - limits[component.label].subs(point)) == 0
    record.passed = all(agree.values())
    record.measured = {"agrees, by component": agree}


@EVIDENCE.item("mutant-w-minus-sign", kind="mutant",
               description="Z~ with +(1-sqrt s)/(2 sqrt s) W1- (sign flipped) differs from the limit and leaves E")
def mutant_w_minus_sign(context, record):
    flipped = paper_limit_propagator(w_minus_sign=1)
    differs = not (flipped - limit_propagator()).is_zero()
    k = self_duality_constant(flipped)
    record.passed = bool(differs and k is None)
    record.measured = {"differs from the limit": differs, "k of the flipped form": str(k)}


@EVIDENCE.item("residual-exponent", kind="symbolic",
               description="residual exponent max{-gamma C, (C-2) gamma - 2}: E3's -(1+gamma) is the mean of the two, "
                           "E1's -2(1+gamma) lower; all negative exactly on the range")
def residual_exponent_item(context, record):
    facts = prove_residual_exponent()
    signs = prove_residual_negative()
    record.measured = dict({k: str(v) for k, v in facts.items()}, signs={str(e): v for e, v in signs.items()})
    record.passed = bool(facts["same_set"] and facts["e3_is_mean"] and facts["e1_below_e3"] and facts["e2_exponents"]
                         and facts["claimed_matches"] and facts["e3_ties_at"] == [1 / (C - 1)]
                         and all(a is True and b is True for a, b in signs.values()))


#: Wrong residual exponents: a wrong constant, the OCR-literal Eq. 48, a wrong offset.
WRONG_RESIDUALS = {"-(C-1) gamma": sp.Max(-gamma * (C - 1), (C - 2) * gamma - 2),
                   "-gamma (OCR-literal Eq. 48)": sp.Max(-gamma, (C - 2) * gamma - 2),
                   "(C-2) gamma - 1": sp.Max(-gamma * C, (C - 2) * gamma - 1)}


@EVIDENCE.item("mutant-residual-exponent", kind="mutant",
               description="wrong residual exponents (max{-(C-1) gamma, ...}, the OCR-literal max{-gamma, ...}, "
                           "max{..., (C-2) gamma - 1}) differ from the derived one, and the first moves the fastest "
                           "value")
def mutant_residual_exponent(context, record):
    matches = {name: prove_residual_exponent(claimed=wrong)["claimed_matches"]
               for name, wrong in WRONG_RESIDUALS.items()}
    _, value, _, _ = fastest_trade_off(claimed=WRONG_RESIDUALS["-(C-1) gamma"])
    moved = sp.simplify(value + C / (C - 1)) != 0
    record.passed = bool(not any(matches.values()) and moved)
    record.measured = {"matches the derived exponent": matches, "fastest value of the first": str(value)}


@EVIDENCE.item("fastest-and-bias-ratio", kind="symbolic",
               description="fastest rate at gamma = 1/(C-1), exponent -sqrt(z1 z2)/((C-1) sqrt N) (for C = 2 every "
                           "gamma >= 1 attains it); bias ratio -> 1 iff gamma != 1/(C-1), else max b0/min b0")
def fastest_and_bias_ratio(context, record):
    crossing, value, per_time, slopes = fastest_trade_off()
    roots, moving, constant = bias_ratio_limits()
    zeta1, zeta2 = sp.symbols("zeta_1 zeta_2", positive=True)
    record.measured = dict(gamma_star=str(crossing), value=str(value), per_time=str(per_time),
                           branch_slopes=[str(x) for x in slopes], kappa_root=[str(r) for r in roots],
                           ratio_limit=str(moving), ratio_at_root=str(constant))
    record.passed = bool(sp.simplify(crossing - 1 / (C - 1)) == 0 and sp.simplify(value + C / (C - 1)) == 0
                         and sp.simplify(per_time + sp.sqrt(zeta1 * zeta2) / ((C - 1) * sp.sqrt(N))) == 0
                         and slopes == sorted([-C, C - 2], key=sp.default_sort_key)
                         and roots == [1 / (C - 1)] and moving == 1
                         and constant == sp.Symbol("b_max", real=True) / sp.Symbol("b_min", real=True))


@EVIDENCE.item("tie-at-gamma-0", kind="counterexample", reading="printed",
               description="'or C = 2' admits gamma = 0, a tie: there the limit picks up the same combination of "
                           "Pi_2^+- Z0 and leaves E (W 1_C != 0); symbolic, every C")
def tie_at_gamma_0(context, record):
    Q0 = limit_propagator(trade_off=0)
    extra = (Q0 - limit_propagator().subs(gamma, 0)).simplified()
    _, centred = membership_maps(1)
    record.measured = dict(extra_is_E2_analogue=(extra - paper_limit_propagator(subspace="E2")).is_zero(),
                           leaves_E=not (Q0 @ centred).is_zero())
    record.passed = bool(record.measured["extra_is_E2_analogue"] and record.measured["leaves_E"])


@EVIDENCE.item("c2-tie-run", kind="counterexample", reading="printed",
               description="'or C = 2' with gamma = 0 (p=4, C=2, N=3, GD): E2 ties E1 and the distance to Z~/||Z~|| "
                           "plateaus above 0 at the orthogonal-component model's value")
def c2_tie(context, record):
    _, numbers = c2_tie_run(_seed(context, "c2-tie-run"), context.device)
    record.passed = bool(numbers["passed"] and numbers["measured"] > MUTANT_MARGIN * numbers["tolerance"])
    record.measured = numbers


@EVIDENCE.item("vanishing-limit", kind="counterexample", reading="printed",
               description="Z~ = 0 is possible (sqrt(N) Hbar_c + sqrt(s) W_c = 0, a rank-1 condition; s = 1: "
                           "Pi_1^+ Z0 = 0): then Eq. 10 is undefined and GD at p=8, C=5, N=3, gamma=0.1 from "
                           "Z0 - Pi_1^+ Z0 converges into E2, not E")
def vanishing_limit(context, record):
    block, rank, null = vanishing_limit_condition()
    _, numbers = vanishing_limit_run(_seed(context, "vanishing-limit"), context.device)
    record.measured = dict(sector_block=str(block), rank=int(rank), left_null_vector=str(list(null)),
                           determinant=str(sp.simplify(block.det())), **numbers)
    record.passed = bool(rank == 1 and sp.simplify(null[0] - sp.sqrt(s)) == 0 and null[1] == -1
                         and sp.simplify(block.det()) == 0 and numbers["passed"])


@EVIDENCE.item("sweep", kind="iterates",
               description="GD (class-mean, float64) at p=8, C=5, N=3, eta=1, s=1, 500 steps, gamma in "
                           "{0, 0.05, 0.25, 0.5, 2/3, 1}: fitted vs claimed exponents (judged against log(1 + eta "
                           "sigma)), ties plateau, sqrt(2) beyond, fastest residual at gamma = 1/(C-1) = 0.25")
def sweep(context, record):
    measured, ok = _judged_small_sweep(context)
    fastest, _ = fastest_among(measured)
    kinds = {g: measured[repr(g)]["kind"] for g in SMALL_GAMMAS}
    expected_kinds = {0.0: "tie", 0.05: "in range", 0.25: "in range", 0.5: "in range", 2 / 3: "tie",
                      1.0: "E2 dominates"}
    record.measured = dict(measured, fastest_residual=fastest)
    record.passed = bool(ok and fastest == repr(0.25) and kinds == expected_kinds)


@EVIDENCE.item("mutant-residual-rate", kind="mutant",
               description="GD at gamma = 0.05: the residual rate with exponent -(C-1) gamma, and the flow's growth "
                           "rate in place of GD's log(1 + eta sigma), miss the fitted rates by >= MUTANT_MARGIN x "
                           "tolerance")
def mutant_residual_rate(context, record):
    run = _small_sweep(context)[0.05]
    miss = mutant_residual_miss(run)
    flow = claimed_step_rates(run)["growth_flow"]
    fit = fit_rate(run, "norm", flow)
    flow_miss = abs(fit["fitted"] - flow) / fit["tolerance"]
    record.passed = bool(miss > MUTANT_MARGIN and flow_miss > MUTANT_MARGIN)
    record.measured = {"wrong constant: miss / tolerance": miss, "flow rate for GD: miss / tolerance": flow_miss}


@EVIDENCE.item("unequal-rates", kind="iterates",
               description="GD with s = 4 (eta1 = 4 eta2): direction -> Z~ (not Pi_1^+ Z0), H = sqrt(s/N) W (x) 1^T")
def unequal_rates(context, record):
    _, numbers = unequal_rates_run(_seed(context, "unequal-rates"), context.device)
    record.measured = numbers
    record.passed = numbers["passed"]


@EVIDENCE.item("bias-ratio", kind="iterates",
               description="bias ratio of the GD iterates of the sweep: -> 1 for gamma != 1/(C-1), constant at 1/(C-1)")
def bias_ratio(context, record):
    results = {repr(g): bias_check(t) for g, t in _small_sweep(context).items()}
    record.measured = results
    record.passed = all(r["passed"] for r in results.values())


@EVIDENCE.item("figure-1-rates", kind="iterates", paper_scale=True,
               description=f"Figure 1's setting (p=512, C=100, N=10, eta=0.1, s=1, {PAPER['steps']} GD steps; the "
                           "caption gives no run length) for gamma in {0, 0.05, 0.005, 0.001, 1/99}: fitted vs claimed "
                           "exponents, the tie gamma = 0 plateaus, sqrt(2) beyond")
def figure_1_rates(context, record):
    _, (measured, ok) = _paper_sweep(context)
    record.passed = bool(ok)
    record.measured = measured


@EVIDENCE.item("figure-1-caption", kind="iterates", paper_scale=True,
               description="Figure 1's caption on the same runs: gamma = 0.05 is beyond the range, its distance "
                           "tends to sqrt(2) and its norm grows at GD's counterpart of 3.95 eta/(C sqrt N); the "
                           "others grow at (1 + gamma) eta/(C sqrt N) (overlapping curves); the fastest residual is at "
                           "1/(C-1)")
def figure_1_caption(context, record):
    _, (measured, _) = _paper_sweep(context)
    caption = figure_one_claims(measured)
    record.passed = bool(caption["passed"] and measured[repr(0.05)]["kind"] == "E2 dominates"
                         and measured[repr(0.05)]["orthogonal"]["sqrt2_minus_distance"]
                         <= measured[repr(0.05)]["orthogonal"]["bound"])
    record.measured = caption


@EVIDENCE.item("figure-1-bias", kind="iterates", paper_scale=True,
               description="bias ratio of Figure 1's runs: -> 1 for gamma != 1/(C-1), constant at 1/(C-1)")
def figure_1_bias(context, record):
    runs, _ = _paper_sweep(context)
    results = {repr(g): bias_check(t) for g, t in runs.items()}
    record.passed = all(r["passed"] for r in results.values())
    record.measured = results


def _ids(*slugs):
    return tuple(f"{CLAIM.id}::{slug}" for slug in slugs)


_LIMIT = _ids("limit-z-tilde", "limit-direct", "mutant-w-minus-sign")
_RESIDUAL = _ids("residual-exponent", "mutant-residual-exponent", "dominance-range", "sweep", "mutant-residual-rate")
_ASSUMPTIONS = _ids("tie-at-gamma-0", "c2-tie-run", "vanishing-limit")

LEDGER = (
    LedgerRow("Eq. 9", "Corollary 3", "holds as reconstructed",
              note="Z~ and the residual's max garbled; read as Eq. 53's Z~ and max{-gamma C, (C-2) gamma - 2}; holds "
                   "on 0 < gamma < 2/(C-2) (C > 2) and gamma > 0 (C = 2)", evidence=_LIMIT + _RESIDUAL),
    LedgerRow("Eq. 10", "Corollary 3", "holds as reconstructed",
              note="the max garbled ('max{707(02)')’2}'); holds when Z~ != 0, which it divides by",
              evidence=_RESIDUAL + _ids("vanishing-limit")),
    LedgerRow("Corollary 3: 'if 0 < gamma < 2/(C-2) (where C > 2) or C = 2'", "Corollary 3", "erratum",
              note="'or C = 2' admits gamma = 0, a tie of the E1 and E2 rates, where Delta does not vanish and the "
                   "limit leaves E",
              correction=r"0<\gamma<\tfrac{2}{C-2}\ (C>2)\quad\text{or}\quad \gamma>0\ (C=2)",
              counterexample=r"C=2,\ \gamma=0:\ \lambda_{1}=\lambda_{2}=1,\ \text{so } \bigl\|Z(t)/\|Z(t)\|-\tilde Z/"
                             r"\|\tilde Z\|\bigr\|\not\to0",
              evidence=_ids("tie-at-gamma-0", "c2-tie-run", "dominance-range")),
    LedgerRow("Corollary 3: Z~/||Z~|| in Eq. 10 (the implicit Z~ != 0)", "Corollary 3", "erratum",
              note="Z~ = 0 on a rank-one condition of Z0 (measure zero); there the normalized iterates converge into "
                   "E2, not E",
              correction=r"\tilde Z\neq0,\ \text{i.e. } \sqrt N\,\bar H_c(0)+\sqrt s\,W_c(0)\neq0\ "
                         r"(s=1:\ \Pi_1^+Z_0\neq0)",
              counterexample=r"s=1,\ \Pi_1^+Z_0=0,\ \gamma=\tfrac1{10}:\ \tilde Z=0 \text{ and } Z(t)/\|Z(t)\|\to"
                             r"\mathcal E_2",
              evidence=_ids("vanishing-limit")),
    LedgerRow("Corollary 3: 'if gamma != 1/(C-1), lim max_i b_i(t)/min_i b_i(t) = 1'", "Corollary 3",
              "holds as reconstructed", note="'v # C 7' read as gamma != 1/(C-1); at gamma = 1/(C-1) the ratio stays "
              "max b0/min b0", evidence=_ids("fastest-and-bias-ratio", "bias-ratio")),
    LedgerRow("Section 3.2: fastest convergence at gamma = 1/(C-1), rate e^{-sqrt(z1 z2)/((C-1) sqrt N)}",
              "Corollary 3", "holds as printed",
              note="the minimiser of the residual exponent; for C = 2 every gamma >= 1 attains the same rate",
              evidence=_ids("fastest-and-bias-ratio", "mutant-residual-exponent", "sweep")),
    LedgerRow("Section 3.2: ||Z(t)|| grows like e^{(1+gamma) sqrt(z1 z2)/(C sqrt N)}", "Corollary 3",
              "holds as printed", note="in the range; beyond 2/(C-2) it grows at |1 + gamma - gamma C| instead",
              evidence=_ids("growth-exponents", "sweep")),
    LedgerRow("Eq. 47", "Proof of Corollary 3", "holds as reconstructed", note="the restatement of Eq. 9",
              evidence=_LIMIT + _RESIDUAL),
    LedgerRow("Eq. 48", "Proof of Corollary 3", "holds as reconstructed",
              note="the restatement of Eq. 10; the OCR-literal max{-gamma, ...} is shown wrong, read as "
                   "max{-gamma C, (C-2) gamma - 2}", evidence=_RESIDUAL),
    LedgerRow("Eqs. 49-51", "Proof of Corollary 3", "holds as reconstructed",
              note="the multipliers' expansions and the scaled limit; Delta omits Pi_3 Z0, whose e^{-(1+gamma) X} "
                   "(the mean of the two E2 exponents) stays within the stated bound", evidence=_LIMIT + _RESIDUAL),
    LedgerRow("Eq. 52", "Proof of Corollary 3", "holds as printed",
              note="the distance of the normalized iterates bounded by 2 ||Delta|| / ||Z~ + Delta||; needs Z~ != 0",
              evidence=_ids("sweep", "vanishing-limit")),
    LedgerRow("Eq. 53", "Proof of Corollary 3", "holds as reconstructed",
              note="Z~ written in E with k = sqrt(s/N)", evidence=_ids("limit-z-tilde", "mutant-w-minus-sign")),
    LedgerRow("Proof of Corollary 3", "Corollary 3", "erratum",
              note="'since 0 < gamma < 2/(C-2) or C = 2, p(t) - q(t) > 0' fails at C = 2, gamma = 0",
              correction=r"p(t)-q(t)=\frac{\gamma\sqrt{\zeta_1(t)\zeta_2(t)}}{\sqrt N}>0\ \text{needs}\ \gamma>0,"
                         r"\ \text{also for } C=2",
              counterexample=r"C=2,\ \gamma=0:\ p(t)-q(t)=0", evidence=_ASSUMPTIONS),
    LedgerRow("Figure 1", "Corollary 3", "holds as reconstructed",
              note="caption's rates garbled; read as 3.95 eta/(C sqrt N) for gamma = 0.05 and about eta/(C sqrt N) for "
                   "the others; checked at p=512, C=100, N=10 over 20,000 GD steps (the run length is not given): "
                   "rates, sqrt(2), overlap, fastest at 1/(C-1). Panels (a) loss and (b) accuracy are not checked",
              evidence=_ids("figure-1-rates", "figure-1-caption", "figure-1-bias", "growth-exponents")),
)
