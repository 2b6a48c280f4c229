r"""Extension: imbalanced classes (two groups, and any per-class sizes).

Statement. *With* :math:`n_c` *examples in class c (*:math:`n=\sum n_c`*,* :math:`D=\operatorname{diag}(n_c)`*), the
flow of Eq. 12 reduces exactly to* :math:`X=\sqrt{n_c}\times` *class means and W under*
:math:`K=\frac1nD^{1/2}((1+\gamma)I-\gamma\mathbf 1\mathbf 1^\top)` *(:mod:`ulproofs.core.imbalanced`); its singular
values* :math:`\sigma_k` *replace Theorem 2's eigenvalues, each with its own 2 x 2 system (closed form for
proportional rates, ordered products for descent). For two groups (*:math:`K_A` *classes of* :math:`n_A`*,*
:math:`K_B` *of* :math:`n_B`*)*

.. math::

    \sigma_A=\frac{(1+\gamma)\sqrt{n_A}}n\ (\times K_A-1),\qquad \sigma_B=\frac{(1+\gamma)\sqrt{n_B}}n\ (\times K_B-1),
    \qquad \sigma_{1,2}=\text{singular values of }\bar K=\tfrac1n\operatorname{diag}(\sqrt{n_A},\sqrt{n_B})
    \bigl((1+\gamma)I-\gamma vv^\top\bigr),

*and, for* :math:`n_A>n_B`*,* :math:`0<\gamma<\frac2{C-2}`*:* :math:`\sigma_2<\sigma_B<\sigma_1<\sigma_A`*. Hence
(learnable prototypes, s > 0, no weight decay) the limit direction holds only majority classes: the minority
prototypes' norm relative to the majority's decays like* :math:`e^{-(\sigma_A-\sigma_1)\sqrt{\zeta_1\zeta_2}}` *and,
since the top group mode couples both groups (*:math:`(\bar A\bar D\bar A)_{AB}\ne0`*), the minority prototypes align
with one common vector, their angles closing like* :math:`e^{-(\sigma_1-\sigma_B)\sqrt{\zeta_1\zeta_2}}` *(minority
collapse); with weight decay* :math:`\lambda_1=\lambda_2=\sigma_A` *(the threshold) they tend to 0. The
prototype-anchored model (fixed simplex ETF W) has* :math:`WM=\frac{1+\gamma}nWY` *exactly, so every feature tends to
its own vertex with a norm independent of its class size: no minority collapse.*

Measured, not proved: in the exact flow of two groups (5 x r and 5 x 1, r = 10, 100, p = 64) the minority examples are
all classified into majority classes once :math:`\sigma_At\gtrsim8` (minority accuracy 0, majority accuracy 1), while
the anchored model classifies every class correctly at the paper's scale on the long-tailed profile.

This is not a claim of the paper (its theory assumes N examples in every class).
"""
from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core import groundtruth
from ..core.etf import simplex_etf
from ..core.imbalanced import (
    K_A,
    K_B,
    ImbalancedDynamics,
    ImbalancedProblem,
    _group_matrices,
    apply_K_symbolically,
    dominance_polynomial,
    gamma,
    imbalanced_descent,
    long_tailed,
    n_A,
    n_B,
    two_group_spectrum,
    two_groups,
)
from ..core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance, relative_error
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.verdicts import Claim, Reading

CLAIM = Claim(
    id="extension-imbalanced",
    title="Imbalanced classes: spectrum, closed form, minority collapse",
    statement=("With n_c examples in class c the flow reduces exactly to K = D^{1/2}((1+gamma)I - gamma 11^T)/n; "
               "for two "
               "groups its singular values are sigma_A = (1+gamma) sqrt(n_A)/n (x K_A - 1), sigma_B (x K_B - 1) and "
               "those of the 2 x 2 K_bar; for n_A > n_B, 0 < gamma < 2/(C-2): sigma_2 < sigma_B < sigma_1 < "
               "sigma_A, so "
               "learnable minority prototypes vanish relative to the majority's and align (minority collapse), tend "
               "to 0 at the threshold lambda = sigma_A, while the fixed-ETF anchored model drives every feature to "
               "its own vertex."),
    equations=("Eq. 5", "Eq. 12", "Eq. 16"),
    reading="An extension to unequal class sizes; not in the paper (which assumes N examples per class).",
    issue=11,
    readings=(Reading("extension", "the exact imbalanced reduction, two-group spectrum and its consequences",
                      establishes="proved"),),
    section="extension",
)

EVIDENCE = EvidenceSet(CLAIM)


# --- symbolic ---------------------------------------------------------------------------------------
@EVIDENCE.item("sectors", kind="symbolic",
               description="K (written from its definition, 1^T u_G = 0 for the within-group parts) maps u_A to "
                           "sigma_A u_A, u_B to sigma_B u_B and the group indicators by K_bar in the orthonormal basis "
                           "1_A/sqrt(K_A), 1_B/sqrt(K_B); K^T = A D^{1/2}/n the same with K_bar^T; dimensions "
                           "(K_A - 1) + (K_B - 1) + 2 = C (symbolic K_A, K_B, n_A, n_B, gamma)")
def sectors(context, record):
    alpha, beta, u_a, u_b = sp.symbols("alpha beta u_A u_B")
    spectrum = two_group_spectrum()
    image = apply_K_symbolically(alpha, beta, u_a, u_b)
    within = [sp.simplify(image[2] - spectrum["A"] * u_a), sp.simplify(image[3] - spectrum["B"] * u_b)]
    # coordinates in the orthonormal basis: alpha 1_A = alpha sqrt(K_A) e_A
    coords = sp.Matrix([alpha * sp.sqrt(K_A), beta * sp.sqrt(K_B)])
    out = sp.Matrix([image[0] * sp.sqrt(K_A), image[1] * sp.sqrt(K_B)])
    group = (out - spectrum["group"] * coords).applyfunc(sp.simplify)
    record.passed = all(x == 0 for x in within) and group.is_zero_matrix
    record.measured = {"sigma_A": str(spectrum["A"]), "sigma_B": str(spectrum["B"]),
                       "K_bar": str(spectrum["group"].tolist())}


@EVIDENCE.item("balanced-limit", kind="symbolic",
               description="n_A = n_B = N: sigma_A = sigma_B = (1+gamma)/(C sqrt N) and the singular values of "
                           "K_bar are "
                           "(1+gamma)/(C sqrt N) and |1+gamma-gamma C|/(C sqrt N): Theorem 2's eigenvalues")
def balanced_limit(context, record):
    big_n = sp.Symbol("N", positive=True)
    spectrum = two_group_spectrum()
    classes = K_A + K_B
    at = {n_A: big_n, n_B: big_n}
    expected = (1 + gamma) / (classes * sp.sqrt(big_n))
    K_bar = spectrum["group"].subs(at)
    gram = (K_bar.T * K_bar).applyfunc(sp.simplify)
    third = (1 + gamma - gamma * classes) ** 2 / (classes ** 2 * big_n)
    char = sp.factor(sp.simplify((gram - expected ** 2 * sp.eye(2)).det()))
    char_other = sp.factor(sp.simplify((gram - third * sp.eye(2)).det()))
    record.passed = bool(sp.simplify(spectrum["A"].subs(at) - expected) == 0
                         and sp.simplify(spectrum["B"].subs(at) - expected) == 0 and char == 0 and char_other == 0)
    record.measured = {"det(K_bar^T K_bar - sigma1^2 I)": str(char), "det(... - sigma2^2 I)": str(char_other)}


@EVIDENCE.item("ordering", kind="symbolic",
               description="q(x) = x^2 - tr(K_bar^T K_bar) x + det(K_bar)^2 (roots sigma_1^2 >= sigma_2^2): "
                           "q(sigma_A^2) = "
                           "K_A gamma n_A (1+gamma)^2 (n_A - n_B)(2 + 2 gamma - gamma C)/n^4 > 0 and q(sigma_B^2) = "
                           "-K_B gamma n_B (1+gamma)^2 (n_A - n_B)(2 + 2 gamma - gamma C)/n^4 < 0 for n_A > n_B, 0 "
                           "< gamma "
                           "< 2/(C-2); A_bar has eigenvalues 1+gamma and 1+gamma-gamma C, so ||K_bar|| <= sigma_A: "
                           "sigma_2 < sigma_B < sigma_1 < sigma_A")
def ordering(context, record):
    values = dominance_polynomial()
    size, v, A_bar, _ = _group_matrices()
    classes = K_A + K_B
    margin = 2 + 2 * gamma - gamma * classes
    expected_a = K_A * gamma * n_A * (1 + gamma) ** 2 * (n_A - n_B) * margin / size ** 4
    expected_b = -K_B * gamma * n_B * (1 + gamma) ** 2 * (n_A - n_B) * margin / size ** 4
    perp = sp.Matrix([sp.sqrt(K_B), -sp.sqrt(K_A)])
    eigen = [(A_bar * v - (1 + gamma - gamma * classes) * v).applyfunc(sp.simplify),
             (A_bar * perp - (1 + gamma) * perp).applyfunc(sp.simplify)]
    record.passed = bool(sp.simplify(values["A"] - expected_a) == 0 and sp.simplify(values["B"] - expected_b) == 0
                         and all(e.is_zero_matrix for e in eigen))
    record.measured = {"q(sigma_A^2)": str(values["A"]), "q(sigma_B^2)": str(values["B"])}


@EVIDENCE.item("coupling", kind="symbolic",
               description="(A_bar D_bar A_bar)_{AB} = -gamma sqrt(K_A K_B) (n_A (1+gamma-gamma K_A) + n_B "
                           "(1+gamma-gamma "
                           "K_B)): nonzero except on one value of gamma, so the top group mode has a minority "
                           "component: "
                           "the minority prototypes share one direction in the limit")
def coupling(context, record):
    _, _, A_bar, _ = _group_matrices()
    gram = (A_bar * sp.diag(n_A, n_B) * A_bar).applyfunc(sp.expand)
    expected = -gamma * sp.sqrt(K_A * K_B) * (n_A * (1 + gamma - gamma * K_A) + n_B * (1 + gamma - gamma * K_B))
    record.passed = sp.simplify(gram[0, 1] - expected) == 0
    record.measured = {"(A D A)_AB": str(sp.factor(gram[0, 1]))}


@EVIDENCE.item("anchored-drive", kind="exact",
               description="fixed W with W 1_C = 0 (a centred W, e.g. a simplex ETF): W M = ((1+gamma)/n) W Y "
                           "exactly, for sizes "
                           "[5, 5, 1, 1, 1] and [7, 3, 2] (exact rationals): each feature's drive is its own vertex, "
                           "scaled independently of its class size")
def anchored_drive(context, record):
    residuals = []
    for sizes in ([5, 5, 1, 1, 1], [7, 3, 2]):
        problem = ImbalancedProblem(p=3, sizes=sizes, gamma=0.25)
        g, n, classes = sp.Rational(1, 4), problem.n, problem.C
        labels = problem.labels()
        Y = sp.Matrix(classes, n, lambda c, i, labels=labels: 1 if labels[i] == c else 0)
        M = ((1 + g) * Y - g * sp.ones(classes, n)) / n
        W = sp.Matrix(3, classes, lambda i, j: sp.Rational((i + 2) * (j + 1) % 5, 3))
        W = W - W * sp.ones(classes, classes) / classes
        residuals.append((W * M - (1 + g) / n * W * Y).is_zero_matrix)
    record.passed = all(residuals)
    record.measured = {"W M - (1+gamma)/n W Y = 0": residuals}


# --- against mpmath.expm of the dense operator -----------------------------------------------------
MPMATH_CASES = {"2x3-2x1": ((2, 3, 2, 1), "1/5", 2.0, (0.05, 0.02)),
                "3x4-1x1": ((3, 4, 1, 1), "1/10", 0.5, (0.0, 0.0)),
                "long-tail-4": (None, "1/4", 1.0, (0.01, 0.01))}


def _mp_case(case):
    groups, trade_off, ratio, decay = case
    sizes = two_groups(*groups) if groups else long_tailed(4, 6, 6.0)
    problem = ImbalancedProblem(p=2, sizes=sizes, gamma=float(Fraction(trade_off)))
    return problem, Fraction(trade_off), ratio, decay


@EVIDENCE.item("mpmath-expm", kind="mpmath", cases=MPMATH_CASES,
               description="p=2, sizes {id}: the closed form (SVD of K, 2 x 2 exponentials) at t = 6, eta2 = 1, eta1 = "
                           "s eta2, with weight decay, vs mpmath.expm of the dense (n + C) generator written entry by "
                           "entry from M = ((1+gamma) Y - gamma 1 1^T)/n at the context's digits; and the singular "
                           "values of the dense K (mpmath) vs sigma_A, sigma_B, sigma(K_bar) from the symbolic "
                           "spectrum")
def mpmath_expm(context, record, case):
    problem, exact_gamma, ratio, decay = _mp_case(case)
    H0, W0 = (item_rng(context, f"{CLAIM.id}::mpmath").standard_normal(shape)
              for shape in ((problem.p, problem.n), (problem.p, problem.C)))
    dynamics = ImbalancedDynamics(problem, H0, W0, decay)
    closed = np.hstack(dynamics.state(dynamics.flow_propagators(1.0, ratio, 6.0)))
    with mpmath.workdps(context.dps):
        g = groundtruth.to_mp(exact_gamma)
        labels = problem.labels()
        M = mpmath.matrix(problem.C, problem.n)
        for c in range(problem.C):
            for i in range(problem.n):
                M[c, i] = ((1 + g) * (1 if labels[i] == c else 0) - g) / problem.n
        generator = groundtruth._flow_matrix(M, groundtruth.to_mp(ratio), mpmath.mpf(1), groundtruth._decays(decay))
        reference = groundtruth.mp_matrix(np.hstack([H0, W0])) * mpmath.expm(6 * generator)
        truth = groundtruth.to_numpy(reference)
        spectrum_error = _spectrum_error(problem, exact_gamma, case[0])
        spectrum_tolerance = mp_tolerance(context.dps)
    growth = float(np.max(np.abs(dynamics.flow_propagators(1.0, ratio, 6.0)[0])))
    tolerance = float_tolerance("float64", problem.n + problem.C + 64,
                                growth * np.linalg.norm(np.hstack([H0, W0])) / np.linalg.norm(truth))
    error = relative_error(closed, truth)
    record.passed = bool(error <= tolerance and (spectrum_error is None or spectrum_error <= spectrum_tolerance))
    record.measured = {"sizes": list(problem.sizes), "relative error": error, "tolerance": tolerance,
                       "singular values vs symbolic spectrum":
                           None if spectrum_error is None else float(spectrum_error)}


def _spectrum_error(problem, exact_gamma, groups):
    """max |sigma(dense K, mpmath svd) - symbolic|, two groups only (None for other profiles)."""
    if groups is None:
        return None
    sizes = np.array(problem.sizes)
    g = groundtruth.to_mp(exact_gamma)
    K = mpmath.matrix(problem.C, problem.C)
    for i in range(problem.C):
        for j in range(problem.C):
            K[i, j] = mpmath.sqrt(int(sizes[i])) * ((1 + g) * (i == j) - g) / problem.n
    dense = sorted(mpmath.svd_r(K, compute_uv=False), reverse=True)
    values = {K_A: groups[0], n_A: groups[1], K_B: groups[2], n_B: groups[3], gamma: sp.Rational(exact_gamma)}
    spectrum = two_group_spectrum()
    bar = spectrum["group"].subs(values)
    group = [mpmath.sqrt(mpmath.mpf(sp.N(x, mpmath.mp.dps + 10))) for x in (bar.T * bar).eigenvals(multiple=True)]
    symbolic = ([mpmath.mpf(sp.N(spectrum["A"].subs(values), mpmath.mp.dps + 10))] * (groups[0] - 1)
                + [mpmath.mpf(sp.N(spectrum["B"].subs(values), mpmath.mp.dps + 10))] * (groups[2] - 1) + group)
    symbolic = sorted(symbolic, reverse=True)
    return max(abs(a - b) for a, b in zip(dense, symbolic)) / max(dense)


# --- gradient descent at the paper's scale ---------------------------------------------------------
PROFILES = {
    "ratio-10": lambda: two_groups(50, 10, 50, 1),
    "ratio-100": lambda: two_groups(50, 100, 50, 1),
    "long-tailed-100": lambda: long_tailed(100, 100, 100.0),
}
SMALL_PROFILES = {"small-ratio-10": lambda: two_groups(3, 10, 3, 1)}


def minority_geometry(problem, H, W, minority):
    """(mean pairwise cosine of the minority prototypes, ||W_minority|| / ||W_majority||, accuracy of the minority
    and of the majority examples under argmax_c w_c^T h)."""
    Wb = W[:, minority]
    unit = Wb / np.linalg.norm(Wb, axis=0)
    upper = np.triu_indices(len(minority), 1)
    majority = np.setdiff1d(np.arange(problem.C), minority)
    predictions = np.argmax(W.T @ H, axis=0)
    labels = problem.labels()
    in_minority = np.isin(labels, minority)
    return (float(np.mean((unit.T @ unit)[upper])), float(np.linalg.norm(Wb) / np.linalg.norm(W[:, majority])),
            float(np.mean(predictions[in_minority] == labels[in_minority])),
            float(np.mean(predictions[~in_minority] == labels[~in_minority])))


def _rates(problem, steps):
    """eta1 a linear warm-up (0.1 -> 1 times eta2 over the first third), eta2 constant with sigma_max eta2 steps = 3;
    weight decay (0.1, 0.05) / (eta2 steps)."""
    rate = 3.0 / problem.singular_values()[0] / steps
    rates1 = rate * np.minimum(1.0, 0.1 + 2.7 * np.arange(steps) / steps)
    return rates1, np.full(steps, rate), (0.1 / (rate * steps), 0.05 / (rate * steps))


def _initial(profile, problem):
    rng = item_rng(None, f"{CLAIM.id}::{profile}")
    return rng.standard_normal((problem.p, problem.n)), rng.standard_normal((problem.p, problem.C))


#: Steps of the small and of the paper-scale runs (at p=512, n=5050 a step costs tens of milliseconds on a CPU).
STEPS = {"small": 300, "paper": 60}


def _steps(profile):
    return STEPS["small" if profile.startswith("small") else "paper"]


@cache
def descent_run(profile, device=None):
    """GD (torch float64) for one profile: returns (problem, iterate (H, W))."""
    sizes = {**PROFILES, **SMALL_PROFILES}[profile]()
    problem = ImbalancedProblem(p=8 if profile.startswith("small") else 512, sizes=sizes, gamma=1 / (len(sizes) - 1))
    H0, W0 = _initial(profile, problem)
    steps = _steps(profile)
    rates1, rates2, decay = _rates(problem, steps)
    run = imbalanced_descent(problem, H0, W0, np.zeros(problem.C), rates1, rates2, decay, device=device)
    return problem, run[steps][:2]


def closed_form_error(profile, device=None, operator=None):
    """(relative error, tolerance) of the ordered products (with ``operator`` in place of K) against the GD iterate:
    each step rounds sums over the C classes; the products' growth max |phi| relative to ||Z_K|| / ||Z_0||."""
    problem, iterate = descent_run(profile, device)
    H0, W0 = _initial(profile, problem)
    steps = _steps(profile)
    rates1, rates2, decay = _rates(problem, steps)
    dynamics = ImbalancedDynamics(problem, H0, W0, decay, operator=operator)
    propagators = dynamics.descent_propagators(rates1, rates2)
    closed = np.hstack(dynamics.state(propagators))
    condition = float(np.max(np.abs(propagators[0]))) * np.linalg.norm(np.hstack([H0, W0])) / np.linalg.norm(closed)
    tolerance = float_tolerance("float64", steps * (problem.C + 4) + problem.C ** 2, condition)
    return relative_error(np.hstack(iterate), closed), tolerance, problem


@EVIDENCE.item("descent", kind="iterates", cases={k: k for k in SMALL_PROFILES},
               description="torch float64 GD, p=8, two groups (3 x 10, 3 x 1), gamma = 1/(C-1), eta1 warm-up, eta2 "
                           "constant, weight decay, 300 steps, vs the ordered 2 x 2 products per singular value of K")
def descent_small(context, record, profile):
    error, tolerance, problem = closed_form_error(profile, context.device)
    record.passed = error <= tolerance
    record.measured = {"relative error": error, "tolerance": tolerance, "C": problem.C, "n": problem.n}


@EVIDENCE.item("descent", kind="iterates", cases={k: k for k in PROFILES}, paper_scale=True, time_limit=60,
               description="paper scale p=512, C=100 ({id}): torch float64 GD (eta1 warm-up, eta2 constant, weight "
                           "decay, 60 steps) vs the ordered 2 x 2 products per singular value of K, to rounding")
def descent_paper(context, record, profile):
    error, tolerance, problem = closed_form_error(profile, context.device)
    record.passed = error <= tolerance
    record.measured = {"relative error": error, "tolerance": tolerance, "C": problem.C, "n": problem.n,
                       "n_max / n_min": max(problem.sizes) / min(problem.sizes)}


@EVIDENCE.item("mutant-linear-sizes", kind="mutant",
               description="the products with D in place of D^{1/2} in K (sizes entering linearly) miss the GD iterate "
                           "of descent-small-ratio-10 by >= MUTANT_MARGIN x tolerance")
def mutant_linear_sizes(context, record):
    problem, _ = descent_run("small-ratio-10", context.device)
    sizes = np.array(problem.sizes, dtype=float)
    error, tolerance, _ = closed_form_error("small-ratio-10", context.device,
                                            operator=np.sqrt(sizes)[:, None] * problem.operator_K())
    record.passed = error >= MUTANT_MARGIN * tolerance
    record.measured = {"relative error": error, "margin x tolerance": MUTANT_MARGIN * tolerance}


# --- minority collapse, the threshold and the anchored model -------------------------------------
@cache
def collapse_table(ratio, at_threshold=False):
    """The exact flow (closed form, s = 1, eta = 1) for two groups 5 x ratio and 5 x 1, p = 64, gamma = 1/(C-1), at six
    times over [0, 12/(sigma_1 - sigma_B)]; weight decay lambda1 = lambda2 = sigma_A when ``at_threshold``. Returns
    (times, rows of minority_geometry, ||W_B||, (sigma_A, sigma_1, sigma_B))."""
    problem = ImbalancedProblem(p=64, sizes=two_groups(5, ratio, 5, 1), gamma=1 / 9)
    H0, W0 = _initial(f"collapse-{ratio}", problem)
    values = problem.singular_values()
    sigma_a, sigma_1, sigma_b = values[0], values[4], (1 + problem.gamma) / problem.n
    decay = (sigma_a, sigma_a) if at_threshold else (0.0, 0.0)
    dynamics = ImbalancedDynamics(problem, H0, W0, decay)
    times = np.linspace(0.0, 12.0 / (sigma_1 - sigma_b), 6)
    minority = np.arange(5, 10)
    states = [dynamics.state(dynamics.flow_propagators(1.0, 1.0, t)) for t in times]
    rows = [minority_geometry(problem, H, W, minority) for H, W in states]
    return times, rows, [float(np.linalg.norm(W[:, minority])) for _, W in states], (sigma_a, sigma_1, sigma_b)


def _converging(times, values, predicted):
    """Slopes of log(values) per interval and their deviations from ``predicted``; True when the deviation
    shrinks from the first interval to the last (the predicted rate is the asymptote)."""
    slopes = np.diff(np.log(values)) / np.diff(times)
    deviations = np.abs(slopes - predicted)
    return bool(deviations[-1] < deviations[0]), slopes.tolist(), deviations.tolist()


@EVIDENCE.item("minority-collapse", kind="iterates", cases={"r10": (10, False), "r100": (100, False),
                                                                "r10-threshold": (10, True)},
               description="two groups 5 x r and 5 x 1, p=64, gamma=1/(C-1), the exact flow ({id}; threshold: "
                           "lambda1 = lambda2 = sigma_A): the slopes of log ||W_B||/||W_A|| and of log(1 - cos) "
                           "between "
                           "minority prototypes converge to -(sigma_A - sigma_1) and -2(sigma_1 - sigma_B) (deviation "
                           "shrinking over six times in [0, 12/(sigma_1 - sigma_B)]); at the threshold ||W_B|| itself "
                           "decays at sigma_A - sigma_1")
def minority_collapse(context, record, case):
    ratio, at_threshold = case
    times, rows, minority_norms, (sigma_a, sigma_1, sigma_b) = collapse_table(ratio, at_threshold)
    cosines, norm_ratios = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    ratio_ok, ratio_slopes, _ = _converging(times, norm_ratios, -(sigma_a - sigma_1))
    cos_ok, cos_slopes, _ = _converging(times, 1 - cosines, -2 * (sigma_1 - sigma_b))
    checks = {"norm-ratio slope converges": ratio_ok, "1 - cos slope converges": cos_ok}
    if at_threshold:
        checks["||W_B|| slope converges"] = _converging(times, minority_norms, -(sigma_a - sigma_1))[0]
    record.passed = all(checks.values())
    record.measured = {"checks": checks, "sigma_A t": (sigma_a * times).tolist(), "mean minority cosine":
                       cosines.tolist(), "||W_B||/||W_A||": norm_ratios.tolist(), "||W_B||": minority_norms,
                       "minority accuracy": [r[2] for r in rows], "majority accuracy": [r[3] for r in rows],
                       "slopes of log ratio": ratio_slopes, "predicted": -(sigma_a - sigma_1),
                       "slopes of log(1 - cos)": cos_slopes, "predicted 1 - cos": -2 * (sigma_1 - sigma_b)}


@cache
def anchored_run(device=None):
    """The prototype-anchored model at p=512 on the long-tailed profile (C=100, rho=100), W a fixed unit simplex ETF:
    returns (problem, W, the GD features, the closed form, steps)."""
    problem = ImbalancedProblem(p=512, sizes=long_tailed(100, 100, 100.0), gamma=1 / 99)
    rng = item_rng(None, f"{CLAIM.id}::anchored")
    W = simplex_etf(problem.p, problem.C, seed=rng)
    H0 = rng.standard_normal((problem.p, problem.n))
    steps, rate, decay = 100, 1.0, 0.5
    run = imbalanced_descent(problem, H0, W, np.zeros(problem.C), np.full(steps, rate), np.full(steps, rate),
                             (decay, 0.0), train_prototypes=False, device=device)
    keep = (1 - rate * decay) ** steps
    drive = (1 + problem.gamma) / problem.n * W[:, problem.labels()]
    return problem, W, run[steps][0], keep * H0 + (1 - keep) / decay * drive, steps


@EVIDENCE.item("anchored", kind="iterates", paper_scale=True, time_limit=60,
               description="paper scale, long-tailed (C=100, n_max/n_min=100), W a fixed unit simplex ETF, lambda=0.5, "
                           "eta=1, 100 steps: GD features equal c_K H0 + (1 - c_K)/lambda ((1+gamma)/n) W Y "
                           "(c_K = (1 - eta lambda)^K) to rounding, and every class, minority included, is classified "
                           "correctly at the end")
def anchored(context, record):
    problem, W, H, closed, steps = anchored_run(context.device)
    error = relative_error(H, closed)
    tolerance = float_tolerance("float64", steps * (problem.C + 4))
    predictions = np.argmax(W.T @ H, axis=0)
    per_class = np.array([np.mean(predictions[problem.labels() == c] == c) for c in range(problem.C)])
    record.passed = bool(error <= tolerance and per_class.min() == 1.0)
    record.measured = {"relative error": error, "tolerance": tolerance,
                       "lowest per-class accuracy": float(per_class.min()), "smallest class size": min(problem.sizes)}


# --- formulas for the LaTeX export ----------------------------------------------------------------
def _sigma(key):
    def build():
        return two_group_spectrum()[key]
    return build


def _group_operator():
    return two_group_spectrum()["group"]


def _ordering_margin():
    return dominance_polynomial()["A"]


#: The formulas of this extension for the LaTeX export, as keyword arguments of
#: :class:`ulproofs.reports.latex.Formula` (names are letters only: they become macros).
FORMULAS = (
    dict(name="ImbalancedSigmaA", claim=CLAIM.id, symbol=r"\sigma_A", build=_sigma("A"), parser=True,
         description=r"singular value of $K$ on centred vectors of the majority group (multiplicity $K_A-1$)"),
    dict(name="ImbalancedSigmaB", claim=CLAIM.id, symbol=r"\sigma_B", build=_sigma("B"), parser=True,
         description=r"the same on the minority group (multiplicity $K_B-1$)"),
    dict(name="ImbalancedGroupOperator", claim=CLAIM.id, symbol=r"\bar K", build=_group_operator, parser=False,
         description=r"$K$ on the span of the group indicators (orthonormal basis), singular values $\sigma_{1,2}$"),
    dict(name="ImbalancedOrderingMargin", claim=CLAIM.id, symbol=r"q(\sigma_A^2)", build=_ordering_margin,
         parser=False, description=r"positive iff $n_A>n_B$ and $0<\gamma<\frac2{C-2}$: $\sigma_1<\sigma_A$"),
)
