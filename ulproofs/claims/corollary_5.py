r"""Corollary 5: convergence under weight decay (Eq. 15, Eqs. 73--81, Figures 4--8).

Statement (reconstructed; the OCR garbles the formulas). *Under the conditions and notation of
Theorem 4, let* :math:`s=\eta_1(t)/\eta_2(t)` *be constant. If* :math:`0<\gamma<\frac2{C-2}`
*(where C > 2) or C = 2,* :math:`\lambda_1=\lambda_2=\lambda` *and*
:math:`\lim_{t\to\infty}\zeta_1(t)=\infty`, *there are constants*
:math:`\pi_h^\pm,\pi_w^\pm,\omega` *depending only on* :math:`\lambda,\gamma,s,C,N` *with*

.. math::

    \Bigl\|\frac{H(t)}{\|H(t)\|}-\frac{\pi_h^+H_1^++\pi_h^-H_1^-}{\|\pi_h^+H_1^++\pi_h^-H_1^-\|}\Bigr\|
    =O(e^{-\omega\zeta_2(t)}),\qquad
    \Bigl\|\frac{W(t)}{\|W(t)\|}-\frac{\pi_w^+W_1^++\pi_w^-W_1^-}{\|\pi_w^+W_1^++\pi_w^-W_1^-\|}\Bigr\|
    =O(e^{-\omega\zeta_2(t)}), \tag{15, 73}

:math:`(H_1^\pm,W_1^\pm)=\Pi_1^\pm Z_0`; *and with* :math:`\lambda^*=\frac{1+\gamma}{C\sqrt N}`:
:math:`\|Z(t)\|\to0` *if* :math:`\lambda>\lambda^*`; :math:`H(t)\to H_1^++\frac{1-s}{1+s}H_1^-`,
:math:`W(t)\to W_1^+-\frac{1-s}{1+s}W_1^-` *if* :math:`\lambda=\lambda^*`;
:math:`\|Z(t)\|\to\infty` *if* :math:`\lambda<\lambda^*`. The proof (B.5) writes the two
eigenvalues of Theorem 4's S as :math:`\omega_{1,2}\zeta_2` with (Eq. 74)

.. math::

    \omega_{1,2}(\sigma,\lambda,s)=\frac{-\lambda(s+1)\mp\sqrt{\lambda^2(s-1)^2+4s\sigma^2}}{2}.

What is derived here, for symbolic C, N, :math:`\gamma`, s, :math:`\lambda` (with
:math:`\zeta_1=s\zeta_2` each component's multipliers are :math:`e^{\zeta_2G}(1,1)^\top`,
:math:`G=\bigl(\begin{smallmatrix}-s\lambda&s\sigma\\ \sigma&-\lambda\end{smallmatrix}\bigr)`):

* :math:`\omega_{1,2}` as the roots of :math:`\det(G-\omega I)` (= Eq. 74); the threshold
  :math:`\omega_2(\sigma_1,\lambda,s)=0\iff\lambda=\sigma_1=\frac{1+\gamma}{C\sqrt N}`, independent
  of s; :math:`\operatorname{sign}\omega_2=\operatorname{sign}(\sigma^2-\lambda^2)` since
  :math:`\lambda^2(s-1)^2+4s\sigma^2-\lambda^2(s+1)^2=4s(\sigma^2-\lambda^2)`, so the three regimes
  hold in both directions;
* dominance: the characteristic polynomial is :math:`-s\sigma^2\le0` at :math:`-s\lambda` and at
  :math:`-\lambda`, so :math:`\omega_1(\sigma)\le-s\lambda,-\lambda\le\omega_2(\sigma)` for every
  :math:`\sigma`: neither :math:`\mathcal E_3` (H-part :math:`e^{-s\lambda\zeta_2}`, no W-part) nor
  the decaying direction of :math:`\mathcal E_1` ever dominates, and :math:`\mathcal E_1` beats
  :math:`\mathcal E_2` iff :math:`\sigma_1^2>\sigma_2^2` — Corollary 3's range, whatever
  :math:`\lambda` and s. The exact rate is :math:`\omega=\omega_2(\sigma_1)-\omega_2(\sigma_2)`
  (the garbled Eq. 80 reconstructed); at :math:`\lambda=0` it is Corollary 3's residual; at
  :math:`\gamma=\frac1{C-1}` it is :math:`\omega_2(\sigma_1)+\lambda\min(s,1)`, while H alone
  converges at :math:`\omega_2(\sigma_1)+s\lambda` and W alone at :math:`\omega_2(\sigma_1)+\lambda`;
* :math:`\pi_h^\pm,\pi_w^\pm` as the spectral projection :math:`(G-\omega_1I)(1,1)^\top/(\omega_2-\omega_1)`
  at :math:`\pm\sigma_1` (= Eq. 75 read with Eq. 69's :math:`s\lambda`); the limit at
  :math:`\lambda^*` from the null eigenvector of G: exactly the paper's, with
  :math:`W_{\lim}=\frac{\sqrt N\bar H_c(0)+s\,W_c(0)}{1+s}` (centred class means and prototypes)
  and :math:`H_{\lim}=\frac1{\sqrt N}W_{\lim}\otimes\mathbf 1_N^\top`;
* within-class collapse and self-duality of the limit direction for *every* :math:`\lambda`, with
  :math:`H=k\,W\otimes\mathbf 1_N^\top`, :math:`k=\frac{\omega_2(\sigma_1)+\lambda}{\sigma_1\sqrt N}`
  (:math:`\sqrt{s/N}` at :math:`\lambda=0`, :math:`1/\sqrt N` at :math:`\lambda^*`); the limit
  vanishes iff :math:`\sigma_1\sqrt N\bar H_c(0)+(s\lambda+\omega_2)W_c(0)=0`; it is a simplex ETF
  iff that combination's Gram is proportional to :math:`I_C-\frac1C\mathbf 1\mathbf 1^\top` — not
  for random initialisations (measured), but e.g. whenever :math:`W_0` is a simplex ETF and
  :math:`\bar H_c(0)\propto W_0`.

Numerically (:mod:`ulproofs.claims.corollary_5_iterates`), real gradient-descent iterates
(:func:`~ulproofs.core.weight_decay.simulate`) are compared with the exact discrete closed form
and fitted on a log scale; GD multiplies each eigen-direction by exactly :math:`1+\eta_2\omega` a
step, so fitted rates are judged against :math:`\log|1+\eta_2\omega|` with the flow's
:math:`\eta_2\omega` reported beside.

Outcome: every formula holds, but the statement as printed does not (reading ``printed``): C = 2
needs :math:`\gamma>0` (at :math:`\gamma=0` the limit picks up :math:`\Pi_2Z_0`); the regimes need
a non-vanishing limit direction (else "λ < λ* ⇒ ||Z|| → ∞" fails); Eq. 75's b needs
:math:`s\lambda`; Fig. 5's :math:`\gamma=0.1` lies outside the range, so its norms grow
exponentially; Fig. 8's "larger s converges faster" holds for H (rate :math:`s\lambda^*\eta_2`)
but not for W (rate :math:`\lambda^*\eta_2` for every s). The corrected statement (``corrected``)
holds. Self-duality is not special to :math:`\lambda^*`; Fig. 4(c)'s :math:`\|H\|-\|W\|` tends to 0
for every λ, at the λ-dependent rate :math:`(\sigma_1+\lambda)\eta`.

>>> threshold()
(gamma + 1)/(C*sqrt(N))
>>> (u_plus, v_plus), (u_minus, v_minus) = threshold_limit_multipliers()     # lim e^{zeta2 G}(1, 1) at E1+-
>>> (u_plus, v_plus), sp.simplify(u_minus - (1 - s) / (1 + s)), sp.simplify(v_minus + (1 - s) / (1 + s))
((1, 1), 0, 0)
>>> sp.expand(sign_identity() - 4 * s * (sigma ** 2 - lam ** 2))     # sign(omega_2) = sign(sigma^2 - lambda^2)
0
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from ..core import weight_decay
from ..core.decomposition import spectrum_at
from ..core.operator import derive_spectrum, gamma, time_scaling
from ..core.precision import float_tolerance
from ..core.setting import LayerPeeledProblem
from ..core.structured import FEATURES, MEAN, PERP, PROTOTYPES, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from . import corollary_3, corollary_5_iterates
from .theorem_2 import s
from .theorem_4 import S_matrix, lambda1, lambda2

PRINTED = (
    "Corollary 5 (Convergence in the Uy Regularized Case). Under the conditions and notation of Theorem 4, let s = m "
    "CIfo<y < C 2 (where C'>2) or C' =2, A\\ = Ay =\\, and limy_, o, (1(t) = o0, then there exzst constants 7rh y Ty, "
    ", Tk, ™, and w only depending on A, v, s, C, and N, such that the gradient flow (as in Equation (12)) behaves "
    "as: [z - 7l = (=), (19 where (H\"\\Wi\") = ] Zy, (H; ,W; ) = ] Zy ... o If\\> C}f/]v, then lim; o || Z(t)[| = 0; "
    "o If A= 25, then i Z(1) = (HY + 52 Hy Wi - 12 W7 ) o IfA< CHT% then limy o0 || Z(t)]| = . [Eq. 75:] b(t) = "
    "... [(X w2+ 0) + (A 4wy - @)elrme2)a(8)] [after Eq. 81:] o If \\ > CI\\J;'YN, we have wg > 0, and then "
    "lim;_, || Z(t)|| = 0 since lim;_,o0 (2(t) = 0. [Fig. 5 caption:] ||H||2 and |W||2 do not grow exponentially as "
    "in the unconstrained case [Fig. 8 caption:] larger scale parameter s can achieve faster convergence speed.")

CLAIM = Claim(
    id="corollary-5",
    title="Convergence under weight decay",
    statement=(
        "Under Theorem 4 with s = eta1/eta2 constant, lambda1 = lambda2 = lambda, 0 < gamma < 2/(C-2) (C > 2) or "
        "C = 2, zeta1(t) -> oo: there are constants pi_h^+-, pi_w^+-, omega (depending on lambda, gamma, s, C, N) "
        "with ||H(t)/||H(t)|| - (pi_h^+ H1+ + pi_h^- H1-)/||.|| || = O(e^{-omega zeta2}) and the same for W "
        "(Eq. 15), (H1+-, W1+-) = Pi_1^+- Z0; omega_{1,2}(sigma, lambda, s) = (-lambda(s+1) -+ sqrt(lambda^2 (s-1)^2 "
        "+ 4 s sigma^2))/2 (Eq. 74); if lambda > (1+gamma)/(C sqrt N) then ||Z(t)|| -> 0; if lambda = "
        "(1+gamma)/(C sqrt N) then H(t) -> H1+ + ((1-s)/(1+s)) H1- and W(t) -> W1+ - ((1-s)/(1+s)) W1-; if lambda < "
        "(1+gamma)/(C sqrt N) then ||Z(t)|| -> oo. The limit shows within-class collapse, at lambda* self-duality; "
        "neural collapse needs pi_w^+ W1+ + pi_w^- W1- to be a simplex ETF. Figs. 4-8 (p=512, C=100, N=10, "
        "gamma=1/(C-1)): log||W|| grows for lambda < lambda*, ||W - P|| -> 0 at lambda* (P = W-part of Pi_1^+ Z0), "
        "||H|| - ||W|| converges for every lambda; Fig. 5 (lambda*, gamma in {0, 0.1, 0.01, 0.001, 1/(C-1)}): norms "
        "do not grow; Fig. 6: larger eta converges faster; Fig. 8: larger s converges faster."),
    equations=("Eq. 15", "Eqs. 73-81", "Figures 4-8"),
    issue=3,
    printed=PRINTED,
    readings=(
        Reading("printed", "as stated above, for every Z0; the range 'If 0 < gamma < 2/(C-2) (where C > 2) or C = 2' "
                "admits every gamma >= 0 when C = 2; pi_w^+- as the proof gives them (Eq. 75's b with lambda); the "
                "captions of Figs. 5 and 8 as printed",
                change=("omega of Eq. 15 read from the garbled Eq. 80 as omega_2(sigma_1) - omega_2(sigma_2); the "
                        "bullets after Eq. 81 ('omega_2 > 0' for lambda > lambda*, 'since lim zeta2(t) = 0') read with "
                        "the derived signs and zeta2 -> oo, which the regimes need; Figs. 4-8 with eta2 = eta, eta1 = "
                        "s eta, Fig. 8 with eta2 = 0.5; Eq. 75's 'X' read as lambda (reading it as s lambda would "
                        "not change the verdict). Grouping the range as '0 < gamma and (gamma < 2/(C-2) or "
                        "C = 2)' instead would supply gamma > 0 but not change the verdict: the other "
                        "counterexamples stand."),
                establishes="proved"),
        Reading("corrected", "as printed, with gamma > 0 also for C = 2; for Z0 whose limit direction does not vanish, "
                "sigma_1 sqrt N Hbar_c(0) + (s lambda + omega_2) W_c(0) != 0 (for s = 1: Pi_1^+ Z0 != 0; almost every "
                "Z0); pi_w^+- = (+-sigma_1 + s lambda + omega_2)/(omega_2 - omega_1) (Eq. 75 with s lambda); Fig. 5's "
                "caption without gamma = 0.1 (outside the range, its norms grow); Fig. 8's 'larger s converges "
                "faster' for H only (W converges at lambda* eta2 for every s)",
                change="adds gamma > 0 for C = 2 and a non-vanishing limit direction; s lambda for lambda in Eq. 75's "
                       "b; restricts the captions of Figs. 5 and 8",
                departs=True,
                why=("at C = 2, gamma = 0 E2 ties with E1 and the limit at lambda* picks up Pi_2 Z0; with Pi_1^+ Z0 "
                     "= 0 and lambda < lambda*, ||Z|| -> 0; Eq. 69 at zeta1 = s zeta2 gives s lambda, and with "
                     "lambda the limit direction is wrong unless s = 1; gamma = 0.1 > 2/(C-2) = 1/49; W's residual "
                     "rate at lambda* does not depend on s"),
                proof_needs=True),
    ),
)


#: The weight decay lambda1 = lambda2 = lambda > 0 and a generic eigenvalue sigma of B.
lam = sp.Symbol("lambda", positive=True)
sigma = sp.Symbol("sigma", real=True)
#: A positive eigenvalue (sigma_1 > 0 for gamma >= 0) and a positive offset.
sigma_pos = sp.Symbol("sigma_1", positive=True)
delta = sp.Symbol("delta", positive=True)
_omega = sp.Symbol("omega")

#: Eq. 74 as printed (the sign of the root tells omega_1 from omega_2).
PAPER_OMEGA = ((-lam * (s + 1) - sp.sqrt(lam ** 2 * (s - 1) ** 2 + 4 * s * sigma ** 2)) / 2,
               (-lam * (s + 1) + sp.sqrt(lam ** 2 * (s - 1) ** 2 + 4 * s * sigma ** 2)) / 2)
#: The paper's threshold lambda* = (1+gamma)/(C sqrt N).
PAPER_THRESHOLD = (1 + gamma) / (C * sp.sqrt(N))
#: The paper's limit coefficient (1-s)/(1+s) of H1- (and -(1-s)/(1+s) of W1-) at lambda*.
PAPER_LIMIT_COEFFICIENT = (1 - s) / (1 + s)


# ------------------------------------------------------------------------------------------------
# Symbolic derivation: exponents, threshold, regimes
# ------------------------------------------------------------------------------------------------
def _spectrum():
    return {c.label: c for c in derive_spectrum()}


def sigma_1():
    r""":math:`\sigma_1=\frac{1+\gamma}{C\sqrt N}`, the eigenvalue of :math:`\mathcal E_1^+`."""
    return _spectrum()["E1+"].eigenvalue


def sigma_2():
    r""":math:`\sigma_2=\frac{1+\gamma-\gamma C}{C\sqrt N}`, the eigenvalue of :math:`\mathcal E_2^+`."""
    return _spectrum()["E2+"].eigenvalue


def generator(sig=sigma, decay=lam, ratio=s):
    r"""G with :math:`S(\sigma,\lambda,\lambda,s\zeta_2,\zeta_2)=\zeta_2G` (Theorem 4's S at
    :math:`\zeta_1=s\zeta_2`)."""
    return S_matrix(sig, lambda1, lambda2, ratio, 1).subs({lambda1: decay, lambda2: decay}, simultaneous=True)


def _radsimp(expression):
    """Simplify with square roots of perfect squares taken (factor under every radical first)."""
    expression = sp.sympify(expression).replace(
        lambda x: isinstance(x, sp.Pow) and x.exp.is_Rational and x.exp.q == 2,
        lambda x: sp.factor(x.base) ** x.exp)
    return sp.simplify(expression)


@cache
def exponents():
    r"""(:math:`\omega_1,\omega_2`) in :math:`\sigma,\lambda,s`, :math:`\omega_1\le\omega_2`: the values
    :math:`-\lambda(s+1)/2\mp\sqrt D/2` (:func:`discriminant`) are checked to be roots of the monic
    quadratic :math:`\det(G-\omega I)` (an identity once :math:`\sqrt D^2=D`); they differ by
    :math:`\sqrt D\ne0`, so they are its two roots."""
    polynomial = characteristic_polynomial()
    centre, half_root = -lam * (s + 1) / 2, sp.sqrt(discriminant()) / 2
    ordered = (centre - half_root, centre + half_root)
    if sp.degree(polynomial, _omega) != 2 or any(sp.expand(polynomial.subs(_omega, r)) != 0 for r in ordered):
        raise ArithmeticError("-lambda(s+1)/2 -+ sqrt(D)/2 are not the roots of det(G - omega I)")
    return ordered


def characteristic_polynomial():
    return generator().charpoly(_omega).as_expr()


def discriminant():
    r""":math:`\lambda^2(s-1)^2+4s\sigma^2`, the discriminant of the characteristic polynomial."""
    return lam ** 2 * (s - 1) ** 2 + 4 * s * sigma ** 2


def omega(which, sig, decay=lam, ratio=s):
    r""":math:`\omega_{\text{which}}(\sigma,\lambda,s)` at the given arguments, radicals simplified."""
    return _radsimp(exponents()[which - 1].subs({sigma: sig, lam: decay, s: ratio}, simultaneous=True))


@cache
def prove_exponents():
    """The derived roots equal Eq. 74 and satisfy Vieta: sum -lambda(s+1), product s(lambda^2 - sigma^2)."""
    w1, w2 = exponents()
    return dict(matches_paper=bool(sp.simplify(w1 - PAPER_OMEGA[0]) == 0 and sp.simplify(w2 - PAPER_OMEGA[1]) == 0),
                sum=sp.simplify(w1 + w2), product=sp.factor(sp.expand(w1 * w2)),
                omega1_negative=bool(w1.subs(sigma, sigma_pos).is_negative))


@cache
def threshold(sig=None):
    r"""The :math:`\lambda>0` with :math:`\omega_2(\sigma_1,\lambda,s)=0`, solved (σ1 as a positive
    symbol, then substituted); raises if the solution is not unique."""
    solutions = sp.solve(sp.Eq(exponents()[1].subs(sigma, sigma_pos), 0), lam)
    if len(solutions) != 1:
        raise ArithmeticError(f"threshold not unique: {solutions}")
    return sp.simplify(solutions[0].subs(sigma_pos, sigma_1() if sig is None else sig))


def sign_identity():
    r""":math:`\lambda^2(s-1)^2+4s\sigma^2-\lambda^2(s+1)^2`, factored: since
    :math:`\omega_2=(\sqrt D-\lambda(s+1))/2` with :math:`\lambda(s+1)>0`, :math:`\omega_2>0\iff
    D>\lambda^2(s+1)^2`, so :math:`\operatorname{sign}\omega_2=\operatorname{sign}(\sigma^2-\lambda^2)`."""
    return sp.factor(discriminant() - (lam * (s + 1)) ** 2)


@cache
def prove_regimes(threshold_value=None):
    r"""Both directions of the three regimes, for :math:`\delta>0`: the sign of
    :math:`\omega_2(\sigma_1,\lambda)` at :math:`\lambda=\lambda^*(1+\delta)`, :math:`\lambda^*` and
    :math:`\lambda^*/(1+\delta)` (via :func:`sign_identity`), and :math:`\omega_2` at :math:`\lambda^*`
    itself. ``threshold_value`` (in :math:`\sigma_1`) substitutes a claimed threshold (a mutant)."""
    star = sigma_pos if threshold_value is None else threshold_value
    key = sign_identity().subs(sigma, sigma_pos)
    above = sp.factor(key.subs(lam, star * (1 + delta)))
    below = sp.factor(key.subs(lam, star / (1 + delta)))
    at = omega(2, sigma_pos, star)
    return dict(above=above, above_negative=bool(above.is_negative), below=below,
                below_positive=bool(below.is_positive), at=at, at_zero=bool(sp.simplify(at) == 0))


# ------------------------------------------------------------------------------------------------
# Dominance among the five components and the rate omega
# ------------------------------------------------------------------------------------------------
@cache
def prove_dominance():
    r"""The facts behind "only :math:`\mathcal E_1`'s growing direction survives".

    * :math:`p(\omega)=\det(G-\omega I)` is monic with :math:`p(-s\lambda)=p(-\lambda)=-s\sigma^2\le0`,
      so :math:`\omega_1(\sigma)\le-s\lambda,\,-\lambda\le\omega_2(\sigma)` for every σ:
      :math:`\mathcal E_3` (H-multiplier :math:`e^{-s\lambda\zeta_2}`, no W-part) and the decaying
      directions never beat :math:`\omega_2(\sigma_2)`;
    * :math:`D(\sigma_1)-D(\sigma_2)=4s(\sigma_1^2-\sigma_2^2)=\frac{4s}{C^2N}\,\mathrm{gap}` with
      Corollary 3's gap, so :math:`\omega_2(\sigma_1)>\omega_2(\sigma_2)` exactly on Corollary 3's
      range, for every :math:`\lambda,s`.
    """
    polynomial = characteristic_polynomial()
    at_e3 = sp.simplify(polynomial.subs(_omega, -s * lam))
    at_w = sp.simplify(polynomial.subs(_omega, -lam))
    gap = corollary_3.dominance_gap()
    difference = sp.simplify(discriminant().subs(sigma, sigma_1()) - discriminant().subs(sigma, sigma_2()))
    e3_blocks = _spectrum()["E3"].projector @ StructuredMatrix.block([[StructuredMatrix.zeros(FEATURES, PROTOTYPES)],
                                                                      [StructuredMatrix.identity(PROTOTYPES)]])
    return dict(p_at_minus_s_lambda=at_e3, p_at_minus_lambda=at_w,
                below_zero=bool(sp.simplify(at_e3 + s * sigma ** 2) == 0 and sp.simplify(at_w + s * sigma ** 2) == 0),
                discriminant_gap=sp.simplify(difference - 4 * s * gap / (C ** 2 * N)) == 0,
                e3_has_no_W_part=e3_blocks.is_zero(), ranges=corollary_3.dominance_range(gap),
                ties=corollary_3.tie_values(gap))


def convergence_rate(decay=lam, ratio=s):
    r""":math:`\omega=\omega_2(\sigma_1,\lambda,s)-\omega_2(\sigma_2,\lambda,s)` (Eq. 80 reconstructed)."""
    return omega(2, sigma_1(), decay, ratio) - omega(2, sigma_2(), decay, ratio)


@cache
def prove_rate():
    r"""The rate at :math:`\lambda=0` equals Corollary 3's (in units of :math:`\zeta_2`: the residual
    there is :math:`\max\{-\gamma C,(C-2)\gamma-2\}\sqrt{\zeta_1\zeta_2}/(C\sqrt N)`, on both signs of
    :math:`\sigma_2`); at :math:`\gamma=\frac1{C-1}` (:math:`\sigma_2=0`) it is
    :math:`\omega_2(\sigma_1)-\omega_2(0)=\omega_2(\sigma_1)+\lambda\min(s,1)` (checked for s < 1 and
    s >= 1), and since G(0) is diagonal the H- and W-parts alone converge at
    :math:`\omega_2(\sigma_1)+s\lambda` and :math:`\omega_2(\sigma_1)+\lambda`."""
    free = sp.simplify(exponents()[1].subs(lam, 0))                 # sqrt(s) |sigma|
    claimed = corollary_3.CLAIMED_RESIDUAL.args                     # (-gamma C, (C-2) gamma - 2)
    unit = sp.sqrt(s) / (C * sp.sqrt(N))
    branches = {}
    for sign, residual in ((1, claimed[0]), (-1, claimed[1])):    # sign of sigma_2
        rate = (free.subs(sigma, sigma_1()) - free.subs(sigma, sigma_2())).replace(
            sp.Abs, lambda x, sign=sign: sign * x)
        branches["sigma2>=0" if sign == 1 else "sigma2<0"] = sp.simplify(rate + residual * unit) == 0
    t = sp.Symbol("t", positive=True)
    at_zero = exponents()[1].subs(sigma, 0)                         # omega_2(0) = -lambda min(s, 1)
    min_form = {"s<1": _radsimp(at_zero.subs(s, 1 / (1 + t)) + lam / (1 + t)) == 0,
                "s>=1": _radsimp(at_zero.subs(s, 1 + t) + lam) == 0 and _radsimp(at_zero.subs(s, 1) + lam) == 0}
    G0 = generator(0)
    return dict(lambda_zero=branches, omega2_at_lambda_0=free, omega2_at_sigma_0=at_zero, min_form=min_form,
                G_at_zero=G0, G_at_zero_diagonal=bool(G0[0, 1] == 0 and G0[1, 0] == 0),
                part_rates=dict(H="omega_2(sigma_1) - (-s lambda)", W="omega_2(sigma_1) - (-lambda)"))


# ------------------------------------------------------------------------------------------------
# Limit direction (pi coefficients), the limit at lambda*, self-duality, ETF
# ------------------------------------------------------------------------------------------------
#: :math:`R=\sqrt{D(\sigma_1)}=\omega_2(\sigma_1)-\omega_1(\sigma_1)>0`, kept as a symbol so that the
#: general-λ objects are rational in R; identities are then decided modulo :func:`root_relation`.
root = sp.Symbol("R", positive=True)


@cache
def root_relation():
    r""":math:`R^2-\lambda^2(s-1)^2-4s\sigma_1^2`."""
    return root ** 2 - discriminant().subs(sigma, sigma_1())


def root_value(decay=lam):
    r""":math:`\sqrt{D(\sigma_1)}` at the given λ, radicals simplified (e.g. :math:`\sigma_1(s+1)` at λ*)."""
    return _radsimp(sp.sqrt(discriminant().subs({sigma: sigma_1(), lam: decay}, simultaneous=True)))


def is_zero_mod_root(expression):
    r"""Whether a rational function of R vanishes once :math:`R^2=D(\sigma_1)`: its numerator, reduced
    to :math:`a+bR` (a, b free of R), has a = b = 0. (Sufficient; also necessary because D is not
    a perfect square in the other symbols.)"""
    numerator, _ = sp.fraction(sp.together(sp.sympify(expression)))
    polynomial = sp.Poly(sp.expand(numerator), root)
    remainder = polynomial.rem(sp.Poly(root_relation(), root))
    return all(sp.expand(c) == 0 or sp.simplify(c) == 0 for c in remainder.all_coeffs())


def omegas_at_sigma_1():
    r"""(:math:`\omega_1,\omega_2`) at :math:`\pm\sigma_1` in terms of R: :math:`(-\lambda(s+1)\mp R)/2`."""
    centre = -lam * (s + 1) / 2
    return centre - root / 2, centre + root / 2


def dominant_projection(sign):
    r""":math:`(G(\pm\sigma_1)-\omega_1I)(1,1)^\top/(\omega_2-\omega_1)`: the coefficient of
    :math:`e^{\omega_2\zeta_2}` in :math:`e^{\zeta_2G}(1,1)^\top` (spectral projector on the
    :math:`\omega_2`-eigenvector), rational in R."""
    w1, w2 = omegas_at_sigma_1()
    G = generator(sign * sigma_1())
    return ((G - w1 * sp.eye(2)) * sp.Matrix([1, 1]) / (w2 - w1)).applyfunc(sp.simplify)


@cache
def prove_spectral_projection():
    r"""The projection is idempotent, commutes with G and :math:`G P=\omega_2P` (mod :math:`R^2=D`)."""
    w1, w2 = omegas_at_sigma_1()
    facts = {}
    for sign in (1, -1):
        G = generator(sign * sigma_1())
        P = (G - w1 * sp.eye(2)) / (w2 - w1)
        facts[sign] = all(is_zero_mod_root(x) for x in list(P * P - P) + list(G * P - w2 * P))
    return facts


@cache
def pi_coefficients():
    r"""(:math:`\pi_h^+,\pi_w^+,\pi_h^-,\pi_w^-`) derived: :func:`dominant_projection` at :math:`\pm\sigma_1`."""
    plus, minus = dominant_projection(1), dominant_projection(-1)
    return dict(h_plus=plus[0], w_plus=plus[1], h_minus=minus[0], w_minus=minus[1])


def paper_pi_coefficients(b_decay=None):
    r"""Eq. 75's coefficients of :math:`e^{\omega_2\zeta_2}`, read with Eq. 69's :math:`s\lambda` in b;
    ``b_decay`` replaces that :math:`s\lambda` (e.g. the OCR-literal :math:`\lambda`, a mutant)."""
    w1, w2 = omegas_at_sigma_1()
    b_decay = s * lam if b_decay is None else b_decay
    values = {}
    for sign, name in ((1, "plus"), (-1, "minus")):
        sig = sign * sigma_1()
        values["h_" + name] = (s * sig - s * lam - w1) / (w2 - w1)
        values["w_" + name] = (b_decay + w2 + sig) / (w2 - w1)
    return values


@cache
def prove_pi_matches_paper(b_decay=None):
    """{name: derived - Eq. 75 == 0 (mod R^2 = D)}."""
    derived, paper = pi_coefficients(), paper_pi_coefficients(b_decay)
    return {name: is_zero_mod_root(derived[name] - paper[name]) for name in derived}


def explicit(expression, decay=lam):
    """An R-form expression with R replaced by sqrt(D(sigma_1)) at the given decay."""
    return _radsimp(sp.sympify(expression).subs(lam, decay).subs(root, root_value(decay)))


@cache
def threshold_limit_multipliers():
    r"""The limits of :math:`e^{\zeta_2G}(1,1)^\top` at :math:`\lambda=\sigma_1`, from the eigenvectors:
    G(±σ1) has eigenvalues 0 and :math:`-\sigma_1(s+1)`; writing :math:`(1,1)^\top=a v_0+b v_1`, the
    limit is :math:`a v_0`. Returns ((u+, v+), (u-, v-)) for :math:`\mathcal E_1^\pm`."""
    result = []
    for sign in (1, -1):
        G = generator(sign * sigma_pos, sigma_pos)
        vectors = [(sp.simplify(value), basis[0]) for value, _, basis in G.eigenvects()]
        nulls = [v for value, v in vectors if value == 0]
        others = [v for value, v in vectors if sp.simplify(value + sigma_pos * (s + 1)) == 0]
        if len(vectors) != 2 or len(nulls) != 1 or len(others) != 1:
            raise ArithmeticError(f"unexpected eigenvalues {[value for value, _ in vectors]}")
        null, other = nulls[0], others[0]
        a, b = sp.symbols("a b")
        solution = sp.solve(list(a * null + b * other - sp.Matrix([1, 1])), [a, b], dict=True)[0]
        limit = (solution[a] * null).applyfunc(sp.factor)
        result.append((limit[0], limit[1]))
    return tuple(result)


def limit_propagator(multipliers=None):
    r""":math:`Q_*` with :math:`\lim Z(t)=Z_0Q_*` at :math:`\lambda^*` (E2, E3 vanish in the range)."""
    (up, vp), (um, vm) = threshold_limit_multipliers() if multipliers is None else multipliers
    spectrum = _spectrum()
    return (spectrum["E1+"].projector @ time_scaling(up, vp) + spectrum["E1-"].projector @ time_scaling(um, vm))


def paper_limit_propagator(w_minus_sign=-1, coefficient=PAPER_LIMIT_COEFFICIENT):
    r"""The paper's limit :math:`(H_1^++cH_1^-,\ W_1^+-cW_1^-)`; ``w_minus_sign=+1`` is a mutant."""
    return limit_propagator(((1, 1), (coefficient, w_minus_sign * coefficient)))


@cache
def direction_propagator():
    r""":math:`Q_\pi`: :math:`Z_0Q_\pi=(\pi_h^+H_1^++\pi_h^-H_1^-,\ \pi_w^+W_1^++\pi_w^-W_1^-)`, the limit
    direction, rational in R."""
    pi = pi_coefficients()
    return limit_propagator(((pi["h_plus"], pi["w_plus"]), (pi["h_minus"], pi["w_minus"])))


def _structured_zero(M):
    return all(is_zero_mod_root(c) for c in M.coefficients().values())


@cache
def self_duality_constant(Q):
    r"""The k with :math:`Z_0Q\in\{H=kW\otimes\mathbf 1_N^\top,\ W\mathbf 1_C=0\}` for every :math:`Z_0`
    (within-class collapse and self-duality), modulo :math:`R^2=D`: solved from one equation of
    :math:`Q\,T(k)=0` (Corollary 3's membership maps, linear in k) and checked on all; None if none."""
    k = sp.Symbol("k")
    self_dual, centred = corollary_3.membership_maps(k)
    if not _structured_zero(Q @ centred):
        return None
    equations = [c for c in (Q @ self_dual).coefficients().values() if not is_zero_mod_root(c)]
    if not equations:
        return None
    candidates = sp.solve(equations[0], k)
    if len(candidates) != 1:
        return None
    value = sp.simplify(candidates[0])
    if not all(is_zero_mod_root(e.subs(k, value)) for e in equations[1:]):
        return None
    return value


def prove_ratio_condition():
    r"""The paper's condition for self-duality, :math:`\pi_h^+/\pi_w^+=-\pi_h^-/\pi_w^-`, i.e.
    :math:`\pi_h^+\pi_w^-+\pi_h^-\pi_w^+=0` (as :math:`H_1^\pm=\pm W_1^\pm\otimes\mathbf 1^\top/\sqrt N`),
    holds identically in :math:`\lambda,s,\gamma,C,N` (mod :math:`R^2=D`)."""
    pi = pi_coefficients()
    return is_zero_mod_root(pi["h_plus"] * pi["w_minus"] + pi["h_minus"] * pi["w_plus"])


def expected_self_duality():
    r""":math:`k=\frac{\omega_2(\sigma_1,\lambda,s)+\lambda}{\sigma_1\sqrt N}` (from the eigenvector
    :math:`(\omega_2+\lambda,\sigma_1)` of :math:`G(\sigma_1)`), in R-form."""
    return (omegas_at_sigma_1()[1] + lam) / (sigma_1() * sp.sqrt(N))


def select_prototypes():
    """Z -> W, as a structured map (the W column of a propagator)."""
    return StructuredMatrix.block([[StructuredMatrix.zeros(FEATURES, PROTOTYPES)],
                                   [StructuredMatrix.identity(PROTOTYPES)]])


def prototype_map(weight_means, weight_prototypes):
    r"""Z -> :math:`a\sqrt N\bar H_c+bW_c`: centred class means of H (times :math:`\sqrt N`) and
    centred prototypes, :math:`\bar H_c=H(I_C\otimes\mathbf 1_N)/N\,(I_C-\mathbf 1\mathbf 1^\top/C)`."""
    means = (StructuredMatrix.term(FEATURES, PROTOTYPES, "I", "1", 1 / sp.sqrt(N))
             - StructuredMatrix.term(FEATURES, PROTOTYPES, "1", "1", 1 / (C * sp.sqrt(N))))
    centring = StructuredMatrix.identity(PROTOTYPES) - StructuredMatrix.ones(PROTOTYPES, PROTOTYPES) * (1 / C)
    return StructuredMatrix.block([[means * weight_means], [centring * weight_prototypes]])


@cache
def prove_prototype_limits():
    r""":math:`W_{\lim}=\frac{\sqrt N\bar H_c+sW_c}{1+s}` at :math:`\lambda^*` and
    :math:`W_\pi=\frac{\sigma_1\sqrt N\bar H_c+(s\lambda+\omega_2)W_c}{\omega_2-\omega_1}` in general,
    as identities of structured maps (for all C, N)."""
    w1, w2 = omegas_at_sigma_1()
    at_threshold = limit_propagator() @ select_prototypes() - prototype_map(1 / (1 + s), s / (1 + s))
    general = (direction_propagator() @ select_prototypes()
               - prototype_map(sigma_1() / (w2 - w1), (s * lam + w2) / (w2 - w1)))
    return dict(at_threshold=at_threshold.is_zero(), general=_structured_zero(general))


@cache
def vanishing_condition(Q=None):
    r"""When is the limit direction zero? :math:`Q_\pi` acts on the :math:`\mathcal E_1` sector
    (centred class means ⊗ example mean) by a 2x2 block B ≠ 0 with :math:`(a,-1)B=0` for
    :math:`a=(s\lambda+\omega_2)/\sigma_1`, so it has rank 1 and :math:`Z_0Q_\pi=0\iff` the sector part
    of :math:`Z_0` is a multiple of :math:`(1, a)`, i.e. :math:`\sigma_1\sqrt N\bar H_c+(s\lambda+\omega_2)W_c=0`
    (E2, E3 are in the kernel). Returns (rank, a)."""
    Q = direction_propagator() if Q is None else Q
    block = Q.sector_blocks()[(PERP, MEAN)]
    a = (s * lam + omegas_at_sigma_1()[1]) / sigma_1()
    annihilated = all(is_zero_mod_root(x) for x in sp.Matrix([[a, -1]]) * block)
    nonzero = not all(is_zero_mod_root(x) for x in block)
    return (1 if annihilated and nonzero else None), a


# ------------------------------------------------------------------------------------------------
# Evidence: the derivation (the iterates are in corollary_5_iterates)
# ------------------------------------------------------------------------------------------------
EVIDENCE = EvidenceSet(CLAIM)


@EVIDENCE.item("eq74-exponents", kind="symbolic",
               description="omega_1, omega_2 = roots of det(G - omega I) = Eq. 74; sum -lambda(s+1), product "
                           "s(lambda^2 - sigma^2); omega_1 < 0")
def eq74_exponents(context, record):
    facts = prove_exponents()
    record.measured = {k: str(v) for k, v in facts.items()}
    record.passed = bool(facts["matches_paper"] and sp.simplify(facts["sum"] + lam * (s + 1)) == 0
                         and sp.simplify(facts["product"] - s * (lam ** 2 - sigma ** 2)) == 0
                         and facts["omega1_negative"])


@EVIDENCE.item("threshold-and-regimes", kind="symbolic",
               description="threshold: omega_2(sigma_1, lambda, s) = 0 iff lambda = (1+gamma)/(C sqrt N), independent "
                           "of s; the three regimes in both directions via D - lambda^2 (s+1)^2 = 4 s (sigma^2 - "
                           "lambda^2)")
def threshold_and_regimes(context, record):
    star, regimes = threshold(), prove_regimes()
    record.measured = dict(threshold=str(star), d_threshold_ds=str(sp.diff(star, s)),
                           sign_identity=str(sign_identity()),
                           **{k: str(v) for k, v in regimes.items()})
    record.passed = bool(sp.simplify(star - PAPER_THRESHOLD) == 0 and sp.diff(star, s) == 0
                         and sp.simplify(sign_identity() - 4 * s * (sigma ** 2 - lam ** 2)) == 0
                         and regimes["above_negative"] and regimes["below_positive"] and regimes["at_zero"])


@EVIDENCE.item("dominance-and-range", kind="symbolic",
               description="dominance: p(-s lambda) = p(-lambda) = -s sigma^2 <= 0, so E3 and the decaying directions "
                           "never dominate; E1 beats E2 iff sigma_1^2 > sigma_2^2: Corollary 3's range (0, 2/(C-2)) / "
                           "(0, oo) for C = 2, ties at 0 and 2/(C-2), whatever lambda and s")
def dominance_and_range(context, record):
    facts = prove_dominance()
    record.measured = {k: str(v) for k, v in facts.items()}
    record.passed = bool(facts["below_zero"] and facts["discriminant_gap"] and facts["e3_has_no_W_part"]
                         and facts["ranges"]["C>2"] == sp.Interval.open(0, 2 / (C - 2))
                         and facts["ranges"]["C=2"] == sp.Interval.open(0, sp.oo)
                         and {sp.simplify(t) for t in facts["ties"]} == {0, sp.simplify(2 / (C - 2))})


@EVIDENCE.item("eq80-rate", kind="symbolic",
               description="the rate omega = omega_2(sigma_1) - omega_2(sigma_2) (Eq. 80 reconstructed): Corollary 3's "
                           "residual at lambda = 0 (both signs of sigma_2); omega_2(sigma_1) + lambda min(s, 1) at "
                           "gamma "
                           "= 1/(C-1), where H alone converges at omega_2 + s lambda, W at omega_2 + lambda; at C = 5, "
                           "N = 3, lambda = 1/10, s = 1/4: > 0 inside the range, 0 at its ends, < 0 beyond")
def eq80_rate(context, record):
    facts = prove_rate()
    rate = convergence_rate().subs({C: 5, N: 3, lam: sp.Rational(1, 10), s: sp.Rational(1, 4)})
    signs = {g: sp.sign(sp.N(rate.subs(gamma, g), 30).round(25)) for g in (sp.Rational(1, 4), 0, sp.Rational(2, 3), 1)}
    record.measured = dict({k: str(v) for k, v in facts.items()}, signs={str(k): int(v) for k, v in signs.items()})
    record.passed = bool(all(facts["lambda_zero"].values()) and all(facts["min_form"].values())
                         and facts["G_at_zero_diagonal"] and list(signs.values()) == [1, 0, 0, -1])


@EVIDENCE.item("eq75-pi-with-s-lambda", kind="symbolic", role="correction", reading="corrected",
               description="pi_h^+-, pi_w^+- = (G - omega_1 I)(1,1)/(omega_2 - omega_1) at +-sigma_1 (the spectral "
                           "projection: idempotent, G P = omega_2 P) equal Eq. 75 read with Eq. 69's s lambda")
def eq75_pi_with_s_lambda(context, record):
    matches, projection = prove_pi_matches_paper(), prove_spectral_projection()
    record.measured = dict(matches=matches, spectral_projection=projection,
                           pi={k: str(v) for k, v in pi_coefficients().items()})
    record.passed = all(matches.values()) and all(projection.values())


@EVIDENCE.item("eq75-printed-lambda", kind="counterexample", reading="printed",
               description="Eq. 75's b as printed, with lambda where Eq. 69 gives s lambda: its pi_w^+- are not the "
                           "limit direction's (mod R^2 = D), e.g. pi_w^+ at C = 5, N = 3, gamma = 1/4, lambda = 1/10, "
                           "s = 1/4 differs from the derived value; at s = 1 the two agree")
def eq75_printed_lambda(context, record):
    literal = prove_pi_matches_paper(lam)
    point = {C: 5, N: 3, gamma: sp.Rational(1, 4), lam: sp.Rational(1, 10)}
    values = {}
    for ratio in (sp.Rational(1, 4), 1):
        derived, printed = (explicit(x).subs(s, ratio).subs(point) for x in
                            (pi_coefficients()["w_plus"], paper_pi_coefficients(lam)["w_plus"]))
        values[str(ratio)] = (float(derived), float(printed))
    record.measured = dict(matches_with_lambda=literal, pi_w_plus_derived_vs_printed=values)
    record.passed = bool(not literal["w_plus"] and not literal["w_minus"] and literal["h_plus"] and literal["h_minus"]
                         and abs(values["1/4"][0] - values["1/4"][1]) > 1e-3
                         and abs(values["1"][0] - values["1"][1]) < 1e-12)


@EVIDENCE.item("limit-at-threshold", kind="symbolic",
               description="limit at lambda*: from G's null eigenvector, H1+ + ((1-s)/(1+s)) H1-, W1+ - ((1-s)/(1+s)) "
                           "W1- (Eq. 81); W_lim = (sqrt N Hbar_c + s W_c)/(1+s), H_lim = W_lim (x) 1^T/sqrt N; E2, E3 "
                           "vanish inside the range; at its ends sigma_2^2 = sigma_1^2 and they do not")
def limit_at_threshold(context, record):
    Q = limit_propagator()
    matches = (Q - paper_limit_propagator()).applyfunc(_radsimp).is_zero()
    k_star, maps, star = self_duality_constant(Q), prove_prototype_limits(), threshold()
    e2_at_star = omega(2, sigma_2(), star)
    c, phi = sp.symbols("c phi", positive=True)
    tie_values = {"0": _radsimp(e2_at_star.subs(gamma, 0)),
                  "2/(C-2)": _radsimp(e2_at_star.subs(gamma, 2 / (C - 2)).subs(C, 2 + c))}
    in_range = sp.simplify(sign_identity().subs({sigma: sigma_2(), lam: star}).subs(gamma, 2 / (c * (1 + phi)))
                           .subs(C, 2 + c))
    record.measured = dict(multipliers=str(threshold_limit_multipliers()), matches_paper=matches, k=str(k_star), **maps,
                           omega2_sigma2_at_ends=tie_values, sign_of_omega2_sigma2_in_range=str(sp.factor(in_range)))
    record.passed = bool(matches and k_star is not None and sp.simplify(k_star - 1 / sp.sqrt(N)) == 0
                         and maps["at_threshold"] and all(v == 0 for v in tie_values.values())
                         and sp.factor(in_range).is_negative)


@EVIDENCE.item("limit-direction", kind="symbolic",
               description="limit direction for every lambda: within-class collapse and self-duality (pi_h^+/pi_w^+ = "
                           "-pi_h^-/pi_w^- always) H = k W (x) 1^T, k = (omega_2 + lambda)/(sigma_1 sqrt N) (sqrt(s/N) "
                           "at lambda = 0, 1/sqrt N at lambda*); W_pi = (sigma_1 sqrt N Hbar_c + (s lambda + omega_2) "
                           "W_c)/(omega_2 - omega_1); it vanishes on a rank-1 condition")
def limit_direction(context, record):
    k, expected = self_duality_constant(direction_propagator()), expected_self_duality()
    rank, coefficient = vanishing_condition()
    at_zero, at_star = explicit(expected, 0), explicit(expected, threshold())
    record.measured = dict(k=str(k), expected=str(expected), at_zero=str(at_zero), at_star=str(at_star), rank=rank,
                           null_coefficient=str(coefficient), general_map=prove_prototype_limits()["general"],
                           ratio_condition_always=prove_ratio_condition())
    record.passed = bool(k is not None and is_zero_mod_root(k - expected) and sp.simplify(at_zero - sp.sqrt(s / N)) == 0
                         and sp.simplify(at_star - 1 / sp.sqrt(N)) == 0 and rank == 1
                         and record.measured["general_map"] and record.measured["ratio_condition_always"]
                         and sp.simplify(explicit(coefficient, threshold()) - s) == 0)


@EVIDENCE.item("symbolic-mutants", kind="mutant",
               description="mutants fail: thresholds (1+gamma)/C, sqrt(s) lambda*, 2 sqrt(s)/(1+s) lambda*; limit "
                           "coefficients +c on W1-, (1+s)/(1-s), (1-sqrt s)/(1+sqrt s); the +c limit is not self-dual; "
                           "the self-duality condition with the other sign; Corollary 3's k = sqrt(s/N) for lambda > "
                           "0; the rate omega_2(sigma_1) + omega_2(sigma_2) (nonzero at the tie gamma = 0)")
def symbolic_mutants(context, record):
    star = sigma_1()
    thresholds = {"(1+gamma)/C": (1 + gamma) / C, "sqrt(s) lambda*": sp.sqrt(s) * star,
                  "2 sqrt(s)/(1+s) lambda*": 2 * sp.sqrt(s) / (1 + s) * star}
    caught = {}
    for name, wrong in thresholds.items():
        regimes = prove_regimes(sp.simplify(wrong / star) * sigma_pos)
        caught[name] = not regimes["at_zero"] and not (regimes["above_negative"] and regimes["below_positive"])
    for name, mutant in {"+c W1-": dict(w_minus_sign=1), "(1+s)/(1-s)": dict(coefficient=(1 + s) / (1 - s)),
                         "(1-sqrt s)/(1+sqrt s)": dict(coefficient=(1 - sp.sqrt(s)) / (1 + sp.sqrt(s)))}.items():
        caught[name] = not (limit_propagator() - paper_limit_propagator(**mutant)).is_zero()
    caught["+c W1- self-dual"] = self_duality_constant(paper_limit_propagator(w_minus_sign=1)) is None
    pi = pi_coefficients()
    caught["ratio condition sign"] = not is_zero_mod_root(pi["h_plus"] * pi["w_minus"] - pi["h_minus"] * pi["w_plus"])
    caught["k = sqrt(s/N)"] = not is_zero_mod_root(self_duality_constant(direction_propagator()) - sp.sqrt(s / N))
    tie_point = {C: 5, N: 3, lam: sp.Rational(1, 10), s: sp.Rational(1, 4), gamma: 0}   # the true rate: 0
    added = omega(2, sigma_1()) + omega(2, sigma_2())
    caught["omega = omega_2(sigma_1) + omega_2(sigma_2)"] = bool(abs(sp.N(added.subs(tie_point), 30)) > 1e-3)
    record.measured = caught
    record.passed = all(caught.values())


@EVIDENCE.item("numeric-modes", kind="exact",
               description="core.weight_decay.modes (used by the iterate evidence) gives the derived omega_1,2 and "
                           "spectral projection on every component, for 12 random (gamma, lambda, s) at C = 5, N = 3")
def numeric_modes(context, record):
    w1, w2 = exponents()
    projection = (generator() - w1 * sp.eye(2)) * sp.Matrix([1, 1]) / (w2 - w1)
    derived = sp.lambdify((sigma, lam, s), [w1, w2, *projection], "mpmath")
    worst = 0.0
    for trade_off, decay, ratio in item_rng(context, "numeric-modes").uniform([0, 0.01, 0.05], [2, 1, 4], (12, 3)):
        problem = LayerPeeledProblem(2, 5, 3, trade_off)
        w, weights = weight_decay.modes(problem, decay, ratio)
        for k, (_, value, _) in enumerate(spectrum_at(problem)):
            exact = [float(x) for x in derived(value, decay, ratio)]
            found = [*w[k], *weights[k, 1]]
            worst = max(worst, *(abs(a - b) / max(1.0, abs(b)) for a, b in zip(found, exact)))
    tolerance = float_tolerance(operations=16, condition=10)
    record.measured = {"largest relative difference": worst, "tolerance": tolerance}
    record.passed = worst <= tolerance


corollary_5_iterates.ITEMS.declare_on(EVIDENCE)


#: LaTeX of the corrections, shared by the ledger rows.
PI_W_CORRECTION = (r"\pi_w^\pm=\frac{\pm\sigma_1+s\lambda+\omega_2}{\omega_2-\omega_1},\ \text{from }"
                   r"b(t)=\frac{e^{\omega_2\zeta_2}}{\omega_2-\omega_1}\bigl[(s\lambda+\omega_2+\sigma)"
                   r"-(s\lambda+\omega_1+\sigma)e^{(\omega_1-\omega_2)\zeta_2}\bigr]")
PI_W_COUNTEREXAMPLE = (r"\text{with }\lambda\text{ for }s\lambda:\ \pi_w^+\text{ differs at }C=5,\ N=3,\ "
                       r"\gamma=\tfrac14,\ \lambda=\tfrac1{10},\ s=\tfrac14")
RANGE_CORRECTION = r"0<\gamma<\tfrac{2}{C-2}\ (C>2)\quad\text{or}\quad C=2,\ \gamma>0"
RANGE_COUNTEREXAMPLE = (r"C=2,\ \gamma=0:\ \sigma_2=\sigma_1,\ \omega_2(\sigma_2,\lambda^*)=0,\ \lim Z(t)"
                        r"=(H_1^++cH_1^-+H_2^++cH_2^-,\ \dots)\neq(H_1^++cH_1^-,\ W_1^+-cW_1^-)")
GENERIC_CORRECTION = (r"\text{for }Z_0\text{ with }\sigma_1\sqrt N\,\bar H_c(0)+(s\lambda+\omega_2)W_c(0)\neq0"
                      r"\ (s=1:\ \Pi_1^+Z_0\neq0)")
GENERIC_COUNTEREXAMPLE = r"\Pi_1^+Z_0=0,\ s=1,\ \lambda=\lambda^*/2:\ \|Z(t)\|\to0\ \text{(not }\infty)"

LEDGER = (
    LedgerRow("Eq. 15", "Corollary 5", "holds as reconstructed",
              note="the directions of H and W converge at rate omega = omega_2(sigma_1) - omega_2(sigma_2) (read from "
                   "the garbled Eq. 80), for a non-vanishing limit direction",
              evidence=("corollary-5::eq80-rate", "corollary-5::eq15-direction-rates")),
    LedgerRow("Eq. 73", "Proof of Corollary 5", "holds as reconstructed", note="Eq. 15 restated",
              evidence=("corollary-5::eq15-direction-rates",)),
    LedgerRow("Eq. 74", "Proof of Corollary 5", "holds as printed", evidence=("corollary-5::eq74-exponents",)),
    LedgerRow("Eq. 75", "Proof of Corollary 5", "erratum",
              note="a(t) holds; b(t) prints lambda where Eq. 69 at zeta1 = s zeta2 gives s lambda (its second term, "
                   "O(e^{omega_1 zeta2}), is garbled and does not enter the limit)",
              correction=PI_W_CORRECTION, counterexample=PI_W_COUNTEREXAMPLE,
              evidence=("corollary-5::eq75-pi-with-s-lambda", "corollary-5::eq75-printed-lambda")),
    LedgerRow("Eqs. 76-77", "Proof of Corollary 5", "holds as reconstructed",
              note="H(t), W(t) as Theorem 4's sums with lambda1 = lambda2, zeta1 = s zeta2",
              evidence=("theorem-4::flow-equation", "corollary-5::numeric-modes")),
    LedgerRow("Eq. 78", "Proof of Corollary 5", "holds as reconstructed",
              note="E1's growing direction dominates inside the range (E3 and the decaying directions never do)",
              evidence=("corollary-5::dominance-and-range",)),
    LedgerRow("Eq. 79", "Proof of Corollary 5", "unreadable",
              note="the pi coefficients are garbled; they are read from Eq. 75 (see its row)",
              evidence=("corollary-5::eq75-pi-with-s-lambda",)),
    LedgerRow("Eq. 80", "Proof of Corollary 5", "holds as reconstructed",
              note="limit directions and the rate exp((omega_2(sigma_2) - omega_2(sigma_1)) zeta2)",
              evidence=("corollary-5::eq80-rate", "corollary-5::limit-direction")),
    LedgerRow("Eq. 81", "Proof of Corollary 5", "holds as printed", note="the limit at lambda*",
              evidence=("corollary-5::limit-at-threshold", "corollary-5::limit-unequal-rates")),
    LedgerRow("Proof of Corollary 5 (bullets after Eq. 81)", "Corollary 5", "erratum",
              note="as OCR'd the signs of omega_2 are swapped and zeta2 -> 0 is written for zeta2 -> oo",
              correction=(r"\lambda>\lambda^*\Rightarrow\omega_2<0,\ \lambda<\lambda^*\Rightarrow\omega_2>0,\ "
                          r"\text{since }\zeta_2(t)\to\infty"),
              counterexample=r"\omega_2(\sigma_1,\lambda^*(1+\delta),s)<0\ \text{for every }\delta>0",
              evidence=("corollary-5::threshold-and-regimes",)),
    LedgerRow("Corollary 5: '0 < gamma < 2/(C-2) (where C > 2) or C = 2'", "Corollary 5", "erratum",
              note="C = 2 needs gamma > 0 too (at gamma = 0, E2 ties with E1)",
              correction=RANGE_CORRECTION, counterexample=RANGE_COUNTEREXAMPLE,
              evidence=("corollary-5::c2-gamma-0", "corollary-5::dominance-and-range")),
    LedgerRow("Corollary 5: the three regimes (for every Z0)", "Corollary 5", "erratum",
              note="the regimes need a non-vanishing limit direction (true for almost every Z0)",
              correction=GENERIC_CORRECTION, counterexample=GENERIC_COUNTEREXAMPLE,
              evidence=("corollary-5::non-generic-start", "corollary-5::limit-direction")),
    LedgerRow("Corollary 5: constants 'only depending on lambda, gamma, s, C, N'", "Corollary 5", "holds as printed",
              evidence=("corollary-5::eq75-pi-with-s-lambda", "corollary-5::eq80-rate")),
    LedgerRow("Section 3.2: self-duality 'when lambda = lambda*'", "Corollary 5", "holds as printed",
              note="it holds at lambda*, and in fact for every lambda (H = k W (x) 1^T, k = (omega_2 + lambda)/"
                   "(sigma_1 sqrt N))", evidence=("corollary-5::limit-direction", "corollary-5::limit-unequal-rates")),
    LedgerRow("Section 3.2: neural collapse needs a simplex-ETF limit", "Corollary 5", "holds as printed",
              note="the limit's prototypes are no ETF for a random start; an ETF W0 with aligned class means suffices",
              evidence=("corollary-5::etf-random-start", "corollary-5::etf-sufficient-start")),
)
