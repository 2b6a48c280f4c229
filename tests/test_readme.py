"""The README's verdict tables, errata summary and timings are generated from committed records."""
import json

from ulproofs.engine import registry
from ulproofs.reports import readme


def test_readme_blocks_equal_what_the_committed_records_render():
    record = json.loads(readme.COMMITTED_RECORD.read_text())
    measured = json.loads(readme.PERFORMANCE.read_text())
    current = readme.README.read_text()
    assert readme.render(current, record, measured) == current, "run `python -m ulproofs readme`"


def test_the_committed_record_is_complete_and_covers_the_registry():
    record = json.loads(readme.COMMITTED_RECORD.read_text())
    assert record["complete"]
    assert [c["id"] for c in record["claims"]] == list(registry.claim_modules())
    assert all(c["verdict"] != "inconclusive" for c in record["claims"])


def test_the_committed_verdicts_are_the_reviewed_ones():
    """Each verification file's reviewed verdict is the one the committed record (and so the README) shows."""
    from tests.test_injected_faults import _reviewed_verdicts

    record = json.loads(readme.COMMITTED_RECORD.read_text())
    assert {c["id"]: c["verdict_text"] for c in record["claims"]} == _reviewed_verdicts()
