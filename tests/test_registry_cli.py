"""The registry covers the paper and the command line prints, records and reads back the verdict table."""
import json

from ulproofs.engine import registry
from ulproofs.reports.cli import main


def test_registry_lists_every_claim_once_in_order():
    ids = [c.id for c in registry.all_claims()]
    assert ids == [name.replace("_", "-") for name in registry.CHECKED_MODULES] and len(set(ids)) == len(ids)


def test_every_claim_states_its_print_readings_and_evidence():
    for claim in registry.all_claims():
        assert claim.statement and claim.equations, claim.id
        assert claim.printed or claim.section == "extension", f"{claim.id} does not say what the paper prints"
        assert any(not r.departs for r in claim.readings), f"{claim.id} has no reading of the print"
        assert registry.evidence_items(claim.id, paper_scale=True), claim.id


def _check(tmp_path, *ids, name="verdicts.json", extra=()):
    out = tmp_path / name
    code = main(["check", "--only", *ids, "--json", str(out), "--quiet", *extra])
    return code, out


def test_check_writes_table_and_json(tmp_path, capsys):
    code, out = _check(tmp_path, "lemma-13", "Lemma_17")
    assert code == 0
    printed = capsys.readouterr().out
    assert "lemma-13" in printed and "lemma-17" in printed and "theorem-2" not in printed
    assert "2 claims," in printed and "evidence items" in printed
    record = json.loads(out.read_text())
    assert record["context"]["seed"] == 0 and record["context"]["dps"] == 50 and not record["complete"]
    assert {"sympy", "mpmath", "numpy", "torch"} <= set(record["environment"]["versions"])
    assert record["environment"]["commit"] and record["environment"]["threads"] >= 1
    (lemma,) = [c for c in record["claims"] if c["id"] == "lemma-13"]
    assert lemma["verdict"] == "proved" and lemma["sound"] and lemma["printed"] and lemma["readings"]
    assert all(e["status"] == "held" and e["id"].startswith("lemma-13::") for e in lemma["evidence"])
    assert record["evidence_items"] == sum(len(c["evidence"]) for c in record["claims"])


def test_a_partial_run_never_replaces_a_complete_record(tmp_path, capsys):
    complete = tmp_path / "verdicts.json"
    complete.write_text(json.dumps({"complete": True, "claims": []}))
    code, _ = _check(tmp_path, "lemma-14")
    assert code == 0 and json.loads(complete.read_text()) == {"complete": True, "claims": []}
    beside = tmp_path / "verdicts.partial-lemma-14.json"
    assert json.loads(beside.read_text())["claims"][0]["id"] == "lemma-14"
    assert "holds the complete table and stays" in capsys.readouterr().out
    _check(tmp_path, "lemma-14", extra=["--force"])
    assert not json.loads(complete.read_text())["complete"]


def test_unknown_claim_ids_exit_2_listing_the_known(tmp_path, capsys):
    code, out = _check(tmp_path, "nope")
    assert code == 2 and not out.exists()
    error = capsys.readouterr().err
    assert "unknown claim id" in error and "theorem-2" in error and "Traceback" not in error


def test_show_reads_the_saved_record_and_rerun_runs(tmp_path, capsys):
    _, out = _check(tmp_path, "lemma-14")
    capsys.readouterr()
    assert main(["show", "Lemma-14", "--json", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "verdict: proved" in shown and "[held] lemma-14::symbolic-proof" in shown and "as printed" in shown
    assert main(["show", "lemma-15", "--json", str(out)]) == 2
    assert "--rerun" in capsys.readouterr().err
    assert main(["show", "lemma-15", "--rerun"]) == 0
    assert "[held] lemma-15::plus-symbolic-proof" in capsys.readouterr().out


def test_list(capsys):
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "theorem-8" in listed and "items" in listed
