r"""Corollary 3 on real gradient-descent iterates: trajectories, rate fits with a-priori error bounds,
plateaus at the ties, and the experiments (the default sweep and Figure 1's setting).

For s = 1, GD scales component j by exactly :math:`(1+\eta\sigma_j)^k`, so fitted per-step
rates are judged against :math:`\log(1+\eta\sqrt s\,\sigma)` within the bound of :func:`fit_rate`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from ..core.batch_observables import BatchAccuracy, BatchTargets, observe_batch, run_batch
from ..core.decomposition import Decomposition
from ..core.descent import default_device
from ..core.errors import AssumptionError
from ..core.operator import derive_spectrum, gamma
from ..core.precision import float_tolerance
from ..core.rates import Constant, RatePair
from ..core.setting import LayerPeeledProblem
from ..core.structured import Z_SPACE, C, N, StructuredMatrix
from .convergence_limits import CLAIMED_RESIDUAL, dominance_gap, dominant_exponent, limit_multipliers
from .theorem_2 import s


def limit_coefficients(labels, ratio):
    """Z~'s multipliers (u, v) per component, shape (5, 2), in the order of ``labels``, at s = ratio."""
    values = {label: (u, v) for label, u, v in limit_multipliers()}
    return np.array([[float(sp.sympify(x).subs(s, ratio)) for x in values[label]] for label in labels])


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
    :math:`\eta_1=s\eta` and observe the scalars of a :class:`Trajectory` every ``every`` steps: one run
    of :func:`simulate_batch`."""
    return simulate_batch([problem], [(H0, W0, b0)], eta, steps, every, ratio, device)[0]


def simulate_batch(problems, starts, eta, steps, every, ratio=1.0, device=None):
    r""":func:`simulate` for several problems of one size (any gammas, own starts) as one batched
    class-mean update (:func:`~ulproofs.core.descent.batched_descent`). The norm, the distance to
    :math:`\tilde Z/\|\tilde Z\|`, k, the centring and the bias ratio are observed every ``every``
    steps; the :math:`\mathcal E_1` fraction and the accuracy (p x CN products) at the first and last
    step only, NaN between."""
    if steps < 2 * every:
        raise AssumptionError("need at least two recorded steps after the start (steps >= 2 * every)")
    device = default_device(device)
    parts = [Decomposition(problem, H0, W0) for problem, (H0, W0, _) in zip(problems, starts)]
    limits = [limit_coefficients(part.labels, ratio) for part in parts]
    limit_norms = [float(part.norm(limit)) for part, limit in zip(parts, limits)]
    units = [limit / max(norm, np.finfo(float).tiny) for limit, norm in zip(limits, limit_norms)]
    C_, N_ = problems[0].C, problems[0].N
    e1 = sum((c.projector for c in derive_spectrum() if c.name == "E1"),
             StructuredMatrix.zeros(Z_SPACE, Z_SPACE)).subs({C: C_, N: N_})
    accuracy = BatchAccuracy(torch.as_tensor(problems[0].class_of_column(), device=device), range(len(problems)))
    targets = {}

    def observe(state):
        if not targets:
            targets["unit"] = BatchTargets(state, parts, units)
        scalars = observe_batch(state, targets)
        ends = state.step in (0, steps)
        e1_fraction = np.full(len(problems), math.nan)
        if ends:
            for i, (H_full, W_full) in enumerate(zip(state.features(), state.prototypes())):
                P_H, P_W = e1.apply_right([H_full, W_full], C_, N_)
                e1_fraction[i] = float(torch.sqrt((P_H * P_H).sum() + (P_W * P_W).sum()) / scalars["norm_Z"][i])
        return dict(norm=scalars["norm_Z"], distance=scalars["distance"], e1=e1_fraction, k=scalars["self_duality"],
                    centring=scalars["centring"],
                    accuracy=accuracy(state).double().cpu().numpy() if ends else np.full(len(problems), math.nan),
                    bias_ratio=(state.b.max(1).values / state.b.min(1).values).double().cpu().numpy())

    rates = RatePair.proportional(Constant(eta), s=ratio)
    observed = run_batch(problems, starts, [rates] * len(problems), None, steps, every, observe, device,
                         "gradient descent", False)
    trajectories = []
    for problem, (_, _, b0), part, norm, run in zip(problems, starts, parts, limit_norms, observed):
        column = run["measured"]
        component_norms = np.sqrt(np.maximum(np.diag(part.gram_H) + np.diag(part.gram_W), 0.0))
        trajectories.append(Trajectory(problem, float(eta), float(ratio), run["steps"], column["norm"],
                                       column["distance"], column["e1"], column["k"], column["centring"],
                                       column["accuracy"], column["bias_ratio"], component_norms, part.eigenvalues,
                                       part.labels, norm, np.asarray(b0, dtype=float), run["seconds"]))
    return trajectories


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
#: Figure 1 (its caption gives no run length): 20,000 steps keep the paper-scale check within budget.
PAPER = dict(p=512, C=100, N=10, eta=0.1, steps=20_000, every=100)
PAPER_GAMMAS = (0.0, 0.05, 0.005, 0.001, 1 / 99)


def run_sweep(size, gammas, seed=0, device=None, ratio=1.0):
    """One trajectory per gamma from the same random start (size: SMALL or PAPER), as one batch."""
    problems = [LayerPeeledProblem(size["p"], size["C"], size["N"], g) for g in gammas]
    starts = [random_start(problem, seed) for problem in problems]
    return dict(zip(gammas, simulate_batch(problems, starts, size["eta"], size["steps"], size["every"], ratio,
                                           device)))


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
