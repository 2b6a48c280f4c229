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

The derivation lives in :mod:`ulproofs.claims.convergence_limits`, the iterates in
:mod:`ulproofs.claims.convergence_iterates`; this module declares the evidence built on them.

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

from functools import cache

import sympy as sp

from ..core.operator import derive_spectrum, gamma
from ..core.precision import MUTANT_MARGIN
from ..core.structured import C, N
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading

# The derivation and the iterates live in two modules; names other modules use are re-exported here.
from .convergence_iterates import (
    PAPER,
    PAPER_GAMMAS,
    SMALL,
    SMALL_GAMMAS,
    bias_check,
    c2_tie_run,
    claimed_step_rates,
    fastest_among,
    figure_one_claims,
    fit_rate,
    judge_sweep,
    mutant_residual_miss,
    run_sweep,
    unequal_rates_run,
    vanishing_limit_run,
)
from .convergence_iterates import classify as classify  # re-exported
from .convergence_iterates import limit_coefficients as limit_coefficients  # re-exported
from .convergence_iterates import plateau as plateau  # re-exported
from .convergence_iterates import random_start as random_start  # re-exported
from .convergence_iterates import rate_report as rate_report  # re-exported
from .convergence_iterates import simulate as simulate  # re-exported
from .convergence_limits import CLAIMED_RESIDUAL as CLAIMED_RESIDUAL  # re-exported
from .convergence_limits import (
    beyond_upper_tie_sign,
    bias_ratio_limits,
    dominance_gap,
    dominance_range,
    dominant_exponent,
    fastest_trade_off,
    growth_exponents,
    limit_multipliers,
    limit_propagator,
    membership_maps,
    paper_limit_propagator,
    prove_residual_exponent,
    prove_residual_negative,
    ratios_in_plus_component,
    self_duality_constant,
    tie_values,
    vanishing_limit_condition,
)
from .convergence_limits import residual_exponent as residual_exponent  # re-exported
from .convergence_limits import scaled_multiplier_terms as scaled_multiplier_terms  # re-exported
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
)
