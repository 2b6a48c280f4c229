r"""Corollary 3's symbolic derivation, generic in C, N, gamma and s (Eqs. 9-10, 47-53).

The growth exponents of Theorem 2's components, the range where :math:`\mathcal E_1` strictly
dominates, the limit :math:`\tilde Z` of the scaled dynamics and where it lies, the residual
exponent and its minimiser, and the bias ratio; :mod:`ulproofs.claims.corollary_3` declares the
evidence built on them.

>>> residual_exponent()
Max(-C*gamma, C*gamma - 2*gamma - 2)
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from ..core.operator import derive_spectrum, gamma, label_matrix, time_scaling
from ..core.structured import FEATURES, MEAN, PERP, PROTOTYPES, SCALAR, Z_SPACE, C, N, StructuredMatrix
from .theorem_2 import alpha_beta, s

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
