r"""Figures of the extensions past the paper's assumptions, the theory drawn over the iterates.

Each function runs real gradient descent (torch float64) on the layer-peeled model and writes a PNG
and a JSON (the plotted series, the configuration, the seed and the git commit).

``any_rates_figure``
    (a) :math:`\|H_k\|` and :math:`\|W_k\|` of gradient descent with a warm-up on the features and a
    cosine schedule on the prototypes (weight decay :math:`\lambda_1,\lambda_2`), the ordered 2 x 2
    products of :mod:`ulproofs.core.any_rates` drawn over them, and Theorem 4's proportional closed
    form at :math:`(\zeta_1,\zeta_2)` for contrast; (b) the relative error of the proportional closed form
    (Theorem 2 at :math:`(\zeta_1(t),\zeta_2(t))`) when :math:`\eta_1` steps to :math:`r\,\eta_2` halfway,
    against r: measured against the iterates (markers) and against the flow from the reduction (line).

``collapse_figure``
    (a) the neural-collapse metrics NC1, NC2 (rms cosine offset of the centred class means), NC3 and NC4 of
    gradient descent at :math:`\lambda=\lambda^*` from a Gaussian start, a simplex-ETF start and a start built to
    violate the NC4 condition, with the values the derived limit predicts drawn as lines; (b) the rms cosine
    offset of the limit prototypes for Gaussian starts against p (C = 10 and 100), with
    :math:`(1-\frac1{(C-1)^2})/\sqrt p`.

``imbalanced_figure``
    two groups (K_A classes of r examples, K_B of one), learnable prototypes, s = 1, no weight decay: (a) the
    minority prototypes' :math:`1-\overline{\cos}` and :math:`\|W_B\|/\|W_A\|` along gradient descent (markers)
    with the ordered 2 x 2 products per singular value of K (lines), r = 10 and 100; (b) the same two quantities at
    :math:`\sigma_A\eta k=8` against r, and the minority accuracy of the learnable model and of the fixed-ETF
    anchored model.

``scale="reduced"`` (p = 16 or 32, C = 5 or 6) is what the tests draw; ``"paper"`` is p = 512, C = 100.

>>> sorted(ANY_RATES_SCALES), sorted(COLLAPSE_SCALES), sorted(IMBALANCED_SCALES)
(['paper', 'reduced'], ['paper', 'reduced'], ['paper', 'reduced'])
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..claims import extension_collapse_condition as collapse
from ..claims import extension_imbalanced as imbalanced
from ..claims.cases import exact_problem, random_initial, stacked
from ..claims.theorem_2 import UnconstrainedDynamics
from ..core import weight_decay
from ..core.any_rates import AnyRatesDynamics
from ..core.descent import gradient_descent
from ..core.errors import AssumptionError
from ..core.etf import simplex_etf
from ..core.imbalanced import ImbalancedDynamics, ImbalancedProblem, imbalanced_descent, two_groups
from ..core.precision import relative_error
from ..core.rates import Constant, CosineAnnealing, LinearWarmup, RatePair, Step
from ..core.setting import LayerPeeledProblem
from ..core.weight_decay import WeightDecayDynamics

ANY_RATES_SCALES = {
    "reduced": dict(p=16, C=5, N=3, gamma="1/4", steps=200, every=10, rate=0.1),
    "paper": dict(p=512, C=100, N=10, gamma="1/99", steps=1000, every=25, rate=2.0),
}
RATIOS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
DECAY = (1e-3, 5e-4)


def _trajectory_rates(config):
    steps, rate = config["steps"], config["rate"]
    return RatePair(LinearWarmup(rate, 0.3 * steps, 0.1), CosineAnnealing(rate, steps, 0.1 * rate))


def _ratio_rates(config, ratio):
    steps, rate = config["steps"], config["rate"]
    return RatePair(Step(rate, (steps / 2,), ratio), Constant(rate))


def any_rates_data(scale="paper", seed=0, device=None):
    """The series of :func:`any_rates_figure` (no drawing)."""
    if scale not in ANY_RATES_SCALES:
        raise AssumptionError(f"scale must be one of {tuple(ANY_RATES_SCALES)} (got {scale!r})")
    config = ANY_RATES_SCALES[scale]
    problem, _ = exact_problem(config["p"], config["C"], config["N"], config["gamma"])
    H0, W0, b0 = random_initial(problem, np.random.default_rng(seed))
    steps, record = config["steps"], list(range(0, config["steps"] + 1, config["every"]))

    rates = _trajectory_rates(config)
    run = gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=record, weight_decay=DECAY, device=device)
    reduced = AnyRatesDynamics(problem, H0, W0, rates, DECAY)
    paper = WeightDecayDynamics(problem, H0, W0, b0, rates, DECAY, require_proportional=False)
    theory_H, theory_W = reduced.parts.norms_HW(reduced.discrete_coefficients(steps)[record])
    paper_H, paper_W = paper.parts.norms_HW(paper.coefficients(np.array(record, dtype=float)))
    trajectory = dict(steps=record, iterates_H=[float(np.linalg.norm(H)) for H in run.H],
                      iterates_W=[float(np.linalg.norm(W)) for W in run.W], reduced_H=theory_H, reduced_W=theory_W,
                      paper_H=paper_H, paper_W=paper_W)

    errors_iterates, errors_flow = [], []
    for ratio in RATIOS:
        pair = _ratio_rates(config, ratio)
        last = gradient_descent(problem, H0, W0, b0, pair, steps, device=device)
        closed = stacked(*UnconstrainedDynamics(problem, H0, W0, b0, pair, require_proportional=False)
                         .state(float(steps)))
        flow = stacked(*AnyRatesDynamics(problem, H0, W0, pair).state(float(steps)))
        errors_iterates.append(relative_error(closed, stacked(last.H[-1], last.W[-1])))
        errors_flow.append(relative_error(closed, flow))
    parameters = dict(scale=scale, seed=seed, **{k: v for k, v in config.items()}, weight_decay=DECAY,
                      trajectory_rates=repr(rates), ratio_rates=f"eta2 = {config['rate']}, eta1 = eta2 until step "
                      f"{steps / 2:g}, then r eta2", ratios=RATIOS, device=run.device)
    return dict(name="extension_any_rates", parameters=parameters, trajectory=trajectory,
                ratio=dict(ratios=list(RATIOS), closed_form_vs_iterates=errors_iterates,
                           closed_form_vs_flow=errors_flow))


def any_rates_figure(out_dir="results/figures", scale="paper", seed=0, device=None):
    """Draw the any-rates figure; returns ``{"png", "json"}`` paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = any_rates_data(scale, seed, device)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
    series = data["trajectory"]
    for part, color in (("H", "C0"), ("W", "C1")):
        left.plot(series["steps"], series[f"iterates_{part}"], "o", ms=3, color=color, label=f"GD ||{part}_k||")
        left.plot(series["steps"], series[f"reduced_{part}"], "-", color=color, lw=1, label="ordered 2x2 products")
        left.plot(series["steps"], series[f"paper_{part}"], "--", color=color, lw=1,
                  label="Theorem 4 at (zeta1, zeta2)")
    left.set_yscale("log")
    left.set_xlabel("gradient-descent step", fontsize=8)
    left.set_title("(a) warm-up on H, cosine on W, weight decay", fontsize=9)
    left.legend(fontsize=6)
    ratio = data["ratio"]
    floor = np.finfo(float).eps
    right.loglog(ratio["ratios"], np.maximum(ratio["closed_form_vs_flow"], floor), "-", color="k", lw=1,
                 label="vs the flow (reduction)")
    right.loglog(ratio["ratios"], np.maximum(ratio["closed_form_vs_iterates"], floor), "o", color="C3", ms=4,
                 label="vs GD iterates")
    right.set_xlabel("r = eta1/eta2 after the halfway step", fontsize=8)
    right.set_title("(b) relative error of Theorem 2's closed form", fontsize=9)
    right.legend(fontsize=6)
    p = data["parameters"]
    fig.suptitle(f"Any two schedules: p={p['p']}, C={p['C']}, N={p['N']}, {p['steps']} steps, seed {p['seed']}",
                 fontsize=9)
    fig.tight_layout()
    return _save(fig, data, out_dir / "extension_any_rates")


def _save(fig, data, stem):
    import matplotlib.pyplot as plt

    from ..engine.registry import git_commit

    paths = dict(png=str(stem.with_suffix(".png")), json=str(stem.with_suffix(".json")))
    fig.savefig(paths["png"], dpi=100)
    plt.close(fig)
    Path(paths["json"]).write_text(json.dumps(_plain(dict(data, commit=git_commit())), indent=1))
    return paths


COLLAPSE_SCALES = {
    "reduced": dict(p=32, C=5, N=3, steps=600, every=30),
    "paper": dict(p=512, C=100, N=10, steps=3000, every=150),
}
COLLAPSE_KEYS = ("nc1", "nc2_equiangle", "nc3_self_duality", "nc4_ncc_mismatch")


def collapse_data(scale="paper", seed=0, device=None):
    """The series of :func:`collapse_figure` (no drawing)."""
    if scale not in COLLAPSE_SCALES:
        raise AssumptionError(f"scale must be one of {tuple(COLLAPSE_SCALES)} (got {scale!r})")
    config = COLLAPSE_SCALES[scale]
    problem = LayerPeeledProblem(p=config["p"], C=config["C"], N=config["N"], gamma=1 / (config["C"] - 1))
    decay = weight_decay.threshold_value(problem)
    rates = RatePair(Constant(collapse.ETA), Constant(collapse.ETA))
    record = list(range(0, config["steps"] + 1, config["every"]))
    blocks = collapse.numeric_blocks("threshold", problem, 1.0, decay)
    rng = np.random.default_rng(seed)
    runs = {}
    for start in collapse.STARTS:
        H0, W0, b0 = collapse.constructed_start(problem, start, rng)

        def observe(H, W, b, step):
            values = collapse.metrics(problem, H.cpu().numpy(), W.cpu().numpy(), b.cpu().numpy())
            return {key: values[key] for key in COLLAPSE_KEYS}

        run = gradient_descent(problem, H0, W0, b0, rates, config["steps"], record_steps=record, observe=observe,
                               weight_decay=(decay, decay), keep_states=False, device=device)
        limit = collapse.metrics(problem, *collapse.limit_state(problem, H0, W0, blocks))
        runs[start] = dict(steps=record, iterates={key: [o[key] for o in run.observations] for key in COLLAPSE_KEYS},
                           limit={key: limit[key] for key in COLLAPSE_KEYS})
    samples = collapse.etf_deviation_samples(seed)
    deviation = {f"C={classes}": dict(p=list(collapse.DISTRIBUTION_P),
                                      mean=[float(np.mean(samples[(p, classes, 10)])) for p in collapse.DISTRIBUTION_P],
                                      theory=[float(collapse.asymptotic_equiangle(p, classes))
                                              for p in collapse.DISTRIBUTION_P])
                 for classes in (10, 100)}
    parameters = dict(scale=scale, seed=seed, **config, gamma="1/(C-1)", weight_decay="lambda*", eta=collapse.ETA,
                      starts=collapse.STARTS)
    return dict(name="extension_collapse_condition", parameters=parameters, runs=runs, deviation=deviation)


def collapse_figure(out_dir="results/figures", scale="paper", seed=0, device=None):
    """Draw the collapse-condition figure; returns ``{"png", "json"}`` paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = collapse_data(scale, seed, device)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(COLLAPSE_KEYS) + 1, figsize=(17.0, 3.6))
    floor = np.finfo(float).eps
    for key, ax in zip(COLLAPSE_KEYS, axes):
        for (start, run), color in zip(data["runs"].items(), ("C0", "C1", "C3")):
            ax.plot(run["steps"], np.maximum(run["iterates"][key], floor), "o", ms=3, color=color,
                    label=f"GD, {start} start")
            ax.axhline(max(run["limit"][key], floor), color=color, lw=1, ls="--")
        ax.set_yscale("log")
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("gradient-descent step", fontsize=8)
    axes[0].legend(fontsize=6, title="dashed: derived limit", title_fontsize=6)
    right = axes[-1]
    for (name, series), color in zip(data["deviation"].items(), ("C2", "C4")):
        right.loglog(series["p"], series["mean"], "o", color=color, label=f"Gaussian start, {name}")
        right.loglog(series["p"], series["theory"], "-", color=color, lw=1, label="(1 - 1/(C-1)^2)/sqrt(p)")
    right.set_xlabel("p", fontsize=8)
    right.set_title("limit's rms cosine offset from -1/(C-1)", fontsize=9)
    right.legend(fontsize=6)
    p = data["parameters"]
    fig.suptitle(f"When the limit is neural collapse (lambda = lambda*): p={p['p']}, C={p['C']}, N={p['N']}, "
                 f"seed {p['seed']}", fontsize=9)
    fig.tight_layout()
    return _save(fig, data, out_dir / "extension_collapse_condition")


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


IMBALANCED_SCALES = {
    "reduced": dict(p=16, groups=3, steps=200, every=20),
    "paper": dict(p=512, groups=50, steps=400, every=20),
}
IMBALANCE_RATIOS = (1, 2, 5, 10, 20, 50, 100)


def _minority(problem, H, W, groups):
    return imbalanced.minority_geometry(problem, H, W, np.arange(groups, 2 * groups))


def imbalanced_data(scale="paper", seed=0, device=None):
    """The series of :func:`imbalanced_figure` (no drawing)."""
    if scale not in IMBALANCED_SCALES:
        raise AssumptionError(f"scale must be one of {tuple(IMBALANCED_SCALES)} (got {scale!r})")
    config = IMBALANCED_SCALES[scale]
    groups, steps = config["groups"], config["steps"]
    record = list(range(0, steps + 1, config["every"]))
    rng = np.random.default_rng(seed)
    trajectories, by_ratio = {}, {key: [] for key in ("gd", "theory", "anchored")}
    for ratio in IMBALANCE_RATIOS:
        problem = ImbalancedProblem(p=config["p"], sizes=two_groups(groups, ratio, groups, 1),
                                    gamma=1 / (2 * groups - 1))
        H0, W0 = rng.standard_normal((problem.p, problem.n)), rng.standard_normal((problem.p, problem.C))
        rate = 8.0 / problem.singular_values()[0] / steps
        rates = np.full(steps, rate)
        run = imbalanced_descent(problem, H0, W0, np.zeros(problem.C), rates, rates, record_steps=record, device=device)
        dynamics = ImbalancedDynamics(problem, H0, W0)
        theory = [dynamics.state(dynamics.descent_propagators(rates[:k], rates[:k])) for k in record]
        gd_rows = [_minority(problem, run[k][0], run[k][1], groups) for k in record]
        theory_rows = [_minority(problem, H, W, groups) for H, W in theory]
        W_etf = simplex_etf(problem.p, problem.C, seed=rng)
        anchored = imbalanced_descent(problem, H0, W_etf, np.zeros(problem.C), np.full(steps, 1.0),
                                      np.full(steps, 1.0), (0.5, 0.0), train_prototypes=False, device=device)[steps]
        if ratio in (10, 100):
            trajectories[f"r={ratio}"] = dict(steps=record, gd=gd_rows, theory=theory_rows)
        by_ratio["gd"].append(gd_rows[-1])
        by_ratio["theory"].append(theory_rows[-1])
        by_ratio["anchored"].append(_minority(problem, anchored[0], W_etf, groups))
    parameters = dict(scale=scale, seed=seed, **config, gamma="1/(C-1)", ratios=IMBALANCE_RATIOS,
                      rates="eta1 = eta2 = 8/(sigma_A steps)", anchored="fixed unit simplex ETF, lambda=0.5, eta=1")
    return dict(name="extension_imbalanced", parameters=parameters, trajectories=trajectories, by_ratio=by_ratio,
                columns=("mean minority cosine", "||W_B||/||W_A||", "minority accuracy", "majority accuracy"))


def imbalanced_figure(out_dir="results/figures", scale="paper", seed=0, device=None):
    """Draw the imbalanced-classes figure; returns ``{"png", "json"}`` paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = imbalanced_data(scale, seed, device)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13.0, 3.8))
    floor = np.finfo(float).eps
    for (name, series), color in zip(data["trajectories"].items(), ("C0", "C3")):
        for column, marker, label in ((0, "o", "1 - cos (minority)"), (1, "s", "||W_B||/||W_A||")):
            gd = [row[column] for row in series["gd"]]
            theory = [row[column] for row in series["theory"]]
            if column == 0:
                gd, theory = 1 - np.array(gd), 1 - np.array(theory)
            left.semilogy(series["steps"], np.maximum(gd, floor), marker, ms=3, color=color,
                          label=f"GD {label}, {name}")
            left.semilogy(series["steps"], np.maximum(theory, floor), "-", lw=1, color=color)
    left.set_xlabel("gradient-descent step (sigma_A eta steps = 8)", fontsize=8)
    left.set_title("(a) minority collapse along GD (lines: 2x2 products)", fontsize=9)
    left.legend(fontsize=5)
    ratios = data["parameters"]["ratios"]
    for column, color, label in ((0, "C0", "1 - cos (minority)"), (1, "C1", "||W_B||/||W_A||")):
        gd = np.array([row[column] for row in data["by_ratio"]["gd"]])
        theory = np.array([row[column] for row in data["by_ratio"]["theory"]])
        if column == 0:
            gd, theory = 1 - gd, 1 - theory
        middle.loglog(ratios, np.maximum(gd, floor), "o", color=color, label=f"GD {label}")
        middle.loglog(ratios, np.maximum(theory, floor), "-", lw=1, color=color)
    middle.set_xlabel("imbalance ratio r = n_A/n_B", fontsize=8)
    middle.set_title("(b) at the last step, against r", fontsize=9)
    middle.legend(fontsize=6)
    right.semilogx(ratios, [row[2] for row in data["by_ratio"]["gd"]], "o-", label="learnable W, minority")
    right.semilogx(ratios, [row[3] for row in data["by_ratio"]["gd"]], "s-", label="learnable W, majority")
    right.semilogx(ratios, [row[2] for row in data["by_ratio"]["anchored"]], "^--", label="fixed ETF, minority")
    right.set_ylim(-0.05, 1.05)
    right.set_xlabel("imbalance ratio r", fontsize=8)
    right.set_title("(c) training accuracy at the last step", fontsize=9)
    right.legend(fontsize=6)
    p = data["parameters"]
    fig.suptitle(f"Imbalanced classes: p={p['p']}, {p['groups']} + {p['groups']} classes, {p['steps']} steps, "
                 f"seed {p['seed']}", fontsize=9)
    fig.tight_layout()
    return _save(fig, data, out_dir / "extension_imbalanced")
