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
    from ..core.threads import apply_thread_policy

    context = _context(args)
    ids = registry.resolve_ids(args.only) if args.only else list(registry.claim_modules())
    apply_thread_policy(getattr(args, "threads", None), "theory")
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
        from ..core.threads import apply_thread_policy

        apply_thread_policy(getattr(args, "threads", None), "theory")
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
    from ..engine.ledger import errata, ledger_rows
    from .errata import format_errata

    print(format_errata(errata(ledger_rows())))
    return 0


def command_readme(args):
    from .readme import update

    changed = update(args.source, check=args.check)
    if args.check:
        print("README and docs/verdicts.json are up to date" if not changed else
              "out of date: " + ", ".join(str(p) for p in changed))
        return 1 if changed else 0
    print("rewrote the README's generated blocks" + (f" and {changed[-1]}" if len(changed) > 1 else ""))
    return 0


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
               "notebooks": command_notebooks, "figures": command_figures, "errata": command_errata,
               "readme": command_readme}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
