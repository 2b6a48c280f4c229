"""The registry of every claim in the paper, in the paper's order, and the verdict table.

A claim is either *checked* (a module in :mod:`ulproofs.claims` with ``CLAIM`` and ``check``) or
*pending* (its statement is recorded here and its verdict is honestly "not yet checked").

>>> [claim.id for claim in all_claims()][:3]
['lemma-1', 'theorem-2', 'corollary-3']
"""
from __future__ import annotations

import importlib
import json
import platform
import subprocess
import time
from pathlib import Path

from .verdicts import Claim, Finding, Verdict

#: Checked claims: module names under ulproofs.claims.
CHECKED_MODULES = (
    "lemma_1", "theorem_2", "corollary_3", "theorem_6", "theorem_7", "theorem_8", "eq_25", "appendix_a",
    "lemma_9", "lemma_10", "lemma_11", "lemma_13", "lemma_14", "lemma_15", "lemma_16", "lemma_17",
)

PENDING = (
    Claim("lemma-1", "Neural collapse is the global minimizer under norm bounds",
          "For ||w_c|| <= E1, ||h_ic|| <= E2 and p >= C-1, the global minimizer of the average unhinged loss "
          "(bias omitted) is uniquely the neural-collapse configuration: w_i^T w_j/(||w_i|| ||w_j||) = -1/(C-1) "
          "for i != j, h_ic/||h_ic|| = w_c/||w_c||, ||w_c|| = E1, ||h_ic|| = E2.",
          ("Lemma 1", "B.1"), issue=4),
    Claim("theorem-4", "Closed-form dynamics under weight decay",
          "For the flow of Eq. 12 with proportional rates, Z(t) = sum_k Pi_k Z0 diag(a_k(t) I_CN, b_k(t) I_C) with "
          "(a_k, b_k)^T = exp(S(sigma_k, lambda1, lambda2, zeta1, zeta2)) (1, 1)^T, and "
          "b(t) = phi(t)(b0 + psi(t) 1_C), phi = exp(-lambda2 zeta2).",
          ("Eq. 11", "Eq. 12", "Eq. 13", "Eq. 14", "Eqs. 54-72"), issue=3),
    Claim("corollary-5", "Convergence under weight decay",
          "With lambda1 = lambda2 = lambda, 0 < gamma < 2/(C-2) (or C = 2): the normalized Z(t) converges at rate "
          "exp(-omega zeta2) to (pi_h^+ H1+ + pi_h^- H1-, pi_w^+ W1+ + pi_w^- W1-); ||Z|| -> 0 if "
          "lambda > (1+gamma)/(C sqrt N), a finite limit at equality, infinity below.",
          ("Eq. 15", "Eqs. 73-81"), issue=3),
    Claim("theorem-6", "Prototype-anchored dynamics",
          "For H' = eta(t)(W M - lambda H) with W fixed: H(t) = e^{-lambda zeta} H(0) "
          "+ (1 - e^{-lambda zeta})/lambda W M, and ||H(t) - W M/lambda|| = O(e^{-lambda zeta}).",
          ("Eq. 16", "Eq. 17", "Eqs. 96-97"), issue=3),
    Claim("theorem-7", "Convergence in the spherical constrained case",
          "For the iterates of Eq. 19 with w_c^T h_ic(0) > -1 and the stated conditions on eta(t): "
          "||H^(t) - W(I_C (x) 1_N^T)|| -> 0, exponentially if ||H(t)|| stays bounded; if w_c^T h^_ic(0) = -1 the "
          "feature is fixed.",
          ("Eq. 18", "Eq. 19", "Eq. 20", "Eq. 21", "Eqs. 90-94"), issue=4),
    Claim("lemma-10", "Spherical iterates of one feature converge to its prototype",
          "For h(t+1) = h(t) + eta(t)/||h(t)|| (I - h^ h^T) w with w^T h^(0) > -1 and the stated conditions on eta, "
          "||h^(t) - w/||w|||| -> 0; alpha_t decreases, beta_t increases (Eq. 84).",
          ("Eq. 82", "Eq. 83", "Eq. 84", "Eq. 85"), issue=4),
    Claim("lemma-11", "The cosine tends to 1 when it starts non-negative",
          "For the recursion of Eq. 84, if beta_0 >= 0 then lim beta_t = 1.", ("Eq. 84", "Eq. 86"), issue=4),
    Claim("theorem-8", "NTK-invariant closed form",
          "With an invariant kernel, the row-first vectorization z(t) of diag(H, W) satisfies "
          "C z(t) = exp[(Lambda_A (x) Lambda_B) t] C z(0), C = U_B^{-1} U_A^{-1} (x) I.",
          ("Eq. 22", "Eq. 23", "Eq. 24", "Eq. 95"), issue=4),
    Claim("eq-25", "The MSE flow is nonlinear, the unhinged flow linear",
          "Under MSE (Eq. 25) the gradient flow of (H, W, b) is nonlinear, while under the unhinged loss it is linear.",
          ("Eq. 25",), issue=4),
    Claim("appendix-a", "Bounds of Appendix A",
          "In the spherical case with a simplex-ETF W the unhinged loss is bounded below by -(1+gamma); a sample is "
          "classified correctly when the loss is below the stated threshold; the unhinged loss relates to CE and "
          "multi-binary CE by the stated inequalities.",
          ("Appendix A",), issue=4),
)

#: The paper's order of presentation.
ORDER = ("lemma-1", "theorem-2", "corollary-3", "theorem-4", "corollary-5", "theorem-6", "theorem-7",
         "theorem-8", "eq-25", "appendix-a", "lemma-9", "lemma-10", "lemma-11", "lemma-13", "lemma-14",
         "lemma-15", "lemma-16", "lemma-17")


def _checked():
    modules = {}
    for name in CHECKED_MODULES:
        module = importlib.import_module(f"ulproofs.claims.{name}")
        modules[module.CLAIM.id] = module
    return modules


def all_claims():
    """Every claim, checked or pending, in the paper's order."""
    checked = {claim_id: module.CLAIM for claim_id, module in _checked().items()}
    pending = {claim.id: claim for claim in PENDING if claim.id not in checked}
    everything = {**pending, **checked}
    return [everything[claim_id] for claim_id in ORDER if claim_id in everything]


def run(context, only=None, progress=True):
    """Run the checks and return one Finding per claim (pending claims included)."""
    from tqdm.auto import tqdm

    modules = _checked()
    claims = [c for c in all_claims() if only is None or c.id in only]
    findings = []
    for claim in tqdm(claims, desc="checking claims", disable=not progress):
        if claim.id in modules:
            start = time.perf_counter()
            finding = modules[claim.id].check(context)
            finding.seconds = round(time.perf_counter() - start, 3)
        else:
            finding = Finding(claim, Verdict.NOT_YET_CHECKED)
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

    from .precision import FLOAT_TABLE, GUARD_DIGITS, MUTANT_MARGIN, SAFETY

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
