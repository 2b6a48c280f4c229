r"""Studies on scikit-learn's digits with ``resnet_digits`` on a CPU: the layer-peeled predictions on a trained
network, OOD detection and long-tailed learning, each over several seeds with 95 % t-intervals.

    OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-theory     # docs/digits_theory.md
    OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-ood        # docs/digits_ood.md
    OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-lt         # docs/digits_lt.md

Every study trains presets of :mod:`ulproofs.deep.train` (with overrides) for each seed, reusing finished runs in
``--runs`` (default ``results/digits``, shared with ``reproduce digits``: a run with the same preset, overrides,
epochs and seed is trained once), then writes ``<doc>`` (Markdown), ``<figures>/<study>.json`` (seeds, config,
commit, thread count, wall time, every per-seed number) and PNGs under ``<figures>``. Threads follow
:mod:`ulproofs.core.threads` (workload "training").

Statistics: a cell is the mean over seeds ± the half-width of the 95 % Student-t interval,
:math:`t_{0.975,n-1}\,s/\sqrt n` (s the sample std, ddof 1); :func:`t_interval` refuses fewer than 2 seeds.
A difference is called real only when the 95 % interval of the per-seed paired difference excludes 0; otherwise
the documents say it is within noise.

The predictions of ``digits-theory`` are written down in :data:`PREDICTIONS` before any run, each with the quantity
measured and the rule that turns the measurement into "agrees", "disagrees" or "within noise".

>>> interval = t_interval([1.0, 2.0, 3.0])
>>> round(interval["mean"], 6), round(interval["half_width"], 4)      # t_{0.975,2} = 4.3027, s/sqrt(3) = 0.5774
(2.0, 2.4841)
>>> t_interval([1.0])
Traceback (most recent call last):
...
ulproofs.core.errors.AssumptionError: a 95% interval needs values from at least 2 seeds (got 1)
>>> round(gamma_boundary(10), 6), dominant_exponent(1.0, 10), dominant_exponent(0.05, 10)
(0.25, 8.0, 1.05)
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import AssumptionError, CommandLineParser

SEEDS = (0, 1, 2, 3, 4)
EPOCHS = 30
RUNS = "results/digits"
DIGITS_CLASSES = 10
CONFIDENCE = 0.95

# ------------------------------------------------------------------------------------------------
# Statistics


def t_interval(values, confidence=CONFIDENCE):
    """Mean and Student-t interval of per-seed ``values`` (None dropped); AssumptionError for fewer than 2."""
    from scipy import stats

    values = [float(v) for v in values if v is not None]
    if len(values) < 2:
        raise AssumptionError(f"a {confidence:.0%} interval needs values from at least 2 seeds (got {len(values)})")
    array = np.asarray(values)
    mean = float(array.mean())
    if not np.all(np.isfinite(array)):
        return {"mean": mean, "half_width": math.nan, "low": math.nan, "high": math.nan, "n": len(values),
                "values": values}
    half = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * array.std(ddof=1) / math.sqrt(len(values)))
    return {"mean": mean, "half_width": half, "low": mean - half, "high": mean + half, "n": len(values),
            "values": values}


def format_interval(values, scale=1.0, digits=2):
    """'mean ± half-width' of the 95 % t-interval ('—' without values; one value is printed alone)."""
    values = [scale * v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    interval = t_interval(values)
    return f"{interval['mean']:.{digits}f} ± {interval['half_width']:.{digits}f}"


def sign_verdict(interval, predicted_sign):
    """'agrees' if the interval lies on the predicted side of 0, 'disagrees' if on the other, else 'within noise'."""
    if interval["low"] > 0 or interval["high"] < 0:
        return "agrees" if (interval["low"] > 0) == (predicted_sign > 0) else "disagrees"
    return "within noise"


def contains_verdict(interval, value):
    """'agrees' if the 95 % interval contains the predicted ``value``, else 'disagrees'."""
    return "agrees" if interval["low"] <= value <= interval["high"] else "disagrees"


def paired_difference(base, other, scale=100.0, unit=" pp"):
    """'other - base' per seed as 'Δ mean ± half-width (real / within noise)', None entries dropped pairwise.

    >>> paired_difference([0.90, 0.91, 0.92], [0.95, 0.97, 0.96])
    'Δ +5.00 ± 2.48 pp (real)'
    """
    diffs = [scale * (b - a) for a, b in zip(base, other) if a is not None and b is not None]
    if len(diffs) < 2:
        return "Δ not measurable"
    interval = t_interval(diffs)
    word = "within noise" if interval["low"] <= 0 <= interval["high"] else "real"
    return f"Δ {interval['mean']:+.2f} ± {interval['half_width']:.2f}{unit} ({word})"


def check_seeds(seeds):
    """Distinct integer seeds, at least 2 (an interval needs them)."""
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2:
        raise AssumptionError(f"a 95% interval needs at least 2 seeds (got {list(seeds)})")
    if len(set(seeds)) != len(seeds):
        raise AssumptionError(f"seeds must be distinct (got {list(seeds)})")
    return seeds


# ------------------------------------------------------------------------------------------------
# Runs

@dataclass(frozen=True)
class Spec:
    """One row of a study: ``preset`` of :mod:`ulproofs.deep.train` with ``overrides`` (a sorted tuple of pairs)."""

    label: str
    preset: str
    overrides: tuple = ()

    def options(self, extra=None):
        return {**dict(self.overrides), **(extra or {})}


def spec(label, name, **overrides):
    """A :class:`Spec`; when ``name`` + ``overrides`` equals a named preset, that preset (so runs are shared)."""
    from dataclasses import asdict

    from .train import PRESETS, TrainConfig

    def settings(options):
        return {k: v for k, v in asdict(TrainConfig(**options)).items() if k != "name"}

    wanted = settings({**PRESETS[name], **overrides})
    same = [other for other, options in PRESETS.items() if settings(options) == wanted]
    if same:
        return Spec(label, same[0])
    return Spec(label, name, tuple(sorted(overrides.items())))


def run_specs(specs, seeds, epochs, runs_dir, overrides=None, log=print):
    """Train (or reuse) every spec x seed; returns ({label: [(record, out_dir) per seed]}, runs trained)."""
    from .experiments import Run, run_directory
    from .train import preset, train

    results, trained = {}, 0
    for item in specs:
        options = item.options(overrides)
        for seed in seeds:
            out_dir = run_directory(runs_dir, item.preset, seed, epochs, options or None)
            run = Run(item.preset, seed, out_dir)
            if run.status() != "done":
                log(f"{item.label}: {item.preset} {options} seed {seed} -> {out_dir}")
                train(preset(item.preset, seed=seed, epochs=epochs, out_dir=str(out_dir), resume=True,
                             progress=False, **options))
                trained += 1
            results.setdefault(item.label, []).append((run.record(), out_dir))
    return results, trained


def trained_model(record, out_dir):
    """(model in evaluation mode, resolved config, train set, test set) of a run from its checkpoint."""
    import torch

    from .train import TrainConfig, build_model, load_data

    config = TrainConfig(**record["config"])
    train_set, test_set, _ = load_data(config)
    model = build_model(config, len(train_set.classes), train_set.images.shape[3])
    state = torch.load(Path(out_dir) / "checkpoint.pt", map_location="cpu", weights_only=True)["model"]
    model.load_state_dict(state)
    return model.eval(), config, train_set, test_set


def predict(model, images, train_set, config):
    """(features, logits) of uint8 ``images`` standardised with the training set's statistics (evaluation mode)."""
    import contextlib

    import torch

    from .train import _predict

    mean_np, std_np = train_set.channel_stats()
    mean = torch.as_tensor(mean_np, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.as_tensor(np.where(std_np > 0, std_np, 1.0), dtype=torch.float32).view(1, -1, 1, 1)
    return _predict(model, images, mean, std, torch.device("cpu"), config, contextlib.nullcontext())


def _environment(threads, wall, trained, seeds, epochs, command, previous):
    """The record's provenance; an invocation that only reuses finished runs keeps the wall time and run count of
    the invocation that trained them (from ``previous``, the study's earlier JSON record, when it matches)."""
    from ..core.threads import current
    from ..engine.registry import git_commit

    env = {"command": command, "git_commit": git_commit(), "torch_threads": current(), "threads_requested": threads,
           "wall_seconds": wall, "runs_trained": trained, "seeds": list(seeds), "epochs": epochs}
    if not trained and Path(previous).is_file():
        earlier = json.loads(Path(previous).read_text())
        if earlier.get("seeds") == list(seeds) and earlier.get("epochs") == epochs and earlier.get("runs_trained"):
            env.update(wall_seconds=earlier["wall_seconds"], runs_trained=earlier["runs_trained"],
                       regenerated_in_seconds=wall)
    return env


def _run_seconds(results):
    return sum(e["seconds"] for runs in results.values() for record, _ in runs for e in record["epochs"])


def _time_line(env, results):
    regenerated = (f" (this document regenerated from the finished runs in {env['regenerated_in_seconds']:.0f} s)"
                   if "regenerated_in_seconds" in env else "")
    return (f"Time: {env['wall_seconds'] / 60:.1f} min wall for the invocation that trained the runs{regenerated} "
            f"({env['runs_trained']} runs trained, "
            f"{sum(len(r) for r in results.values())} used; {_run_seconds(results):.0f} s inside their training "
            f"loops), {env['torch_threads']} torch thread(s) on a shared 2-core CPU; commit {env['git_commit']}. "
            "No GPU was available to this work.")


def _write(doc, figures, name, lines, record):
    Path(doc).parent.mkdir(parents=True, exist_ok=True)
    Path(doc).write_text("\n".join(lines) + "\n")
    Path(figures).mkdir(parents=True, exist_ok=True)
    (Path(figures) / f"{name}.json").write_text(json.dumps(record, indent=1, default=str))


# ------------------------------------------------------------------------------------------------
# digits-theory: the layer-peeled predictions on a trained network

def gamma_boundary(C):
    """Corollary 3's regime boundary 2/(C-2) (C > 2)."""
    if C <= 2:
        raise AssumptionError(f"the regime boundary 2/(C-2) needs C > 2 (got C={C})")
    return 2.0 / (C - 2)


def dominant_exponent(gamma, C):
    r"""The fastest growth exponent of the unconstrained flow, :math:`\max\{1+\gamma,|1+\gamma-\gamma C|\}`
    (Corollary 3: :math:`\mathcal E_1` grows like :math:`e^{(1+\gamma)X}`, :math:`\mathcal E_2` like
    :math:`e^{|1+\gamma-\gamma C|X}`)."""
    return max(1.0 + gamma, abs(1.0 + gamma - gamma * C))


def feature_norm_limit(feature_reg, batch_size, C=DIGITS_CLASSES, gamma=None, scale=1.0, p=128):
    r"""Theorem 6's limit :math:`\|h\|` of one feature under UL-PAL with the paper's summed feature penalty.

    Theorem 6: :math:`H(t)\to WM/\lambda`, every feature :math:`\frac1{\lambda CN}(w_c-\gamma\sum_{j\ne c}w_j)`,
    for the layer-peeled objective :math:`\frac1{CN}\sum\ell+\frac\lambda2\|H\|_F^2`. A mini-batch objective
    :math:`\frac1{|B|}\sum_{x\in B}\ell(x)+\lambda_{reg}\sum_{x\in B}\|f(x)\|^2` gives one example, whenever it is
    drawn, the feature gradient :math:`\frac1{|B|}\nabla\ell+2\lambda_{reg}f`; times :math:`|B|/(CN)` this is the
    layer-peeled gradient with :math:`\lambda=2\lambda_{reg}|B|/(CN)`. The limit is computed with
    :class:`ulproofs.claims.theorem_6.AnchoredDynamics` at that :math:`\lambda` (N drops out); for a simplex ETF of
    norm s it equals :math:`(1+\gamma)s/(2\lambda_{reg}|B|)`.

    >>> round(feature_norm_limit(1e-3, 64), 6)                      # (1 + 1/9) / (2e-3 * 64)
    8.680556
    """
    from ..claims.theorem_6 import AnchoredDynamics
    from ..core.etf import simplex_etf
    from ..core.rates import Constant
    from ..core.setting import LayerPeeledProblem
    from .models import default_gamma

    gamma = default_gamma(C) if gamma is None else gamma
    problem = LayerPeeledProblem(p=p, C=C, N=1, gamma=gamma)
    W = simplex_etf(p, C, scale=scale, seed=0)
    decay = 2.0 * feature_reg * batch_size / (C * problem.N)
    limit = AnchoredDynamics(problem, np.zeros((p, C)), W, Constant(1.0), decay).limit()
    return float(np.linalg.norm(limit, axis=0).mean())


def prototype_mean_fraction(W):
    r""":math:`\varphi=\|W\mathbf 1_C\|/(\sqrt C\|W\|_F)\in[0,1]` for prototypes W (C x p rows): 0 when the
    prototypes sum to zero (:math:`\mathcal E_1`), 1 when they are all equal (:math:`\mathcal E_2`, collapse).

    >>> W = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> round(prototype_mean_fraction(W), 12), round(prototype_mean_fraction(np.eye(2) - 0.5), 12)
    (1.0, 0.0)
    """
    W = np.asarray(W, dtype=float)
    return float(np.linalg.norm(W.sum(axis=0)) / (math.sqrt(W.shape[0]) * np.linalg.norm(W)))


@dataclass(frozen=True)
class Prediction:
    id: str
    source: str
    statement: str
    measured: str
    rule: str


PLAIN_GAMMAS = (0.05, 1.0)        # either side of 2/(C-2) = 0.25 for C = 10
PLAIN_LR = 0.01                   # at 0.1 plain UL leaves the 1e6 norm bound within 1-4 epochs
LAMBDAS = (1e-4, 3e-4, 1e-3, 3e-3)
ACCURACY_TARGET = 0.95

PREDICTIONS = (
    Prediction("cor3-regime", "Corollary 3 (Eqs. 9-10, 47-53)",
               "Plain UL (learnable W and b): for 0 < γ < 2/(C-2) = 0.25 the normalised (H, W) converges into E_1, "
               "where the prototypes sum to zero; for γ > 0.25 the E_2 component (all prototypes one vector, "
               "'prototype collapse') grows fastest and dominates.",
               "φ = ‖W1‖/(√C‖W‖_F) of the learnable prototypes at the last recorded epoch minus φ at initialisation "
               "(same seed), for γ = 0.05 and γ = 1.0, with and without the ReLU before the head "
               f"(lr {PLAIN_LR}, weight decay 5e-4).",
               "γ = 0.05: agrees if the 95% interval of Δφ lies below 0; γ = 1.0: agrees if it lies above 0; "
               "disagrees if it lies on the other side; within noise if it contains 0."),
    Prediction("cor3-growth", "Corollary 3 / Theorem 2",
               "‖Z(t)‖ grows exponentially at the rate max{1+γ, |1+γ-γC|}·X, X = √(ζ1ζ2)/(C√N): with the same "
               "learning rates, the growth rate at γ = 1.0 (exponent 8) is 8/1.05 = 7.62 times that at γ = 0.05.",
               "the slope of log max_c‖w_c‖ against the epoch (least squares over the recorded epochs, ≥ 2), per "
               "seed; the ratio slope(γ=1.0)/slope(γ=0.05) of the same seed.",
               "agrees if the 95% interval of the ratio contains 7.62."),
    Prediction("thm6-limit", "Theorem 6 (Eqs. 16-17)",
               "UL-PAL with feature regularisation λ: the features converge to WM/λ_lp; mapped to mini-batch SGD "
               "(see feature_norm_limit) the mean feature norm tends to (1+γ)s/(2λ|B|) = 8.68e-3/λ "
               "(γ = 1/9, s = 1, |B| = 64).",
               "measured/predicted mean training-mode ‖f(x)‖ of the last epoch, per λ in "
               f"{list(LAMBDAS)}.",
               "agrees if the 95% interval of the ratio contains 1 (reported with its size either way)."),
    Prediction("thm6-slope", "Theorem 6",
               "The limit is inversely proportional to λ: log‖f‖ against log λ has slope -1.",
               "per seed, the least-squares slope of log mean ‖f(x)‖ (last epoch) on log λ over the λ values.",
               "agrees if the 95% interval of the slope contains -1."),
    Prediction("thm6-no-decay", "Theorem 6, λ = 0",
               "Without feature regularisation H(t) = H(0) + ζ(t)WM: the feature norm grows linearly in the "
               "integrated learning rate ζ (no limit).",
               "r = (‖f‖_E - ‖f‖_1)/(‖f‖_{E/2} - ‖f‖_1) for UL-PAL (λ = 0), mean training-mode norms, against "
               "(ζ_E - ζ_1)/(ζ_{E/2} - ζ_1) from the recorded learning rates (cosine schedule).",
               "agrees if the 95% interval of r contains the ζ ratio."),
    Prediction("thm6-alignment", "Theorem 6 (feature alignment, Section 3.3)",
               "With the ETF anchored and λ > 0 every feature aligns with its own prototype: NC1 and NC3 tend to 0.",
               "NC1 and NC3 (train features, evaluation mode) at the last epoch minus epoch 1, UL-PAL at λ = 1e-3.",
               "agrees if the 95% interval of each change lies below 0."),
    Prediction("rlr-speed", "Section 4.3 (Eq. 19, footnote 15)",
               "Rescaling the learning rate by ‖f(x)‖ undoes FNPAL's 1/‖f(x)‖ and speeds up its training.",
               f"the first epoch with training accuracy ≥ {ACCURACY_TARGET} (epochs + 1 if never), FNPAL minus "
               "FNPAL + RLR, paired by seed.",
               "agrees if the 95% interval of the difference lies above 0; disagrees if below; else within noise."),
)


def theory_specs():
    """The runs of :data:`PREDICTIONS` (labels are what :func:`evaluate_theory` looks up)."""
    plain = [spec(f"plain γ={g} {'ReLU' if relu else 'no ReLU'}", "digits-ul-plain", gamma=g, lr=PLAIN_LR,
                  relu_before_head=relu) for g in PLAIN_GAMMAS for relu in (False, True)]
    lambdas = [spec(f"UL-PAL λ={lam:g}", "digits-ul-pal", feature_reg=lam) for lam in LAMBDAS]
    others = [Spec("UL-PAL", "digits-ul-pal"), Spec("CE", "digits-ce"), Spec("UL-FNPAL", "digits-ul-fnpal"),
              Spec("UL-FNPAL + RLR", "digits-ul-fnpal-rlr")]
    return plain + lambdas + others


def _slope(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.polyfit(x, y, 1)[0])


def _plain_measurements(runs):
    """Per seed: Δφ, φ_init, φ_final, log-norm growth slope per epoch, epochs recorded, divergence epoch."""
    from .train import build_model

    rows = []
    for record, out_dir in runs:
        model, config, train_set, _ = trained_model(record, out_dir)
        initial = build_model(config, len(train_set.classes), train_set.images.shape[3]).head.weight.detach()
        phi_init = prototype_mean_fraction(initial.double().numpy())
        phi_final = prototype_mean_fraction(model.head.weight.detach().double().numpy())
        epochs = [e["epoch"] for e in record["epochs"]]
        norms = [e["prototypes"]["max_norm"] for e in record["epochs"]]
        slope = _slope(epochs, np.log(norms)) if len(epochs) >= 2 else None
        rows.append({"seed": record["seed"], "phi_init": phi_init, "phi_final": phi_final,
                     "log_norms": np.log(norms).tolist(),
                     "delta_phi": phi_final - phi_init, "growth_slope": slope, "epochs_recorded": len(epochs),
                     "min_angle_degrees": record["epochs"][-1]["prototypes"]["min_angle_degrees"],
                     "diverged_at_epoch": (record["diverged"] or {}).get("diverged_at_epoch")})
    return rows


def _zeta(record):
    steps = max(1, record["data"]["train_size"] // record["config"]["batch_size"])
    return np.cumsum([e["lr"] * steps for e in record["epochs"]])


def _first_epoch_reaching(record, target):
    for entry in record["epochs"]:
        if entry["train_accuracy"] >= target:
            return entry["epoch"]
    return record["config"]["epochs"] + 1


def evaluate_theory(results):
    """The measurement and verdict of every prediction in :data:`PREDICTIONS` from the runs of ``results``
    (a prediction whose runs are absent, or too short, is left out)."""
    first = next(record for runs in results.values() for record, _ in runs)
    C = len(first["data"]["train_class_counts"])
    boundary = gamma_boundary(C)
    out = {}
    plain = {label: _plain_measurements(runs) for label, runs in results.items() if label.startswith("plain")}
    regime = {}
    for label, rows in plain.items():
        gamma = float(label.split("=")[1].split()[0])
        interval = t_interval([r["delta_phi"] for r in rows])
        regime[label] = {"gamma": gamma, "delta_phi": interval, "phi_init": t_interval([r["phi_init"] for r in rows]),
                         "phi_final": t_interval([r["phi_final"] for r in rows]),
                         "verdict": sign_verdict(interval, 1 if gamma > boundary else -1), "per_seed": rows}
    out["cor3-regime"] = regime
    growth = {}
    predicted_ratio = dominant_exponent(PLAIN_GAMMAS[1], C) / dominant_exponent(PLAIN_GAMMAS[0], C)
    for relu in ("no ReLU", "ReLU"):
        low, high = plain.get(f"plain γ={PLAIN_GAMMAS[0]} {relu}"), plain.get(f"plain γ={PLAIN_GAMMAS[1]} {relu}")
        if not low or not high:
            continue
        ratios = [h["growth_slope"] / lo["growth_slope"] for lo, h in zip(low, high)
                  if h["growth_slope"] is not None and lo["growth_slope"]]
        entry = {"predicted": predicted_ratio, "slopes_low": [r["growth_slope"] for r in low],
                 "slopes_high": [r["growth_slope"] for r in high], "ratios": ratios}
        if len(ratios) >= 2:
            entry["ratio"] = t_interval(ratios)
            entry["verdict"] = contains_verdict(entry["ratio"], predicted_ratio)
            # post hoc: both slopes over the same epochs (those recorded at both γ), so the same learning rates
            window = [min(len(lo["log_norms"]), len(h["log_norms"])) for lo, h in zip(low, high)]
            same = [_slope(range(k), h["log_norms"][:k]) / _slope(range(k), lo["log_norms"][:k])
                    for lo, h, k in zip(low, high, window) if k >= 2]
            if len(same) >= 2:
                entry["post_hoc_same_epochs"] = {"epochs": window, "ratio": t_interval(same)}
        else:
            entry["verdict"] = f"not measurable ({len(ratios)} seed(s) with two recorded epochs at both γ)"
        growth[relu] = entry
    out["cor3-growth"] = growth

    limits, logs = {}, []
    for lam in LAMBDAS:
        runs = results.get(f"UL-PAL λ={lam:g}", [])
        if not runs:
            continue
        batch = runs[0][0]["config"]["batch_size"]
        predicted = feature_norm_limit(lam, batch, C, gamma=runs[0][0]["config"]["gamma"])
        norms = [record["epochs"][-1]["train_feature_norm"] for record, _ in runs]
        ratio = t_interval([n / predicted for n in norms])
        limits[f"{lam:g}"] = {"lambda": lam, "predicted": predicted, "measured": t_interval(norms), "ratio": ratio,
                              "verdict": contains_verdict(ratio, 1.0),
                              "train_accuracy": t_interval([r["epochs"][-1]["train_accuracy"] for r, _ in runs]),
                              "test_norm": t_interval([r["epochs"][-1]["test_feature_norm"]["mean"] for r, _ in runs])}
        logs.append((lam, norms))
    out["thm6-limit"] = limits
    if len(logs) >= 2:
        slopes = [_slope(np.log([lam for lam, _ in logs]), np.log([norms[i] for _, norms in logs]))
                  for i in range(min(len(n) for _, n in logs))]
        interval = t_interval(slopes)
        out["thm6-slope"] = {"slope": interval, "predicted": -1.0, "verdict": contains_verdict(interval, -1.0)}
        fitted = [(lam, norms) for lam, norms in logs if limits[f"{lam:g}"]["train_accuracy"]["mean"] >= 0.99]
        if len(fitted) >= 2 and len(fitted) < len(logs):      # post hoc: only the λ at which training fitted
            slopes = [_slope(np.log([lam for lam, _ in fitted]), np.log([norms[i] for _, norms in fitted]))
                      for i in range(min(len(n) for _, n in fitted))]
            out["thm6-slope"]["post_hoc_fitted"] = {"lambdas": [lam for lam, _ in fitted],
                                                    "slope": t_interval(slopes)}

    pal = [(record, d) for record, d in results.get("UL-PAL", []) if len(record["epochs"]) >= 4]
    if len(pal) >= 2:
        ratios, predicted = [], []
        for record, _ in pal:
            norms, zeta = [e["train_feature_norm"] for e in record["epochs"]], _zeta(record)
            half = len(norms) // 2 - 1
            ratios.append((norms[-1] - norms[0]) / (norms[half] - norms[0]))
            predicted.append((zeta[-1] - zeta[0]) / (zeta[half] - zeta[0]))
        interval = t_interval(ratios)
        out["thm6-no-decay"] = {"ratio": interval, "predicted": float(np.mean(predicted)),
                                "verdict": contains_verdict(interval, float(np.mean(predicted)))}

    aligned = results.get(f"UL-PAL λ={1e-3:g}", [])
    if aligned:
        changes = {}
        for key in ("nc1", "nc3_self_duality"):
            values = [r["epochs"][-1]["neural_collapse"][key] - r["epochs"][0]["neural_collapse"][key]
                      for r, _ in aligned]
            interval = t_interval(values)
            changes[key] = {"change": interval, "final": t_interval([r["epochs"][-1]["neural_collapse"][key]
                                                                     for r, _ in aligned]),
                            "verdict": sign_verdict(interval, -1)}
        changes["train_accuracy"] = t_interval([r["epochs"][-1]["train_accuracy"] for r, _ in aligned])
        out["thm6-alignment"] = changes

    fnpal, rlr = results.get("UL-FNPAL", []), results.get("UL-FNPAL + RLR", [])
    if fnpal and rlr:
        plain_epochs = [_first_epoch_reaching(r, ACCURACY_TARGET) for r, _ in fnpal]
        rlr_epochs = [_first_epoch_reaching(r, ACCURACY_TARGET) for r, _ in rlr]
        interval = t_interval([a - b for a, b in zip(plain_epochs, rlr_epochs)])
        out["rlr-speed"] = {"fnpal_epochs": plain_epochs, "rlr_epochs": rlr_epochs, "difference": interval,
                            "verdict": sign_verdict(interval, 1),
                            "fnpal_test_accuracy": t_interval([r["epochs"][-1]["test_accuracy"] for r, _ in fnpal]),
                            "rlr_test_accuracy": t_interval([r["epochs"][-1]["test_accuracy"] for r, _ in rlr])}
    return out


def _iv(interval, digits=3, scale=1.0):
    if interval is None:
        return "—"
    return f"{scale * interval['mean']:.{digits}g} ± {scale * interval['half_width']:.{digits}g}"


def _theory_summary(measured):
    """One line per prediction and condition: verdict and numbers."""
    lines = []
    for label, entry in measured.get("cor3-regime", {}).items():
        lines.append(f"| cor3-regime | {label} | Δφ {_iv(entry['delta_phi'])} (φ {_iv(entry['phi_init'])} → "
                     f"{_iv(entry['phi_final'])}) | {entry['verdict']} |")
    for relu, entry in measured.get("cor3-growth", {}).items():
        value = _iv(entry["ratio"]) if "ratio" in entry else "—"
        lines.append(f"| cor3-growth | {relu} | slope ratio {value} (predicted {entry['predicted']:.3g}) | "
                     f"{entry['verdict']} |")
        if "post_hoc_same_epochs" in entry:
            same = entry["post_hoc_same_epochs"]
            lines.append(f"| cor3-growth (post hoc, not pre-stated) | {relu}, both γ over the first "
                         f"{same['epochs']} epochs | slope ratio {_iv(same['ratio'])} | — |")
    for lam, entry in measured.get("thm6-limit", {}).items():
        lines.append(f"| thm6-limit | λ={lam} | ‖f‖ {_iv(entry['measured'])} vs {entry['predicted']:.4g}: ratio "
                     f"{_iv(entry['ratio'])} (train acc {_iv(entry['train_accuracy'], 3, 100)}%) | "
                     f"{entry['verdict']} |")
    if "thm6-slope" in measured:
        entry = measured["thm6-slope"]
        lines.append(f"| thm6-slope | λ in {list(LAMBDAS)} | slope {_iv(entry['slope'], 4)} (predicted -1) | "
                     f"{entry['verdict']} |")
        if "post_hoc_fitted" in entry:
            fitted = entry["post_hoc_fitted"]
            lines.append(f"| thm6-slope (post hoc, not pre-stated) | λ in {fitted['lambdas']} (train acc ≥ 99%) | "
                         f"slope {_iv(fitted['slope'], 4)} | — |")
    if "thm6-no-decay" in measured:
        entry = measured["thm6-no-decay"]
        lines.append(f"| thm6-no-decay | UL-PAL λ=0 | r {_iv(entry['ratio'])} (ζ ratio {entry['predicted']:.3f}) | "
                     f"{entry['verdict']} |")
    for key, entry in measured.get("thm6-alignment", {}).items():
        if key != "train_accuracy":
            lines.append(f"| thm6-alignment | {key}, λ=1e-3 | change {_iv(entry['change'])} (final "
                         f"{_iv(entry['final'])}) | {entry['verdict']} |")
    if "rlr-speed" in measured:
        entry = measured["rlr-speed"]
        lines.append(f"| rlr-speed | FNPAL vs + RLR | epochs to {ACCURACY_TARGET:.0%} train acc "
                     f"{entry['fnpal_epochs']} vs {entry['rlr_epochs']}: difference {_iv(entry['difference'])} | "
                     f"{entry['verdict']} |")
    return lines


def _verdict_counts(rows):
    """'Summary: ...' of the pre-stated rows of the results table, grouped by verdict."""
    groups = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if "post hoc" not in cells[0]:
            groups.setdefault(cells[-1], []).append(f"{cells[0]} ({cells[1]})")
    return "Summary of the pre-stated predictions: " + "; ".join(
        f"**{verdict}** ({len(items)}): " + ", ".join(items) for verdict, items in sorted(groups.items())) + "."


NC_KEYS = ("nc1", "nc2_equinorm", "nc2_equiangle", "nc3_self_duality", "nc4_ncc_mismatch")


def plot_neural_collapse(results, labels, path):
    """NC1-NC4 per epoch (mean over seeds, log scale), one panel per metric, one line per label."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(18, 3.4))
    for k, key in enumerate(NC_KEYS):
        axes = figure.add_subplot(1, len(NC_KEYS), k + 1)
        for label in labels:
            records = [r for r, _ in results.get(label, []) if r["epochs"] and r["epochs"][0].get("neural_collapse")]
            if not records:
                continue
            length = min(len(r["epochs"]) for r in records)
            values = np.array([[r["epochs"][i]["neural_collapse"][key] for i in range(length)] for r in records])
            axes.plot(range(1, length + 1), np.maximum(values.mean(axis=0), 1e-6), label=label)
        axes.set(yscale="log", xlabel="epoch", title=key)
        if k == 0:
            axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def _plot_theory(results, measured, figures):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(15, 3.8))
    growth, limit, speed = (figure.add_subplot(1, 3, i) for i in (1, 2, 3))
    for k, label in enumerate(label for label in results if label.startswith("plain")):
        for i, (record, _) in enumerate(results[label]):
            growth.plot([e["epoch"] for e in record["epochs"]], [e["prototypes"]["max_norm"] for e in record["epochs"]],
                        color=f"C{k}", alpha=0.7, label=label if i == 0 else None)
    growth.set(yscale="log", xlabel="epoch", ylabel="max ‖w_c‖", title="plain UL: prototype norm growth")
    growth.legend(fontsize=7)
    entries = measured.get("thm6-limit", {})
    if entries:
        lams = [e["lambda"] for e in entries.values()]
        limit.errorbar(lams, [e["measured"]["mean"] for e in entries.values()],
                       yerr=[e["measured"]["half_width"] for e in entries.values()], fmt="o", label="measured (95% CI)")
        grid = np.geomspace(min(lams), max(lams), 50)
        batch = next(iter(results[f"UL-PAL λ={lams[0]:g}"]))[0]["config"]["batch_size"]
        limit.plot(grid, [feature_norm_limit(g, batch) for g in grid], label="Theorem 6: (1+γ)/(2λ|B|)")
        limit.set(xscale="log", yscale="log", xlabel="λ", ylabel="mean train ‖f(x)‖ (last epoch)",
                  title="UL-PAL + feature regularisation")
        limit.legend(fontsize=7)
    for k, label in enumerate(("UL-FNPAL", "UL-FNPAL + RLR")):
        for i, (record, _) in enumerate(results.get(label, [])):
            speed.plot([e["epoch"] for e in record["epochs"]], [e["train_accuracy"] for e in record["epochs"]],
                       color=f"C{k}", alpha=0.7, label=label if i == 0 else None)
    speed.set(xlabel="epoch", ylabel="train accuracy", title="FNPAL with and without RLR", ylim=(0.5, 1.0))
    if speed.lines:
        speed.legend(fontsize=7)
    figure.tight_layout()
    path = Path(figures) / "theory.png"
    figure.savefig(path, dpi=100)
    return path


def digits_theory(seeds=SEEDS, epochs=EPOCHS, runs_dir=RUNS, doc="docs/digits_theory.md", figures="docs/digits",
                  threads=None, overrides=None, specs=None, log=print):
    """Train the runs of :data:`PREDICTIONS`, measure each prediction and write ``doc``; returns the JSON record."""
    from ..core.threads import apply_thread_policy

    seeds = check_seeds(seeds)
    threads = apply_thread_policy(threads, "training")
    started = time.perf_counter()
    results, trained = run_specs(specs or theory_specs(), seeds, epochs, runs_dir, overrides, log)
    measured = evaluate_theory(results)
    figures = Path(figures)
    figures.mkdir(parents=True, exist_ok=True)
    pictures = [_plot_theory(results, measured, figures),
                plot_neural_collapse(results, ("CE", "UL-PAL", f"UL-PAL λ={1e-3:g}", "UL-FNPAL"),
                                     figures / "neural-collapse.png")]
    command = (f"OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-theory --seeds {' '.join(map(str, seeds))} "
               f"--epochs {epochs}")
    env = _environment(threads, time.perf_counter() - started, trained, seeds, epochs, command,
                       figures / "digits_theory.json")
    rows = _theory_summary(measured)
    nc_rows = []
    for label in ("CE", "UL-PAL", f"UL-PAL λ={1e-3:g}", "UL-FNPAL", "UL-FNPAL + RLR"):
        runs = [r for r, _ in results.get(label, []) if r["epochs"][-1].get("neural_collapse")]
        if runs:
            nc_rows.append(f"| {label} | " + " | ".join(
                _iv(t_interval([r["epochs"][-1]["neural_collapse"][k] for r in runs])) for k in NC_KEYS) + " |")
    lines = [
        "# The layer-peeled predictions on a trained network (digits, resnet_digits)", "",
        f"scikit-learn's digits (1347 train / 450 test), `resnet_digits` (p = 128), SGD momentum 0.9, weight decay "
        f"5e-4, batch 64, cosine schedule over {epochs} epochs, seeds {list(seeds)}. Cells: mean ± half-width of the "
        "95% t-interval over seeds. The predictions, the quantity measured and the rule for the verdict were written "
        "in `ulproofs/deep/studies.py` (`PREDICTIONS`) before the runs; they are repeated here.", "",
        f"Command: `{command}`  ", _time_line(env, results), "",
        "## Predictions (stated before the runs)", "",
    ]
    for item in PREDICTIONS:
        lines += [f"* **{item.id}** ({item.source}). {item.statement}  ", f"  Measured: {item.measured}  ",
                  f"  Verdict rule: {item.rule}"]
    lines += [
        "", "Mapping assumptions. The layer-peeled model treats the features as free variables under full-batch "
        "gradient flow; here they are the outputs of a ResNet trained by mini-batch SGD with momentum, weight decay "
        "on every parameter, batch norm and a cosine schedule whose integral ζ is bounded. Theorem 6's λ is mapped "
        "through the per-example stationarity of the summed penalty (λ_lp = 2λ|B|/(CN), see "
        "`feature_norm_limit`), which ignores the network's own weight decay and assumes training ran long enough "
        "for e^{-λζ} to vanish. Corollary 3 is read through the learnable head W: φ measures how far W is from "
        "E_1 (φ = 0) or E_2 (φ = 1); the growth rate compares two γ at the same learning rate, assuming the "
        "network maps both into the same effective feature rate η1.", "",
        "## Results", "",
        "| prediction | condition | measured (mean ± 95% half-width) | verdict |", "|---|---|---|---|",
        *rows, "", _verdict_counts(rows), "",
        "Per-seed numbers, divergence epochs and every interval are in `digits/digits_theory.json`. Plain UL runs "
        "stop when a feature norm exceeds 1e6 (then the last recorded epoch is measured).", "",
        "![theory](digits/theory.png)", "",
        "## Neural collapse at the last epoch (train features, evaluation mode)", "",
        "| run | " + " | ".join(NC_KEYS) + " |", "|---" * (len(NC_KEYS) + 1) + "|", *nc_rows, "",
        "![neural collapse](digits/neural-collapse.png)", "",
        "Means over seeds, log scale; an NC4 of exactly 0 is drawn at 1e-6.", "",
        "Post-hoc rows (marked) were added after the runs to locate a disagreement; they carry no verdict. The "
        "pre-stated growth comparison fits each γ over all its recorded epochs, so the slowly diverging γ = 0.05 "
        "runs include later epochs at a smaller cosine learning rate than the 4 epochs of γ = 1.0; the same-epochs "
        "row removes that difference.", "",
    ]
    record = {**env, "predictions": [item.__dict__ for item in PREDICTIONS], "measured": measured,
              "runs": {label: [str(d) for _, d in runs] for label, runs in results.items()},
              "config": {"plain_lr": PLAIN_LR, "plain_gammas": PLAIN_GAMMAS, "lambdas": LAMBDAS,
                         "overrides": overrides or {}},
              "figures": [str(p) for p in pictures]}
    _write(doc, figures, "digits_theory", lines, record)
    log("\n".join(lines))
    return record


# ------------------------------------------------------------------------------------------------
# digits-ood: held-out classes and inverted images

OOD_IN_CLASSES = (0, 1, 2, 3, 4, 5)
OOD_HELD_OUT = (6, 7, 8, 9)
OOD_LAMBDA = 1e-4


def ood_split(in_classes, held_out, num_classes=DIGITS_CLASSES):
    """Validated (in-distribution classes, held-out classes) as lists; AssumptionError names the problem."""
    from .data import parse_classes

    if held_out is None or (not isinstance(held_out, str) and len(held_out) == 0) or str(held_out).strip() == "":
        raise AssumptionError("the held-out class list is empty: name at least one class to hold out as OOD")
    inside = parse_classes(in_classes if isinstance(in_classes, str) else list(in_classes), num_classes,
                           "in-distribution classes")
    outside = parse_classes(held_out if isinstance(held_out, str) else list(held_out), num_classes,
                            "held-out classes")
    overlap = sorted(set(inside) & set(outside))
    if overlap:
        raise AssumptionError(f"held-out classes {overlap} are also training classes; the OOD classes must not be "
                              "trained on")
    if len(inside) < 2:
        raise AssumptionError(f"training needs at least two in-distribution classes (got {inside})")
    return inside, outside


def _ood_specs(inside):
    classes = ",".join(map(str, inside))
    return [spec("CE", "digits-ce", classes=classes),
            spec(f"CE + EFR (λ={OOD_LAMBDA:g})", "digits-ce", classes=classes, feature_reg=OOD_LAMBDA),
            spec("UL-PAL", "digits-ul-pal", classes=classes),
            spec(f"UL-PAL + EFR (λ={OOD_LAMBDA:g})", "digits-ul-pal", classes=classes, feature_reg=OOD_LAMBDA)]


def ood_scores(record, out_dir, held_out):
    """{"held-out classes": metrics, "inverted images": metrics} of one run (metrics as train's OOD record)."""
    from .data import load_digits_dataset
    from .train import _ood_metrics

    model, config, train_set, test_set = trained_model(record, out_dir)
    everything = [load_digits_dataset(train=flag, seed=config.data_seed) for flag in (True, False)]
    outside = np.concatenate([d.images[np.isin(d.labels, held_out)] for d in everything])
    test_features, test_logits = predict(model, test_set.images, train_set, config)
    result = {}
    for name, images in (("held-out classes", outside), ("inverted images", 255 - test_set.images)):
        features, logits = predict(model, images, train_set, config)
        result[name] = _ood_metrics(test_features, test_logits, features, logits)
    result["test_accuracy"] = record["epochs"][-1]["test_accuracy"]
    result["sizes"] = {"in": len(test_set), "held-out classes": len(outside), "inverted images": len(test_set)}
    return result


def digits_ood(seeds=SEEDS, epochs=EPOCHS, runs_dir=RUNS, doc="docs/digits_ood.md", figures="docs/digits",
               in_classes=OOD_IN_CLASSES, held_out=OOD_HELD_OUT, threads=None, overrides=None, log=print):
    """Tables 3 and 6's layout on digits: train on ``in_classes``, score held-out classes and inverted images."""
    from ..core.threads import apply_thread_policy
    from .experiments import OOD_METRICS, SCORES

    seeds = check_seeds(seeds)
    inside, outside = ood_split(in_classes, held_out)
    threads = apply_thread_policy(threads, "training")
    started = time.perf_counter()
    specs = _ood_specs(inside)
    results, trained = run_specs(specs, seeds, epochs, runs_dir, overrides, log)
    scores = {item.label: [ood_scores(r, d, outside) if not r["diverged"] else None for r, d in results[item.label]]
              for item in specs}
    command = (f"OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-ood --seeds {' '.join(map(str, seeds))} "
               f"--epochs {epochs} --in-classes {','.join(map(str, inside))} "
               f"--held-out {','.join(map(str, outside))}")
    env = _environment(threads, time.perf_counter() - started, trained, seeds, epochs, command,
                       Path(figures) / "digits_ood.json")
    lines = [
        "# OOD detection on digits: held-out classes and inverted images (Tables 3 and 6's layout)", "",
        f"Trained on digit classes {inside} (their train split), in-distribution = their test split (positive); "
        f"OOD = (a) every image of the held-out classes {outside} (train and test splits, never trained on), "
        "(b) the in-distribution test images inverted (255 - x), a distribution shift. `resnet_digits`, "
        f"{epochs} epochs, batch 64, seeds {list(seeds)}; feature regularisation λ Σ_B‖f(x)‖² (sum over the batch) "
        f"with λ = {OOD_LAMBDA:g} for both losses. Cells: mean ± half-width of the 95% t-interval over seeds, in "
        "percent; softmax / energy / feature-norm score.", "",
        f"Command: `{command}`  ", _time_line(env, results), "",
    ]
    summary = {}
    for shift in ("held-out classes", "inverted images"):
        lines += [f"## OOD = {shift}", "", "| method (softmax / energy / feature norm) | test acc (%) | "
                  + " | ".join(title for title, _ in OOD_METRICS) + " |", "|---" * (len(OOD_METRICS) + 2) + "|"]
        for item in specs:
            runs = [s for s in scores[item.label] if s is not None]
            cells = []
            for _, key in OOD_METRICS:
                cells.append(" / ".join(format_interval([s[shift][score][key] for s in runs], 100) for score in SCORES))
                for score in SCORES:
                    summary.setdefault(shift, {}).setdefault(item.label, {})[f"{score}.{key}"] = \
                        t_interval([s[shift][score][key] for s in runs]) if len(runs) >= 2 else None
            accuracy = format_interval([s["test_accuracy"] for s in runs], 100)
            lines.append(f"| {item.label} | {accuracy} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Differences against noise (paired by seed, percentage points)", ""]
    lines += _ood_differences(scores, specs)
    record = {**env, "in_classes": inside, "held_out": outside, "lambda": OOD_LAMBDA, "overrides": overrides or {},
              "per_seed": scores, "summary": summary,
              "runs": {label: [str(d) for _, d in runs] for label, runs in results.items()}}
    _write(doc, figures, "digits_ood", lines, record)
    log("\n".join(lines))
    return record


def _ood_differences(scores, specs):
    """For each base loss: feature regularisation minus none, AUROC and FPR95 per score, with the noise verdict."""
    lines = []
    pairs = ((specs[0].label, specs[1].label), (specs[2].label, specs[3].label), (specs[0].label, specs[2].label))
    for base, other in pairs:
        for shift in ("held-out classes", "inverted images"):
            parts = []
            for score in ("softmax", "energy", "feature_norm"):
                for key, better in (("auroc", 1), ("fpr95", -1)):
                    diffs = [100 * (b[shift][score][key] - a[shift][score][key])
                             for a, b in zip(scores[base], scores[other]) if a is not None and b is not None]
                    if len(diffs) < 2:
                        continue
                    interval = t_interval(diffs)
                    noise = sign_verdict(interval, better)
                    word = {"agrees": "better", "disagrees": "worse", "within noise": "within noise"}[noise]
                    parts.append(f"{score} {key.upper()} {interval['mean']:+.2f} ± {interval['half_width']:.2f} "
                                 f"({word})")
            lines.append(f"* {other} − {base}, {shift}: " + "; ".join(parts))
    return lines


# ------------------------------------------------------------------------------------------------
# digits-lt: long-tailed and step-imbalanced digits (Table 2's layout)

LT_RHOS = (20, 10)
LT_PROFILES = ("exponential", "step")
LT_LAMBDA = 1e-4


def check_rhos(rhos):
    """Imbalance ratios as floats, each >= 1 (AssumptionError otherwise)."""
    values = []
    for rho in rhos:
        value = float(rho)
        if not (math.isfinite(value) and value >= 1):
            raise AssumptionError(f"the imbalance ratio rho = n_max/n_min must be a finite number >= 1 (got {rho})")
        values.append(value)
    if not values:
        raise AssumptionError("name at least one imbalance ratio")
    return tuple(values)


def _lt_methods():
    return (("CE", "digits-ce", {}), (f"CE (λ={LT_LAMBDA:g})", "digits-ce", {"feature_reg": LT_LAMBDA}),
            ("UL-PAL", "digits-ul-pal", {}), (f"UL-PAL (λ={LT_LAMBDA:g})", "digits-ul-pal", {"feature_reg": LT_LAMBDA}))


def shot_accuracies(record, out_dir):
    """(overall, many-shot, few-shot) test accuracy: many = the C/2 classes with the most training examples
    (ties by class index), few = the other half; None for the splits on a set that was not imbalanced."""
    counts = np.asarray(record["data"]["train_class_counts"])
    arrays = np.load(Path(out_dir) / "predictions.npz")
    correct = arrays["test_logits"].argmax(axis=1) == arrays["test_labels"]
    per_class = np.array([correct[arrays["test_labels"] == c].mean() for c in range(len(counts))])
    overall = float(correct.mean())
    if record["config"]["imbalance_rho"] <= 1:
        return overall, None, None
    order = np.argsort(-counts, kind="stable")
    half = len(counts) // 2
    return overall, float(per_class[order[:half]].mean()), float(per_class[order[half:]].mean())


def digits_lt(seeds=SEEDS, epochs=EPOCHS, runs_dir=RUNS, doc="docs/digits_lt.md", figures="docs/digits",
              rhos=LT_RHOS, profiles=LT_PROFILES, balanced=True, threads=None, overrides=None, log=print):
    """Table 2's layout on imbalanced digits: rows CE / UL-PAL with and without feature regularisation, columns
    profile x rho (and the balanced set), each cell overall / many-shot / few-shot test accuracy."""
    from ..core.threads import apply_thread_policy

    seeds = check_seeds(seeds)
    rhos = check_rhos(rhos)
    for profile in profiles:
        if profile not in LT_PROFILES:
            raise AssumptionError(f"profile must be one of {LT_PROFILES} (got {profile!r})")
    threads = apply_thread_policy(threads, "training")
    started = time.perf_counter()
    columns = [(f"{profile} ρ={rho:g}", {"imbalance_rho": rho, "imbalance_profile": profile})
               for profile in profiles for rho in rhos if rho > 1]
    if balanced or any(rho == 1 for rho in rhos):
        columns.append(("balanced ρ=1", {}))
    specs = {}
    for row, name, options in _lt_methods():
        for column, imbalance in columns:
            specs[(row, column)] = spec(f"{row} | {column}", name, **options, **imbalance)
    results, trained = run_specs(specs.values(), seeds, epochs, runs_dir, overrides, log)
    cells = {}
    for (row, column), item in specs.items():
        values = [shot_accuracies(r, d) if not r["diverged"] else (None, None, None) for r, d in results[item.label]]
        cells[(row, column)] = [list(v) for v in zip(*values)]
    command = (f"OMP_NUM_THREADS=1 python -m ulproofs reproduce digits-lt --seeds {' '.join(map(str, seeds))} "
               f"--epochs {epochs} --rhos {' '.join(f'{r:g}' for r in rhos)} --profiles {' '.join(profiles)}")
    env = _environment(threads, time.perf_counter() - started, trained, seeds, epochs, command,
                       Path(figures) / "digits_lt.json")
    names = [column for column, _ in columns]
    lines = [
        "# Long-tailed and step-imbalanced digits (Table 2's layout)", "",
        "Training set imbalanced from n_max = 130 per class (the smallest class of the 1347-image train split): "
        "exponential n_c = n_max ρ^(-c/9), step: classes 5-9 get n_max/ρ; the 450-image test set is unchanged. "
        f"`resnet_digits`, {epochs} epochs, batch 64, seeds {list(seeds)}, feature regularisation λ Σ_B‖f(x)‖² "
        f"with λ = {LT_LAMBDA:g}. Cells: test accuracy (%) mean ± half-width of the 95% t-interval over seeds; "
        "many-shot = the 5 classes with the most training examples, few-shot = the other 5.", "",
        f"Command: `{command}`  ", _time_line(env, results), "",
    ]
    for index, part in enumerate(("overall", "many-shot", "few-shot")):
        lines += [f"## {part} accuracy (%)", "", "| method | " + " | ".join(names) + " |",
                  "|---" * (len(names) + 1) + "|"]
        for row, _, _ in _lt_methods():
            lines.append(f"| {row} | " + " | ".join(format_interval(cells[(row, c)][index], 100) for c in names) + " |")
        lines.append("")
    lines += ["## Differences against noise (overall accuracy, paired by seed, percentage points)", ""]
    for base, other in (("CE", f"CE (λ={LT_LAMBDA:g})"), ("UL-PAL", f"UL-PAL (λ={LT_LAMBDA:g})"), ("CE", "UL-PAL")):
        parts = []
        for column in names:
            diffs = [100 * (b - a) for a, b in zip(cells[(base, column)][0], cells[(other, column)][0])
                     if a is not None and b is not None]
            if len(diffs) >= 2:
                interval = t_interval(diffs)
                word = {"agrees": "higher", "disagrees": "lower", "within noise": "within noise"}[
                    sign_verdict(interval, 1)]
                parts.append(f"{column}: {interval['mean']:+.2f} ± {interval['half_width']:.2f} ({word})")
        lines.append(f"* {other} − {base}: " + "; ".join(parts))
    record = {**env, "rhos": rhos, "profiles": list(profiles), "lambda": LT_LAMBDA, "overrides": overrides or {},
              "cells": {f"{row} | {column}": {"overall": v[0], "many_shot": v[1], "few_shot": v[2]}
                        for (row, column), v in cells.items()},
              "runs": {label: [str(d) for _, d in runs] for label, runs in results.items()}}
    _write(doc, figures, "digits_lt", lines, record)
    log("\n".join(lines))
    return record


# ------------------------------------------------------------------------------------------------
# Command line

STUDIES = ("digits-theory", "digits-ood", "digits-lt")


def main(argv=None):
    """``digits-theory|digits-ood|digits-lt [--seeds ...] [--epochs E] [--runs DIR] [--doc FILE] [--figures DIR]``."""
    from .train import parse_overrides

    parser = CommandLineParser(prog="python -m ulproofs reproduce", description="The digits studies.")
    parser.add_argument("study", choices=STUDIES)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="at least 2 (default: 0-4)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs of every run (default: %(default)s)")
    parser.add_argument("--runs", default=RUNS, help="run folders, shared with reproduce digits (default: %(default)s)")
    parser.add_argument("--doc", help="Markdown output (default: docs/digits_<study>.md)")
    parser.add_argument("--figures", default="docs/digits", help="PNGs and the JSON record (default: %(default)s)")
    parser.add_argument("--threads", help="torch threads (default: $ULPROOFS_THREADS, else 1)")
    parser.add_argument("--force", action="store_true", help="replace the study's document (--doc) if it exists")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a TrainConfig field of every run (smoke runs, e.g. --set width=0.25)")
    parser.add_argument("--in-classes", default=",".join(map(str, OOD_IN_CLASSES)), help="digits-ood")
    parser.add_argument("--held-out", default=",".join(map(str, OOD_HELD_OUT)), help="digits-ood")
    parser.add_argument("--rhos", type=float, nargs="+", default=list(LT_RHOS), help="digits-lt")
    parser.add_argument("--profiles", nargs="+", default=list(LT_PROFILES), help="digits-lt")
    args = parser.parse_args(argv)
    try:
        if args.epochs < 1:
            raise AssumptionError(f"--epochs must be a positive integer (got {args.epochs})")
        common = {"seeds": tuple(args.seeds), "epochs": args.epochs, "runs_dir": args.runs, "figures": args.figures,
                  "threads": args.threads, "overrides": parse_overrides(args.set),
                  "doc": args.doc or f"docs/{args.study.replace('-', '_')}.md"}
        if Path(common["doc"]).exists() and not args.force:
            raise FileExistsError(f"{common['doc']} exists (a committed study); pass --force to replace it, or --doc "
                                  "and --figures to write elsewhere")
        if args.study == "digits-theory":
            digits_theory(**common)
        elif args.study == "digits-ood":
            digits_ood(**common, in_classes=args.in_classes, held_out=args.held_out)
        else:
            digits_lt(**common, rhos=args.rhos, profiles=args.profiles)
    except (AssumptionError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
