"""Errors that name the assumption a bad input breaks."""


class AssumptionError(ValueError):
    """An input violates an assumption of the paper's setting; the message names it."""
