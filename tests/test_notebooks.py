"""The notebooks: their sources are in the cell format, the committed .ipynb files equal a fresh build,
and every notebook runs to its final assertions on the interpreter's own ipykernel."""
import ast
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from ulproofs.reports import notebooks
from ulproofs.reports.notebooks import NotebookSourceError, NotebooksOutOfDate, build_notebooks, parse_cells

#: One notebook per theorem 2-8 that has its own statement (Corollaries 3 and 5, Eq. 25 and Lemmas 10-11
#: are folded into their theorems' notebooks), one for Lemma 1, and one per extension past the paper.
EXPECTED = ("lemma_1", "theorem_2", "theorem_4", "theorem_6", "theorem_7", "theorem_8", "extension_any_rates",
            "extension_collapse_condition", "extension_imbalanced")
SOURCES = notebooks.sources()


def test_one_source_per_theorem():
    assert sorted(p.stem for p in SOURCES) == sorted(EXPECTED)


def test_parse_cells():
    cells = parse_cells("# %% [markdown]\n# # T\n#\n# text\n\n# %%\nx = 1\n\ny = 2\n")
    assert [(c.kind, c.source) for c in cells] == [("markdown", "# T\n\ntext"), ("code", "x = 1\n\ny = 2")]


@pytest.mark.parametrize("text", ["x = 1\n# %%\ny = 2\n", "# %% [markdown]\nnot a comment\n", "# %%\n\n# %%\nx = 1\n",
                                  ""])
def test_parse_rejects_malformed_sources(text):
    with pytest.raises(NotebookSourceError):
        parse_cells(text)


def test_committed_notebooks_match_their_sources(tmp_path):
    built = build_notebooks(out_dir=tmp_path)
    for path in built:
        committed = notebooks.NOTEBOOK_DIR / path.name
        assert committed.exists(), f"{committed} is missing: run `python -m ulproofs notebooks`"
        assert notebooks.comparable(nbformat.read(committed, as_version=4)) == \
            notebooks.comparable(nbformat.read(path, as_version=4)), f"{committed} differs from its source"
    assert build_notebooks(check=True) == [notebooks.NOTEBOOK_DIR / p.name for p in built]


def test_check_mode_reports_a_stale_notebook(tmp_path):
    sources, out = tmp_path / "src", tmp_path / "out"
    shutil.copytree(notebooks.SOURCE_DIR, sources)
    build_notebooks(source_dir=sources, out_dir=out)
    build_notebooks(check=True, source_dir=sources, out_dir=out)
    edited = sources / "lemma_1.py"
    edited.write_text(edited.read_text() + "\n# %%\nprint('an extra cell')\n")
    with pytest.raises(NotebooksOutOfDate, match="lemma_1.ipynb"):
        build_notebooks(check=True, source_dir=sources, out_dir=out)


def test_volatile_metadata_is_ignored(tmp_path):
    (path,) = [p for p in build_notebooks(out_dir=tmp_path) if p.stem == "lemma_1"]
    notebook = nbformat.read(path, as_version=4)
    touched = nbformat.read(path, as_version=4)
    touched.metadata["widgets"] = {"state": {}}
    touched.cells[1].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    assert notebooks.comparable(touched) == notebooks.comparable(notebook)
    touched.cells[1].source += "\n"
    assert notebooks.comparable(touched) != notebooks.comparable(notebook)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_code_cells_define_nothing(source):
    """Every definition comes from ulproofs: code cells hold no function or class definitions."""
    for cell in parse_cells(source.read_text()):
        if cell.kind == "code":
            tree = ast.parse(cell.source)
            assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


@pytest.fixture(scope="module")
def executed():
    """Run every committed notebook, two at a time (one per core); {name: error or None}."""
    def run(name):
        try:
            notebooks.execute_notebook(notebooks.NOTEBOOK_DIR / f"{name}.ipynb", timeout=600)
        except Exception as error:          # a failing cell (error or assertion) or a kernel that would not start
            return error
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXPECTED, pool.map(run, EXPECTED)))


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_to_its_assertions(executed, name):
    assert executed[name] is None, str(executed[name])[-4000:]
