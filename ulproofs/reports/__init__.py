"""What the engine reports: the command line, the LaTeX export, the notebooks and the figures."""
