"""The notebooks run top to bottom on the installed package, so they never rot; they are kept without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_exist_without_outputs():
    assert [p.name for p in NOTEBOOKS] == ["01_score_pairs.ipynb", "02_track_claims.ipynb", "03_fine_tune.ipynb"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} cell {index} has outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    scratch = tmp_path / "tmp"  # the kernel's temporary folder: what a notebook leaves there is a leak
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the failing cell and its traceback, on any error
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) or "image/png" in o.get("data", {}) for o in outputs)
    assert not list(scratch.glob("stancekit-*")), "a notebook left its scratch folder behind"
