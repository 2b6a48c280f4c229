"""Wall time of the project's commands with default settings, idle and with another process busy on one core.

Usage::

    python benchmarks/bench_commands.py [--out docs/performance.json] [--spine results/bench_spine.json]
                                        [--only NAME ...]

Each command runs once on the idle machine and once while this script keeps another process
spinning on one core (it starts and stops that process itself), in a fresh temporary output
folder, so nothing in ``results/`` is touched. The gradient-descent throughput of
``benchmarks/bench_spine.py`` (its JSON, ``--spine``) is copied in beside them. The JSON written to
``--out`` is what the README's performance table is generated from (``python -m ulproofs readme``);
it keeps each command's exit status, the machine, the thread policy and the commit. A command that
fails is reported and makes this script exit 1.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ulproofs.core.threads import resolve_threads  # noqa: E402
from ulproofs.engine.registry import git_commit  # noqa: E402

#: name -> (command with {tmp} for the output folder, what the README calls it)
COMMANDS = {
    "check": (["-m", "ulproofs", "check", "--quiet", "--json", "{tmp}/verdicts.json"],
              "`ulproofs check` (every claim, default evidence)"),
    "check-paper-scale": (["-m", "ulproofs", "check", "--paper-scale", "--quiet", "--json", "{tmp}/verdicts.json"],
                          "`ulproofs check --paper-scale`"),
    "figures": (["-m", "ulproofs", "figures", "--quiet", "--out", "{tmp}/figures"],
                "`ulproofs figures` (Figs. 1, 4-9 and the instability, p=512, C=100, N=10)"),
    "train": (["-m", "ulproofs", "train", "--out", "{tmp}/train"], "`ulproofs train` (the digits preset)"),
    "pytest": (["-m", "pytest", "-q", "-p", "no:cacheprovider"], "`python -m pytest` (the default suite)"),
}


def run(arguments):
    """Wall seconds and exit status of one command, in a fresh output folder."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable] + [a.format(tmp=tmp) for a in arguments]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        return time.perf_counter() - start, done.returncode, done.stdout[-2000:] + done.stderr[-2000:]


def spine_rows(spine):
    """Throughput rows from bench_spine's JSON (steps per second, higher is better)."""
    idle, busy = spine["descent"], spine["descent_busy_core"]
    rows = [{"what": f"gradient descent at p=512, C=100, N=10, {method} update (steps/s)", "unit": "steps/s",
             "digits": 0, "idle": idle[method]["steps_per_s"], "busy": busy[method]["steps_per_s"]}
            for method in ("dense", "class-mean")]
    rows.append({"what": "class-mean over dense update (x)", "unit": "x", "digits": 1,
                 "idle": idle["class-mean"]["speedup_vs_dense"], "busy": busy["class-mean"]["speedup_vs_dense"]})
    batched = spine["batched"]
    rows.append({"what": "five runs as one batch over one after the other (x)", "unit": "x", "digits": 1,
                 "idle": batched["idle"]["speedup"], "busy": batched["one core busy"]["speedup"]})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.json"))
    parser.add_argument("--spine", default=str(ROOT / "results" / "bench_spine.json"),
                        help="the JSON of benchmarks/bench_spine.py to include")
    parser.add_argument("--only", nargs="+", choices=list(COMMANDS), help="time only these commands")
    args = parser.parse_args(argv)
    names = args.only or list(COMMANDS)
    rows, failures = [], []
    for name in names:
        arguments, what = COMMANDS[name]
        row = {"what": what, "unit": "s", "digits": 0, "command": " ".join(arguments)}
        for condition in ("idle", "busy"):
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if condition == "busy" else None
            try:
                seconds, status, tail = run(arguments)
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
            row[condition], row[f"{condition}_exit_status"] = round(seconds, 1), status
            print(f"{name:<18} {condition:<5} {seconds:8.1f} s  exit {status}", flush=True)
            if status != 0:
                failures.append(f"{name} ({condition}): exit {status}\n{tail}")
        rows.append(row)
    spine = json.loads(Path(args.spine).read_text())
    rows += spine_rows(spine)
    record = {
        "note": (f"Wall times with default settings ({resolve_threads()} thread by the thread policy) on this "
                 f"{os.cpu_count()}-core machine, each command idle and then with another process spinning on one "
                 "core, from one run of `python benchmarks/bench_commands.py` after `python benchmarks/"
                 "bench_spine.py`; no GPU."),
        "rows": rows, "machine": platform.platform(), "cpu_count": os.cpu_count(), "threads": resolve_threads(),
        "commit": git_commit(), "spine_commit": spine["environment"].get("git"),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {out}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
