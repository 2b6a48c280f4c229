"""Evaluation conventions of Section 4 and Appendix C: the verification suite, generated from the declared evidence."""
from ulproofs.engine.pytest_support import claim_tests

test_evidence, test_verdict = claim_tests("evaluation-protocol", expected="confirmed numerically")
