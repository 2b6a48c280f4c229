"""Lemma 13: the verification suite, generated from the claim's declared evidence."""
from ulproofs.engine.pytest_support import claim_tests

test_evidence, test_verdict = claim_tests("lemma-13", expected="proved")
