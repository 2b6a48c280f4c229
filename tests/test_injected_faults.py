"""A fault of the checker's own ground truth makes the affected claims inconclusive, never refuted.

Two faults are injected into mpmath, the ground truth of the closed forms: ``expm`` returns its
result times (1 + 1e-6), and ``odefun`` raises. ``ulproofs check`` over every claim must then print
the complete table, mark the claims whose evidence uses that ground truth ``inconclusive`` (and say
why on stderr), leave every other verdict as reviewed, exit 1, show no traceback and no ``refuted``.
"""
import importlib
import json
import subprocess
import sys

import pytest

from ulproofs.engine import registry

#: Python that breaks mpmath's ground truth, then runs ``ulproofs check`` in a fresh process (so no
#: result cached before the fault, in this process or by functools.cache, can hide it).
FAULTS = {
    "expm-scaled": ("import mpmath\n"
                    "_expm = mpmath.expm\n"
                    "mpmath.expm = lambda *a, **k: _expm(*a, **k) * (1 + mpmath.mpf('1e-6'))\n"),
    "odefun-raises": ("import mpmath\n"
                      "def _broken(*a, **k):\n"
                      "    raise RuntimeError('injected fault: odefun is broken')\n"
                      "mpmath.odefun = _broken\n"),
}
USES = {"expm-scaled": ("expm",), "odefun-raises": ("odefun", "ode_solution")}


def _reviewed_verdicts():
    """The verdict each verification file asserts, by claim id."""
    import ast
    from pathlib import Path

    verdicts = {}
    for path in sorted((Path(__file__).resolve().parents[1] / "verification").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "claim_tests":
                expected = next(k.value.value for k in node.keywords if k.arg == "expected")
                verdicts[node.args[0].value] = expected
    return verdicts


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_broken_ground_truth_is_inconclusive_not_refuted(fault, tmp_path):
    out = tmp_path / "verdicts.json"
    program = FAULTS[fault] + (f"import sys\nfrom ulproofs.reports.cli import main\n"
                               f"sys.exit(main(['check', '--json', {str(out)!r}, '--quiet']))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=1800)
    record = json.loads(out.read_text())
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr and "refuted" not in done.stdout
    assert record["complete"] and len(record["claims"]) == len(registry.claim_modules())
    reviewed = _reviewed_verdicts()
    affected = [c["id"] for c in record["claims"] if c["verdict"] == "inconclusive"]
    assert affected, f"no claim noticed the fault {fault}"
    users = {claim_id for claim_id, module in registry.claim_modules().items()
             if any(word in _source_with_helpers(module) for word in USES[fault])}
    for claim in record["claims"]:
        assert "refuted" not in claim["verdict_text"]
        if claim["id"] in affected:
            assert f"{claim['id']}: inconclusive" in done.stderr
            assert claim["id"] in users, f"{claim['id']} does not use {fault} and yet became inconclusive"
        else:
            assert claim["verdict_text"] == reviewed[claim["id"]], claim["id"]


def _source_with_helpers(module):
    """The source of a claim module and of the ulproofs modules it imports from (its ground truth may live there)."""
    import inspect

    sources = [inspect.getsource(module)]
    for value in vars(module).values():
        home = getattr(value, "__module__", None) or getattr(value, "__name__", "")
        if isinstance(home, str) and home.startswith("ulproofs.") and home != module.__name__:
            sources.append(inspect.getsource(importlib.import_module(home)))
    return "\n".join(sources)
