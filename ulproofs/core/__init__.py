"""The exact algebra and the dynamics.

Structured matrices, the operator B, the setting, rates, gradient descent and ground truth.
"""
