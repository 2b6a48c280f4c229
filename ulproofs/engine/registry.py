"""The registry of every claim in the paper, in the paper's order, and the verdict table.

Every claim is a module in :mod:`ulproofs.claims` with ``CLAIM`` (the statement as printed, as read
and its readings), ``EVIDENCE`` (its declared items) and ``LEDGER`` (its rows of the errata ledger);
:func:`run` runs the items and :func:`~ulproofs.engine.evidence.judge` gives each claim its verdict.

>>> [claim.id for claim in all_claims()][:3]
['lemma-1', 'theorem-2', 'corollary-3']
"""
from __future__ import annotations

import importlib
import json
import platform
import re
import subprocess
from functools import cache
from pathlib import Path

from ..core.errors import AssumptionError
from .evidence import judge, run_item

#: The claim modules under ulproofs.claims, one per claim, in the paper's order of presentation.
CHECKED_MODULES = (
    "lemma_1", "theorem_2", "corollary_3", "theorem_4", "corollary_5", "theorem_6", "theorem_7", "theorem_8",
    "eq_25", "appendix_a", "lemma_9", "lemma_10", "lemma_11", "lemma_13", "lemma_14", "lemma_15", "lemma_16",
    "lemma_17", "paper_errata", "evaluation_protocol", "extension_any_rates", "extension_collapse_condition",
    "extension_imbalanced",
)


@cache
def claim_modules():
    """{claim id: module}, in the paper's order."""
    modules = (importlib.import_module(f"ulproofs.claims.{name}") for name in CHECKED_MODULES)
    return {module.CLAIM.id: module for module in modules}


def all_claims():
    """Every claim of the paper, in the paper's order."""
    return [module.CLAIM for module in claim_modules().values()]


def normalise_id(text):
    """``Theorem-2``, ``theorem2`` and ``THEOREM_2`` name the same claim: lower case, letters and digits."""
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def resolve_ids(names):
    """The claim ids that ``names`` stand for, in the paper's order; an unknown name raises.

    >>> resolve_ids(["Theorem-2", "lemma9"])
    ['theorem-2', 'lemma-9']
    """
    known = {normalise_id(claim_id): claim_id for claim_id in claim_modules()}
    unknown = [name for name in names if normalise_id(name) not in known]
    if unknown:
        raise AssumptionError(f"unknown claim id(s) {', '.join(map(repr, unknown))}; known: "
                              + ", ".join(claim_modules()))
    wanted = {known[normalise_id(name)] for name in names}
    return [claim_id for claim_id in claim_modules() if claim_id in wanted]


def evidence_items(claim_id, paper_scale=False):
    """The declared evidence items of one claim."""
    return claim_modules()[claim_id].EVIDENCE.items(paper_scale=paper_scale)


#: Outcomes already run in this process, by (item id, context): pytest's per-item tests and the
#: per-claim verdict test share them, so no item runs twice.
_OUTCOMES = {}


def outcome_of(item, context):
    """The outcome of ``item`` under ``context``, run once per process."""
    key = (item.id, context)
    if key not in _OUTCOMES:
        _OUTCOMES[key] = run_item(item, context)
    return _OUTCOMES[key]


def run(context, only=None, progress=True):
    """Run the evidence of every claim (or of the ids in ``only``) and return one Finding per claim."""
    from tqdm.auto import tqdm

    ids = list(claim_modules()) if only is None else resolve_ids(only)
    work = [(claim_id, item) for claim_id in ids for item in evidence_items(claim_id, context.paper_scale)]
    outcomes = {claim_id: [] for claim_id in ids}
    bar = tqdm(work, desc="evidence", unit="item", disable=not progress)
    for claim_id, item in bar:
        bar.set_postfix_str(item.id, refresh=False)
        outcomes[claim_id].append(outcome_of(item, context))
    findings = []
    for claim_id in ids:
        finding = judge(claim_modules()[claim_id].CLAIM, outcomes[claim_id])
        finding.seconds = round(sum(o.seconds for o in outcomes[claim_id]), 3)
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


def findings_to_json(findings, context, complete=None):
    """The verdict record: context, environment, one entry per claim with its outcomes, and the ledger."""
    from ..core.threads import current
    from .ledger import ledger_rows

    record = {
        "paper": "On the Dynamics Under the Unhinged Loss and Beyond (arXiv 2312.07841)",
        "context": context.as_dict(),
        "environment": {**environment(), "threads": current()},
        "complete": (len(findings) == len(claim_modules())) if complete is None else complete,
        "evidence_items": sum(len(f.evidence) for f in findings),
        "claims": [finding_to_json(f) for f in findings],
        "ledger": [row.as_dict() for row in ledger_rows()],
    }
    return record


def finding_to_json(f):
    claim = f.claim
    return {
        "id": claim.id, "title": claim.title, "section": claim.section, "printed": claim.printed,
        "statement": claim.statement, "equations": list(claim.equations), "reading": claim.reading,
        "readings": [{"key": r.key, "text": r.text, "change": r.change, "departs": r.departs, "why": r.why,
                      "establishes": r.establishes, "proof_needs": r.proof_needs,
                      "verdict": f.per_reading[r.key].value if r.key in f.per_reading else None}
                     for r in claim.readings],
        "issue": claim.issue, "verdict": f.verdict.value, "verdict_text": f.verdict_text, "sound": f.sound,
        "problems": f.problems, "seconds": f.seconds, "correction": f.correction,
        "counterexample": f.counterexample,
        "evidence": [_outcome_json(e) for e in f.evidence],
    }


def _outcome_json(e):
    return {"id": e.item.id, "kind": e.item.kind, "role": e.item.role, "reading": e.item.reading,
            "description": e.item.description, "status": e.status, "passed": e.held, "error": e.error,
            "paper_scale": e.item.paper_scale, "measured": _jsonable(e.measured), "seconds": e.seconds}


def json_default(value):
    """JSON for what findings may hold besides plain types: SymPy and NumPy booleans as booleans, numbers as
    floats, anything else as text."""
    import numpy as np
    import sympy as sp

    if isinstance(value, (sp.logic.boolalg.BooleanAtom, np.bool_)):
        return bool(value)
    return float(value) if hasattr(value, "__float__") else str(value)


def _jsonable(value):
    return json.loads(json.dumps(value, default=json_default))


def format_table(findings):
    """The verdict table as text: claims of the paper, then extensions under their own heading."""
    lines = []
    for section, heading in (("paper", None), ("extension", "Extensions past the paper's assumptions")):
        rows = [f for f in findings if f.claim.section == section]
        if not rows:
            continue
        if heading:
            lines += ["", heading]
        table = [("claim", "verdict", "evidence", "seconds", "title")]
        for f in rows:
            held = sum(e.held for e in f.evidence)
            evidence = f"{held}/{len(f.evidence)} held" if f.evidence else "-"
            table.append((f.claim.id, f.verdict_text, evidence, f"{f.seconds:.1f}", f.claim.title))
        widths = [max(len(r[i]) for r in table) for i in range(4)]
        for k, r in enumerate(table):
            lines.append("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
            if k == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(lines)
