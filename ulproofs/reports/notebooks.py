r"""The notebooks of ``notebooks/``: built from Python sources, executed by the tests.

Each notebook steps through one theorem's derivation with ulproofs computing every step. Its source
``notebooks/src/<name>.py`` is a plain Python file in the "percent" cell format: a line
``# %% [markdown]`` opens a Markdown cell whose lines are comments (``# `` is stripped), a line
``# %%`` opens a code cell. :func:`build_notebooks` turns every source into
``notebooks/<name>.ipynb`` with nbformat (no outputs, deterministic cell ids, so the committed
notebooks can be compared with a fresh build); :func:`execute_notebook` runs one with nbclient on
the ``python3`` kernel of the current interpreter.

The notebooks display results with :func:`show` (a formula in the paper's notation) and
:func:`show_finding` (a claim's verdict and evidence).

>>> cells = parse_cells("# %% [markdown]\n# # Title\n# Text with $x$.\n\n# %%\nx = 1\n")
>>> [(cell.kind, cell.source) for cell in cells]
[('markdown', '# Title\nText with $x$.'), ('code', 'x = 1')]
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "notebooks" / "src"
NOTEBOOK_DIR = ROOT / "notebooks"

#: The kernel every notebook names: the interpreter's own ipykernel (no ``ipykernel install`` needed).
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

_MARKER = re.compile(r"^# %%(?P<markdown> \[markdown\])?\s*$")


class NotebookSourceError(ValueError):
    """A notebook source that is not in the cell format."""


class NotebooksOutOfDate(RuntimeError):
    """Committed notebooks that differ from a fresh build of their sources."""


@dataclass(frozen=True)
class Cell:
    kind: str      # "markdown" or "code"
    source: str


def parse_cells(text, name="<source>"):
    """Split a percent-format source into cells; blank lines around a cell are dropped."""
    cells, kind, lines = [], None, []

    def close():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if not body.strip():
            raise NotebookSourceError(f"{name}: an empty {kind} cell")
        cells.append(Cell(kind, body))

    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKER.match(line)
        if match:
            close()
            kind, lines = ("markdown" if match.group("markdown") else "code"), []
        elif kind is None:
            if line.strip():
                raise NotebookSourceError(f"{name}:{number}: text before the first cell marker")
        elif kind == "markdown":
            if line.strip() and not line.startswith("#"):
                raise NotebookSourceError(f"{name}:{number}: a Markdown line must be a comment ('# ...')")
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        else:
            lines.append(line)
    close()
    if not cells:
        raise NotebookSourceError(f"{name}: no cells")
    return cells


def build_notebook(source_path):
    """The notebook (nbformat v4, no outputs) of one source file."""
    import nbformat

    source_path = Path(source_path)
    cells = parse_cells(source_path.read_text(encoding="utf-8"), source_path.name)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    for index, cell in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if cell.kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(cell.source, id=f"{source_path.stem.replace('_', '-')}-{index:02d}"))
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook):
    import nbformat

    return nbformat.writes(notebook) + "\n"


#: Cell metadata that Jupyter front ends add or change when a notebook is opened or run.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jupyter", "editable", "deletable", "trusted")


def comparable(notebook):
    """The notebook without volatile metadata: what must match between a build and the committed file."""
    notebook = copy.deepcopy(notebook)
    kernel = notebook.metadata.get("kernelspec", {})
    notebook.metadata = {"kernelspec": {"name": kernel.get("name")},
                         "language_info": {"name": notebook.metadata.get("language_info", {}).get("name")}}
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    return notebook


def sources(source_dir=None):
    return sorted(Path(source_dir or SOURCE_DIR).glob("*.py"))


def build_notebooks(check=False, source_dir=None, out_dir=None):
    """Build ``<out_dir>/<name>.ipynb`` from every ``<source_dir>/<name>.py`` and return the paths.

    With ``check=True`` nothing is written: the built notebooks are compared with the files in
    ``out_dir`` (volatile metadata ignored, :func:`comparable`), and :class:`NotebooksOutOfDate`
    is raised naming every notebook that is missing or differs.
    """
    import nbformat

    out = Path(out_dir or NOTEBOOK_DIR)
    paths, stale = [], []
    for source in sources(source_dir):
        notebook = build_notebook(source)
        target = out / f"{source.stem}.ipynb"
        paths.append(target)
        if check:
            if not target.exists() or comparable(nbformat.read(target, as_version=4)) != comparable(notebook):
                stale.append(target)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(notebook_text(notebook), encoding="utf-8")
    if stale:
        raise NotebooksOutOfDate("notebooks differ from their sources (run `python -m ulproofs notebooks`): "
                                 + ", ".join(str(p) for p in stale))
    return paths


def execute_notebook(path, timeout=600, cwd=None):
    """Run a notebook top to bottom on the ``python3`` kernel; returns the executed notebook.

    The kernel runs under the thread policy (:mod:`ulproofs.core.threads`): ``ULPROOFS_THREADS`` and
    ``OMP_NUM_THREADS`` are set in its environment to the theory side's count.
    Raises :class:`nbclient.exceptions.CellExecutionError` on the first failing cell (an error or a
    failed assertion).
    """
    import os

    import nbformat
    from nbclient import NotebookClient

    from ..core.threads import ENVIRONMENT_VARIABLE, resolve_threads

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL["name"],
                            resources={"metadata": {"path": str(cwd or path.parent)}})
    count = str(resolve_threads(None, "theory"))
    client.execute(env={**os.environ, ENVIRONMENT_VARIABLE: count, "OMP_NUM_THREADS": count})
    return notebook


# ------------------------------------------------------------------------------------------------
# Display helpers used by the notebooks
# ------------------------------------------------------------------------------------------------
def show(lhs, value=None, relation="="):
    r"""Display ``lhs = value`` (or another ``relation``) as a LaTeX formula, ``value`` printed in the
    paper's notation by :func:`ulproofs.reports.latex.to_latex`; with one argument, display ``lhs`` alone."""
    from IPython.display import Math, display

    from .latex import to_latex

    display(Math(lhs if value is None else f"{lhs} {relation} {to_latex(value)}"))


def evidence_table(evidence, measured=3, width=90):
    """Markdown table of evidence: status, kind, seconds, description and the first measured values."""
    rows = ["| | kind | s | evidence | measured |", "|---|---|---|---|---|"]
    for e in evidence:
        values = "; ".join(f"{k} = {_short(v, width)}" for k, v in list(e.measured.items())[:measured])
        rows.append(f"| {'held' if e.held else '**FAILED**'} | {e.item.kind} | {e.seconds:.2f} | "
                    f"{_cell(e.item.description)} | {_cell(values)} |")
    return "\n".join(rows)




def _short(value, width):
    text = f"{value:.3g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[:width] + " ..."


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def show_finding(finding, measured=3):
    """Display a :class:`~ulproofs.engine.verdicts.Finding`: verdict, correction, counterexample, evidence."""
    from IPython.display import Markdown, display

    parts = [f"**{finding.claim.id}: {finding.verdict_text}** "
             f"({sum(e.held for e in finding.evidence)}/{len(finding.evidence)} pieces of evidence held)"]
    if finding.correction:
        parts.append(f"**Correction.** {finding.correction}")
    if finding.counterexample:
        parts.append(f"**Counterexample.** {finding.counterexample}")
    if finding.evidence:
        parts.append(evidence_table(finding.evidence, measured))
    display(Markdown("\n\n".join(parts)))
