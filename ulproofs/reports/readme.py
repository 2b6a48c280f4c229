"""The README's generated parts: the verdict table and the errata summary, from a verdict record.

``python -m ulproofs readme --from results/verdicts.json`` copies a complete record of
``ulproofs check`` to :data:`COMMITTED_RECORD` and rewrites the README's blocks between
``<!-- begin NAME -->`` and ``<!-- end NAME -->`` from it and from :data:`PERFORMANCE` (written by
``benchmarks/bench_commands.py``); ``--check`` only says whether they are up to date.
``tests/test_readme.py`` asserts that the committed README equals what this module renders from the
committed records, so neither can be edited by hand without the other.

>>> record = {"claims": [{"id": "lemma-0", "title": "toy", "section": "paper", "verdict": "proved",
...            "verdict_text": "proved", "readings": [], "evidence": [{"passed": True}]}],
...           "ledger": [], "evidence_items": 1, "context": {"seed": 0, "dps": 50}, "environment": {}}
>>> print(verdict_table(record, "paper"))
| claim | verdict | evidence | corrections |
| --- | --- | --- | --- |
| lemma-0: toy | proved | 1/1 held |  |
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from ..core.errors import AssumptionError

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMITTED_RECORD = ROOT / "docs" / "verdicts.json"
PERFORMANCE = ROOT / "docs" / "performance.json"


def _cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def verdict_table(record, section):
    """Markdown table of one section's claims ("paper" or "extension")."""
    lines = ["| claim | verdict | evidence | corrections |", "| --- | --- | --- | --- |"]
    for claim in record["claims"]:
        if claim.get("section", "paper") != section:
            continue
        evidence = claim.get("evidence", [])
        held = sum(bool(e["passed"]) for e in evidence)
        corrections = "; ".join(r["change"] or r["text"] for r in claim.get("readings", []) if r["departs"])
        lines.append(f"| {_cell(claim['id'])}: {_cell(claim['title'])} | {_cell(claim.get('verdict_text'))} | "
                     f"{held}/{len(evidence)} held | {_cell(corrections)} |")
    return "\n".join(lines)


def summary_line(record):
    """One sentence: claims, verdict counts, evidence items, context and commit."""
    counts = Counter(c["verdict"] for c in record["claims"] if c.get("section", "paper") == "paper")
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    extensions = sum(c.get("section") == "extension" for c in record["claims"])
    context, environment = record["context"], record["environment"]
    return (f"{sum(counts.values())} claims of the paper ({verdicts}) and {extensions} extensions, "
            f"{record['evidence_items']} evidence items, seed {context['seed']}, mpmath at {context['dps']} "
            f"digits, paper scale {'on' if context.get('paper_scale') else 'off'}, "
            f"{environment.get('threads', '?')} thread(s), commit `{environment.get('commit', 'unknown')}`.")


def errata_summary(record):
    """Counts of ledger rows by status, then one line per erratum."""
    rows = record.get("ledger", [])
    counts = Counter(row["status"] for row in rows)
    lines = [f"{len(rows)} ledger rows: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ".", ""]
    for row in rows:
        if row["status"] == "erratum":
            lines.append(f"- **{_cell(row['ref'])}** ({_cell(row['used_in'])}): {_cell(row['note'])}")
    return "\n".join(lines)


def performance(measured):
    """Markdown table of the command and benchmark timings in ``docs/performance.json``."""
    lines = [measured["note"], "", "| what | idle | one core busy | busy / idle |", "| --- | --- | --- | --- |"]
    for row in measured["rows"]:
        ratio = f"{row['busy'] / row['idle']:.2f}" if row.get("idle") and row.get("busy") else ""
        idle, busy = (f"{row[k]:,.{row.get('digits', 1)}f} {row['unit']}" if row.get(k) is not None else "-"
                      for k in ("idle", "busy"))
        lines.append(f"| {_cell(row['what'])} | {idle} | {busy} | {ratio} |")
    return "\n".join(lines)


def blocks(record, measured):
    return {"verdict-summary": summary_line(record), "verdict-table": verdict_table(record, "paper"),
            "extension-table": verdict_table(record, "extension"), "errata-summary": errata_summary(record),
            "performance": performance(measured)}


def render(text, record, measured):
    """``text`` with every generated block replaced."""
    for name, content in blocks(record, measured).items():
        pattern = re.compile(rf"(<!-- begin {name} -->\n)(?:.*?\n)?(<!-- end {name} -->)", re.S)
        if not pattern.search(text):
            raise AssumptionError(f"README has no block {name!r} (<!-- begin {name} --> ... <!-- end {name} -->)")
        text = pattern.sub(lambda m, c=content: m.group(1) + c + "\n" + m.group(2), text)
    return text


def update(source=None, check=False):
    """Copy a complete record to docs/verdicts.json and rewrite the README; return the paths that change."""
    record = json.loads(Path(source or COMMITTED_RECORD).read_text())
    if not record.get("complete"):
        raise AssumptionError(f"{source} holds a partial run; the README needs a complete `ulproofs check` record")
    current = README.read_text()
    rendered = render(current, record, json.loads(PERFORMANCE.read_text()))
    committed = json.loads(COMMITTED_RECORD.read_text()) if COMMITTED_RECORD.exists() else None
    changed = ([README] if rendered != current else []) + ([COMMITTED_RECORD] if committed != record else [])
    if not check:
        COMMITTED_RECORD.write_text(json.dumps(record, indent=2) + "\n")
        README.write_text(rendered)
    return changed
