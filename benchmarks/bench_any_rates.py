"""Benchmark: the flow for any two schedules, reduced (2 x 2 systems) vs the full p(CN + C) system, paper scale.

Usage::

    python benchmarks/bench_any_rates.py [--out results/bench_any_rates.json] [--seed 0] [--horizon 1000]

At p=512, C=100, N=10, gamma=1/(C-1), eta1 a linear warm-up (0.2 -> 2 over 300), eta2 cosine (2 -> 0.2 over
1000), weight decay (1e-3, 5e-4), integrates the flow of Eq. 12 to ``--horizon`` twice with SciPy's DOP853 at the
same tolerance (:data:`ulproofs.core.any_rates.INTEGRATOR_TOLERANCE`):

1. reduced: :class:`~ulproofs.core.any_rates.AnyRatesDynamics` (decomposition of Z0, 9 unknowns, forming Z(t));
2. full: the p(CN + C) = 563,200 unknowns of Z, the right-hand side applied through the structured products
   of :class:`~ulproofs.core.setting.LayerPeeledProblem` (O(pCN) a call, M never formed).

Prints the seconds of each, the right-hand-side evaluations, the speed-up and the relative difference of the two
Z(t); writes JSON (with versions, seed, thread count and git commit) to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.integrate import solve_ivp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ulproofs.claims.cases import exact_problem, random_initial, stacked  # noqa: E402
from ulproofs.claims.extension_any_rates import PAPER_DECAY, PAPER_RATES  # noqa: E402
from ulproofs.core.any_rates import INTEGRATOR_TOLERANCE, AnyRatesDynamics  # noqa: E402
from ulproofs.core.precision import relative_error  # noqa: E402
from ulproofs.engine.registry import git_commit  # noqa: E402


def full_flow(problem, H0, W0, rates, decay, horizon):
    """Z(horizon) from DOP853 on every entry of Z, piece by piece between the schedules' breakpoints."""
    p, CN = problem.p, problem.examples
    decay1, decay2 = decay

    def rhs(time, flat, start, stop):
        time = min(max(time, start), np.nextafter(stop, start))
        rate1, rate2 = float(rates.eta1(time)), float(rates.eta2(time))
        Z = flat.reshape(p, CN + problem.C)
        H, W = Z[:, :CN], Z[:, CN:]
        return np.hstack([rate1 * (problem.apply_M(W) - decay1 * H),
                          rate2 * (problem.apply_MT(H) - decay2 * W)]).ravel()

    cuts = sorted({b for b in (*rates.eta1.breakpoints(), *rates.eta2.breakpoints()) if 0 < b < horizon})
    edges = [0.0, *cuts, float(horizon)]
    state, evaluations = stacked(H0, W0).ravel(), 0
    for start, stop in zip(edges[:-1], edges[1:]):
        solution = solve_ivp(rhs, (start, stop), state, method="DOP853", t_eval=[stop], args=(start, stop),
                             rtol=INTEGRATOR_TOLERANCE, atol=INTEGRATOR_TOLERANCE)
        if not solution.success:
            raise ArithmeticError(solution.message)
        state, evaluations = solution.y[:, -1], evaluations + int(solution.nfev)
    return state.reshape(p, CN + problem.C), evaluations


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/bench_any_rates.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizon", type=float, default=1000.0)
    args = parser.parse_args(argv)

    problem, _ = exact_problem(512, 100, 10, "1/99")
    H0, W0, _ = random_initial(problem, np.random.default_rng(args.seed))

    start = time.perf_counter()
    dynamics = AnyRatesDynamics(problem, H0, W0, PAPER_RATES, PAPER_DECAY)
    decomposition_seconds = time.perf_counter() - start
    reduced = stacked(*dynamics.state(args.horizon))
    reduced_seconds = time.perf_counter() - start

    start = time.perf_counter()
    full, full_evaluations = full_flow(problem, H0, W0, PAPER_RATES, PAPER_DECAY, args.horizon)
    full_seconds = time.perf_counter() - start

    result = dict(p=problem.p, C=problem.C, N=problem.N, gamma=problem.gamma, horizon=args.horizon,
                  rates=repr(PAPER_RATES), weight_decay=PAPER_DECAY, tolerance=INTEGRATOR_TOLERANCE,
                  reduced_seconds=reduced_seconds, reduced_decomposition_seconds=decomposition_seconds,
                  reduced_evaluations=dynamics.evaluations, full_seconds=full_seconds,
                  full_evaluations=full_evaluations, full_unknowns=full.size, speedup=full_seconds / reduced_seconds,
                  relative_difference=relative_error(reduced, full), seed=args.seed, commit=git_commit(),
                  threads=os.environ.get("OMP_NUM_THREADS"), python=platform.python_version(),
                  numpy=np.__version__, scipy=scipy.__version__)
    for key in ("reduced_seconds", "reduced_decomposition_seconds", "reduced_evaluations", "full_seconds",
                "full_evaluations", "speedup", "relative_difference"):
        print(f"{key:24s} {result[key]:.4g}" if isinstance(result[key], float) else f"{key:24s} {result[key]}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
