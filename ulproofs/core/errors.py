"""Errors that name the assumption a bad input breaks, and the command line's one-line error parser."""
import argparse


class AssumptionError(ValueError):
    """An input violates an assumption of the paper's setting; the message names it."""


class CommandLineParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``prog: error: message (see --help)`` on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
