r"""Extension: exactly when the limits of Corollaries 3 and 5 are neural collapse (NC1--NC4).

Metrics (Papyan, Han and Donoho 2020; :mod:`ulproofs.core.collapse`): NC1
:math:`\frac1C\operatorname{Tr}(\Sigma_W\Sigma_B^\dagger)=0`; NC2 the centred class means (and the
prototypes) form a simplex ETF, :math:`\bar M^\top\bar M\propto I_C-\frac1C\mathbf 1\mathbf 1^\top`
(equal norms, pairwise cosines :math:`-\frac1{C-1}`); NC3 :math:`W/\|W\|=\bar M/\|\bar M\|`; NC4 the
classifier :math:`\arg\max_c(w_c^\top h+b_c)` equals the nearest class mean :math:`\arg\min_c\|h-\mu_c\|`.

Statement. *Let* :math:`0<\gamma<\frac2{C-2}` *(or C = 2,* :math:`\gamma>0`*), s > 0, and either*
:math:`\lambda=0` *(Corollary 3: the limit direction of Z(t)) or* :math:`\lambda_1=\lambda_2=\lambda>0`
*(Corollary 5: the limit at* :math:`\lambda=\lambda^*` *, the limit direction otherwise). Write*
:math:`\bar H_c(0)` *for the centred class means of* :math:`H_0` *and* :math:`W_c(0)` *for the centred
prototypes. The limit's prototypes are*

.. math::

    \tilde W=a\,\sqrt N\bar H_c(0)+b\,W_c(0),\qquad (a,b)=\Bigl(\tfrac{1}{2\sqrt s},\tfrac12\Bigr)\ (\lambda=0),
    \quad\Bigl(\tfrac1{1+s},\tfrac s{1+s}\Bigr)\ (\lambda=\lambda^*),

*(for other* :math:`\lambda` *,* :math:`(a,b)\propto(\frac{1+\gamma}{C\sqrt N},\frac{R+\lambda(s-1)}2)`,
:math:`R=\sqrt{\lambda^2(s-1)^2+4s\lambda^{*2}}`*), its features* :math:`\tilde H=k\,\tilde W\otimes\mathbf 1_N^\top`
*with k > 0, and, whenever* :math:`\tilde W\ne0`:

* *NC1 and NC3 hold for every* :math:`Z_0`*;*
* *NC2 holds iff* :math:`\tilde W^\top\tilde W\propto I_C-\frac1C\mathbf 1\mathbf 1^\top` *: always for C = 2,
  for* :math:`C\ge3` *on a set of* :math:`Z_0` *of measure zero (never for Gaussian* :math:`H_0,W_0`*); e.g. when*
  :math:`W_0` *is a simplex ETF and* :math:`\bar H_c(0)\propto W_0`*;*
* *NC4 holds iff* :math:`\|\tilde w_c\|^2>\tilde w_j^\top\tilde w_c` *for all* :math:`j\ne c` *(the biases
  become equal in the limit); the mismatch is exactly the fraction of classes that violate it;*
* *for Gaussian* :math:`H_0,W_0` *with i.i.d. entries,* :math:`\tilde W` *is a centred matrix with i.i.d.
  Gaussian entries, so the deviation from a simplex ETF has a law that depends on p and C only (not on N, s,*
  :math:`\gamma` *, λ or the two variances), with*
  :math:`\mathrm{rms}(\cos+\frac1{C-1})\approx(1-\frac1{(C-1)^2})/\sqrt p`
  *as* :math:`p\to\infty`*.*

*At the tie* :math:`\gamma=0` *the limit also holds* :math:`\Pi_2Z_0` *(a common vector added to every prototype and
class mean): NC1 and NC2 of the class means are as above, but NC3 fails unless* :math:`\Pi_2Z_0=0`.

This is not a claim of the paper (it answers the open question of when the unhinged loss reaches neural
collapse). The limits are Corollaries 3 and 5's, derived in those modules; here they are read in NC terms.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from ..core import weight_decay
from ..core.collapse import class_major_labels, neural_collapse
from ..core.descent import gradient_descent
from ..core.errors import AssumptionError
from ..core.etf import simplex_etf
from ..core.operator import gamma
from ..core.precision import MUTANT_MARGIN, float_tolerance
from ..core.rates import Constant, RatePair
from ..core.setting import LayerPeeledProblem
from ..core.structured import MEAN, PERP, C, N
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.verdicts import Claim, Reading
from . import corollary_3, corollary_5
from .theorem_2 import s

CLAIM = Claim(
    id="extension-collapse-condition",
    title="When the limits of Corollaries 3 and 5 are neural collapse",
    statement=("For 0 < gamma < 2/(C-2) (or C = 2, gamma > 0), s > 0, lambda = 0 (Corollary 3) or lambda1 = lambda2 "
               "= lambda > 0 (Corollary 5), the limit (direction) has W~ = a sqrt(N) Hbar_c(0) + b W_c(0) and "
               "H~ = k W~ "
               "(x) 1_N^T, k > 0: NC1 and NC3 hold whenever W~ != 0; NC2 iff W~^T W~ is proportional to I - 11^T/C "
               "(always for C = 2, never for Gaussian H0, W0 when C >= 3); NC4 iff ||w~_c||^2 > w~_j^T w~_c for all j "
               "!= c; the ETF deviation of Gaussian starts depends on p and C only. At gamma = 0 NC3 fails unless "
               "Pi_2 Z0 = 0."),
    equations=("Eq. 9", "Eq. 15"),
    reading="An extension: the limits of Corollaries 3 and 5 read in neural-collapse terms; not in the paper.",
    issue=11,
    readings=(Reading("extension", "the exact neural-collapse conditions on the initialization",
                      establishes="proved"),),
    section="extension",
)

EVIDENCE = EvidenceSet(CLAIM)

SMALL = dict(p=32, C=5, N=3)
PAPER = dict(p=512, C=100, N=10)
ETA = 0.5


# --- the limit, symbolically --------------------------------------------------------------------
@cache
def limit_blocks(kind):
    r"""{"E1": B1, "E2": B2}: the 2 x 2 blocks (features, prototypes coordinates, acting on row vectors) by which
    the limit propagator acts on the sectors of :math:`\mathcal E_1` (centred class means) and :math:`\mathcal E_2`
    (the global mean); ``kind`` is "unconstrained" (Corollary 3, 0 < gamma < 2/(C-2)), "tie" (Corollary 3 at
    gamma = 0), "threshold" (Corollary 5 at lambda*) or "direction" (Corollary 5's direction for any lambda, in
    the root R)."""
    if kind == "unconstrained":
        Q = corollary_3.limit_propagator()
    elif kind == "tie":
        Q = corollary_3.limit_propagator(trade_off=0)
    elif kind == "threshold":
        Q = corollary_5.limit_propagator()
    elif kind == "direction":
        Q = corollary_5.direction_propagator()
    else:
        raise AssumptionError(f"unknown limit {kind!r}: one of unconstrained, tie, threshold, direction")
    blocks = Q.sector_blocks()
    return {"E1": blocks[(PERP, MEAN)].applyfunc(sp.simplify), "E2": blocks[(MEAN, MEAN)].applyfunc(sp.simplify)}


def numeric_blocks(kind, problem, ratio, decay=0.0):
    """:func:`limit_blocks` at the problem's C, N, gamma, s = ratio and lambda = decay, as float arrays."""
    values = {C: problem.C, N: problem.N, gamma: problem.gamma, s: ratio, corollary_5.lam: decay}
    out = {}
    for name, block in limit_blocks(kind).items():
        if kind == "direction":
            block = block.subs(corollary_5.root, corollary_5.root_value(corollary_5.lam))
        out[name] = np.array(block.subs(values).evalf(), dtype=float)
    return out


def limit_state(problem, H0, W0, blocks):
    r"""The limit (direction) :math:`(\tilde H,\tilde W)` of Z0 from the sector blocks, O(pCN): the class-sum
    coordinates :math:`h=H_0(I_C\otimes\mathbf 1_N)/\sqrt N` and :math:`w=W_0`, split into the centred part
    (:math:`\mathcal E_1`) and the class average (:math:`\mathcal E_2`), each mapped by its block."""
    p, classes, examples = problem.p, problem.C, problem.N
    h = np.asarray(H0, dtype=float).reshape(p, classes, examples).sum(-1) / np.sqrt(examples)
    w = np.asarray(W0, dtype=float)
    h_mean, w_mean = h.mean(1, keepdims=True), w.mean(1, keepdims=True)
    parts = {"E1": (h - h_mean, w - w_mean), "E2": (np.repeat(h_mean, classes, 1), np.repeat(w_mean, classes, 1))}
    h_limit, w_limit = np.zeros_like(h), np.zeros_like(w)
    for name, (hh, ww) in parts.items():
        B = blocks[name]
        h_limit += hh * B[0, 0] + ww * B[1, 0]
        w_limit += hh * B[0, 1] + ww * B[1, 1]
    return np.repeat(h_limit, examples, axis=1) / np.sqrt(examples), w_limit


def metrics(problem, H, W, b=None):
    """NC1-NC4 of a state (features p x CN, prototypes p x C), predictions argmax_c (w_c^T h + b_c)."""
    labels = class_major_labels(problem.C, problem.N)
    logits = W.T @ H + (0.0 if b is None else np.asarray(b)[:, None])
    return neural_collapse(H.T, labels, W.T, np.argmax(logits, axis=0))


def nc4_violations(W):
    r"""The classes c with some :math:`j\ne c` and :math:`\tilde w_j^\top\tilde w_c\ge\|\tilde w_c\|^2`."""
    gram = W.T @ W
    others = gram - np.diag(np.full(gram.shape[0], np.inf))
    return np.flatnonzero(others.max(axis=0) >= np.diag(gram))


# --- symbolic items ---------------------------------------------------------------------------------
@EVIDENCE.item("nc1-nc3-unconstrained", kind="symbolic",
               description="Corollary 3's limit propagator maps every Z0 into {H = k W (x) 1_N^T, W 1_C = 0} with "
                           "k = sqrt(s/N) > 0 (structured algebra, symbolic C, N, gamma, s): NC1 and NC3 whenever "
                           "W~ != 0")
def nc1_nc3_unconstrained(context, record):
    k = corollary_3.self_duality_constant()
    record.passed = k is not None and bool(sp.ask(sp.Q.positive(k)))
    record.measured = {"k": str(k)}


@EVIDENCE.item("nc1-nc3-weight-decay", kind="symbolic",
               description="Corollary 5's limit direction (any lambda, s) lies in {H = k W (x) 1_N^T, W 1_C = 0} with "
                           "k = C(R - lambda(s - 1))/(2(1 + gamma)) > 0 (R^2 - lambda^2 (s-1)^2 = 4 s lambda*^2 > 0), "
                           "and "
                           "k = 1/sqrt(N) for the limit at lambda*")
def nc1_nc3_weight_decay(context, record):
    k = corollary_5.self_duality_constant(corollary_5.direction_propagator())
    at_threshold = corollary_5.self_duality_constant(corollary_5.limit_propagator())
    lam, R = corollary_5.lam, corollary_5.root
    expected = C * (R - lam * (s - 1)) / (2 * (1 + gamma))
    gap = sp.expand(sp.simplify(corollary_5.root_value(lam) ** 2 - lam ** 2 * (s - 1) ** 2))
    positive_gap = sp.simplify(gap - 4 * s * ((1 + gamma) / (C * sp.sqrt(N))) ** 2) == 0
    record.passed = bool(k is not None and sp.simplify(k - expected) == 0 and positive_gap
                         and sp.simplify(at_threshold - 1 / sp.sqrt(N)) == 0)
    record.measured = {"k(lambda, s)": str(k), "R^2 - lambda^2 (s-1)^2": str(sp.factor(gap)),
                       "k at lambda*": str(at_threshold)}


@EVIDENCE.item("limit-weights", kind="symbolic",
               description="W~ = a sqrt(N) Hbar_c(0) + b W_c(0): (a, b) = (1/(2 sqrt s), 1/2) for Corollary 3, "
                           "(1/(1+s), s/(1+s)) at lambda*, proportional to ((1+gamma)/(C sqrt N), (R + lambda(s-1))/2) "
                           "for the direction at any lambda (the prototype column of the E1 sector block)")
def limit_weights(context, record):
    lam, R = corollary_5.lam, corollary_5.root
    expected = {"unconstrained": (1 / (2 * sp.sqrt(s)), sp.Rational(1, 2)), "threshold": (1 / (1 + s), s / (1 + s)),
                "direction": ((1 + gamma) / (C * sp.sqrt(N) * R), (R + lam * (s - 1)) / (2 * R))}
    found = {kind: (limit_blocks(kind)["E1"][0, 1], limit_blocks(kind)["E1"][1, 1]) for kind in expected}
    record.passed = all(sp.simplify(x - y) == 0 for kind in expected for x, y in zip(found[kind], expected[kind]))
    record.measured = {kind: str(value) for kind, value in found.items()}


@EVIDENCE.item("tie-gamma-zero", kind="symbolic",
               description="at gamma = 0 Corollary 3's limit propagator acts on the global-mean sector (E2) as on E1: "
                           "the prototypes are not centred (W~ 1_C != 0 for some Z0) and no k makes H~ = k W~ (x) "
                           "1_N^T "
                           "for every Z0, so NC3 fails unless Pi_2 Z0 = 0")
def tie_gamma_zero(context, record):
    blocks = limit_blocks("tie")
    _, centred = corollary_3.membership_maps(sp.Symbol("k"))
    Q0 = corollary_3.limit_propagator(trade_off=0)
    record.passed = bool(blocks["E2"] != sp.zeros(2, 2) and not (Q0 @ centred).is_zero()
                         and corollary_3.self_duality_constant(Q0) is None)
    record.measured = {"E2 block": str(blocks["E2"].tolist()), "E1 block": str(blocks["E1"].tolist())}


@EVIDENCE.item("two-classes", kind="symbolic",
               description="C = 2: every centred W~ = (x, -x) != 0 has W~^T W~ = ||x||^2 [[1, -1], [-1, 1]] = "
                           "2 ||x||^2 (I_2 - 1 1^T / 2): NC2 holds for every Z0 with W~ != 0")
def two_classes(context, record):
    x = sp.Matrix(sp.symbols("x1:4", real=True))
    W = sp.Matrix.hstack(x, -x)
    norm2 = (x.T * x)[0, 0]
    record.passed = (W.T * W - 2 * norm2 * (sp.eye(2) - sp.ones(2, 2) / 2)).applyfunc(sp.expand).is_zero_matrix
    record.measured = {"W^T W": str(W.T * W)}


@EVIDENCE.item("nc4-counterexample", kind="exact",
               description="C = 3, p = 2, W~ = [(1, 0), (3, 1), (-4, -1)] (centred), H~ = W~ (x) 1_2^T / sqrt 2: NC1 "
                           "= NC3 = 0 but w~_2^T w~_1 = 3 > ||w~_1||^2 = 1, so class 1 is classified as 2 while its "
                           "nearest class mean is its own: NC4 mismatch exactly 1/3 (the violating classes / C)")
def nc4_counterexample(context, record):
    problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.25)
    W = np.array([[1.0, 3.0, -4.0], [0.0, 1.0, -1.0]])
    H = np.repeat(W, 2, axis=1) / np.sqrt(2)
    found = metrics(problem, H, W)
    violating = nc4_violations(W)
    tolerance = float_tolerance("float64", operations=16)
    record.passed = bool(found["nc1"] <= tolerance and found["nc3_self_duality"] <= tolerance
                         and found["nc4_ncc_mismatch"] == len(violating) / problem.C == 1 / 3)
    record.measured = {key: found[key] for key in ("nc1", "nc3_self_duality", "nc4_ncc_mismatch")}
    record.measured["violating classes"] = violating.tolist()


# --- gradient descent from random and constructed starts -------------------------------------------
STARTS = ("random", "etf", "nc4")


def constructed_start(problem, kind, rng):
    """(H0, W0, b0): ``random`` (standard normal); ``etf`` (W0 a simplex ETF, class means W0 / sqrt N, plus
    random within-class and global parts); ``nc4`` (as ``etf`` but with w_1 tilted onto w_0 so that classes violate
    the NC4 inequality)."""
    if kind not in STARTS:
        raise AssumptionError(f"unknown start {kind!r}: one of {', '.join(STARTS)}")
    H0 = rng.standard_normal((problem.p, problem.examples))
    W0 = rng.standard_normal((problem.p, problem.C))
    b0 = rng.standard_normal(problem.C)
    if kind == "random":
        return H0, W0, b0
    target = simplex_etf(problem.p, problem.C, scale=np.sqrt(problem.p), seed=rng)
    if kind == "nc4":
        target[:, 1] = target[:, 1] + 3.0 * target[:, 0]
        target = target - target.mean(1, keepdims=True)
    within = H0 - np.repeat(H0.reshape(problem.p, problem.C, problem.N).mean(-1), problem.N, axis=1)
    common = rng.standard_normal((problem.p, 1))
    return within + np.repeat(target + common, problem.N, axis=1) / np.sqrt(problem.N), target + common, b0


RUNS = {
    # name: (size, start, gamma, lambda (None = lambda*), s, steps, limit kind)
    "random-threshold": ("paper", "random", "1/(C-1)", None, 1.0, 3000, "threshold"),
    "etf-threshold": ("paper", "etf", "1/(C-1)", None, 1.0, 3000, "threshold"),
    "nc4-threshold": ("paper", "nc4", "1/(C-1)", None, 1.0, 3000, "threshold"),
    "random-unconstrained": ("paper", "random", "1/(C-1)", 0.0, 1.0, 3000, "unconstrained"),
    "small-random-threshold": ("small", "random", "1/(C-1)", None, 2.0, 600, "threshold"),
    "small-nc4-threshold": ("small", "nc4", "1/(C-1)", None, 1.0, 600, "threshold"),
    "small-random-above": ("small", "random", "1/(C-1)", 2.0, 1.0, 600, "direction"),
    "small-random-below": ("small", "random", "1/(C-1)", 0.5, 3.0, 600, "direction"),
    "small-random-unconstrained": ("small", "random", "1/(C-1)", 0.0, 0.5, 600, "unconstrained"),
    "small-tie": ("small", "random", "0", 0.0, 1.0, 600, "tie"),
}


@cache
def run(name, device=None):
    """GD (class-mean update, float64) for one entry of :data:`RUNS`, run once: returns (problem, limit, iterate,
    decay) with the limit (direction) from the derived blocks and the last iterate (H, W, b)."""
    size, start, trade_off, decay, ratio, steps, kind = RUNS[name]
    dims = PAPER if size == "paper" else SMALL
    g = 1 / (dims["C"] - 1) if trade_off == "1/(C-1)" else float(trade_off)
    problem = LayerPeeledProblem(gamma=g, **dims)
    threshold = weight_decay.threshold_value(problem)
    lam = threshold if decay is None else decay * threshold
    H0, W0, b0 = constructed_start(problem, start, item_rng(None, f"{CLAIM.id}::{name}"))
    rates = RatePair.proportional(Constant(ETA), ratio)
    descent = gradient_descent(problem, H0, W0, b0, rates, steps, weight_decay=(lam, lam), device=device)
    limit = limit_state(problem, H0, W0, numeric_blocks(kind, problem, ratio, lam))
    return problem, limit, (descent.H[-1], descent.W[-1], descent.b[-1]), lam


def _relative(x, y):
    return float(np.linalg.norm(x - y) / np.linalg.norm(y))


def compare_with_limit(name, device=None, self_dual=True):
    r"""(passed, measured): the predicted NC properties of the limit and the last iterate against them.

    Directions are compared scale-free: :math:`r_W=\|W/\|W\|-\tilde W/\|\tilde W\|\|`, :math:`r_M` the same for
    the centred class means. NC3 moves by at most :math:`r_W+r_M` (triangle inequality); each cosine moves by
    at most :math:`2(\epsilon_u+\epsilon_v)/(1-\max\epsilon)` for relative column perturbations :math:`\epsilon`, so
    NC2's rms cosine offset moves by at most that for the largest :math:`\epsilon`; NC4's mismatch of the iterate
    equals the fraction of violating classes once no logit margin is within the perturbation.
    """
    problem, (H_lim, W_lim), (H, W, b), _ = run(name, device)
    limit = metrics(problem, H_lim, W_lim)
    found = metrics(problem, H, W, b)
    means = H.reshape(problem.p, problem.C, problem.N).mean(-1)
    means_lim = H_lim.reshape(problem.p, problem.C, problem.N).mean(-1)
    centred, centred_lim = means - means.mean(1, keepdims=True), means_lim - means_lim.mean(1, keepdims=True)
    r_W = _relative(W / np.linalg.norm(W) * np.linalg.norm(W_lim), W_lim)
    r_M = _relative(centred / np.linalg.norm(centred) * np.linalg.norm(centred_lim), centred_lim)
    columns = np.linalg.norm(centred / np.linalg.norm(centred) * np.linalg.norm(centred_lim) - centred_lim, axis=0)
    epsilon = float(np.max(columns / np.linalg.norm(centred_lim, axis=0)))
    cosine_bound = 4 * epsilon / (1 - epsilon) if epsilon < 1 else np.inf
    violating = nc4_violations(W_lim)
    rounding = float_tolerance("float64", operations=problem.p * problem.C)
    checks = {
        "limit NC1 = 0": limit["nc1"] <= rounding,
        "limit NC3 = 0" if self_dual else "limit NC3 > 0": (limit["nc3_self_duality"] <= rounding) == self_dual,
        "limit NC4 = violating classes / C": limit["nc4_ncc_mismatch"] == len(violating) / problem.C,
        "|iterate NC3 - limit NC3| <= r_W + r_M":
            abs(found["nc3_self_duality"] - limit["nc3_self_duality"]) <= r_W + r_M + rounding,
        "iterate NC2 within the cosine bound": abs(found["nc2_equiangle"] - limit["nc2_equiangle"]) <= cosine_bound,
        "iterate NC4 = limit NC4": found["nc4_ncc_mismatch"] == limit["nc4_ncc_mismatch"],
    }
    measured = {"checks": checks, "r_W": r_W, "r_M": r_M, "max column perturbation": epsilon,
                "violating classes": len(violating)}
    for key in ("nc1", "nc2_equinorm", "nc2_equiangle", "nc3_self_duality", "nc4_ncc_mismatch"):
        measured[f"limit {key}"], measured[f"iterate {key}"] = limit[key], found[key]
    return all(checks.values()), measured


def _run_description(name):
    size, start, trade_off, decay, ratio, steps, kind = RUNS[name]
    dims = PAPER if size == "paper" else SMALL
    lam = "lambda*" if decay is None else ("0" if decay == 0 else f"{decay:g} lambda*")
    return (f"p={dims['p']}, C={dims['C']}, N={dims['N']}, gamma={trade_off}, {start} start, lambda={lam}, "
            f"s={ratio:g}, "
            f"eta2={ETA}, {steps} GD steps vs the predicted limit ({kind})")


SMALL_RUNS = {name: name for name in RUNS if name.startswith("small") and name != "small-tie"}
PAPER_RUNS = {name: name for name in RUNS if not name.startswith("small")}


@EVIDENCE.item("descent", kind="iterates", cases=SMALL_RUNS,
               description="GD from a {id} start: the limit's NC1 = NC3 = 0, its NC4 mismatch = violating classes / "
                           "C, and the last iterate within the perturbation bounds of the limit's NC2, NC3, NC4")
def descent_small(context, record, name):
    record.passed, record.measured = compare_with_limit(name, context.device)
    record.measured["run"] = _run_description(name)


@EVIDENCE.item("descent", kind="iterates", cases=PAPER_RUNS, paper_scale=True, time_limit=60,
               description="paper scale, GD from a {id} start: the limit's NC1 = NC3 = 0, its NC4 mismatch = "
                           "violating classes / C, and the last iterate within the perturbation bounds")
def descent_paper(context, record, name):
    record.passed, record.measured = compare_with_limit(name, context.device)
    record.measured["run"] = _run_description(name)


@EVIDENCE.item("tie-nc3-fails", kind="iterates",
               description="gamma = 0 (the tie): the predicted limit has NC3 > 0 (its prototypes carry Pi_2 Z0) and "
                           "the last GD iterate is within the perturbation bound of it")
def tie_nc3_fails(context, record):
    record.passed, record.measured = compare_with_limit("small-tie", context.device, self_dual=False)


@EVIDENCE.item("mutant-swapped-weights", kind="mutant",
               description="the limit with (a, b) swapped at lambda*, s = 2 (W~ = (s sqrt(N) Hbar_c + W_c)/(1+s)) "
                           "misses the last GD iterate of small-random-threshold by >= MUTANT_MARGIN x its distance "
                           "to the derived limit")
def mutant_swapped_weights(context, record):
    problem, (H_lim, W_lim), (H, W, b), lam = run("small-random-threshold", context.device)
    _, _, _, _, ratio, _, _ = RUNS["small-random-threshold"]
    blocks = numeric_blocks("threshold", problem, ratio, lam)
    swapped = {name: B[::-1, ::-1] for name, B in blocks.items()}
    H0, W0, _ = constructed_start(problem, "random", item_rng(None, f"{CLAIM.id}::small-random-threshold"))
    _, W_mutant = limit_state(problem, H0, W0, swapped)
    true_distance, mutant_distance = _relative(W, W_lim), _relative(W, W_mutant)
    record.passed = mutant_distance >= MUTANT_MARGIN * true_distance
    record.measured = {"distance to the derived limit": true_distance, "distance to the mutant": mutant_distance}


# --- how likely: Gaussian starts -------------------------------------------------------------------
DISTRIBUTION_P = (32, 128, 512)
DISTRIBUTION_CN = ((10, 1), (10, 10), (100, 1), (100, 10))
DRAWS = 8


def asymptotic_equiangle(p, classes):
    r""":math:`(1-\rho^2)/\sqrt p` with :math:`\rho=-\frac1{C-1}`: the standard deviation of a sample correlation
    of p Gaussian pairs with correlation :math:`\rho` (the centred columns of an i.i.d. Gaussian matrix)."""
    return (1 - 1 / (classes - 1) ** 2) / np.sqrt(p)


@cache
def etf_deviation_samples(seed):
    """{(p, C, N): [nc2_equiangle of the limit prototypes]} for Gaussian H0, W0 (Corollary 3, s = 1)."""
    rng = np.random.default_rng(seed)
    samples = {}
    for p in DISTRIBUTION_P:
        for classes, examples in DISTRIBUTION_CN:
            problem = LayerPeeledProblem(p=p, C=classes, N=examples, gamma=1 / (classes - 1))
            blocks = numeric_blocks("unconstrained", problem, 1.0)
            values = []
            for _ in range(DRAWS):
                H0, W0 = rng.standard_normal((p, classes * examples)), rng.standard_normal((p, classes))
                _, W_lim = limit_state(problem, H0, W0, blocks)
                offsets = (W_lim / np.linalg.norm(W_lim, axis=0)).T @ (W_lim / np.linalg.norm(W_lim, axis=0))
                upper = np.triu_indices(classes, 1)
                values.append(float(np.sqrt(np.mean((offsets[upper] + 1 / (classes - 1)) ** 2))))
            samples[(p, classes, examples)] = values
    return samples


@EVIDENCE.item("gaussian-etf-deviation", kind="data",
               description="Gaussian H0, W0: the limit prototypes' rms cosine offset from -1/(C-1), 8 draws per "
                           "p in {32, 128, 512}, (C, N) in {10, 100} x {1, 10}: every draw > 0 (NC2 fails), and the "
                           "mean over draws against (1 - 1/(C-1)^2)/sqrt(p) (reported with its standard error); the "
                           "log-log slope in p within 4 standard errors of -1/2")
def gaussian_etf_deviation(context, record):
    samples = etf_deviation_samples(context.seed if context else 0)
    table, slopes_ok = {}, True
    for classes, examples in DISTRIBUTION_CN:
        means = np.array([np.mean(samples[(p, classes, examples)]) for p in DISTRIBUTION_P])
        errors = np.array([np.std(samples[(p, classes, examples)], ddof=1) / np.sqrt(DRAWS) for p in DISTRIBUTION_P])
        logs = np.log(np.array(DISTRIBUTION_P, dtype=float))
        slope = float(np.polyfit(logs, np.log(means), 1)[0])
        slope_error = float(np.sqrt(np.sum((errors / means) ** 2)) / (logs[-1] - logs[0]))
        slopes_ok &= abs(slope + 0.5) <= 4 * slope_error
        table[f"C={classes}, N={examples}"] = {
            "p": list(DISTRIBUTION_P), "mean": means.tolist(), "standard error": errors.tolist(),
            "theory": [float(asymptotic_equiangle(p, classes)) for p in DISTRIBUTION_P], "slope": slope,
            "slope standard error": slope_error}
    minimum = min(min(values) for values in samples.values())
    record.passed = bool(minimum > 0 and slopes_ok)
    record.measured = {"smallest deviation over all draws": minimum, "per (C, N)": table}


# --- formulas for the LaTeX export ----------------------------------------------------------------
def _weights_formula(kind):
    def build():
        block = limit_blocks(kind)["E1"]
        return sp.Tuple(block[0, 1], block[1, 1])
    return build


def _self_duality_formula():
    return corollary_5.self_duality_constant(corollary_5.direction_propagator())


def _deviation_formula():
    p = sp.Symbol("p", positive=True)
    return (1 - 1 / (C - 1) ** 2) / sp.sqrt(p)


#: The formulas of this extension for the LaTeX export, as keyword arguments of
#: :class:`ulproofs.reports.latex.Formula` (names are letters only: they become macros).
FORMULAS = (
    dict(name="CollapseWeightsUnconstrained", claim=CLAIM.id, symbol=r"(a, b)", build=_weights_formula("unconstrained"),
         parser=False, description=r"$\tilde W=a\sqrt N\bar H_c(0)+bW_c(0)$ for Corollary 3's limit direction"),
    dict(name="CollapseWeightsThreshold", claim=CLAIM.id, symbol=r"(a, b)", build=_weights_formula("threshold"),
         parser=False, description=r"the same for Corollary 5's limit at $\lambda^*$"),
    dict(name="CollapseSelfDuality", claim=CLAIM.id, symbol=r"k", build=_self_duality_formula, parser=True,
         description=r"$\tilde H=k\,\tilde W\otimes\mathbf 1_N^\top$ for Corollary 5's direction, any $\lambda$ "
                     r"($R=\sqrt{\lambda^2(s-1)^2+4s\lambda^{*2}}$)"),
    dict(name="CollapseGaussianDeviation", claim=CLAIM.id, symbol=r"\operatorname{rms}(\cos+\tfrac1{C-1})",
         build=_deviation_formula, parser=True,
         description=r"the ETF deviation of the limit for Gaussian $H_0,W_0$, $p\to\infty$ (independent of $N$)"),
)
