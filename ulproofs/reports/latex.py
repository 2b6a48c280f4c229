r"""LaTeX export of every derived formula, and a standalone report of the verdicts.

Every formula the checker derives is registered here by name (:func:`formulas`), with the claim it
belongs to, the LaTeX of its left-hand side and a one-line description. Its right-hand side is
*computed* by the claim modules' public functions, never typed in, and printed by SymPy's LaTeX
printer in the paper's notation (:class:`PaperLatexPrinter`: :math:`\gamma`, :math:`\zeta_1`,
:math:`\eta`, :math:`\epsilon`, :math:`\Pi`, :math:`\otimes`, :math:`\mathbf 1_N`, :math:`I_C`,
:math:`X^\top`; structured matrices print through their ``_latex`` hook).

* :func:`formula_latex` prints one formula; :func:`write_macros` writes one ``\newcommand`` per
  formula (``\ulSigmaOnePlus`` ...) for a user to ``\input``.
* :func:`round_trip` checks that the exported LaTeX *is* its source. Formulas the LaTeX parser can
  read (``Formula.parser``) are parsed back with :func:`sympy.parsing.latex.parse_latex` and must
  simplify to the source; the others (matrices, matrix expressions, sets, products with indexed
  rates) are compared through ``srepr``: rebuilt from ``srepr`` of the source they equal it and
  print to the same LaTeX.
* :func:`write_latex` writes ``ulproofs-report.tex`` (the verdict table, then per claim its
  statement, reading, derived formulas, verdict, correction, counterexample and evidence) beside
  the macro file ``ulproofs-formulas.tex``; the report compiles with plain ``pdflatex``.

>>> print(formula_latex("SigmaOnePlus"))
\frac{\gamma + 1}{C \sqrt{N}}
>>> round_trip(formula("SigmaOnePlus")).equal
True
>>> escape_text("50% of C_N & {x}")
'50\\% of C\\_N \\& \\{x\\}'
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..core.errors import AssumptionError

# ------------------------------------------------------------------------------------------------
# Printing in the paper's notation
# ------------------------------------------------------------------------------------------------


class PaperLatexPrinter(LatexPrinter):
    r"""SymPy's LaTeX printer with the paper's matrix notation: :math:`\mathbf 1_n`,
    :math:`\mathbf 1_m\mathbf 1_n^\top`, :math:`I_n`, :math:`X^\top` and ``pmatrix``."""

    def __init__(self, settings=None):
        super().__init__({"mat_str": "pmatrix", "mat_delim": "", **(settings or {})})

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        if cols == 1:
            return rf"\mathbf{{1}}_{{{self._print(rows)}}}"
        if rows == 1:
            return rf"\mathbf{{1}}_{{{self._print(cols)}}}^\top"
        return rf"\mathbf{{1}}_{{{self._print(rows)}}}\mathbf{{1}}_{{{self._print(cols)}}}^\top"

    def _print_Identity(self, expr):
        return rf"I_{{{self._print(expr.rows)}}}"

    def _print_Transpose(self, expr):
        inner = expr.arg
        if isinstance(inner, sp.OneMatrix) and inner.shape[1] == 1:
            return rf"\mathbf{{1}}_{{{self._print(inner.shape[0])}}}^\top"
        text = self._print(inner)
        if not isinstance(inner, sp.MatrixSymbol):
            text = rf"\left({text}\right)"
        return rf"{text}^\top"


def to_latex(value):
    """The LaTeX of a SymPy object (or an object with a ``_latex`` hook) in the paper's notation."""
    return PaperLatexPrinter().doprint(value)


# ------------------------------------------------------------------------------------------------
# The registry
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """One derived formula: ``symbol = value()`` belongs to ``claim``.

    ``parser`` says how :func:`round_trip` compares the export with its source: True, parsed back
    by SymPy's LaTeX parser; False, through ``srepr`` (the parser cannot read this kind of object).
    """

    name: str
    claim: str
    symbol: str
    description: str
    build: Callable
    parser: bool = True

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z]+", self.name):
            raise AssumptionError(f"a formula name becomes a LaTeX macro and must be letters only: {self.name!r}")

    @property
    def macro(self):
        return r"\ul" + self.name

    def value(self):
        if self.name not in _VALUES:
            _VALUES[self.name] = self.build()
        return _VALUES[self.name]

    def latex(self):
        return to_latex(self.value())


_REGISTRY: list[Formula] = []
_VALUES: dict = {}


def _formula(name, claim, symbol, description, parser=True):
    def register(build):
        _REGISTRY.append(Formula(name, claim, symbol, description, build, parser))
        return build
    return register


def formulas(claim=None):
    """The registered formulas (of one claim id, or all), in registration order."""
    return [f for f in _REGISTRY if claim is None or f.claim == claim]


def formula(name):
    """The registered formula with this name."""
    for item in _REGISTRY:
        if item.name == name:
            return item
    raise KeyError(f"no formula named {name!r}; known: {', '.join(f.name for f in _REGISTRY)}")


def formula_latex(name):
    """The exported LaTeX of one formula (its right-hand side)."""
    return formula(name).latex()


def _spectrum():
    from ..core.operator import derive_spectrum

    return {component.label: component for component in derive_spectrum()}


_SUBSPACES = (("E1+", "OnePlus", "1", "+"), ("E1-", "OneMinus", "1", "-"), ("E2+", "TwoPlus", "2", "+"),
              ("E2-", "TwoMinus", "2", "-"), ("E3", "Three", "3", ""))


def _register_spectrum():
    for label, word, index, sign in _SUBSPACES:
        sup = f"^{{{sign}}}" if sign else ""
        _formula(f"Sigma{word}", "lemma-9", rf"\sigma_{{{index}}}{sup}",
                 rf"eigenvalue of $B$ on $\mathcal{{E}}_{{{index}}}{sup}$ (derived from the sector reduction)")(
            lambda label=label: _spectrum()[label].eigenvalue)
        _formula(f"Dim{word}", "lemma-9", rf"\dim\mathcal{{E}}_{{{index}}}{sup}",
                 rf"dimension of $\mathcal{{E}}_{{{index}}}{sup}$, $p\operatorname{{tr}}Q$")(
            lambda label=label: _spectrum()[label].dimension())
        claim = {"1": "lemma-15", "2": "lemma-16", "3": "lemma-17"}[index]
        _formula(f"Projector{word}", claim, rf"Q_{{{index}}}{sup}",
                 rf"$\Pi_{{{index}}}{sup} Z = Z Q_{{{index}}}{sup}$ on $Z=(H,W)$, derived", parser=False)(
            lambda label=label: _spectrum()[label].projector)


_register_spectrum()


@_formula("ProjectorCentring", "lemma-13", r"\Pi_S",
          r"projection onto $\{W: W\mathbf{1}_C = 0\}$ (acting on the right), as proved", parser=False)
def _projector_centring():
    from ..claims import lemma_13

    return lemma_13.paper_projector()


@_formula("ProjectorWithinClass", "lemma-14", r"\Pi_S",
          r"projection onto $\{H: H(I_C\otimes\mathbf{1}_N) = 0\}$ (acting on the right), as proved", parser=False)
def _projector_within():
    from ..claims import lemma_14

    return lemma_14.paper_projector()


# --- Theorem 2 ----------------------------------------------------------------------------------
@_formula("AlphaK", "theorem-2", r"\alpha_k", r"Eq.~41: $\alpha_k(t)$ for the eigenvalue $\sigma$ of $\Pi_k$")
def _alpha():
    from ..claims.theorem_2 import alpha_beta, sigma_symbol, zeta1_symbol, zeta2_symbol

    return alpha_beta(sigma_symbol, zeta1_symbol, zeta2_symbol)[0]


@_formula("BetaK", "theorem-2", r"\beta_k", r"Eq.~41: $\beta_k(t)$ for the eigenvalue $\sigma$ of $\Pi_k$")
def _beta():
    from ..claims.theorem_2 import alpha_beta, sigma_symbol, zeta1_symbol, zeta2_symbol

    return alpha_beta(sigma_symbol, zeta1_symbol, zeta2_symbol)[1]


def _alpha_beta_of(label, which):
    from ..claims.theorem_2 import alpha_beta, zeta1_symbol, zeta2_symbol

    return alpha_beta(_spectrum()[label].eigenvalue, zeta1_symbol, zeta2_symbol)[which]


for _label, _word, _index, _sign in _SUBSPACES[:4]:
    _formula(f"AlphaTwo{_word}", "theorem-2", rf"\alpha_{{{_index}}}^{{{_sign}}}",
             rf"$\alpha$ of $\mathcal{{E}}_{{{_index}}}^{{{_sign}}}$")(lambda label=_label: _alpha_beta_of(label, 0))
    _formula(f"BetaTwo{_word}", "theorem-2", rf"\beta_{{{_index}}}^{{{_sign}}}",
             rf"$\beta$ of $\mathcal{{E}}_{{{_index}}}^{{{_sign}}}$")(lambda label=_label: _alpha_beta_of(label, 1))


@_formula("BiasDrift", "theorem-2", r"\kappa",
          r"bias velocity per unit of $\eta_2$: $b(t) = b_0 + \kappa\,\zeta_2(t)\mathbf{1}_C$ (Eq.~7, read with $1/C$)")
def _bias_drift():
    from ..claims.theorem_4 import drift

    return drift()


def _component_multipliers(propagator, label):
    """(u, v) with Q_label @ propagator = Q_label @ diag(u I_CN, v I_C), read off the structured blocks."""
    from ..core.operator import time_scaling

    Q = _spectrum()[label].projector
    product = (Q @ propagator).simplified()
    multipliers = []
    for block in ((0, 0), (1, 1)):
        key, coefficient = next(iter(sorted(Q.blocks[block].items())))
        multipliers.append(sp.simplify(product.blocks[block][key] / coefficient))
    if not (product - Q @ time_scaling(*multipliers)).simplified().is_zero():
        raise ArithmeticError(f"the propagator is not diagonal on {label}")
    return multipliers


def _discrete(which):
    from ..claims.theorem_2 import discrete_propagator

    propagator, products = discrete_propagator()
    _, plus, minus = products["E1+"]
    u_or_v = _component_multipliers(propagator, "E1+")[which]
    named = {plus: sp.Symbol("P_{1}^{+}"), minus: sp.Symbol("P_{1}^{-}")}
    return _collect(u_or_v.xreplace(named), list(named.values()))


def _collect(expression, symbols):
    """expression as a sum of factored coefficients times the given symbols."""
    collected = sp.collect(sp.expand(expression), symbols, evaluate=False)
    return sp.Add(*[sp.factor(coefficient) * term for term, coefficient in collected.items()])


@_formula("DiscreteU", "theorem-2", r"u_{1,K}^{+}",
          r"exact gradient descent: $H$-multiplier of $\Pi_1^+Z_0$ after $K$ steps, "
          r"$P_1^{\pm}=\prod_{j<K}(1\pm\sigma_1^+\sqrt{s}\,\eta_{2,j})$", parser=False)
def _discrete_u():
    return _discrete(0)


@_formula("DiscreteV", "theorem-2", r"v_{1,K}^{+}",
          r"exact gradient descent: $W$-multiplier of $\Pi_1^+Z_0$ after $K$ steps", parser=False)
def _discrete_v():
    return _discrete(1)


# --- Corollary 3 --------------------------------------------------------------------------------
def _limit(label, which):
    from ..claims.corollary_3 import limit_multipliers

    return {row[0]: row[1:] for row in limit_multipliers()}[label][which]


for _label, _word, _sign in (("E1+", "Plus", "+"), ("E1-", "Minus", "-")):
    _formula(f"ZTildeH{_word}", "corollary-3", rf"\tilde u_{{1}}^{{{_sign}}}",
             rf"Eq.~9: coefficient of $H_1^{{{_sign}}}$ in $\tilde Z$")(lambda label=_label: _limit(label, 0))
    _formula(f"ZTildeW{_word}", "corollary-3", rf"\tilde v_{{1}}^{{{_sign}}}",
             rf"Eq.~9: coefficient of $W_1^{{{_sign}}}$ in $\tilde Z$")(lambda label=_label: _limit(label, 1))


@_formula("ZTilde", "corollary-3", r"\tilde Q", r"$\tilde Z = Z_0\tilde Q$, the limit of "
          r"$e^{-(1+\gamma)\sqrt{\zeta_1\zeta_2}/(C\sqrt{N})}Z(t)$", parser=False)
def _z_tilde():
    from ..claims.corollary_3 import limit_propagator

    return limit_propagator()


@_formula("GrowthExponent", "corollary-3", r"\lambda_1",
          r"$\|Z(t)\|$ grows like $e^{\lambda_1 X}$, $X=\sqrt{\zeta_1\zeta_2}/(C\sqrt{N})$")
def _growth():
    from ..claims.corollary_3 import growth_exponents

    return growth_exponents()["E1+"]


@_formula("DominanceGap", "corollary-3", r"\lambda_1^2-\lambda_2^2",
          r"$\mathcal{E}_1$ strictly dominates $\mathcal{E}_2$ iff this is positive")
def _gap():
    from ..claims.corollary_3 import dominance_gap

    return dominance_gap()


@_formula("DominanceRange", "corollary-3", r"\gamma\in",
          r"where $\mathcal{E}_1$ dominates, $C>2$ (every $\gamma>0$ when $C=2$)", parser=False)
def _range():
    from ..claims.corollary_3 import dominance_range

    return dominance_range()["C>2"]


@_formula("ResidualExponent", "corollary-3", r"\rho",
          r"Eq.~10: $\|\Delta(t)\| = O(e^{\rho X})$, $X=\sqrt{\zeta_1\zeta_2}/(C\sqrt{N})$")
def _residual():
    from ..claims.corollary_3 import residual_exponent

    return residual_exponent()


@_formula("FastestTradeOff", "corollary-3", r"\gamma^{*}", r"the $\gamma$ minimising the residual exponent")
def _fastest():
    from ..claims.corollary_3 import fastest_trade_off

    return fastest_trade_off()[0]


@_formula("FastestExponent", "corollary-3", r"\rho(\gamma^{*})",
          r"the residual exponent at $\gamma^*$, in units of $X$")
def _fastest_value():
    from ..claims.corollary_3 import fastest_trade_off

    return fastest_trade_off()[1]


@_formula("FastestRate", "corollary-3", r"\log\|\Delta(t)\|\sim",
          r"the fastest residual rate in $\zeta_1,\zeta_2$")
def _fastest_rate():
    from ..claims.corollary_3 import fastest_trade_off

    return fastest_trade_off()[2]


@_formula("SelfDuality", "corollary-3", r"k", r"$\tilde Z\in\{(H,W): H = k\,W\otimes\mathbf{1}_N^\top,\ "
          r"W\mathbf{1}_C = 0\}$ with this $k$")
def _self_duality():
    from ..claims.corollary_3 import self_duality_constant

    return self_duality_constant()


# --- Lemma 1 ------------------------------------------------------------------------------------
class Norm(sp.Function):
    r"""The Euclidean norm :math:`\|x\|` of a vector named by a symbol (printing only)."""

    def _latex(self, printer):
        return rf"\left\|{printer._print(self.args[0])}\right\|"


@_formula("LemmaOneCurvature", "lemma-1", r"\kappa",
          r"$\sum_c\|v_c\|^2 = (1+\gamma)^2\sum_c\|w_c\|^2 + \kappa\|S\|^2$, $S=\sum_c w_c$")
def _curvature():
    from ..claims.lemma_1 import curvature

    return sp.factor(curvature())


@_formula("LemmaOneThreshold", "lemma-1", r"\gamma_{\mathrm{c}}",
          r"$\kappa$ changes sign at $\gamma_{\mathrm{c}}$ ($C>2$)")
def _threshold():
    from ..claims.lemma_1 import THRESHOLD

    return THRESHOLD


@_formula("LemmaOneDirection", "lemma-1", r"v_c", r"$\mathcal{L} = -\frac{1}{CN}\sum_{i,c} v_c^\top h_{i,c}$: "
          r"the column $c$ of $W T$, $T = (1+\gamma)I_C - \gamma\mathbf{1}_C\mathbf{1}_C^\top$")
def _direction():
    from ..claims.lemma_1 import class_transform

    transform = class_transform()
    (terms,) = transform.blocks.values()
    w_c, S = sp.symbols("w_c S")
    return terms.get(("I", "1"), 0) * w_c + terms.get(("1", "1"), 0) * S


@_formula("LemmaOneMinimum", "lemma-1", r"\min\mathcal{L}",
          r"the exact minimum over the product of balls ($p\ge 2$ or $C$ even)")
def _minimum():
    from ..claims.lemma_1 import minimum_value

    return minimum_value()


@_formula("LemmaOneMinimumInterior", "lemma-1", r"\min\mathcal{L}",
          r"for $0\le\gamma\le 2/(C-2)$ (the first branch of the maximum)")
def _minimum_interior():
    from ..claims.lemma_1 import minimum_value

    return _branch(minimum_value(), 0)


@_formula("LemmaOneMinimumBeyond", "lemma-1", r"\min\mathcal{L}",
          r"for $\gamma > 2/(C-2)$: total collapse (the second branch, $\gamma C - 1 - \gamma > 0$)")
def _minimum_beyond():
    from ..claims.lemma_1 import minimum_value

    return _branch(minimum_value(), 1)


def _branch(minimum, which):
    """One branch of -E1 E2 Max(1+gamma, |1+gamma-gamma C|): 0 -> 1+gamma, 1 -> gamma C - 1 - gamma."""
    (maximum,) = [factor for factor in sp.Mul.make_args(minimum) if isinstance(factor, sp.Max)]
    branches = sorted(maximum.args, key=lambda a: isinstance(a, sp.Abs))
    chosen = branches[which]
    if isinstance(chosen, sp.Abs):
        chosen = -chosen.args[0]
    return minimum.subs(maximum, chosen)


@_formula("LemmaOneMinimizerFeature", "lemma-1", r"h_{i,c}",
          r"the minimizing feature for fixed $W$ (Cauchy--Schwarz equality case), when $v_c\ne 0$", parser=False)
def _minimizer_feature():
    from ..claims.lemma_1 import E2

    v = sp.Symbol("v_c")
    return E2 * v / Norm(v)


@_formula("LemmaOneMinimizerSet", "lemma-1", r"\mathcal{M}",
          r"the minimizers for $0<\gamma<2/(C-2)$ (corrected Lemma 1): norms at the bound, zero sum, "
          r"aligned features", parser=False)
def _minimizer_set():
    from ..claims.lemma_1 import E1, E2
    from ..core.structured import C

    w, h, c = sp.Symbol("w_c"), sp.Symbol("h_{i,c}"), sp.Symbol("c", integer=True, positive=True)
    return sp.And(sp.Eq(Norm(w), E1), sp.Eq(sp.Sum(w, (c, 1, C)), 0), sp.Eq(h, E2 * w / E1), evaluate=False)


# --- Theorem 8 ----------------------------------------------------------------------------------
@_formula("TheoremEightCondition", "theorem-8", r"\text{printed }\mathcal{C}\text{ defined} \iff",
          r"$U_B^{-1}U_A^{-1}$ multiplies a $C(N+1)$- by a $2p$-square matrix")
def _printed_condition():
    from ..claims.theorem_8 import printed_transform_condition

    return printed_transform_condition()


@_formula("TheoremEightTransform", "theorem-8", r"\mathcal{C}",
          r"corrected transform: $\mathcal{C}z(t) = e^{(\Lambda_A\otimes\Lambda_B)t}\mathcal{C}z(0)$ "
          r"(for a positive definite $K$)", parser=False)
def _corrected_transform():
    from ..claims.theorem_8 import block_sizes

    sizes = block_sizes()
    U_A = sp.MatrixSymbol("U_A", *sizes["A"])
    U_B = sp.MatrixSymbol("U_B", *sizes["B"])
    return sp.KroneckerProduct(U_A.I, U_B.I)


@_formula("TheoremEightGenerator", "theorem-8", r"A",
          r"Eq.~95: $X' = AXB$ for $X=\operatorname{diag}(H,W)$, sizes reconstructed", parser=False)
def _generator_a():
    from ..claims.theorem_8 import _block_matrices

    (A, _, _), _ = _block_matrices()
    return A


@_formula("TheoremEightKernelEigenvalues", "theorem-8", r"\operatorname{spec}A_\kappa",
          r"eigenvalues of $A$ on $\operatorname{span}\{(v,0),(0,v)\}$, $Kv=\kappa v$", parser=False)
def _kernel_eigenvalues():
    from ..claims.theorem_8 import kernel_block_facts

    return sp.FiniteSet(*kernel_block_facts()["eigenvalues"])


@_formula("TheoremEightPropagator", "theorem-8", r"e^{\tau A_\kappa}",
          r"the closed form on one eigenpair of $K$ ($\tau=\sigma_k t$); at $\kappa = 0$ the Jordan block "
          r"$\begin{pmatrix}1&0\\\tau&1\end{pmatrix}$", parser=False)
def _kernel_propagator():
    from ..claims.theorem_8 import kernel_block

    tau, kappa = sp.symbols("tau kappa", positive=True)
    return (kernel_block(kappa) * tau).exp().applyfunc(sp.simplify)


# --- Eq. 25 -------------------------------------------------------------------------------------
def _mse_field(which):
    from ..claims.eq_25 import gradient_flow
    from ..core.structured import C, N

    return gradient_flow(sp.Rational(1, 2) / (C * N))[which]


for _which, _name, _symbol in ((0, "H", "H'"), (1, "W", "W'"), (2, "B", "b'")):
    _formula(f"MseField{_name}", "eq-25", _symbol,
             r"Eq.~25 derived: the NTK gradient flow of $\frac{1}{2CN}\|W^\top H + b\mathbf{1}^\top - Y\|^2$, "
             r"$Y = I_C\otimes\mathbf{1}_N^\top$", parser=False)(lambda which=_which: _mse_field(which))


@_formula("MseFactor", "eq-25", r"\kappa", r"$\mathcal{C}(t)=\kappa(W^\top H + b\mathbf{1}^\top - Y)$ makes "
          r"Eq.~25 the gradient flow of $\frac{1}{2CN}\|\cdot\|^2$")
def _mse_factor():
    from ..claims.eq_25 import matching_factor
    from ..core.structured import C, N

    return matching_factor(sp.Rational(1, 2) / (C * N))


@_formula("MseCubic", "eq-25", r"[F_{H'}(\lambda x)]_{\lambda^3}",
          r"the cubic part of the MSE field: nonzero, so the flow is not linear", parser=False)
def _mse_cubic():
    from ..claims.eq_25 import matching_factor, mse_scaling
    from ..core.structured import C, N

    return mse_scaling(matching_factor(sp.Rational(1, 2) / (C * N)))[3]


# --- Appendix A ---------------------------------------------------------------------------------
@_formula("TieThreshold", "appendix-a", r"\tau^{*}",
          r"$L_\gamma < -(1+\gamma)\tau^*$ implies correct classification (simplex ETF); tight")
def _tie():
    from ..claims.appendix_a import tie_threshold

    return tie_threshold()


@_formula("BinaryEntropyGap", "appendix-a", r"\inf_z\bigl(\log(1+e^{z})-\gamma z\bigr)",
          r"the per-class gap of the multi-binary bound, $0<\gamma<1$")
def _entropy():
    from ..claims.appendix_a import binary_entropy_gap

    return binary_entropy_gap()


@_formula("CrossEntropyBound", "appendix-a", r"\text{CE form}",
          r"the second term of the bound (c), $\Lambda=\log\sum_i e^{z_i}$")
def _ce_bound():
    from ..claims.appendix_a import ce_bound_rhs

    return ce_bound_rhs()


# --- Theorem 4 ----------------------------------------------------------------------------------
def _weight_decay_arguments():
    from ..claims import theorem_4

    return (theorem_4.sigma_symbol, theorem_4.lambda1, theorem_4.lambda2, theorem_4.zeta1_symbol,
            theorem_4.zeta2_symbol)


@_formula("TheoremFourS", "theorem-4", r"S(\sigma,\lambda_1,\lambda_2,\zeta_1,\zeta_2)",
          r"Eq.~63: $(a_k,b_k)^\top = e^{S(\sigma_k,\ldots)}(1,1)^\top$ on each subspace", parser=False)
def _s_matrix():
    from ..claims.theorem_4 import S_matrix

    return S_matrix(*_weight_decay_arguments())


def _theta(which):
    from ..claims.theorem_4 import eigenvalues_eq66

    return eigenvalues_eq66(*_weight_decay_arguments())[which]


for _which, _name in ((0, "One"), (1, "Two")):
    _formula(f"Theta{_name}", "theorem-4", rf"\theta_{{{_which + 1}}}", rf"Eq.~66: eigenvalue {_which + 1} of $S$")(
        lambda which=_which: _theta(which))


@_formula("WeightDecayA", "theorem-4", r"a(t)", r"Eq.~69: the $H$-multiplier $[e^{S}(1,1)^\top]_1$ "
          r"($\theta_1\ne\theta_2$)")
def _multiplier_a():
    from ..claims.theorem_4 import multipliers_eq69

    return multipliers_eq69(*_weight_decay_arguments())[0]


@_formula("WeightDecayB", "theorem-4", r"b(t)", r"Eq.~69 as derived (two signs differ from the OCR): the "
          r"$W$-multiplier $[e^{S}(1,1)^\top]_2$")
def _multiplier_b():
    from ..claims.theorem_4 import multipliers_eq69

    return multipliers_eq69(*_weight_decay_arguments())[1]


@_formula("WeightDecayPsi", "theorem-4", r"\psi(t)", r"Eqs.~14, 72 corrected: "
          r"$\psi=\int_0^t\eta_2e^{\lambda_2\zeta_2}$ (the printed $\psi$ integrates $\zeta_2$)")
def _psi():
    from ..claims.theorem_4 import psi, zeta2_symbol

    return psi(zeta2_symbol)


@_formula("WeightDecayBias", "theorem-4", r"b_c(t)", r"Eq.~14 corrected: "
          r"$b(t)=\phi(t)(b_0+\kappa\,\psi(t)\mathbf{1}_C)$, $\phi=e^{-\lambda_2\zeta_2}$, per class")
def _weight_decay_bias():
    from ..claims.theorem_4 import b0_symbol, drift, lambda2, psi, zeta2_symbol

    return sp.exp(-lambda2 * zeta2_symbol) * (b0_symbol + drift() * psi(zeta2_symbol))


# --- Corollary 5 --------------------------------------------------------------------------------
def _corollary_5():
    from ..claims import corollary_5

    return corollary_5


for _which, _name in ((1, "One"), (2, "Two")):
    _formula(f"Omega{_name}", "corollary-5", rf"\omega_{{{_which}}}(\sigma,\lambda,s)",
             rf"Eq.~74: $\theta_{{{_which}}} = \omega_{{{_which}}}\zeta_2$ when $\lambda_1=\lambda_2=\lambda$, "
             r"$\zeta_1 = s\zeta_2$")(lambda which=_which: _corollary_5().omega(which, _corollary_5().sigma))


@_formula("LambdaStar", "corollary-5", r"\lambda^{*}", r"the weight decay where $\omega_2(\sigma_1)=0$: "
          r"$\|Z\|\to0$ above, a finite limit at, $\infty$ below")
def _lambda_star():
    return _corollary_5().threshold()


@_formula("ConvergenceRate", "corollary-5", r"\omega", r"Eq.~15: the direction converges as "
          r"$O(e^{-\omega\zeta_2})$, $\omega=\omega_2(\sigma_1)-\omega_2(\sigma_2)$ (Eq.~80 reconstructed)")
def _convergence_rate():
    return _corollary_5().convergence_rate()


for _key, _name, _symbol in (("h_plus", "PiHPlus", r"\pi_h^{+}"), ("w_plus", "PiWPlus", r"\pi_w^{+}"),
                             ("h_minus", "PiHMinus", r"\pi_h^{-}"), ("w_minus", "PiWMinus", r"\pi_w^{-}")):
    _formula(_name, "corollary-5", _symbol, r"Eq.~75: coefficient of the limit direction, "
             r"$R=\sqrt{\lambda^2(s-1)^2+4s\sigma_1^2}$")(lambda key=_key: _corollary_5().pi_coefficients()[key])


@_formula("ThresholdLimit", "corollary-5", r"\lim H\text{ on }\mathcal{E}_1^{-}",
          r"at $\lambda=\lambda^*$: $H(t)\to H_1^+ + (\cdot)\,H_1^-$ (and $W(t)\to W_1^+ - (\cdot)\,W_1^-$)")
def _threshold_limit():
    return _corollary_5().threshold_limit_multipliers()[1][0]


# --- Theorem 6 ----------------------------------------------------------------------------------
@_formula("AnchoredDecay", "theorem-6", r"a(t)", r"Eq.~17: $H(t)=a(t)H(0)+d(t)\,WM$")
def _anchored_decay():
    from ..claims.theorem_6 import decay_symbol, eq17_multipliers

    return eq17_multipliers(decay_symbol, sp.Symbol("zeta", positive=True))[0]


@_formula("AnchoredDrive", "theorem-6", r"d(t)", r"Eq.~17: the coefficient of $WM$")
def _anchored_drive():
    from ..claims.theorem_6 import decay_symbol, eq17_multipliers

    return eq17_multipliers(decay_symbol, sp.Symbol("zeta", positive=True))[1]


@_formula("EtfMargin", "theorem-6", r"x", r"margin of the limit logits $W^\top WM/\lambda$ for a simplex ETF "
          r"of norm $s$: every feature is classified correctly in the limit")
def _etf_margin():
    from ..claims.theorem_6 import etf_limit_margin

    return etf_limit_margin()[1]


@_formula("FullAccuracyZeta", "theorem-6", r"\zeta^{*}", r"the $\zeta$ from which the worst margin is positive "
          r"($D$: worst initial deficit, $\alpha$: drive margin)")
def _full_accuracy():
    from ..claims.theorem_6 import full_accuracy_time

    return full_accuracy_time()[0]


# --- Theorem 7, Lemmas 10 and 11 ----------------------------------------------------------------
def _alpha_zero(rescaled):
    from ..claims.theorem_7 import reduced_condition
    from ..core.operator import gamma
    from ..core.structured import C, N

    eta0, h0, w = sp.symbols(r"eta_0 h_0 w_c", positive=True)
    return reduced_condition(eta0, gamma, C, N, h0, w, rescaled=rescaled)


@_formula("AlphaZero", "theorem-7", r"\alpha_{i,c}(0)", r"Theorem~7's rate condition is $\alpha_{i,c}(0)\le1$ "
          r"($h_0=\|h_{i,c}(0)\|$, $w_c=\|w_c\|$)")
def _alpha_zero_plain():
    return _alpha_zero(False)


@_formula("AlphaZeroRescaled", "theorem-7", r"\alpha_{i,c}(0)", r"the same with the rescaled rate (Sec.~4.3): "
          r"$\|h_{i,c}(0)\|$ enters the condition")
def _alpha_zero_rescaled():
    return _alpha_zero(True)


@_formula("BetaNext", "lemma-10", r"\beta_{t+1}", r"Eq.~84: the cosine after one step")
def _beta_next():
    from ..claims.lemma_10 import alpha, beta, eq_84_step, xi

    return eq_84_step(alpha, beta, xi)[0]


@_formula("AlphaNext", "lemma-10", r"\alpha_{t+1}", r"Eq.~84: the effective rate after one step")
def _alpha_next():
    from ..claims.lemma_10 import alpha, beta, eq_84_step, xi

    return eq_84_step(alpha, beta, xi)[1]


@_formula("MonotoneBracket", "lemma-10", r"L", r"$(\beta+\alpha s)^2-\beta^2(1+\alpha^2 s)=\alpha s L$, "
          r"$s=1-\beta^2$: $\beta_{t+1}\ge\beta_t$ for every $\alpha\in[0,2]$")
def _bracket():
    from ..claims.lemma_10 import monotone_bracket

    return -monotone_bracket()


# --- Extensions past the paper's assumptions -----------------------------------------------------
def _register_extensions():
    """Each extension module declares ``FORMULAS``, keyword arguments of :class:`Formula`."""
    from ..claims import extension_any_rates, extension_collapse_condition, extension_imbalanced

    for module in (extension_any_rates, extension_collapse_condition, extension_imbalanced):
        _REGISTRY.extend(Formula(**spec) for spec in module.FORMULAS)


_register_extensions()


# ------------------------------------------------------------------------------------------------
# Round trip
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundTrip:
    name: str
    method: str          # "parse" or "srepr"
    equal: bool
    detail: str = ""


#: Rewrites of SymPy's output that the antlr grammar reads differently: |x| without \left{ }.
_PARSER_REWRITES = ((r"\left|{", "|"), (r"}\right|", "|"))


def parse_back(text):
    """SymPy's LaTeX parser on exported text, read as the formulas mean it.

    The antlr grammar reads ``x \\left(y\\right)`` as an undefined function x applied to y; no
    formula here applies an undefined function, so such an application is read back as the product
    x y. ``e`` is Euler's number and ``max``/``min`` are SymPy's Max/Min.
    """
    from sympy.parsing.latex import parse_latex

    for old, new in _PARSER_REWRITES:
        text = text.replace(old, new)
    parsed = parse_latex(text).xreplace({sp.Symbol("e"): sp.E})
    known = {"max": sp.Max, "min": sp.Min}

    def is_application(x):
        return isinstance(x, sp.core.function.AppliedUndef)

    def read(x):
        name = x.func.__name__
        if name in known:
            return known[name](*x.args)
        if len(x.args) != 1:
            raise ValueError(f"an undefined function {name} of {len(x.args)} arguments")
        return sp.Symbol(name) * x.args[0]

    while parsed.has(sp.core.function.AppliedUndef):
        parsed = parsed.replace(is_application, read)
    return parsed


def _canonical(expression):
    """Symbols renamed to their brace-free names (zeta_{1} -> zeta_1) and stripped of assumptions."""
    def name(symbol):
        return re.sub(r"[{}\\ ]", "", symbol.name)
    return expression.xreplace({s: sp.Symbol(name(s)) for s in expression.free_symbols if isinstance(s, sp.Symbol)})


def _same(source, parsed):
    source, parsed = _canonical(source), _canonical(parsed)
    if isinstance(source, sp.Equality) and isinstance(parsed, sp.Equality):
        return sp.simplify((source.lhs - source.rhs) - (parsed.lhs - parsed.rhs)) == 0
    return sp.simplify(source - parsed) == 0


def _srepr_namespace():
    """The names ``srepr`` writes: SymPy's top level, matrix expressions, Str, and this module's printers."""
    import sympy
    import sympy.matrices.expressions as expressions
    from sympy.core.symbol import Str
    from sympy.matrices.expressions.matexpr import MatrixElement

    return {**vars(sympy), **vars(expressions), "Str": Str, "MatrixElement": MatrixElement, "Norm": Norm}


def _rebuild(value):
    """The object rebuilt from ``srepr`` (structured matrices coefficient by coefficient)."""
    from ..core.structured import StructuredMatrix

    if isinstance(value, StructuredMatrix):
        blocks = {k: {key: _rebuild(c) for key, c in terms.items()} for k, terms in value.blocks.items()}
        return StructuredMatrix(value.rows, value.cols, blocks)
    return eval(sp.srepr(value), _srepr_namespace())


def _fingerprint(value):
    """srepr of a SymPy object; of each coefficient for a structured matrix."""
    from ..core.structured import StructuredMatrix

    if isinstance(value, StructuredMatrix):
        return repr(sorted((k, sorted((key, sp.srepr(c)) for key, c in terms.items()))
                           for k, terms in value.blocks.items()))
    return sp.srepr(value)


def parser_reads(item):
    """Whether SymPy's LaTeX parser reads a formula's export back as its source (the parse route works)."""
    try:
        return bool(_same(item.value(), parse_back(item.latex())))
    except Exception:                                # parse errors, or a parsed object that cannot be compared
        return False


def round_trip(item, text=None):
    """Compare a formula's exported LaTeX (or ``text``, e.g. a mutated export) with its source."""
    source = item.value()
    text = item.latex() if text is None else text
    if item.parser:
        try:
            parsed = parse_back(text)
        except Exception as error:                   # the parser raises several unrelated types
            return RoundTrip(item.name, "parse", False, f"parser failed: {error}".splitlines()[0])
        return RoundTrip(item.name, "parse", bool(_same(source, parsed)), f"parsed as {sp.sstr(parsed)}")
    rebuilt = _rebuild(source)
    equal = _fingerprint(rebuilt) == _fingerprint(source) and to_latex(rebuilt) == text
    return RoundTrip(item.name, "srepr", bool(equal), "rebuilt from srepr and printed again")


# ------------------------------------------------------------------------------------------------
# Text escaping
# ------------------------------------------------------------------------------------------------
_ASCII_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
                  "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}

_UNICODE_ESCAPES = {
    "±": r"$\pm$", "∓": r"$\mp$", "≥": r"$\geq$", "≤": r"$\leq$", "≠": r"$\neq$", "≈": r"$\approx$",
    "→": r"$\to$", "←": r"$\leftarrow$", "⇒": r"$\Rightarrow$", "⟹": r"$\Longrightarrow$", "⇔": r"$\Leftrightarrow$",
    "∞": r"$\infty$", "⊗": r"$\otimes$", "⊕": r"$\oplus$", "⊥": r"$\perp$", "∈": r"$\in$", "∉": r"$\notin$",
    "√": r"$\surd$", "∑": r"$\sum$", "∏": r"$\prod$", "∫": r"$\int$", "∂": r"$\partial$", "∇": r"$\nabla$",
    "·": r"$\cdot$", "×": r"$\times$", "‖": r"$\|$", "∘": r"$\circ$", "⊂": r"$\subset$", "∪": r"$\cup$",
    "∩": r"$\cap$", "∀": r"$\forall$", "∃": r"$\exists$", "≡": r"$\equiv$", "∼": r"$\sim$", "°": r"$^\circ$",
    "−": "-", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}", "\u00a0": "~",
    "²": r"$^2$", "³": r"$^3$", "¹": r"$^1$", "⁻": r"$^-$", "₀": r"$_0$", "₁": r"$_1$", "₂": r"$_2$", "₃": r"$_3$",
    "é": r"\'e", "è": r"\`e", "ö": r'\"o', "ü": r'\"u', "ä": r'\"a',
}
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
          "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi",
          "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
          "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi",
          "Ψ": "Psi", "Ω": "Omega"}
_UNICODE_ESCAPES.update({letter: rf"$\{name}$" for letter, name in _GREEK.items()})


def escape_text(text):
    r"""Plain text (statements, readings, evidence) as LaTeX text: the ten special characters, < > |,
    and the Unicode mathematics the claims use; any other non-ASCII character is written as its code
    point (``[U+2AF4]``), so the document always compiles with pdflatex."""
    out = []
    for char in str(text):
        if char in _ASCII_ESCAPES:
            out.append(_ASCII_ESCAPES[char])
        elif char in _UNICODE_ESCAPES:
            out.append(_UNICODE_ESCAPES[char])
        elif ord(char) < 128:
            out.append(char if char.isprintable() or char in "\n\t" else " ")
        else:
            out.append(rf"[U+{ord(char):04X}]")
    return "".join(out)


# ------------------------------------------------------------------------------------------------
# The macro file and the report
# ------------------------------------------------------------------------------------------------
MACRO_FILE = "ulproofs-formulas.tex"
REPORT_FILE = "ulproofs-report.tex"
JSON_FILE = "ulproofs-verdicts.json"


def macro_definitions():
    """The macro file's text: one ``\\newcommand`` per formula (math mode; needs amsmath, amssymb)."""
    lines = ["% Derived formulas of ulproofs (On the Dynamics Under the Unhinged Loss and Beyond, arXiv 2312.07841).",
             "% Generated by `python -m ulproofs latex`; use in math mode after \\input{ulproofs-formulas}.",
             "% Needs \\usepackage{amsmath,amssymb}.", ""]
    for item in _REGISTRY:
        lines.append(f"% {item.name} ({item.claim}): {_comment(item.symbol)} -- {_comment(item.description)}")
        lines.append(rf"\newcommand{{{item.macro}}}{{{item.latex()}}}")
    return "\n".join(lines) + "\n"


def _comment(text):
    return " ".join(str(text).split())


def write_macros(out_dir):
    """Write the macro file into ``out_dir`` and return its path."""
    path = Path(out_dir) / MACRO_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(macro_definitions(), encoding="utf-8")
    return path


def _record(findings, context):
    """A verdict record (the JSON of ``python -m ulproofs check``) from findings, a record or its path."""
    from ..engine import registry
    from ..engine.context import CheckContext

    if findings is None:
        context = context or CheckContext()
        findings = registry.run(context, progress=False)
    if isinstance(findings, (str, Path)):
        return json.loads(Path(findings).read_text())
    if isinstance(findings, dict):
        return findings
    return registry.findings_to_json(list(findings), context or CheckContext())


_PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{longtable,array}
\input{%(macros)s}
%% Shrink a display to the line width only when it is wider.
\newsavebox{\ulbox}
\newcommand{\ulfit}[1]{\sbox{\ulbox}{$\displaystyle #1$}%%
  \ifdim\wd\ulbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\ulbox}}\else\usebox{\ulbox}\fi}
\setlength{\emergencystretch}{3em}
\sloppy
\title{ulproofs: the claims of \emph{On the Dynamics Under the Unhinged Loss and Beyond}\\
  (Zhou et al., arXiv 2312.07841), checked}
\author{generated by \texttt{python -m ulproofs latex}}
\date{}
\begin{document}
\maketitle
"""

#: How many measured values of one piece of evidence the report shows, and how long each may be.
MEASURED_ITEMS, MEASURED_CHARS = 8, 160


def _measured_text(measured):
    items = list(measured.items())
    shown = []
    for key, value in items[:MEASURED_ITEMS]:
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        if len(text) > MEASURED_CHARS:
            text = text[:MEASURED_CHARS] + " ..."
        shown.append(f"{key} = {text}")
    if len(items) > MEASURED_ITEMS:
        shown.append(f"({len(items) - MEASURED_ITEMS} more in the JSON record)")
    return "; ".join(shown)


def _verdict_table(claims):
    rows = [r"\begin{longtable}{>{\raggedright}p{2.6cm}>{\raggedright}p{3.2cm}p{1.8cm}p{7.6cm}}",
            r"claim & verdict & evidence & title\\ \hline\endhead"]
    for claim in claims:
        evidence = claim.get("evidence") or []
        held = f"{sum(bool(e['passed']) for e in evidence)}/{len(evidence)} held" if evidence else "--"
        verdict = claim.get("verdict_text") or claim["verdict"]
        rows.append(rf"\texttt{{{escape_text(claim['id'])}}} & {escape_text(verdict)} & {held} & "
                    rf"{escape_text(claim['title'])}\\")
    rows.append(r"\end{longtable}")
    return "\n".join(rows)


def _claim_section(claim):
    parts = [rf"\section{{{escape_text(claim['title'])}}}",
             rf"\noindent\texttt{{{escape_text(claim['id'])}}}, "
             rf"{escape_text(', '.join(claim.get('equations', [])))}.",
             rf"\paragraph{{Statement as read.}} {escape_text(claim['statement'])}"]
    if claim.get("printed"):
        parts.append(rf"\paragraph{{As printed (OCR).}} {{\small\ttfamily {escape_text(claim['printed'])}}}")
    if claim.get("reading"):
        parts.append(rf"\paragraph{{Reading.}} {escape_text(claim['reading'])}")
    for reading in claim.get("readings", []):
        label = "a correction that departs from the print" if reading["departs"] else "as printed"
        verdict = f"; {reading['verdict']}" if reading.get("verdict") else ""
        text = rf"\paragraph{{Reading \texttt{{{escape_text(reading['key'])}}} ({label}{escape_text(verdict)}).}} "
        text += escape_text(reading["text"])
        for key in ("change", "why"):
            if reading.get(key):
                text += rf" \emph{{{key.capitalize()}:}} {escape_text(reading[key])}"
        if reading.get("proof_needs"):
            text += r" The paper's proof needs this reading."
        parts.append(text)
    items = formulas(claim["id"])
    if items:
        parts.append(r"\paragraph{Derived formulas.}")
        for item in items:
            parts.append(rf"{item.description} (\verb|{item.macro}|):"
                         + "\n" + rf"\[\ulfit{{{item.symbol} = {item.macro}}}\]")
    parts.append(rf"\paragraph{{Verdict.}} \textbf{{{escape_text(claim.get('verdict_text') or claim['verdict'])}}}.")
    for key, label in (("correction", "Correction"), ("counterexample", "Counterexample")):
        if claim.get(key):
            parts.append(rf"\paragraph{{{label}.}} {escape_text(claim[key])}")
    evidence = claim.get("evidence") or []
    if evidence:
        parts.append(r"\paragraph{Evidence.}" + "\n" + r"\begin{itemize}")
        for e in evidence:
            status = e.get("status", "held" if e["passed"] else "failed")
            item = (rf"\item \textbf{{{escape_text(status)}}} \texttt{{{escape_text(e.get('id', ''))}}} "
                    rf"({escape_text(e['kind'])}, {e.get('seconds', 0):.2f}\,s) {escape_text(e['description'])}")
            if e.get("error"):
                item += rf"\newline{{\small {escape_text(e['error'])}}}"
            if e.get("measured"):
                item += rf"\newline{{\small {escape_text(_measured_text(e['measured']))}}}"
            parts.append(item)
        parts.append(r"\end{itemize}")
    return "\n\n".join(parts)


def _round_trip_section():
    rows = [r"\section*{Round trip of the exported formulas}",
            "Each formula's LaTeX was parsed back with SymPy's LaTeX parser and simplified against its source, "
            "or, where the parser cannot read it, rebuilt from \\texttt{srepr} of the source and printed again.",
            r"\begin{longtable}{>{\raggedright}p{5.4cm}p{2.6cm}p{1.4cm}p{5cm}}",
            r"macro & claim & route & result\\ \hline\endhead"]
    for item in _REGISTRY:
        result = round_trip(item)
        rows.append(rf"\verb|{item.macro}| & \texttt{{{escape_text(item.claim)}}} & {result.method} & "
                    rf"{'equal' if result.equal else 'DIFFERS'}\\")
    rows.append(r"\end{longtable}")
    return "\n".join(rows)


def report_text(record):
    """The report's LaTeX source for a verdict record (see :func:`write_latex`)."""
    from ..engine import registry

    by_id = {c["id"]: c for c in record["claims"]}
    claims = []
    for claim in registry.all_claims():
        if claim.id in by_id:
            claims.append(by_id[claim.id])
        else:
            claims.append({"id": claim.id, "title": claim.title, "statement": claim.statement,
                           "equations": list(claim.equations), "reading": claim.reading, "section": claim.section,
                           "verdict": "not run for this report", "evidence": []})
    paper = [c for c in claims if c.get("section", "paper") == "paper"]
    extensions = [c for c in claims if c.get("section") == "extension"]
    environment = record.get("environment", {})
    context = record.get("context", {})
    header = (f"Commit {environment.get('commit', 'unknown')}; check context {json.dumps(context, sort_keys=True)}; "
              f"versions {json.dumps(environment.get('versions', {}), sort_keys=True)}.")
    body = [_PREAMBLE % {"macros": Path(MACRO_FILE).stem}, escape_text(header),
            r"\section*{Verdicts}", _verdict_table(paper)]
    if extensions:
        body += [r"\section*{Extensions past the paper's assumptions}",
                 "These are results of ulproofs, not claims of the paper, checked to the same standard.",
                 _verdict_table(extensions)]
    body += [_claim_section(c) for c in paper]
    if extensions:
        body += [r"\part*{Extensions past the paper's assumptions}"] + [_claim_section(c) for c in extensions]
    body += [_errata_section(record)]
    body += [_round_trip_section(), r"\end{document}", ""]
    return "\n\n".join(body)


def _errata_section(record):
    from .errata import errata_latex

    return errata_latex(record.get("ledger", []))


def write_latex(out_dir, findings=None, context=None, force=False):
    """Write the report, the macro file and the verdict record into ``out_dir``; return their paths.
    Files of an earlier run are replaced only with ``force`` (FileExistsError otherwise).

    ``findings``: a list of :class:`~ulproofs.engine.verdicts.Finding`, a verdict record (the dict of
    :func:`ulproofs.engine.registry.findings_to_json`) or the path of its JSON file; None runs every
    check with ``context`` (default :class:`~ulproofs.engine.context.CheckContext`). Claims without a
    finding are listed as not run.
    """
    from ..engine.registry import json_default

    out = Path(out_dir)
    existing = [out / name for name in (REPORT_FILE, MACRO_FILE, JSON_FILE) if (out / name).exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]} exists; pass --force (force=True) to replace it, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    record = _record(findings, context)
    macros = write_macros(out)
    report = out / REPORT_FILE
    report.write_text(report_text(record), encoding="utf-8")
    data = out / JSON_FILE
    data.write_text(json.dumps(record, indent=2, default=json_default))
    return [report, macros, data]
