"""The registry covers the paper and the command line prints and records the verdict table."""
import json

from ulproofs import registry
from ulproofs.cli import main
from ulproofs.verdicts import Verdict

ISSUE_2_CLAIMS = {"theorem-2", "corollary-3", "lemma-9", "lemma-13", "lemma-14", "lemma-15", "lemma-16", "lemma-17"}


def test_registry_lists_every_claim_of_the_paper_once():
    ids = [c.id for c in registry.all_claims()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(registry.ORDER)


def test_issue_2_claims_are_checked_modules():
    checked = {c.id for c in registry.all_claims() if c.id in registry._checked()}
    assert ISSUE_2_CLAIMS <= checked


def test_pending_claims_are_labelled_not_yet_checked(context):
    pending = [c.id for c in registry.all_claims() if c.id not in registry._checked()]
    findings = registry.run(context, only=set(pending), progress=False)
    assert all(f.verdict is Verdict.NOT_YET_CHECKED and not f.evidence for f in findings)


def test_check_command_writes_table_and_json(tmp_path, capsys):
    out = tmp_path / "verdicts.json"
    assert main(["check", "--only", "lemma-13", "lemma-1", "--json", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "lemma-13" in printed and "not yet checked" in printed
    record = json.loads(out.read_text())
    assert record["context"]["seed"] == 0 and record["context"]["dps"] == 50
    assert {"sympy", "mpmath", "numpy", "torch"} <= set(record["environment"]["versions"])
    assert record["environment"]["commit"]
    (lemma,) = [c for c in record["claims"] if c["id"] == "lemma-13"]
    assert lemma["verdict"] == "proved" and lemma["evidence"]


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    assert "theorem-8" in capsys.readouterr().out
    assert main(["show", "lemma-1"]) == 0
    assert "not yet checked" in capsys.readouterr().out
    assert main(["show", "no-such-claim"]) == 2
