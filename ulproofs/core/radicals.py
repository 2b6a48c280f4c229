r"""Exact identities with square roots and exponentials, decided by polynomial reduction.

Theorem 4's closed form contains :math:`e^{\theta_{1,2}}` and the root :math:`\rho` of a discriminant.
An identity in such terms is decided by naming each root (:math:`\rho^2=X`, :func:`name_roots`),
writing every exponential as a monomial in independent symbols (:func:`exponentials_as_symbols`)
and reducing the numerator modulo :math:`\rho^2-X` (:func:`vanishes`).

>>> x, y = sp.symbols("x y", positive=True)
>>> expr, roots = name_roots(sp.sqrt(x ** 2 + y) ** 2 - x ** 2 - y, depends_on=(y,))
>>> vanishes(expr, roots), vanishes(sp.exp(x) * sp.exp(y) - sp.exp(x + y), {})
(True, True)
>>> vanishes(sp.exp(2 * x) - sp.exp(x), {})
False
"""
from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.polys.fields import sfield


def name_roots(expr, depends_on):
    r"""Replace the discriminant roots by symbols :math:`\rho_j>0`; returns (expr, {rho_j: rho_j^2}).

    Roots :math:`\sqrt X` with X depending on a symbol of ``depends_on`` become :math:`\rho_j` with
    :math:`\rho_j^2=X`, and :math:`|Y|` (a root of a square) becomes :math:`\rho_j` with
    :math:`\rho_j^2=Y^2`. Other roots (:math:`\sqrt N`) stay.
    """
    roots, named, replace = {}, {}, {}
    for atom in sorted(expr.atoms(sp.Pow, sp.Abs), key=sp.default_sort_key):
        if isinstance(atom, sp.Abs):
            square, power = atom.args[0] ** 2, 1
        elif atom.exp.is_Rational and atom.exp.q == 2 and atom.base.has(*depends_on):
            square, power = atom.base, atom.exp.p      # X^(n/2) = rho^n
        else:
            continue
        square = sp.expand(square)
        if square not in named:
            named[square] = sp.Symbol(f"rho_{len(named)}", positive=True)
            roots[named[square]] = square
        replace[atom] = named[square] ** power
    return expr.xreplace(replace), roots


def exponentials_as_symbols(expr):
    r"""Write every :math:`e^{x}` as a monomial in symbols :math:`E_m=e^{m/q}`.

    Each exponent is expanded into rational multiples :math:`c\,m` of monomials m; with q the
    common denominator of the c's, :math:`e^{x}=\prod_mE_m^{qc}` (exp is a homomorphism). The
    result is a rational function of the :math:`E_m`.
    """
    exponents = {e: [term.as_coeff_Mul() for term in sp.Add.make_args(sp.expand(e.args[0]))]
                 for e in expr.atoms(sp.exp)}
    q = sp.ilcm(1, 1, *(sp.Rational(c).q for terms in exponents.values() for c, _ in terms))
    units = {}
    replace = {}
    for e, terms in exponents.items():
        value = sp.Integer(1)
        for c, monomial in terms:
            unit = units.setdefault(monomial, sp.Dummy("E", positive=True))
            value *= unit ** int(c * q)
        replace[e] = value
    return expr.xreplace(replace)


def vanishes(expr, roots):
    r"""True when ``expr`` is identically zero given :math:`\rho^2=` ``roots[rho]``.

    The exponentials become monomials in independent symbols (:func:`exponentials_as_symbols`)
    and the numerator is reduced modulo :math:`\rho^2-X`: a zero remainder proves the identity
    for every value of those symbols and every root :math:`\rho` of :math:`\rho^2=X`, wherever the
    denominators do not vanish. A nonzero remainder is reported as False, never as a proof.
    """
    _, fraction = sfield(exponentials_as_symbols(expr))      # a rational function in its generators
    numerator = fraction.numer.as_expr()
    for rho, square in roots.items():
        if numerator.has(rho):
            numerator = sp.rem(numerator, rho ** 2 - square, rho)
    return sp.expand(sp.numer(sp.together(numerator))) == 0


@cache
def _factor(expr):
    return sp.factor(expr)


def value_at_zero(expr, variable, orders=3):
    r"""The limit of ``expr`` as ``variable`` -> 0 by l'Hopital's rule on numerator and denominator
    (exact, for quotients of analytic functions)."""
    numerator, denominator = sp.fraction(sp.together(expr))
    for _ in range(orders + 1):
        low = sp.simplify(denominator.subs(variable, 0))
        if low != 0:
            return sp.simplify(numerator.subs(variable, 0) / low)
        if sp.simplify(numerator.subs(variable, 0)) != 0:
            return sp.zoo
        numerator, denominator = sp.diff(numerator, variable), sp.diff(denominator, variable)
    raise ArithmeticError(f"no finite limit found at {variable} = 0 within {orders} orders")


def homogenise(expr, variable):
    r"""Factor the radicands of the roots (and absolute values) that depend on ``variable``, so that a
    positive square factor leaves the root: :math:`\sqrt{z^2X}=z\sqrt X` for a positive symbol z."""
    def rooted(e):
        return ((e.is_Pow and e.exp.is_Rational and e.exp.q == 2) or isinstance(e, sp.Abs)) and e.has(variable)

    def factored(e):
        return sp.Abs(_factor(e.args[0])) if isinstance(e, sp.Abs) else sp.Pow(_factor(e.base), e.exp)

    return expr.replace(rooted, factored)
