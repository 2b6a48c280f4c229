"""The verification suite, generated from the registry: one pytest test per evidence item.

A verification file holds one line,
``test_evidence, test_verdict = claim_tests("theorem-2", expected="true after correction")``.
``test_evidence`` is parametrised over the claim's declared items (ids ``theorem-2::slug``;
paper-scale items carry the ``paper_scale`` mark), and runs each through the same
:func:`~ulproofs.engine.evidence.run_item` as ``ulproofs check``. ``test_verdict`` asserts that the
verdict the outcomes support equals ``expected``, the reviewed verdict committed in that file.
Outcomes are shared within the process, so no item runs twice.
"""
from __future__ import annotations

import pytest

from .context import CheckContext
from .evidence import judge
from .registry import claim_modules, evidence_items, outcome_of


def _explain(outcome):
    lines = [f"{outcome.item.id} {outcome.status}: {outcome.item.description}"]
    if outcome.error:
        lines.append(outcome.error)
    lines += [f"  {key}: {value}" for key, value in outcome.measured.items()]
    return "\n".join(lines)


def claim_tests(claim_id, expected):
    """The two test functions of one claim's verification file; ``expected`` is the reviewed verdict text."""
    params = [pytest.param(item, id=item.id, marks=[pytest.mark.paper_scale] if item.paper_scale else [])
              for item in evidence_items(claim_id, paper_scale=True)]

    @pytest.mark.parametrize("item", params)
    def test_evidence(item):
        context = CheckContext(paper_scale=item.paper_scale)
        outcome = outcome_of(item, context)
        assert outcome.held, _explain(outcome)

    def test_verdict():
        context = CheckContext()
        outcomes = [outcome_of(item, context) for item in evidence_items(claim_id)]
        finding = judge(claim_modules()[claim_id].CLAIM, outcomes)
        assert finding.verdict_text == expected, finding.problems or finding.verdict_text

    test_evidence.__doc__ = f"Each declared evidence item of {claim_id} holds."
    test_verdict.__doc__ = f"The outcomes of {claim_id} support the reviewed verdict."
    return test_evidence, test_verdict
