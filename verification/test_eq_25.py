"""Eq. 25: the verification suite, generated from the claim's declared evidence."""
from ulproofs.engine.pytest_support import claim_tests

test_evidence, test_verdict = claim_tests(
    "eq-25", expected="proved (minus-sign) / true after correction (fraction-bar)")
