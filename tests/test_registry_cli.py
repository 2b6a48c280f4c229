"""The registry covers the paper and the command line prints and records the verdict table."""
import json

from ulproofs.engine import registry
from ulproofs.reports.cli import main


def test_registry_lists_every_claim_of_the_paper_once_in_order():
    ids = [c.id for c in registry.all_claims()]
    assert ids == list(registry.ORDER)


def test_every_claim_module_states_its_equations_and_issue():
    for claim in registry.all_claims():
        assert claim.statement and claim.equations and claim.issue in (2, 3, 4)


def test_check_command_writes_table_and_json(tmp_path, capsys):
    out = tmp_path / "verdicts.json"
    assert main(["check", "--only", "lemma-13", "lemma-17", "--json", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "lemma-13" in printed and "lemma-17" in printed and "theorem-2" not in printed
    record = json.loads(out.read_text())
    assert record["context"]["seed"] == 0 and record["context"]["dps"] == 50
    assert {"sympy", "mpmath", "numpy", "torch"} <= set(record["environment"]["versions"])
    assert record["environment"]["commit"]
    (lemma,) = [c for c in record["claims"] if c["id"] == "lemma-13"]
    assert lemma["verdict"] == "proved" and lemma["evidence"] and lemma["sound"]


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    assert "theorem-8" in capsys.readouterr().out
    assert main(["show", "lemma-14"]) == 0
    shown = capsys.readouterr().out
    assert "verdict: proved" in shown and "[held]" in shown
    assert main(["show", "no-such-claim"]) == 2
