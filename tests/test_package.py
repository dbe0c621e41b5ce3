from __future__ import annotations

import importlib

import pytest

import stancekit


@pytest.mark.parametrize("module", ["stancekit", "stancekit.training"])
def test_all_names_exist_and_public_imports_are_listed(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ lists {name!r}, which it does not define"
    public = {
        n
        for n, v in vars(mod).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith("stancekit")
    }
    assert public <= set(mod.__all__), f"{module} exports {public - set(mod.__all__)} outside __all__"


def test_version():
    assert stancekit.__version__.count(".") == 2


def test_top_level_import_stays_light():
    import subprocess
    import sys

    heavy = ("stancekit.training", "gt_all", "sentence_transformers")
    code = f"import sys, stancekit; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


PUBLIC_MODULES = [
    "stancekit",
    "stancekit.calibration",
    "stancekit.claims",
    "stancekit.data",
    "stancekit.documents",
    "stancekit.evaluation",
    "stancekit.graph",
    "stancekit.io",
    "stancekit.model_config",
    "stancekit.pairing",
    "stancekit.report",
    "stancekit.ray_data",
    "stancekit.results",
    "stancekit.schema",
    "stancekit.scoring",
    "stancekit.stance",
    "stancekit.text",
    "stancekit.tracking",
    "stancekit.types",
    "stancekit.viz",
    "stancekit.training",
    "stancekit.training.finetune",
    "stancekit.training.nli",
]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_function_and_class_has_a_docstring_example(module):
    import inspect

    mod = importlib.import_module(module)
    lacking = [
        name
        for name in mod.__all__
        if (inspect.isfunction(obj := getattr(mod, name)) or inspect.isclass(obj))
        and getattr(obj, "__module__", "").startswith("stancekit")
        and "Example" not in (inspect.getdoc(obj) or "")
    ]
    assert not lacking, f"{module}: {lacking} have no 'Example:' section in their docstring"
