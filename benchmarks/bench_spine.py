"""Benchmark of the spine: symbolic derivation, paper-scale gradient descent, closed-form evaluation.

Usage::

    python benchmarks/bench_spine.py [--out results/bench_spine.json] [--seconds 2] [--seed 0] [--threads N]

Reports, in one run,

1. the symbolic derivation time: ``derive_spectrum()`` cold (its cache cleared) and
   ``prove_flow_equation()``;
2. gradient-descent throughput at the paper's scale (p=512, C=100, N=10, float64) for the
   update rules "dense", "structured" and "class-mean" (warm-up, then about ``--seconds`` of
   steps each), and the speed-up over "dense" (targets: class-mean >= 5,000 steps/s and >= 15x
   dense), with the default thread policy (:mod:`ulproofs.core.threads`) both on an idle machine and
   with another process busy on one core (the benchmark starts and stops that process itself);
   and the batched runs of the figures (:func:`~ulproofs.core.descent.batched_descent`, five runs at once)
   against the same five runs one after the other;
3. the closed form at the paper's scale: constructing the decomposition, then coefficients,
   norms and distances at 1,000 times (target <= 1 s), and forming Z(t) at a few times;
4. Theorem 4's closed form under weight decay at the paper's scale for many weight decays at
   once: 100 values of lambda1 = lambda2 (log-spaced up to 2x the threshold (1+gamma)/(C sqrt N))
   x 1,000 times, multipliers and ||H||, ||W|| (target <= 1 s).

Prints a table and writes JSON (with versions, seed and git commit) to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import numpy as np
import sympy
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ulproofs.claims.theorem_2 import UnconstrainedDynamics, prove_flow_equation  # noqa: E402
from ulproofs.core import threads  # noqa: E402
from ulproofs.core.descent import METHODS, batched_descent, gradient_descent  # noqa: E402
from ulproofs.core.operator import derive_spectrum  # noqa: E402
from ulproofs.core.rates import Constant, RatePair  # noqa: E402
from ulproofs.core.setting import LayerPeeledProblem  # noqa: E402
from ulproofs.core.weight_decay import WeightDecayDynamics  # noqa: E402
from ulproofs.core.weight_decay import threshold_value as threshold  # noqa: E402
from ulproofs.engine.context import PAPER_SCALE  # noqa: E402

TARGET_STEPS_PER_SECOND = 5000
TARGET_SPEEDUP = 15
TARGET_CLOSED_FORM_SECONDS = 1.0
TARGET_WEIGHT_DECAY_SECONDS = 1.0
GAMMA, ETA = 0.01, 0.1


def git_commit():
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                                    check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def bench_symbolic():
    derive_spectrum.cache_clear()
    _, spectrum_seconds = timed(derive_spectrum)
    (residual, at_zero), flow_seconds = timed(prove_flow_equation)
    if not (residual.is_zero() and at_zero.is_zero()):
        raise RuntimeError("prove_flow_equation did not return zero residuals")
    return {"derive_spectrum_cold_s": spectrum_seconds, "prove_flow_equation_s": flow_seconds}


def throughput(problem, H0, W0, b0, rates, method, seconds, device):
    """Steps per second of ``method``: warm up, size a run to about ``seconds``, time it."""
    def run(steps):
        return timed(gradient_descent, problem, H0, W0, b0, rates, steps, record_steps=[], method=method,
                     device=device)[1]

    run(3)                                   # warm-up: allocation, first kernels
    probe_steps, probe_seconds = 5, run(5)
    while probe_seconds < 0.2:
        probe_steps *= 4
        probe_seconds = run(probe_steps)
    steps = max(1, int(seconds * probe_steps / probe_seconds))
    elapsed = run(steps)
    while elapsed < seconds / 2:             # the probe ran slow (a busy machine): size again
        steps = max(steps + 1, int(seconds * steps / elapsed))
        elapsed = run(steps)
    return {"steps": steps, "seconds": elapsed, "steps_per_s": steps / elapsed}


def bench_descent(seconds, seed, device):
    problem = LayerPeeledProblem(**PAPER_SCALE, gamma=GAMMA)
    rng = np.random.default_rng(seed)
    H0 = rng.standard_normal((problem.p, problem.examples))
    W0, b0 = rng.standard_normal((problem.p, problem.C)), np.zeros(problem.C)
    rates = RatePair.proportional(Constant(ETA))
    results = {method: throughput(problem, H0, W0, b0, rates, method, seconds, device) for method in METHODS}
    dense = results["dense"]["steps_per_s"]
    for method in METHODS:
        results[method]["speedup_vs_dense"] = results[method]["steps_per_s"] / dense
    return results


def bench_closed_form(seed, times=1000, states=(0.0, 1000.0, 2000.0)):
    problem = LayerPeeledProblem(**PAPER_SCALE, gamma=GAMMA)
    rng = np.random.default_rng(seed)
    H0 = rng.standard_normal((problem.p, problem.examples))
    W0, b0 = rng.standard_normal((problem.p, problem.C)), np.zeros(problem.C)
    rates = RatePair.proportional(Constant(ETA))
    dynamics, construct_seconds = timed(UnconstrainedDynamics, problem, H0, W0, b0, rates)
    t = np.linspace(0.0, 2000.0, times)
    start = time.perf_counter()
    coefficients = dynamics.coefficients(t)
    norm_H, norm_W = dynamics.parts.norms_HW(coefficients)
    norm_Z = dynamics.parts.norm(coefficients)
    limit = np.zeros((5, 2))
    limit[dynamics.parts.labels.index("E1+")] = 1.0      # the direction of Pi_1+ Z0
    direction = dynamics.parts.direction_distance(coefficients, limit)
    from_start = dynamics.parts.distance(coefficients, np.ones((5, 2)))
    evaluate_seconds = time.perf_counter() - start
    _, state_seconds = zip(*(timed(dynamics.state, s) for s in states))
    finite = all(np.all(np.isfinite(x)) for x in (norm_H, norm_W, norm_Z, direction, from_start))
    return {"decomposition_construction_s": construct_seconds, "times": times,
            "coefficients_norms_distances_s": evaluate_seconds, "all_finite": bool(finite),
            "state_times": list(states), "state_s": list(state_seconds),
            "final_direction_distance_to_E1+": float(direction[-1])}


def bench_weight_decay(seed, decays=100, times=1000):
    """Theorem 4 for ``decays`` weight decays x ``times`` times in one vectorised call."""
    problem = LayerPeeledProblem(**PAPER_SCALE, gamma=GAMMA)
    rng = np.random.default_rng(seed)
    H0 = rng.standard_normal((problem.p, problem.examples))
    W0, b0 = rng.standard_normal((problem.p, problem.C)), np.zeros(problem.C)
    rates = RatePair.proportional(Constant(ETA))
    dynamics, construct_seconds = timed(WeightDecayDynamics, problem, H0, W0, b0, rates, (0.0, 0.0))
    grid = np.geomspace(1e-5, 2 * threshold(problem), decays)
    t = np.linspace(0.0, 2000.0, times)
    start = time.perf_counter()
    coefficients = dynamics.coefficients_over_decays(t, np.stack([grid, grid], axis=1))
    norm_H, norm_W = dynamics.parts.norms_HW(coefficients)
    evaluate_seconds = time.perf_counter() - start
    final = np.hypot(norm_H[:, -1], norm_W[:, -1])
    return {"decomposition_construction_s": construct_seconds, "decays": decays, "times": times,
            "coefficients_and_norms_s": evaluate_seconds, "all_finite": bool(np.isfinite(coefficients).all()),
            "threshold": float(threshold(problem)),
            "final_norm_at_smallest_and_largest_decay": [float(final[0]), float(final[-1])]}


def bench_batched(seed, device, steps=2000, runs=5):
    """Five class-mean runs of one figure (gamma, eta, weight decay varied) as one batch vs one after the other."""
    problems = [LayerPeeledProblem(**PAPER_SCALE, gamma=g) for g in np.linspace(0.0, 0.02, runs)]
    rng = np.random.default_rng(seed)
    start = (rng.standard_normal((problems[0].p, problems[0].examples)),
             rng.standard_normal((problems[0].p, problems[0].C)), np.zeros(problems[0].C))
    rates = [RatePair.proportional(Constant(eta)) for eta in np.linspace(0.05, 0.2, runs)]
    decays = [(d, d) for d in np.linspace(0.0, 2e-3, runs)]
    batched_descent(problems, [start] * runs, rates, 10, [], lambda state: None, decays, device=device)   # warm-up
    *_, batched = batched_descent(problems, [start] * runs, rates, steps, [], lambda state: None, decays,
                                  device=device)
    one_by_one = sum(timed(gradient_descent, pb, *start, r, steps, record_steps=[], weight_decay=d,
                           device=device)[1] for pb, r, d in zip(problems, rates, decays))
    return {"runs": runs, "steps": steps, "batched_s": batched, "one_by_one_s": one_by_one,
            "run_steps_per_s_batched": runs * steps / batched, "run_steps_per_s_one_by_one": runs * steps / one_by_one,
            "speedup": one_by_one / batched}


def busy_core():
    """Another process spinning on one core (started here, stopped by the caller)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def environment(seed, seconds, device):
    return {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
            "sympy": sympy.__version__, "mpmath": mpmath.__version__, "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "torch_threads": threads.current(), "threads": threads.current(),
            "device": str(device),
            "seed": seed, "seconds_per_method": seconds, "git": git_commit(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def print_table(report):
    symbolic, descent, closed = report["symbolic"], report["descent"], report["closed_form"]
    decayed = report["weight_decay"]
    print(f"symbolic: derive_spectrum (cold) {symbolic['derive_spectrum_cold_s']:.3f} s, "
          f"prove_flow_equation {symbolic['prove_flow_equation_s']:.3f} s")
    print(f"\ngradient descent, p={PAPER_SCALE['p']}, C={PAPER_SCALE['C']}, N={PAPER_SCALE['N']}, float64, "
          f"{report['environment']['device']}, {report['environment']['torch_threads']} threads")
    print(f"{'method':<12}{'condition':<16}{'steps':>8}{'seconds':>10}{'steps/s':>12}{'vs dense':>10}")
    for condition, rows in (("idle", descent), ("one core busy", report["descent_busy_core"])):
        for method, row in rows.items():
            print(f"{method:<12}{condition:<16}{row['steps']:>8}{row['seconds']:>10.3f}{row['steps_per_s']:>12.1f}"
                  f"{row['speedup_vs_dense']:>9.1f}x")
    for condition, row in report["batched"].items():
        print(f"batched runs ({condition}): {row['runs']} runs x {row['steps']} steps in {row['batched_s']:.2f} s vs "
              f"{row['one_by_one_s']:.2f} s one by one ({row['speedup']:.1f}x; "
              f"{row['run_steps_per_s_batched']:.0f} vs {row['run_steps_per_s_one_by_one']:.0f} run-steps/s)")
    print(f"\nclosed form: decomposition {closed['decomposition_construction_s']:.3f} s; "
          f"coefficients + norms + distances at {closed['times']} times "
          f"{closed['coefficients_norms_distances_s']:.4f} s; "
          f"Z(t) at t={closed['state_times']}: " + ", ".join(f"{s:.4f} s" for s in closed["state_s"]))
    print(f"weight decay (Theorem 4): {decayed['decays']} lambdas x {decayed['times']} times, multipliers + "
          f"||H||, ||W|| {decayed['coefficients_and_norms_s']:.4f} s")
    print("\ntargets:")
    for name, met in report["targets"].items():
        print(f"  {name}: {'met' if met else 'NOT met'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="results/bench_spine.json", help="where to write the JSON report")
    parser.add_argument("--seconds", type=float, default=2.0, help="timed seconds per gradient-descent method")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random initialisation")
    parser.add_argument("--threads", default=None,
                        help="torch intra-op threads (default: the thread policy, $ULPROOFS_THREADS or "
                             f"{threads.DEFAULTS['theory']})")
    parser.add_argument("--device", default="cpu", help="torch device for gradient descent (default: cpu)")
    args = parser.parse_args(argv)
    threads.apply_thread_policy(args.threads, "theory")
    device = torch.device(args.device)

    report = {"environment": environment(args.seed, args.seconds, device), "symbolic": bench_symbolic(),
              "descent": bench_descent(args.seconds, args.seed, device)}
    report["batched"] = {"idle": bench_batched(args.seed, device)}
    spinner = busy_core()
    try:
        report["descent_busy_core"] = bench_descent(args.seconds, args.seed, device)
        report["batched"]["one core busy"] = bench_batched(args.seed, device)
    finally:
        spinner.kill()
        spinner.wait()
    report.update(closed_form=bench_closed_form(args.seed), weight_decay=bench_weight_decay(args.seed))
    report["targets"] = {}
    for condition, rows in (("idle", report["descent"]), ("one core busy", report["descent_busy_core"])):
        class_mean = rows["class-mean"]
        report["targets"].update({
            f"class-mean >= {TARGET_STEPS_PER_SECOND} steps/s ({condition})":
                class_mean["steps_per_s"] >= TARGET_STEPS_PER_SECOND,
            f"class-mean >= {TARGET_SPEEDUP}x dense ({condition})": class_mean["speedup_vs_dense"] >= TARGET_SPEEDUP})
    report["targets"].update({
        f"closed form at 1000 times <= {TARGET_CLOSED_FORM_SECONDS} s":
            report["closed_form"]["coefficients_norms_distances_s"] <= TARGET_CLOSED_FORM_SECONDS,
        f"weight decay: 100 lambdas x 1000 times <= {TARGET_WEIGHT_DECAY_SECONDS} s":
            report["weight_decay"]["coefficients_and_norms_s"] <= TARGET_WEIGHT_DECAY_SECONDS,
    })
    print_table(report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
