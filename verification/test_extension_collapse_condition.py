"""Extension (when the limit is neural collapse): the verification suite, generated from the declared evidence."""
from ulproofs.engine.pytest_support import claim_tests

test_evidence, test_verdict = claim_tests("extension-collapse-condition", expected="proved")
