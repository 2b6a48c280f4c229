"""Command line: ``python -m ulproofs check`` prints the verdict table and writes it as JSON.

Sub-commands:

* ``check``: run every claim's checks (``--paper-scale`` adds p=512, C=100, N=10 runs);
* ``list``: the claims and extensions with their equations and evidence counts;
* ``show ID``: one claim's printed statement, readings, verdict and evidence, from the saved verdicts;
* ``errata``: every row of the errata ledger that does not hold as printed;
* ``latex``: a standalone LaTeX document of the verdicts and derived formulas, and a macro file;
* ``notebooks``: build the derivation notebooks from their sources (``--check`` compares instead);
* ``figures``: redraw the paper's numerical figures (Figs. 1, 4-9) with the theory over the iterates;
* ``train``: train a network (default: the digits preset, which runs on any machine);
* ``reproduce``: the paper's deep-network tables and figures given the data, and the CPU digits studies
  (``digits``, ``digits-theory``, ``digits-ood``, ``digits-lt``).

Options of every command: ``--threads N`` (before or after the command; default: the policy of
:mod:`ulproofs.core.threads`, environment variable ULPROOFS_THREADS) and ``--version``. A bad input exits
with status 2 and one line naming the parameter, the value and the assumption.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..core import threads as thread_policy
from ..core.errors import AssumptionError, CommandLineParser
from ..core.validation import writable_folder
from ..engine import registry
from ..engine.context import CheckContext


def version():
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("ulproofs")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _dps(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--dps must be an integer (got {text!r})") from None
    if value < 40:
        raise argparse.ArgumentTypeError(f"--dps must be >= 40: the precision policy keeps 10 guard digits over 30 "
                                         f"checked (got {value})")
    return value


def _device(text):
    import torch

    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"--device must be a torch device such as cpu or cuda (got {text!r})"
                                         ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"--device {text}: CUDA is not available on this machine (use cpu)")
    return text


def _context(args):
    return CheckContext(dps=args.dps, seed=args.seed, paper_scale=args.paper_scale, device=args.device)


def _add_context_options(parser):
    parser.add_argument("--dps", type=_dps, default=50, help="mpmath significant digits (>= 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random initialisation")
    parser.add_argument("--paper-scale", action="store_true", help="also check at p=512, C=100, N=10")
    parser.add_argument("--device", type=_device, default=None,
                        help="torch device for iterates: cpu or cuda (default: cuda if present)")


FULL_RECORD = Path("results/verdicts.json")


def _partial_path(path, ids):
    return path.with_name(f"{path.stem}.partial-{'-'.join(ids)}{path.suffix}")


def _output_path(args, ids, complete):
    """Where the record goes: a partial run never replaces a complete table (it goes beside it)."""
    path = Path(args.json)
    if complete or not path.exists():
        return path
    try:
        existing_complete = json.loads(path.read_text()).get("complete", False)
    except (OSError, ValueError):
        existing_complete = False
    if existing_complete and not args.force:
        return _partial_path(path, ids)
    return path


def command_check(args):
    context = _context(args)
    ids = registry.resolve_ids(args.only) if args.only else list(registry.claim_modules())
    findings = registry.run(context, only=ids, progress=not args.quiet)
    complete = len(ids) == len(registry.claim_modules())
    items = sum(len(f.evidence) for f in findings)
    print(registry.format_table(findings))
    print(f"\n{len(findings)} claims, {items} evidence items"
          + ("" if context.paper_scale else " (paper-scale items left out: --paper-scale runs them)"))
    record = registry.findings_to_json(findings, context, complete=complete)
    out = _output_path(args, ids, complete)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))
    note = "" if out == Path(args.json) else f" (a partial run: {args.json} holds the complete table and stays)"
    print(f"verdicts with evidence written to {out}{note}")
    unsound = [f for f in findings if not f.sound]
    for f in unsound:
        print(f"{f.claim.id}: inconclusive, the checker's own evidence did not behave: {f.problems}", file=sys.stderr)
    return 1 if unsound else 0


def command_list(args):
    for claim in registry.all_claims():
        items = len(registry.evidence_items(claim.id, paper_scale=True))
        print(f"{claim.id:30s} {claim.section:9s} {items:3d} items  {', '.join(claim.equations)[:40]:40s} "
              f"{claim.title}")
    return 0


def _saved_claim(path, claim_id):
    try:
        record = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    return next((c for c in record["claims"] if c["id"] == claim_id), None)


def command_show(args):
    (claim_id,) = registry.resolve_ids([args.claim])
    if args.rerun:
        (finding,) = registry.run(_context(args), only=[claim_id], progress=False)
        saved = registry.finding_to_json(finding)
    else:
        saved = _saved_claim(args.json, claim_id)
        if saved is None:
            print(f"{claim_id} is not in {args.json}; run `ulproofs check` first, or `ulproofs show {claim_id} "
                  "--rerun` to run its evidence now", file=sys.stderr)
            return 2
    print(f"{saved['id']}: {saved['title']}\nequations: {', '.join(saved['equations'])}")
    if saved.get("printed"):
        print(f"\nas printed: {saved['printed']}")
    print(f"as read: {saved['statement']}")
    for r in saved.get("readings", []):
        label = "departs from the print" if r["departs"] else "as printed"
        print(f"\nreading {r['key']} ({label}; {r['verdict']}): {r['text']}")
        for name in ("change", "why"):
            if r.get(name):
                print(f"    {name}: {r[name]}")
    print(f"\nverdict: {saved['verdict_text']}")
    for label in ("correction", "counterexample", "problems"):
        if saved.get(label):
            print(f"{label}: {saved[label]}")
    for e in saved["evidence"]:
        status = e.get("status", "held" if e["passed"] else "failed")
        print(f"\n[{status}] {e.get('id', '')} ({e['kind']}, {e['seconds']:.2f} s) {e['description']}")
        if e.get("error"):
            print(f"    error: {e['error']}")
        for key, value in e["measured"].items():
            print(f"    {key}: {value}")
    return 0 if saved["sound"] else 1


def command_errata(args):
    from ..engine.ledger import ledger_rows
    from .errata import format_errata

    print(format_errata(ledger_rows()))
    return 0


def command_readme(args):
    from .readme import update

    changed = update(args.source, check=args.check)
    if args.check:
        print("README and docs/verdicts.json are up to date" if not changed else
              "out of date: " + ", ".join(str(p) for p in changed))
        return 1 if changed else 0
    print("rewrote " + (", ".join(str(p) for p in changed) if changed else "nothing: already up to date"))
    return 0


def command_latex(args):
    from .latex import write_latex

    writable_folder("--out", args.out)
    for path in write_latex(args.out, force=args.force):
        print(path)
    return 0


def command_notebooks(args):
    from .notebooks import NotebooksOutOfDate, build_notebooks

    try:
        paths = build_notebooks(check=args.check)
    except NotebooksOutOfDate as stale:
        print(stale, file=sys.stderr)
        return 1
    if args.check:
        print(f"up to date: {len(paths)} notebooks match their sources in notebooks/src")
        return 0
    for path in paths:
        print(path)
    return 0


def command_figures(args):
    from .figures import FIGURES, draw_figures

    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        raise AssumptionError(f"unknown figure {unknown[0]!r}; known: {', '.join(FIGURES)}")
    writable_folder("--out", args.out)
    written = draw_figures(args.names or None, out_dir=args.out, scale=args.scale, progress=not args.quiet,
                           force=args.force, log=None if args.json else print)
    if args.json:
        print(json.dumps(written, indent=2, default=str))
        return 0
    total = sum(w["seconds"] for w in written.values())
    threads = next(iter(written.values()))["threads"]
    print(f"{len(written)} figures ({args.scale} scale) in {total:.1f} s on {threads} thread(s): PNG, PDF and JSON "
          f"under {args.out}")
    return 0


def _split_global_options(argv):
    """(argv without --threads N / --version, threads or None, whether --version was given): these options may
    stand before or after the command, also for ``train`` and ``reproduce`` (dispatched without argparse)."""
    rest, threads, wants_version, items = [], None, False, iter(argv)
    for item in items:
        if item == "--threads":
            threads = next(items, None)
            if threads is None:
                raise AssumptionError("--threads needs a value, a positive integer")
        elif item.startswith("--threads="):
            threads = item.split("=", 1)[1]
        elif item == "--version":
            wants_version = True
        else:
            rest.append(item)
    return rest, threads, wants_version


def main(argv=None):
    """Run a command; bad input (an AssumptionError, an unwritable output, an existing result) ends it with one
    line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _dispatch(argv)
    except SystemExit as stop:      # argparse: --help (0) or a usage error (2, its one line already printed)
        return stop.code if isinstance(stop.code, int) else 2
    except (AssumptionError, FileExistsError) as error:
        print(f"ulproofs: error: {error}", file=sys.stderr)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"ulproofs: error: cannot write or read{where}: {error.strerror or error}", file=sys.stderr)
    return 2


def _dispatch(argv):
    argv, threads, wants_version = _split_global_options(argv)
    if wants_version:
        print(f"ulproofs {version()}")
        return 0
    if threads is not None:
        # validated once here; every command (and its subprocesses) resolves it through the environment
        os.environ[thread_policy.ENVIRONMENT_VARIABLE] = str(thread_policy.resolve_threads(threads))
    if argv[:1] == ["train"]:
        from ..deep.train import main as train_main

        return train_main(argv[1:])
    if argv[:1] == ["reproduce"]:
        from ..deep.experiments import main as experiments_main

        rest = argv[1:]
        if rest[:1] and rest[0] in ("digits-theory", "digits-ood", "digits-lt"):
            from ..deep.studies import main as studies_main

            return studies_main(rest)
        return experiments_main(rest if rest[:1] == ["digits"] else ["reproduce", *rest])
    parser = _parser()
    args = parser.parse_args(argv)
    thread_policy.apply_thread_policy(None, "theory")
    handler = {"check": command_check, "list": command_list, "show": command_show, "latex": command_latex,
               "notebooks": command_notebooks, "figures": command_figures, "errata": command_errata,
               "readme": command_readme}[args.command]
    return handler(args)


def _parser():
    from .figures import FIGURES

    parser = CommandLineParser(prog="ulproofs", description=__doc__.splitlines()[0],
                               epilog="Bad input exits with status 2 and one line naming what is wrong.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--threads", metavar="N",
                        help="torch threads, before or after the command (default: $ULPROOFS_THREADS, else "
                             f"{thread_policy.DEFAULTS['theory']} for the theory side and "
                             f"{thread_policy.DEFAULTS['training']} for training)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(
        ("check", "list", "show", "errata", "readme", "latex", "notebooks", "figures", "train", "reproduce")) + "}")
    check = sub.add_parser("check", help="run the checks and print the verdict table")
    _add_context_options(check)
    check.add_argument("--only", nargs="+", metavar="ID",
                       help="claim ids to check, matched ignoring case and punctuation (default: all; see `list`)")
    check.add_argument("--json", default=str(FULL_RECORD),
                       help="where to write the JSON record (a partial run goes beside a complete one)")
    check.add_argument("--force", action="store_true", help="let a partial run replace a complete record")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list the claims and extensions with their evidence counts")
    show = sub.add_parser("show", help="one claim in detail, from the saved verdicts (--rerun: run it now)")
    show.add_argument("claim", help="a claim id (see `list`)")
    show.add_argument("--json", default=str(FULL_RECORD), help="the saved verdict record to read")
    show.add_argument("--rerun", action="store_true", help="run the claim's evidence now instead")
    _add_context_options(show)
    sub.add_parser("errata", help="every ledger row that does not hold as printed")
    readme = sub.add_parser("readme", help="regenerate the README's verdict table and errata summary")
    readme.add_argument("--from", dest="source", default=None,
                        help="a complete verdict record to commit as docs/verdicts.json first")
    readme.add_argument("--check", action="store_true", help="only say whether the README is up to date")
    latex = sub.add_parser("latex", help="write the LaTeX document and macro file")
    latex.add_argument("--out", default="results/latex", help="output folder (default: %(default)s)")
    latex.add_argument("--force", action="store_true", help="replace the files of an earlier run")
    notebooks = sub.add_parser("notebooks", help="build notebooks/*.ipynb from notebooks/src/*.py")
    notebooks.add_argument("--check", action="store_true",
                           help="only compare the built notebooks with the committed ones: 'up to date' or "
                                "which differ")
    figures = sub.add_parser("figures", help="redraw the paper's numerical figures")
    figures.add_argument("names", nargs="*", metavar="NAME",
                         help=f"figures to draw, any of {', '.join(FIGURES)} (default: all)")
    figures.add_argument("--out", default="results/figures", help="output folder (default: %(default)s)")
    figures.add_argument("--scale", choices=("paper", "reduced"), default="paper",
                         help="paper: p=512, C=100, N=10; reduced: a small size for tests (default: %(default)s)")
    figures.add_argument("--force", action="store_true", help="replace the files of an earlier run")
    figures.add_argument("--json", action="store_true", help="print the written files as JSON instead of a summary")
    figures.add_argument("--quiet", action="store_true", help="no progress bars")
    sub.add_parser("train", help="train a network (see: python -m ulproofs train --help)", add_help=False)
    sub.add_parser("reproduce", help="fig2, fig19, table2-table6 given the data; the CPU digits studies (digits, "
                                     "digits-theory, digits-ood, digits-lt; see: python -m ulproofs reproduce --help)",
                   add_help=False)
    return parser


if __name__ == "__main__":
    sys.exit(main())
