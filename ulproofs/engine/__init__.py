"""The verdict engine.

Claims, evidence declarations, the runner, the verdict rule, the registry and the errata ledger.
"""
