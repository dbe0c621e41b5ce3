"""Which run a folder of checkpoints belongs to: one rule for both training loops.

A run folder carries ``run.json`` with a fingerprint of what the run learns from (its settings, and its data where
the loop knows it). A rerun resumes only its own checkpoints: another run's are an error (training on would save
the old run under the new settings) or, when asked, cleared. :func:`~stancekit.training.train_nli` and
:func:`~stancekit.training.fit` both go through :func:`claim_run_folder`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["RUN_STAMP", "claim_run_folder", "run_fingerprint"]

RUN_STAMP = "run.json"
"""The file in a run folder that names the run its checkpoints belong to."""


def run_fingerprint(settings: Mapping[str, Any], data: Iterable[object] = ()) -> str:
    """A digest of a run's settings (JSON-ready values; paths as text) and, optionally, its data rows.

    Example:
        >>> run_fingerprint({"lr": 1e-5}) == run_fingerprint({"lr": 1e-5}), run_fingerprint({"lr": 2e-5})[:4] != ""
        (True, True)
    """
    digest = hashlib.sha256(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    for row in data:
        digest.update(json.dumps(row, default=str).encode())
    return digest.hexdigest()


def claim_run_folder(
    folder: Path,
    fingerprint: str,
    *,
    has_checkpoints: bool,
    resume: bool = True,
    unstamped_is_ours: bool = False,
    clear: Iterable[Path] = (),
) -> None:
    """Make ``folder`` this run's before it writes a checkpoint, and stamp it.

    Args:
        folder: The run folder (holds :data:`RUN_STAMP`).
        fingerprint: This run's :func:`run_fingerprint`.
        has_checkpoints: Whether the folder holds checkpoints now.
        resume: ``True`` resumes this run's checkpoints and refuses another run's; ``False`` removes ``clear`` (the
            checkpoints, whichever run wrote them) to start over.
        unstamped_is_ours: Take checkpoints written before runs were stamped as this run's (a loop whose older
            versions wrote none).
        clear: What ``resume=False`` removes.

    Raises:
        ValueError: If the folder holds checkpoints of another run and ``resume`` is ``True``.

    Example:
        >>> claim_run_folder(tmp, run_fingerprint({"lr": 1e-5}), has_checkpoints=False)
        >>> claim_run_folder(tmp, run_fingerprint({"lr": 2e-5}), has_checkpoints=True)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: ... holds checkpoints of another run ...
    """
    stamp = folder / RUN_STAMP
    if has_checkpoints:
        recorded = json.loads(stamp.read_text(encoding="utf-8")).get("fingerprint") if stamp.is_file() else None
        ours = recorded == fingerprint or (recorded is None and unstamped_is_ours)
        if resume and not ours:
            raise ValueError(
                f"{folder} holds checkpoints of another run (its data or settings differ from this one's), so "
                "resuming would train and save the old run. Use a new output_dir, or resume=False "
                "(--no-resume) to start over here."
            )
        if not resume:
            logger.info("resume=False: removing the checkpoints in %s", folder)
            for path in clear:
                shutil.rmtree(path, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
