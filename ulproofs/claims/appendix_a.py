r"""Appendix A: the bounds stated in "Clarification for the unhinged loss".

Statement (reconstructed; the OCR garbles every formula). With logits :math:`z=Wh+b`,
:math:`L_\gamma(z,y)=-z_y+\gamma\sum_{j\ne y}z_j` (Eq. 1):

(a) *In the spherical constrained case (features on the unit sphere, prototypes fixed as a simplex
ETF) the unhinged loss is lower bounded by* :math:`-(1+\gamma)`.

(b) *One can derive that*

.. math::

    L_\gamma<-(1+\gamma)\sqrt{\frac{C-2}{2(C-1)}}\ \Longrightarrow\
    w_y^\top h>\max_{j\ne y}w_j^\top h

*when the prototypes are a simplex ETF, so the sample is classified correctly if the loss is less
than* :math:`(1+\gamma)\sqrt{\frac{C-2}{2(C-1)}}` (the second occurrence is printed without the minus).

(c) *For the CE and multi-binary CE losses,*

.. math::

    L_\gamma(Wh+b,y)\le\min\Bigl\{\log(1+e^{-z_y})+\sum_{j\ne y}\log(1+e^{z_j}),\
    (\gamma(C-1)-1)z_y+\gamma(C-1)\log\frac{\sum_{i=1}^Ce^{z_i}}{e^{z_y}}\Bigr\}.

(d) *The gradient* :math:`\partial L_\gamma/\partial h=-(w_y-\gamma\sum_{j\ne y}w_j)` *cannot
converge to zero unless* :math:`w_y-\gamma\sum_{j\ne y}w_j=0` *for all y.*

What is derived here:

* (a) for :math:`W\mathbf 1_C=0` (every simplex ETF) :math:`WT=(1+\gamma)W`, so
  :math:`L_\gamma(Wh,y)=-(1+\gamma)w_y^\top h=-(1+\gamma)+\frac{1+\gamma}2\|h-w_y\|^2` for unit
  :math:`h,w_y`: the bound holds, and is attained only at :math:`h=w_y`.
* (b) :math:`L_\gamma<-(1+\gamma)\tau` iff :math:`w_y^\top h>\tau`; if some :math:`w_j^\top h\ge
  w_y^\top h` then :math:`w_y^\top h\le\frac12(w_y+w_j)^\top h\le\frac12\|w_y+w_j\|=\tau^*` with
  :math:`\tau^*=\sqrt{\frac{C-2}{2(C-1)}}`. So the printed threshold (with the minus sign and strict
  "<") is sufficient and tight (misclassified features reach :math:`L\downarrow-(1+\gamma)\tau^*`);
  "≤" fails at the tie point; without the minus it is false for C >= 3.
* (c) the CE form simplifies to :math:`-z_y+\gamma(C-1)\operatorname{LSE}(z)` and holds for every
  :math:`\gamma\ge0` (gap :math:`\ge\gamma(C-1)\log(C-1)`, equality only at :math:`\gamma=0`); the
  multi-binary form holds iff :math:`0\le\gamma\le1`: the gap is
  :math:`\log(1+e^{z_y})+\sum_{j\ne y}(\log(1+e^{z_j})-\gamma z_j)`, whose per-class infimum is the
  binary entropy :math:`H(\gamma)` for :math:`\gamma\in[0,1]` and :math:`-\infty` for :math:`\gamma>1`.
* (d) :math:`T=(1+\gamma)I-\gamma J` has eigenvalues :math:`1+\gamma` on :math:`\mathbf 1^\perp` and
  :math:`1+\gamma-\gamma C` on :math:`\mathbf 1`, so all gradients vanish iff W = 0, or
  :math:`\gamma=\frac1{C-1}` and all prototypes are equal.

>>> sp.simplify(tie_threshold() - sp.sqrt((C - 2) / (2 * (C - 1))))
0
>>> binary_entropy_gap()                    # inf_z log(1+e^z) - gamma z, gamma in (0, 1)
-gamma*log(gamma) - (1 - gamma)*log(1 - gamma)
>>> sp.simplify(ce_bound_rhs() - (-zy + gamma * (C - 1) * LSE))
0
"""
from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core.etf import simplex_etf
from ..core.operator import gamma
from ..core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance
from ..core.structured import PROTOTYPES, SCALAR, C, StructuredMatrix
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from .lemma_1 import E1, E2, class_transform, collapsed, exact_loss, exact_simplex_etf

CLAIM = Claim(
    id="appendix-a",
    title="Bounds of Appendix A",
    statement=(
        "(a) In the spherical case (||h|| = 1) with W a simplex ETF, L_gamma >= -(1+gamma). "
        "(b) L_gamma < -(1+gamma) sqrt((C-2)/(2(C-1))) implies w_y^T h > max_{j != y} w_j^T h (W a simplex ETF), "
        "so a sample is classified correctly if its loss is less than (1+gamma) sqrt((C-2)/(2(C-1))). "
        "(c) L_gamma(Wh+b, y) <= min{ log(1+exp(-z_y)) + sum_{j != y} log(1+exp(z_j)), "
        "(gamma(C-1) - 1) z_y + gamma(C-1) log(sum_i exp(z_i)/exp(z_y)) }, z = Wh + b. "
        "(d) dL/dh = -(w_y - gamma sum_{j != y} w_j) cannot vanish unless w_y - gamma sum_{j != y} w_j = 0 for all y."),
    equations=("Appendix A",),
    reading=(
        "The OCR garbles the formulas. (a): 'spherical' means ||h|| = 1 and unit ETF prototypes (W^T W = C/(C-1) I - "
        "1/(C-1) 1 1^T), bias 0. (b): the first occurrence reads 'L_gamma < -(1+gamma) sqrt((C-2)/(2(C-1)))' (the "
        "radical is split over lines: 'c-2', '2(C-1'); the second occurrence, 'less than (1+gamma) sqrt(...)', "
        "lacks the minus sign -- read as an OCR/print slip, and the literal reading is checked too. (c): the first "
        "term is read as the multi-binary (one-vs-all logistic) loss with unweighted negatives, as printed; the "
        "second as (gamma(C-1) - 1) z_y + gamma(C-1) CE(z, y) with CE = log(sum_i e^{z_i}/e^{z_y}) (the OCR "
        "'log ... exp(w_i^T h + b_i) ... exp(w_y^T h + b_y)' fits exactly this and makes the bound valid). No range "
        "of gamma is stated: every gamma >= 0 of Eq. 1 is read as claimed. The Wasserstein comparison (item 2) is "
        "qualitative and not checked."),
    issue=4,
    printed=("[...] since the gradient of the unhinged loss if %Lh\" = -(wy - 7> 4, w;) cannot converge to zero "
             "unless w, - v, 2y Wi =0 for all . [...] under this case, the unhinged loss would be lower bounded by "
             "-(1+ +), and thus can be used in practical training (as shown in Figure 2). We can also derive that "
             "L, < -(1 4 ) c-2 - 2(C-1 w; h > max;, 'w;r h when these prototypes are fixed as a simplex ETF, so "
             "the sample can be correctly classified if the value of the unhinged loss is less than "
             "(1+7),/ 2(00%21 [...] 1) For the CE and multi-binary CE loss, we have the following inequality. "
             "L,(Wh+b,y) < min { log(1 + exp(-w;/rh -by)) + Z log(1 + exp(ijh + b)), (v(C =1) = 1)( y+by)h "
             "v(C 1)1gziczlexp('w;rh+bi) [...]"),
    readings=(
        Reading("printed", "(a) L_gamma >= -(1+gamma) (unit h, unit simplex-ETF prototypes); (b) L_gamma < "
                "-(1+gamma) tau* implies w_y^T h > max_{j != y} w_j^T h, and the sample is correctly classified if "
                "its loss is less than (1+gamma) tau*, tau* = sqrt((C-2)/(2(C-1))); (c) L_gamma <= min{multi-binary "
                "CE, (gamma(C-1) - 1) z_y + gamma(C-1) CE} for every gamma >= 0; (d) the feature gradient vanishes "
                "only if w_y - gamma sum_{j != y} w_j = 0 for all y",
                change="the garbled radical read as sqrt((C-2)/(2(C-1))), the CE term of (c) as gamma(C-1) "
                "log(sum_i e^{z_i}/e^{z_y}); the second occurrence in (b) taken as printed, without a minus; no "
                "range of gamma is printed, so (c) is read for every gamma >= 0 of Eq. 1"),
        Reading("corrected", "(a), (d) as printed; (b) with the minus sign in both occurrences: L_gamma < -(1+gamma) "
                "tau* implies correct classification (strict, tight, not necessary); (c) the CE bound for every "
                "gamma >= 0, the multi-binary bound for 0 <= gamma <= 1 (for every gamma >= 0 with the negatives "
                "weighted by gamma)",
                change="a minus sign added to the second threshold of (b); the hypothesis 0 <= gamma <= 1 added to "
                "the multi-binary part of (c)", departs=True,
                why="without the minus, a misclassified feature has L = 0 < (1+gamma) tau*; for gamma > 1 the "
                "multi-binary bound fails (C = 3, gamma = 2, z = (0, 2, 2))", proof_needs=True),
    ),
)

zy, LSE = sp.symbols("z_y Lambda", real=True)
z = sp.Symbol("z", real=True)

#: The classes of the exact and numeric grids.
CLASSES = (2, 3, 4, 5, 10)
#: Trade-offs of the numeric grids: 0, the paper's 1/(C-1) for C = 10, 1/2, 1, 2, 5.
TRADE_OFFS = (0.0, 1 / 9, 0.5, 1.0, 2.0, 5.0)


# ------------------------------------------------------------------------------------------------
# (a) the spherical lower bound
# ------------------------------------------------------------------------------------------------
def prove_centred_prototypes():
    r""":math:`T-(1+\gamma)I=-\gamma\mathbf 1\mathbf 1^\top` and :math:`T\mathbf 1=(1+\gamma-\gamma C)\mathbf 1`
    in the structured algebra: for :math:`W\mathbf 1=0`, :math:`WT=(1+\gamma)W`, so
    :math:`L_\gamma(Wh,y)=-(1+\gamma)w_y^\top h` (all C, gamma)."""
    T = class_transform()
    ones = StructuredMatrix.ones(PROTOTYPES, PROTOTYPES)
    off_identity = (T - StructuredMatrix.identity(PROTOTYPES) * (1 + gamma) + ones * gamma).is_zero()
    column = StructuredMatrix.ones(PROTOTYPES, SCALAR)
    on_ones = (T @ column - column * (1 + gamma - gamma * C)).is_zero()
    return bool(off_identity and on_ones)


def prove_spherical_identity(dim=4):
    r""":math:`-(1+\gamma)w^\top h=-(1+\gamma)+\frac{1+\gamma}2\|h-w\|^2` whenever :math:`\|h\|=\|w\|=1`:
    the residual equals :math:`\frac{1+\gamma}2(2-\|h\|^2-\|w\|^2)`, checked with symbolic coordinates."""
    h = sp.Matrix(sp.symbols(f"h1:{dim + 1}", real=True))
    w = sp.Matrix(sp.symbols(f"w1:{dim + 1}", real=True))
    residual = -(1 + gamma) * w.dot(h) - (-(1 + gamma) + (1 + gamma) / 2 * (h - w).dot(h - w))
    return sp.expand(residual - (1 + gamma) / 2 * (2 - h.dot(h) - w.dot(w))) == 0


def _unit_rows(rng, count, dim):
    x = rng.standard_normal((count, dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def spherical_sampling(rng, samples=20000):
    """Random unit features against float64 simplex ETFs (p = C-1 and p = C+3): the smallest loss seen
    (must not go below -(1+gamma) by more than the tolerance) and the loss at h = w_y (attains it)."""
    rows, ok = {}, True
    for classes in CLASSES:
        for dim in (classes - 1, classes + 3):
            W = simplex_etf(dim, classes, 1.0, rng)
            h = _unit_rows(rng, samples, dim)
            y = rng.integers(0, classes, samples)
            scores = h @ W                                              # (samples, C)
            target = scores[np.arange(samples), y]
            for g in TRADE_OFFS:
                losses = -target + g * (scores.sum(1) - target)
                at_prototype = -1.0 + g * (W.sum(1) @ W[:, 0] - 1.0)    # h = w_1, y = 1
                tol = float_tolerance("float64", operations=dim * classes) * (1 + g)
                below = float(-(1 + g) - losses.min())
                attained = abs(at_prototype + (1 + g))
                ok &= below <= tol and attained <= tol
                rows[f"C={classes},p={dim},gamma={g:.4g}"] = dict(min_sampled=float(losses.min()),
                                                                   bound=-(1 + g), at_h_eq_w_y=at_prototype)
    return rows, ok


def uncentred_counterexample(classes=4):
    r"""The bound needs :math:`W\mathbf 1=0`: equal unit prototypes with :math:`h=-w` (unit) give, from
    Eq. 1, :math:`L=-(\gamma(C-1)-1)`. Returns L + (1 + gamma), negative once :math:`\gamma>\frac2{C-2}`."""
    W, H = collapsed(classes)
    loss = exact_loss(W, H).subs({E1: 1, E2: 1})
    return sp.factor(loss + (1 + gamma))


# ------------------------------------------------------------------------------------------------
# (b) the classification threshold
# ------------------------------------------------------------------------------------------------
def tie_threshold(classes=C):
    r""":math:`\tau^*=\frac12\|w_y+w_j\|=\sqrt{(1+c)/2}` with the ETF cosine :math:`c=-\frac1{C-1}`."""
    cosine = -sp.Integer(1) / (classes - 1)
    return sp.sqrt(sp.simplify((2 + 2 * cosine) / 4))


@cache
def exact_threshold_witnesses(classes, trade_off=gamma):
    r"""Exact witnesses on the unit simplex ETF (Helmert, p = C-1, class y = 1, j = 2):

    * ``tie``: :math:`h^*=(w_y+w_j)/\|w_y+w_j\|` (C >= 3) or any :math:`h\perp w_y` (C = 2): scores of y
      and j tie, :math:`w_y^\top h^*=\tau^*`, :math:`L=-(1+\gamma)\tau^*` -- the non-strict "<=" fails;
    * ``near``: :math:`h_t\propto(1-t)w_y+(1+t)w_j` (C >= 3; C = 2: :math:`h_t\propto e-t\,w_y`, e a unit
      vector orthogonal to :math:`w_y`, in p = 2): misclassified for t > 0 with
      :math:`\lim_{t\to0^+}L(h_t)=-(1+\gamma)\tau^*` (:math:`h_t` is continuous at t = 0, its
      normaliser being :math:`\|w_y+w_j\|>0`, resp. 1) -- no threshold above it is sufficient (tight);
    * ``literal``: :math:`h\propto w_j-(w_j^\top w_y)w_y` (orthogonal to :math:`w_y`): misclassified with
      L = 0 < :math:`(1+\gamma)\tau^*` for C >= 3 -- the threshold printed without the minus is false.
    """
    t = sp.Symbol("t", positive=True)
    dim = max(classes - 1, 2)
    W = exact_simplex_etf(classes, dim).subs(E1, 1)
    wy, wj = W[:, 0], W[:, 1]
    tau = tie_threshold(classes)

    def loss(h):
        return -wy.dot(h) + trade_off * sum(W[:, k].dot(h) for k in range(1, classes))

    def margin(h):
        """w_y.h - max_{k != y} w_k.h: the smallest of the exactly simplified differences (ordered at 50 digits)."""
        differences = [sp.simplify((wy - W[:, k]).dot(h)) for k in range(1, classes)]
        return min(differences, key=lambda d: sp.N(d, 50))

    if classes == 2:
        e = sp.Matrix([0, 1])
        tie = e
        near = (e - t * wy) / sp.sqrt(1 + t ** 2)
    else:
        tie = (wy + wj) / (wy + wj).norm()
        u = (1 - t) * wy + (1 + t) * wj
        near = u / u.norm()
    orthogonal = wj - wj.dot(wy) * wy
    literal = orthogonal / orthogonal.norm() if classes >= 3 else None
    out = dict(tau=tau,
               tie_margin=sp.simplify(margin(tie)), tie_score=sp.simplify(wy.dot(tie)),
               tie_loss_plus_threshold=sp.simplify(loss(tie) + (1 + trade_off) * tau),
               near_margin_at_small_t=margin(near.subs(t, sp.Rational(1, 1000))),
               near_limit_plus_threshold=sp.simplify(loss(near).subs(t, 0) + (1 + trade_off) * tau))
    if literal is not None:
        out.update(literal_margin=sp.simplify(margin(literal)), literal_loss=sp.simplify(loss(literal)))
    return out


def threshold_sampling(rng, samples=50000):
    """Random unit features against float64 unit simplex ETFs, p in {C-1, C+1}, class y = 1: every
    misclassified sample has w_y.h <= tau* (so none is below the loss threshold), and the number of correctly
    classified samples with w_y.h <= tau* (the threshold is not necessary; in the plane of a C = 3 ETF, and
    for C = 2, it is: correct iff w_y.h > tau*)."""
    rows, ok = {}, True
    for classes in CLASSES:
        tau = float(tie_threshold(classes))
        for dim in (classes - 1, classes + 1):
            W = simplex_etf(dim, classes, 1.0, rng)
            scores = _unit_rows(rng, samples, dim) @ W
            target = scores[:, 0]
            wrong = scores[:, 1:].max(1) >= target
            tol = float_tolerance("float64", operations=dim * classes)
            worst = float(target[wrong].max())
            correct_above = int(np.sum(~wrong & (target <= tau)))
            ok &= worst <= tau + tol
            rows[f"C={classes},p={dim}"] = dict(tau=tau, misclassified=int(wrong.sum()),
                                                max_score_misclassified=worst,
                                                correct_but_not_below_threshold=correct_above)
    return rows, ok


# ------------------------------------------------------------------------------------------------
# (c) CE and multi-binary CE
# ------------------------------------------------------------------------------------------------
def binary_entropy_gap():
    r""":math:`\inf_z\log(1+e^z)-\gamma z` for :math:`0<\gamma<1`: the function is convex
    (second derivative :math:`\sigma(1-\sigma)>0`), stationary at :math:`z^*=\log\frac\gamma{1-\gamma}`,
    with value the binary entropy. Returns the simplified value."""
    g = sp.Symbol("gamma", positive=True)
    f = sp.log(1 + sp.exp(z)) - g * z
    stationary = sp.log(g) - sp.log(1 - g)              # sigma(z*) = gamma
    if sp.simplify(sp.diff(f, z).subs(z, stationary)) != 0:
        raise ArithmeticError("log(gamma/(1-gamma)) is not stationary")
    entropy = -g * sp.log(g) - (1 - g) * sp.log(1 - g)
    # Odds q = gamma/(1-gamma) > 0 keep every logarithm's argument positive for SymPy.
    q = sp.Symbol("q", positive=True)
    residual = sp.expand_log((f.subs(z, stationary) - entropy).subs(g, q / (1 + q)), force=True)
    if sp.simplify(residual) != 0:
        raise ArithmeticError(f"stationary value {f.subs(z, stationary)} is not the binary entropy")
    convex = sp.simplify(sp.diff(f, z, 2) - sp.exp(z) / (1 + sp.exp(z)) ** 2) == 0
    if not convex:
        raise ArithmeticError("second derivative is not sigma(1 - sigma)")
    return entropy.subs(g, gamma)


def multibinary_slope_at_infinity():
    r""":math:`\lim_{z\to\infty}(\log(1+e^z)-\gamma z)/z=1-\gamma`: negative for :math:`\gamma>1`, so the
    gap of the multi-binary bound is unbounded below there; at :math:`z\to-\infty` the slope is
    :math:`-\gamma\le0`, bounded below only for :math:`\gamma\ge0`."""
    f = sp.log(1 + sp.exp(z)) - gamma * z
    return sp.limit(f / z, z, sp.oo), sp.limit(f / z, z, -sp.oo)


def ce_bound_rhs():
    r"""The CE form :math:`(\gamma(C-1)-1)z_y+\gamma(C-1)(\Lambda-z_y)` with :math:`\Lambda=\operatorname{LSE}(z)`."""
    return (gamma * (C - 1) - 1) * zy + gamma * (C - 1) * (LSE - zy)


def _lse(values):
    return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in values))


def unhinged(logits, y, trade_off):
    return -logits[y] + trade_off * mpmath.fsum(v for k, v in enumerate(logits) if k != y)


def multibinary(logits, y):
    return mpmath.log1p(mpmath.exp(-logits[y])) + mpmath.fsum(
        mpmath.log1p(mpmath.exp(v)) for k, v in enumerate(logits) if k != y)


def ce_form(logits, y, trade_off, sign=1):
    """The CE form; ``sign=-1`` flips the sign of its (gamma(C-1) - 1) z_y term (a mutant)."""
    count = len(logits) - 1
    return (sign * (trade_off * count - 1) * logits[y]
            + trade_off * count * (_lse(logits) - logits[y]))


def inequality_sampling(rng, samples=300, scale=8.0):
    """mpmath at the current precision: random logits (normal, times ``scale``) and adversarial ones.

    Per C and gamma: the smallest gap of each bound over the samples (MB - L and CE - L), whether the CE gap
    stays >= gamma (C-1) log(C-1), and the gap at the adversarial points: MB at z_y = 0, z_j = 40 (negative iff
    gamma > 1), CE at z_y = -60, z_j = 0 (approaches gamma (C-1) log(C-1)). The gamma-free parts of each
    expression (the multi-binary loss, LSE(z)) are evaluated once per draw.
    """
    tol = mp_tolerance()
    rows, ok = {}, True
    for classes in CLASSES:
        count = classes - 1
        draws = [[mpmath.mpf(float(v)) for v in rng.standard_normal(classes) * scale] for _ in range(samples)]
        adversarial_mb = [mpmath.mpf(0)] + [mpmath.mpf(40)] * count
        adversarial_ce = [mpmath.mpf(-60)] + [mpmath.mpf(0)] * count
        parts = [(x[0], mpmath.fsum(x[1:]), multibinary(x, 0), _lse(x)) for x in draws]
        for g in TRADE_OFFS:
            g_mp = mpmath.mpf(g)
            floor = g_mp * count * mpmath.log(count)
            mb_gaps = [mb - (-zy_ + g_mp * negatives) for zy_, negatives, mb, _ in parts]
            ce_gaps = [(g_mp * count - 1) * zy_ + g_mp * count * (lse - zy_) - (-zy_ + g_mp * negatives)
                       for zy_, negatives, _, lse in parts]
            mb_adv = multibinary(adversarial_mb, 0) - unhinged(adversarial_mb, 0, g_mp)
            ce_adv = ce_form(adversarial_ce, 0, g_mp) - unhinged(adversarial_ce, 0, g_mp)
            row = dict(min_mb_gap=float(min(mb_gaps)), min_ce_gap=float(min(ce_gaps)), ce_floor=float(floor),
                       mb_gap_adversarial=float(mb_adv), ce_gap_adversarial_minus_floor=float(ce_adv - floor))
            mb_holds = g <= 1
            ok &= (min(mb_gaps) > -tol) if mb_holds else (mb_adv < -tol)
            # The CE gap's infimum is approached, within e^{-60}-sized terms, at the adversarial point.
            ok &= bool(min(ce_gaps) >= floor - tol and -tol <= ce_adv - floor < mpmath.mpf(10) ** -20)
            rows[f"C={classes},gamma={g:.4g}"] = row
    return rows, ok


# ------------------------------------------------------------------------------------------------
# (d) when the feature gradient vanishes
# ------------------------------------------------------------------------------------------------
def prove_gradient_kernel():
    r"""T acts as :math:`1+\gamma` on :math:`\mathbf 1^\perp` and as :math:`1+\gamma-\gamma C` on
    :math:`\mathbf 1`; the latter vanishes only at :math:`\gamma=\frac1{C-1}`. Returns (the identity on
    :math:`\mathbf 1^\perp` holds, the roots of the eigenvalue on :math:`\mathbf 1`)."""
    T = class_transform()
    centring = StructuredMatrix.identity(PROTOTYPES) - StructuredMatrix.ones(PROTOTYPES, PROTOTYPES) * (1 / C)
    perp = (T @ centring - centring * (1 + gamma)).is_zero()
    return bool(perp and prove_centred_prototypes()), sp.solve(1 + gamma - gamma * C, gamma)



EVIDENCE = EvidenceSet(CLAIM)


@EVIDENCE.item("a-centred-identity", kind="symbolic",
               description="(a) W 1 = 0 gives W T = (1+gamma) W (all C, gamma), so L = -(1+gamma) w_y^T h = -(1+gamma) "
                           "+ ((1+gamma)/2) ||h - w_y||^2 for unit h, w_y: bound -(1+gamma), attained only at h = w_y; "
                           "the bound needs W 1 = 0 (equal prototypes give L + (1+gamma) = -2(gamma - 1) at C = 4)")
def a_centred_identity(context, record):
    centred, identity = prove_centred_prototypes(), prove_spherical_identity()
    gap = uncentred_counterexample()
    record.passed = bool(centred and identity and sp.simplify(gap + 2 * (gamma - 1)) == 0)
    record.measured = dict(centred_prototypes=centred, spherical_identity=identity,
                           uncentred_C4_loss_minus_bound=str(gap))


@EVIDENCE.item("a-sampled", kind="iterates",
               description="(a) random unit features (20000 per case) on float64 simplex ETFs, C in {2,3,4,5,10}, "
                           "p in {C-1, C+3}, six gammas: never below -(1+gamma); h = w_y attains it")
def a_sampled(context, record):
    rows, ok = spherical_sampling(item_rng(context, "a-sampled"))
    record.passed = ok
    record.measured = dict(worst_excess=min(r["min_sampled"] - r["bound"] for r in rows.values()), rows=rows)


@EVIDENCE.item("b-threshold", kind="symbolic",
               description="(b) tau* = ||w_y + w_j||/2 = sqrt((C-2)/(2(C-1))) with the ETF cosine -1/(C-1) (1/2 at "
                           "C = 3, 0 at C = 2); w_j^T h >= w_y^T h implies w_y^T h <= (w_y + w_j)^T h/2 <= tau*")
def b_threshold(context, record):
    tau = tie_threshold()
    record.passed = (sp.simplify(tau ** 2 - (C - 2) / (2 * (C - 1))) == 0
                     and tie_threshold(3) == sp.Rational(1, 2) and tie_threshold(2) == 0)
    record.measured = dict(tau=str(tau))


@EVIDENCE.item("b-witnesses", kind="exact", role="correction", reading="corrected",
               description="(b) with the minus: exact witnesses on Helmert ETFs, C in {2,3,4,5,10}: the tie point has "
                           "margin 0 and L = -(1+gamma) tau* (the strict '<' is needed); misclassified h_t reach "
                           "L -> -(1+gamma) tau* (tight)")
def b_witnesses(context, record):
    table = {c: exact_threshold_witnesses(c) for c in CLASSES}
    record.passed = all(row["tie_margin"] == 0 and sp.simplify(row["tie_score"] - row["tau"]) == 0
                        and row["tie_loss_plus_threshold"] == 0 and row["near_margin_at_small_t"] < 0
                        and row["near_limit_plus_threshold"] == 0 for row in table.values())
    record.measured = {c: {k: str(v) for k, v in row.items()} for c, row in table.items()}


@EVIDENCE.item("b-without-minus", kind="counterexample", reading="printed",
               description="(b) the threshold as printed the second time, without the minus sign, is false for "
                           "C >= 3: h orthogonal to w_y leaning to w_j is misclassified with L = 0 < (1+gamma) tau*")
def b_without_minus(context, record):
    rows = {c: exact_threshold_witnesses(c) for c in CLASSES[1:]}
    literal = {c: (row["literal_margin"], row["literal_loss"], row["tau"]) for c, row in rows.items()}
    record.passed = all(m < 0 and v == 0 and t > 0 for m, v, t in literal.values())
    record.measured = {c: dict(margin=str(m), loss=str(v), threshold_over_1_plus_gamma=str(t))
                       for c, (m, v, t) in literal.items()}


@EVIDENCE.item("b-sampled", kind="iterates",
               description="(b) 50000 random unit features per C in {2,3,4,5,10}, p in {C-1, C+1}: every "
                           "misclassified one has w_y^T h <= tau* (none is below the loss threshold); correctly "
                           "classified ones with w_y^T h <= tau* exist except for C = 2 and (C = 3, p = 2), where the "
                           "threshold is an iff")
def b_sampled(context, record):
    rows, ok = threshold_sampling(item_rng(context, "b-sampled"))
    iff_cases = {"C=2,p=1", "C=2,p=3", "C=3,p=2"}
    record.passed = ok and all((r["correct_but_not_below_threshold"] == 0) == (key in iff_cases)
                               for key, r in rows.items())
    record.measured = rows


@EVIDENCE.item("c-symbolic", kind="symbolic", role="correction", reading="corrected",
               description="(c) multi-binary: MB - L = log(1+e^{z_y}) + sum_{j != y} (log(1+e^{z_j}) - gamma z_j); "
                           "inf_z log(1+e^z) - gamma z = binary entropy H(gamma) >= 0 on [0, 1] (convex, stationary at "
                           "log(gamma/(1-gamma))), slope 1 - gamma < 0 at +oo for gamma > 1; CE form = -z_y + "
                           "gamma(C-1) LSE(z)")
def c_symbolic(context, record):
    entropy = binary_entropy_gap()
    at_plus, at_minus = multibinary_slope_at_infinity()
    positive_term = sp.simplify(sp.log(1 + sp.exp(-z)) + z - sp.log(1 + sp.exp(z)))
    ce = sp.simplify(ce_bound_rhs() - (-zy + gamma * (C - 1) * LSE))
    record.passed = bool(sp.simplify(entropy - (-gamma * sp.log(gamma) - (1 - gamma) * sp.log(1 - gamma))) == 0
                         and sp.simplify(at_plus - (1 - gamma)) == 0 and sp.simplify(at_minus + gamma) == 0
                         and positive_term == 0 and ce == 0)
    record.measured = dict(entropy=str(entropy), slope_plus_infinity=str(at_plus), slope_minus_infinity=str(at_minus),
                           positive_term_identity=str(positive_term), ce_form_minus_simplified=str(ce))


@EVIDENCE.item("c-mpmath", kind="mpmath",
               description="(c) mpmath, 300 random logits (scale 8) per C in {2,3,4,5,10} and gamma in {0, 1/9, 1/2, "
                           "1, 2, 5}: MB gap >= 0 iff gamma <= 1 (negative at z_y = 0, z_j = 40 for gamma > 1); CE gap "
                           ">= gamma(C-1) log(C-1), approached at z_y = -60")
def c_mpmath(context, record):
    with mpmath.workdps(context.dps):
        rows, ok = inequality_sampling(item_rng(context, "c-mpmath"))
    record.passed = ok
    record.measured = rows


@EVIDENCE.item("c-entropy-infimum", kind="mpmath",
               description="(c) the multi-binary gap's infimum (C-1) H(gamma) is reached: gamma = 1/2, C = 3, "
                           "z = (-200, 0, 0) gives MB - L = 2 log 2 to the mpmath tolerance (the rest is e^-200)")
def c_entropy_infimum(context, record):
    with mpmath.workdps(context.dps):
        half = mpmath.mpf(1) / 2
        logits = [mpmath.mpf(-200), mpmath.mpf(0), mpmath.mpf(0)]
        error = abs(multibinary(logits, 0) - unhinged(logits, 0, half) - 2 * mpmath.log(2))
        record.passed = bool(error <= mp_tolerance())
        record.measured = dict(error=float(error), tolerance=float(mp_tolerance()))


@EVIDENCE.item("c-multibinary-beyond-one", kind="counterexample", reading="printed",
               description="(c) the multi-binary bound fails for gamma > 1: C = 3, gamma = 2, z = (0, 2, 2) gives "
                           "L - MB = 8 - log 2 - 2 log(1+e^2) > 0")
def c_multibinary_beyond_one(context, record):
    value = 4 * 2 - sp.log(2) - 2 * sp.log(1 + sp.exp(2))
    with mpmath.workdps(context.dps):
        logits = [mpmath.mpf(0), mpmath.mpf(2), mpmath.mpf(2)]
        direct = unhinged(logits, 0, mpmath.mpf(2)) - multibinary(logits, 0)
        agree = abs(direct - mpmath.mpf(sp.N(value, context.dps))) <= mp_tolerance()
        record.passed = bool(agree and direct > mp_tolerance())
    record.measured = dict(L_minus_MB=str(sp.N(value, 20)), from_the_losses=float(direct))


@EVIDENCE.item("d-gradient-kernel", kind="symbolic",
               description="(d) T = (1+gamma) I - gamma J is 1+gamma on 1-perp and 1+gamma-gamma C on 1: all feature "
                           "gradients vanish iff W = 0, or gamma = 1/(C-1) and w_1 = ... = w_C")
def d_gradient_kernel(context, record):
    perp, roots = prove_gradient_kernel()
    record.passed = bool(perp and len(roots) == 1 and sp.simplify(roots[0] - 1 / (C - 1)) == 0)
    record.measured = dict(perp_identity=perp, singular_at=[str(r) for r in roots])


#: Mutant thresholds: (the denominator d of sqrt((C-2)/(d(C-1))), +1 when the tie score must exceed it, -1 when it
#: must fall short of it).
THRESHOLD_MUTANTS = {"small": (4, 1), "large": (1, -1)}


@EVIDENCE.item("mutant-threshold", kind="mutant", cases=THRESHOLD_MUTANTS,
               description="the threshold sqrt((C-2)/({case[0]}(C-1))) in place of tau* misses the tie point's score "
                           "w_y^T h* = tau* (too small: not sufficient; too large: not tight), C in {{3, 4, 5, 10}}")
def mutant_threshold(context, record, case):
    denominator, side = case
    gaps = {c: side * sp.N(exact_threshold_witnesses(c)["tau"] - sp.sqrt(sp.Rational(c - 2, denominator * (c - 1))), 30)
            for c in CLASSES[1:]}
    record.passed = all(v > MUTANT_MARGIN * mp_tolerance(context.dps) for v in gaps.values())
    record.measured = {c: float(v) for c, v in gaps.items()}


@EVIDENCE.item("mutant-ce-sign", kind="mutant",
               description="the CE form with (1 - gamma(C-1)) z_y fails at z = (-6, 0, 0, 0), gamma = 1/9")
def mutant_ce_sign(context, record):
    with mpmath.workdps(context.dps):
        point = [mpmath.mpf(-6)] + [mpmath.mpf(0)] * 3
        violation = unhinged(point, 0, mpmath.mpf(1) / 9) - ce_form(point, 0, mpmath.mpf(1) / 9, sign=-1)
        record.passed = bool(violation > MUTANT_MARGIN * mp_tolerance())
    record.measured = dict(violation=float(violation))


_TAU = r"\tau^*=\sqrt{\frac{C-2}{2(C-1)}}"

LEDGER = (
    LedgerRow("Appendix A (a): the spherical lower bound -(1+gamma)", "Sec. 4.3", "holds as reconstructed",
              note="for unit h and unit simplex-ETF prototypes (any W with W 1_C = 0), attained only at h = w_y",
              evidence=("appendix-a::a-centred-identity", "appendix-a::a-sampled")),
    LedgerRow("Appendix A (b): L_gamma < -(1+gamma) tau* implies correct classification", "Appendix A",
              "holds as reconstructed", note="the garbled radical read as sqrt((C-2)/(2(C-1))); sufficient, tight "
              "and strict, not necessary (except C = 2 and the plane of C = 3)",
              evidence=("appendix-a::b-threshold", "appendix-a::b-witnesses", "appendix-a::b-sampled")),
    LedgerRow("Appendix A (b): 'correctly classified if the loss is less than (1+gamma) sqrt(...)'", "Appendix A",
              "erratum", note="printed without the minus sign of the first occurrence; false for C >= 3",
              correction=r"L_\gamma(Wh,y)<-(1+\gamma)" + _TAU + r"\ \Longrightarrow\ "
                         r"w_y^\top h>\max_{j\ne y}w_j^\top h",
              counterexample=r"h\perp w_y,\ h\propto w_j-(w_j^\top w_y)w_y:\ L_\gamma=0<(1+\gamma)\tau^*"
                             r"\ \text{yet } w_j^\top h>w_y^\top h\ (C\ge3)",
              evidence=("appendix-a::b-without-minus", "appendix-a::b-witnesses")),
    LedgerRow("Appendix A (c): the CE bound", "Appendix A", "holds as reconstructed",
              note="(gamma(C-1) - 1) z_y + gamma(C-1) CE = -z_y + gamma(C-1) LSE(z) >= L_gamma for every gamma >= 0, "
                   "with margin at least gamma(C-1) log(C-1)",
              evidence=("appendix-a::c-symbolic", "appendix-a::c-mpmath", "appendix-a::mutant-ce-sign")),
    LedgerRow("Appendix A (c): the multi-binary CE bound", "Appendix A", "erratum",
              note="no range of gamma is printed; it holds iff 0 <= gamma <= 1 (the paper's gamma = 1/(C-1) is in it)",
              correction=(r"0\le\gamma\le1:\ L_\gamma(z,y)\le\log(1+e^{-z_y})+\sum_{j\ne y}\log(1+e^{z_j}),"
                          r"\ \text{margin}\ge(C-1)H(\gamma)"),
              counterexample=(r"C=3,\ \gamma=2,\ z=(0,2,2):\ L_\gamma-\mathrm{MB}=8-\log2-2\log(1+e^2)"
                              r"\approx0.67>0"),
              evidence=("appendix-a::c-multibinary-beyond-one", "appendix-a::c-mpmath", "appendix-a::c-symbolic")),
    LedgerRow("Appendix A (d): the feature gradient cannot vanish unless w_y - gamma sum_j w_j = 0 for all y",
              "Appendix A", "holds as reconstructed",
              note="it vanishes for every y iff W = 0, or gamma = 1/(C-1) and all prototypes are equal",
              evidence=("appendix-a::d-gradient-kernel",)),
    LedgerRow("Appendix A: the Wasserstein comparison of the unhinged loss", "Appendix A", "not checkable",
              note="a qualitative analogy"),
)
