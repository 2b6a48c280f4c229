"""The registry of every claim in the paper, in the paper's order, and the verdict table.

Every claim is a module in :mod:`ulproofs.claims` with ``CLAIM`` (the statement as printed and as
read) and ``check(context)`` (the evidence, run, and the verdict it supports).

>>> [claim.id for claim in all_claims()][:3]
['lemma-1', 'theorem-2', 'corollary-3']
"""
from __future__ import annotations

import importlib
import json
import platform
import subprocess
import time
from functools import cache
from pathlib import Path

#: The claim modules under ulproofs.claims, one per claim.
CHECKED_MODULES = (
    "lemma_1", "theorem_2", "corollary_3", "theorem_4", "corollary_5", "theorem_6", "theorem_7", "theorem_8",
    "eq_25", "appendix_a", "lemma_9", "lemma_10", "lemma_11", "lemma_13", "lemma_14", "lemma_15", "lemma_16",
    "lemma_17",
)

#: The paper's order of presentation.
ORDER = ("lemma-1", "theorem-2", "corollary-3", "theorem-4", "corollary-5", "theorem-6", "theorem-7",
         "theorem-8", "eq-25", "appendix-a", "lemma-9", "lemma-10", "lemma-11", "lemma-13", "lemma-14",
         "lemma-15", "lemma-16", "lemma-17")


@cache
def claim_modules():
    """{claim id: module}, in the paper's order."""
    modules = {}
    for name in CHECKED_MODULES:
        module = importlib.import_module(f"ulproofs.claims.{name}")
        modules[module.CLAIM.id] = module
    return {claim_id: modules[claim_id] for claim_id in ORDER}


def all_claims():
    """Every claim of the paper, in the paper's order."""
    return [module.CLAIM for module in claim_modules().values()]


def run(context, only=None, progress=True):
    """Run the checks and return one Finding per claim."""
    from tqdm.auto import tqdm

    modules = {claim_id: m for claim_id, m in claim_modules().items() if only is None or claim_id in only}
    findings = []
    for module in tqdm(modules.values(), desc="checking claims", disable=not progress):
        start = time.perf_counter()
        finding = module.check(context)
        finding.seconds = round(time.perf_counter() - start, 3)
        findings.append(finding)
    return findings


def git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=False,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def environment():
    import mpmath
    import numpy
    import sympy
    import torch

    from ..core.precision import FLOAT_TABLE, GUARD_DIGITS, MUTANT_MARGIN, SAFETY

    return {
        "python": platform.python_version(),
        "versions": {"sympy": sympy.__version__, "mpmath": mpmath.__version__, "numpy": numpy.__version__,
                     "torch": torch.__version__},
        "cuda": torch.cuda.is_available(),
        "precision_policy": {"float_unit_roundoff": FLOAT_TABLE, "safety": SAFETY, "mp_guard_digits": GUARD_DIGITS,
                             "mutant_margin": MUTANT_MARGIN},
        "commit": git_commit(),
    }


def findings_to_json(findings, context):
    record = {
        "paper": "On the Dynamics Under the Unhinged Loss and Beyond (arXiv 2312.07841)",
        "context": context.as_dict(),
        "environment": environment(),
        "claims": [],
    }
    for f in findings:
        record["claims"].append({
            "id": f.claim.id, "title": f.claim.title, "statement": f.claim.statement,
            "equations": list(f.claim.equations), "reading": f.claim.reading, "issue": f.claim.issue,
            "verdict": f.verdict.value, "sound": f.sound, "seconds": f.seconds,
            "correction": f.correction, "counterexample": f.counterexample,
            "evidence": [{"kind": e.kind, "description": e.description, "passed": e.passed,
                          "measured": _jsonable(e.measured), "seconds": e.seconds} for e in f.evidence],
        })
    return record


def _jsonable(value):
    return json.loads(json.dumps(value, default=lambda v: float(v) if hasattr(v, "__float__") else str(v)))


def format_table(findings):
    rows = [("claim", "verdict", "evidence", "seconds", "title")]
    for f in findings:
        passed = sum(e.passed for e in f.evidence)
        evidence = f"{passed}/{len(f.evidence)} held" if f.evidence else "-"
        rows.append((f.claim.id, f.verdict.value, evidence, f"{f.seconds:.1f}", f.claim.title))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(lines)
