"""Command line: ``python -m ulproofs check`` prints the verdict table and writes it as JSON.

Sub-commands:

* ``check``: run every claim's checks (``--paper-scale`` adds p=512, C=100, N=10 runs);
* ``list``: the claims with their equations and the issue that covers them;
* ``show ID``: one claim's statement, reading, verdict and evidence, after running its checks;
* ``latex``: a standalone LaTeX document of the verdicts and derived formulas, and a macro file;
* ``notebooks``: build the derivation notebooks from their sources (``--check`` compares instead);
* ``figures``: redraw the paper's numerical figures (Figs. 1, 4-9) with the theory over the iterates;
* ``train``: train a network (default: the digits preset, which runs on any machine);
* ``reproduce``: the paper's deep-network tables and figures given the data, and the CPU digits studies
  (``digits``, ``digits-theory``, ``digits-ood``, ``digits-lt``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..engine import registry
from ..engine.context import CheckContext


def _context(args):
    return CheckContext(dps=args.dps, seed=args.seed, paper_scale=args.paper_scale, device=args.device)


def _add_context_options(parser):
    parser.add_argument("--dps", type=int, default=50, help="mpmath significant digits (>= 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random initialisation")
    parser.add_argument("--paper-scale", action="store_true", help="also check at p=512, C=100, N=10")
    parser.add_argument("--device", default=None, help="torch device for iterates (default: cuda if present)")


def command_check(args):
    context = _context(args)
    findings = registry.run(context, only=set(args.only) if args.only else None, progress=not args.quiet)
    print(registry.format_table(findings))
    record = registry.findings_to_json(findings, context)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))
    print(f"\nverdicts with evidence written to {out}")
    broken = [f.claim.id for f in findings if not f.sound]
    if broken:
        print("evidence that did not behave as its verdict says: " + ", ".join(broken), file=sys.stderr)
        return 1
    return 0


def command_list(args):
    for claim in registry.all_claims():
        print(f"{claim.id:14s} issue {claim.issue}  {', '.join(claim.equations):40s} {claim.title}")
    return 0


def command_show(args):
    known = {c.id for c in registry.all_claims()}
    if args.claim not in known:
        print(f"unknown claim {args.claim!r}; known: {', '.join(sorted(known))}", file=sys.stderr)
        return 2
    (finding,) = registry.run(_context(args), only={args.claim}, progress=False)
    claim = finding.claim
    print(f"{claim.id}: {claim.title}\nequations: {', '.join(claim.equations)}\n\nstatement: {claim.statement}")
    if claim.reading:
        print(f"\nreading: {claim.reading}")
    print(f"\nverdict: {finding.verdict.value}")
    for label, text in (("correction", finding.correction), ("counterexample", finding.counterexample)):
        if text:
            print(f"{label}: {text}")
    for e in finding.evidence:
        print(f"\n[{'held' if e.passed else 'FAILED'}] ({e.kind}, {e.seconds:.2f} s) {e.description}")
        for key, value in e.measured.items():
            print(f"    {key}: {value}")
    return 0 if finding.sound else 1


def command_latex(args):
    from .latex import write_latex

    for path in write_latex(args.out):
        print(path)
    return 0


def command_notebooks(args):
    from .notebooks import NotebooksOutOfDate, build_notebooks

    try:
        paths = build_notebooks(check=args.check)
    except NotebooksOutOfDate as stale:
        print(stale, file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def command_figures(args):
    from .figures import draw_figures

    written = draw_figures(args.names or None, out_dir=args.out, scale=args.scale, progress=not args.quiet)
    print(json.dumps(written, indent=2, default=str))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
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
    parser = argparse.ArgumentParser(prog="ulproofs", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run the checks and print the verdict table")
    _add_context_options(check)
    check.add_argument("--only", nargs="*", help="claim ids to check (default: all)")
    check.add_argument("--json", default="results/verdicts.json", help="where to write the JSON record")
    check.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list the claims")
    show = sub.add_parser("show", help="one claim in detail")
    show.add_argument("claim")
    _add_context_options(show)
    latex = sub.add_parser("latex", help="write the LaTeX document and macro file")
    latex.add_argument("--out", default="results/latex", help="output folder")
    notebooks = sub.add_parser("notebooks", help="build notebooks/*.ipynb from notebooks/src/*.py")
    notebooks.add_argument("--check", action="store_true", help="only compare the built notebooks with the committed")
    figures = sub.add_parser("figures", help="redraw the paper's numerical figures")
    figures.add_argument("names", nargs="*", help="figures to draw (default: all)")
    figures.add_argument("--out", default="results/figures", help="output folder")
    figures.add_argument("--scale", choices=("paper", "reduced"), default="paper")
    figures.add_argument("--quiet", action="store_true", help="no progress bars")
    sub.add_parser("train", help="train a network (see: python -m ulproofs train --help)", add_help=False)
    sub.add_parser("reproduce", help="Fig. 2, Tables 2-6, Fig. 19 given the data; the digits studies (digits, "
                                     "digits-theory, digits-ood, digits-lt)",
                   add_help=False)
    args = parser.parse_args(argv)
    handler = {"check": command_check, "list": command_list, "show": command_show, "latex": command_latex,
               "notebooks": command_notebooks, "figures": command_figures}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
