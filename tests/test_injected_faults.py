"""A fault of the checker's own ground truth makes the affected claims inconclusive, never refuted.

Two faults are injected into mpmath, the ground truth of the closed forms: ``expm`` returns its
result times (1 + 1e-6), and ``odefun`` raises. ``ulproofs check`` over every claim must then print
the complete table, mark the claims whose evidence uses that ground truth ``inconclusive`` (and say
why on stderr), leave every other verdict as reviewed, exit 1, show no traceback and no ``refuted``.
"""
import json

import mpmath
import pytest

from ulproofs.engine import registry
from ulproofs.reports.cli import main


def _scaled_expm(original):
    def expm(*args, **kwargs):
        return original(*args, **kwargs) * (1 + mpmath.mpf("1e-6"))
    return expm


def _raising_odefun(*args, **kwargs):
    raise RuntimeError("injected fault: odefun is broken")


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


@pytest.mark.parametrize("fault, uses", [
    ("expm", lambda source: "mpmath.expm" in source or "expm_solution" in source),
    ("odefun", lambda source: "odefun" in source or "ode_solution" in source),
], ids=["expm-scaled", "odefun-raises"])
def test_a_broken_ground_truth_is_inconclusive_not_refuted(fault, uses, monkeypatch, tmp_path, capsys):
    import inspect

    if fault == "expm":
        monkeypatch.setattr(mpmath, "expm", _scaled_expm(mpmath.expm))
    else:
        monkeypatch.setattr(mpmath, "odefun", _raising_odefun)
    monkeypatch.setattr(registry, "_OUTCOMES", {})      # run every item afresh, under the fault
    out = tmp_path / "verdicts.json"
    code = main(["check", "--json", str(out), "--quiet"])
    printed = capsys.readouterr()
    record = json.loads(out.read_text())
    assert code == 1
    assert "Traceback" not in printed.out + printed.err and "refuted" not in printed.out
    assert record["complete"] and len(record["claims"]) == len(registry.claim_modules())
    reviewed = _reviewed_verdicts()
    affected = [c["id"] for c in record["claims"] if c["verdict"] == "inconclusive"]
    assert affected, f"no claim noticed the broken {fault}"
    for claim in record["claims"]:
        assert "refuted" not in claim["verdict_text"]
        if claim["id"] not in affected:
            assert claim["verdict_text"] == reviewed[claim["id"]], claim["id"]
        else:
            assert f"{claim['id']}: inconclusive" in printed.err
    users = {claim_id for claim_id, module in registry.claim_modules().items() if uses(inspect.getsource(module))}
    assert set(affected) <= users, f"claims that do not use {fault} became inconclusive"
