"""The NLI model behind one typed API, the Scorer protocol it satisfies, and the calibrations it carries."""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import torch

from stancekit._device import resolve_device, resolve_precision
from stancekit.model_config import STANCEKIT_CONFIG, ModelConfig, update_model_config
from stancekit.results import Direction, ScoreResults, contradiction_strength
from stancekit.schema import LabelSchema, LabelSpec
from stancekit.scoring.inputs import PairLike, iter_pairs
from stancekit.scoring.loading import (
    check_local_path,
    check_tokenizer_files,
    check_vocabulary,
    default_model_path,
    load_classifier,
    model_window,
    resolve_shipped,
)
from stancekit.scoring.windows import Plan, Unit, WindowPlanner, aggregate
from stancekit.types import THREE_WAY, NLILabel, Precision, map_id2label

if TYPE_CHECKING:
    from stancekit.rebuttals import RebuttalCombiner
    from stancekit.stance import StanceCalibration

logger = logging.getLogger(__name__)


Combine = Literal["max_contradiction", "mean"]
"""How to combine the two directions of a pair: keep the direction with the higher contradiction, or average."""


_STREAM_CHUNK = 8192


@runtime_checkable
class Scorer(Protocol):
    """What tracking, pairing, stance and evaluation need of an NLI model.

    :class:`NLIModel` and ``RayNLIModel`` satisfy it, and so can a stand-in of your own (a remote service, a test
    double). ``score`` takes (premise, hypothesis) pairs and returns :class:`~stancekit.results.ScoreResults` in input
    order; the other members say how to read those scores and what the model was calibrated with (``None`` where
    it has no such calibration: stance then uses the plain rule and the tracker its default threshold).

    Example:
        >>> isinstance(model, Scorer)  # the shipped NLIModel
        True
    """

    name: str
    """A name for reports and for the store's record of which model scored."""
    two_way: bool
    """Whether it predicts entailment / not_entailment only."""
    schema: LabelSchema | None
    """The label schema of a fine-tuned head (``None`` for an NLI head)."""
    rebuttal_threshold: float | None
    """The contradiction probability from which a pair is a rebuttal."""
    rebuttal_combiner: RebuttalCombiner | None
    """P(rebuttal) from a pair's features, when fitted."""

    @property
    def stance_calibration(self) -> StanceCalibration | None:
        """The fitted stance combiner, if any."""
        ...

    def score(
        self,
        pairs: Iterable[tuple[str, str]] | Iterable[PairLike] | Any,
        *,
        batch_size: int = 32,
        both_directions: bool = False,
        combine: Combine = "max_contradiction",
        show_progress_bar: bool | None = None,
    ) -> ScoreResults:
        """Score pairs, in input order."""
        ...


def require_scorer(model: object, where: str) -> Scorer:
    """``model`` as a :class:`Scorer`, or a TypeError naming what it lacks.

    Example:
        >>> require_scorer(object(), "Tracker(model=...)")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        TypeError: Tracker(model=...) needs a Scorer (e.g. NLIModel.default()); object lacks name, two_way, ..., score.
    """
    if isinstance(model, Scorer):
        return model
    members = ["name", "two_way", "schema", "rebuttal_threshold", "rebuttal_combiner", "stance_calibration", "score"]
    missing = [m for m in members if not hasattr(model, m)]
    raise TypeError(
        f"{where} needs a Scorer (e.g. NLIModel.default()); {type(model).__name__} lacks {', '.join(missing)}."
    )


class StoredCalibration:
    """The calibrations a model keeps in its ``stancekit.json`` beside the temperature, as a scorer's attributes.

    :class:`NLIModel` and ``RayNLIModel`` both read them with :meth:`load_calibration`, so a model behaves the
    same wherever it scores.

    Example:
        >>> model.stance_calibration.kinds, 0 < model.rebuttal_threshold < 1
        (['proposition', 'topic'], True)
    """

    stance_calibration_record: dict[str, Any] | None = None
    """The stored stance combiner (``stancekit.json`` ``stance_calibration``), read by :func:`stance`."""
    rebuttal_threshold: float | None = None
    """The contradiction probability from which a pair is a rebuttal (``stancekit.json`` ``rebuttal_threshold``,
    fitted by ``stancekit calibrate-rebuttals``), read by the tracker."""
    rebuttal_combiner: RebuttalCombiner | None = None
    """P(rebuttal) from a pair's features and its threshold (``stancekit.json`` ``rebuttal_combiner``, fitted by
    ``stancekit calibrate-rebuttals``), used by the tracker in place of the threshold."""

    @property
    def stance_calibration(self) -> StanceCalibration | None:
        """The model's fitted stance combiner, if it has one (see :class:`stancekit.stance.StanceCalibration`)."""
        from stancekit.stance import StanceCalibration

        record = self.stance_calibration_record
        return StanceCalibration.from_dict(record) if record else None

    def load_calibration(self, stored: ModelConfig, source: str) -> None:
        """Take the stance combiner, rebuttal threshold and rebuttal combiner of ``stored`` (read from ``source``).

        Raises:
            ValueError: If a record is malformed, naming the file.
        """
        self.stance_calibration_record = dict(stored.stance_calibration) if stored.stance_calibration else None
        self.stance_calibration  # noqa: B018  # fails now, naming the file, if the record is malformed
        self.rebuttal_threshold = stored.rebuttal_threshold
        self.rebuttal_combiner = None
        if stored.rebuttal_combiner is not None:
            from stancekit.rebuttals import RebuttalCombiner

            self.rebuttal_combiner = RebuttalCombiner.from_record(
                stored.rebuttal_combiner, source=f"{source}: {STANCEKIT_CONFIG} rebuttal_combiner"
            )


class NLIModel(StoredCalibration):
    """An NLI cross-encoder that scores (premise, hypothesis) pairs with canonical labels.

    Load it with :meth:`from_pretrained` (any hub name or local path of a sequence-classification NLI checkpoint)
    or :meth:`default` (the model shipped with stancekit). Labels come from ``config.id2label``, by name.

    Example:
        >>> model = NLIModel.default()
        >>> model.score([("The border is calm and no militants have crossed it.", "Militants crossed the border.")]
        ...             )[0].label
        <NLILabel.CONTRADICTION: 'contradiction'>
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        label_map: Mapping[str, str | NLILabel] | None = None,
        device: str | torch.device | None = None,
        precision: Precision = "auto",
        temperature: float = 1.0,
        max_length: int | None = None,
        name: str = "",
        schema: LabelSchema | None = None,
        labels: LabelSpec | None = None,
    ) -> None:
        """Wrap a loaded transformers model and tokenizer; prefer :meth:`from_pretrained`.

        ``labels`` (what :meth:`from_pretrained` resolved) wins over ``label_map`` and ``schema``, which are
        resolved here when it is not given.

        Raises:
            ValueError: If the model's labels cannot be mapped to NLI labels (and no ``schema`` says what they are),
                a ``schema`` names labels the model does not have, or ``temperature`` is not positive.
        """
        if labels is None:
            id2label = {int(k): str(v) for k, v in model.config.id2label.items()}
            if schema is None:
                labels = LabelSpec.resolve(id2label, label_map=label_map)
                if labels.schema is not None:  # a partial label_map reads a head of other labels: say so
                    map_id2label(id2label, label_map=label_map)
            else:
                labels = LabelSpec(id2label, None, schema)
                labels.schema_index  # noqa: B018  # fails now if the schema does not name every logit
        self.label_spec = labels
        """What each logit means, resolved once (see :class:`stancekit.schema.LabelSpec`)."""
        self.label_map: dict[str, str] | None = dict(labels.label_map) if labels.label_map else None
        """The mapping of the checkpoint's labels it was loaded with, kept by :meth:`save_pretrained`."""
        self.schema = labels.schema
        self.index_of: dict[NLILabel, int] = dict(labels.nli_index)
        self._schema_rows: list[int] = labels.schema_index
        self._nli_columns: list[list[int]] = labels.nli_columns
        self.two_way = labels.two_way
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature!r}.")
        self.temperature = float(temperature)
        self.device = resolve_device(device)
        self.precision: Precision = precision
        self.autocast_dtype = resolve_precision(precision, self.device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.name = name
        self._max_length = model_window(model, tokenizer, max_length)
        self.windows = WindowPlanner(tokenizer, self.max_length)
        """Plans premise windows and caches token counts (see :class:`WindowPlanner`)."""
        self.stance_calibration_record = None
        self.rebuttal_threshold = None
        self.rebuttal_combiner = None

    @classmethod
    def from_pretrained(
        cls,
        model_name_or_path: str | Path,
        *,
        device: str | torch.device | None = None,
        label_map: Mapping[str, str | NLILabel] | None = None,
        precision: Precision = "auto",
        temperature: float | None = None,
        max_length: int | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
    ) -> NLIModel:
        """Load an NLI checkpoint by hub name or local path, from safetensors only and without remote code.

        Args:
            model_name_or_path: A Hugging Face hub id, a local directory, or the name of a shipped model
                (:data:`~stancekit.scoring.SHIPPED_MODEL_NAMES`, loaded offline from the installed package).
            device: ``None`` picks cuda, then mps, then cpu.
            label_map: Meaning of the checkpoint's labels when they are not standard names, e.g.
                ``{"LABEL_0": "contradiction", "LABEL_1": "entailment", "LABEL_2": "neutral"}``.
            precision: ``auto`` uses bf16 autocast only where the hardware runs it natively; ``fp32`` turns it off.
            temperature: Softmax temperature; default: the one stored in the model's ``stancekit.json``, else 1.
            max_length: Model window in tokens; default: the smaller of the tokenizer's and the model's limits.
            revision: Hub revision (branch, tag or commit).
            local_files_only: Never touch the network.

        Returns:
            The loaded model.

        Raises:
            ValueError: If the labels cannot be mapped (the message lists them and explains ``label_map=``), or
                the checkpoint has no safetensors weights.

        Example:
            A hub id (``"cross-encoder/nli-deberta-v3-base"``) loads the same way as a local folder:

            >>> NLIModel.from_pretrained("models/stancekit-nli-minilm-l6", local_files_only=True).two_way
            False
        """
        from transformers import AutoConfig, AutoTokenizer

        source = str(model_name_or_path)
        shipped = resolve_shipped(source)
        if shipped is not None:  # a shipped model by name: always the installed copy, never the network
            source, local_files_only = shipped, True
        check_local_path(source)
        common: dict[str, Any] = {
            "revision": revision,
            "local_files_only": local_files_only,
            "trust_remote_code": False,
        }
        config = AutoConfig.from_pretrained(source, **common)
        id2label = {int(k): str(v) for k, v in (config.id2label or {}).items()}
        stored = ModelConfig.read(source)
        # the labels are resolved once, and fail before any weights load
        labels = LabelSpec.resolve(
            id2label, label_map=label_map if label_map is not None else stored.label_map, stored_schema=stored.schema
        )
        check_tokenizer_files(source)
        model = load_classifier(source, config, **common)
        tokenizer = AutoTokenizer.from_pretrained(source, **common)
        check_vocabulary(tokenizer, config, source)
        loaded = cls(
            model,
            tokenizer,
            labels=labels,
            device=device,
            precision=precision,
            temperature=stored.temperature if temperature is None else temperature,
            max_length=max_length,
            name=source,
        )
        loaded.load_calibration(stored, source)
        return loaded

    @classmethod
    def default(cls, *, device: str | torch.device | None = None, precision: Precision = "auto") -> NLIModel:
        """Load the NLI model shipped with stancekit (works offline).

        Example:
            >>> model = NLIModel.default()
            >>> [label.value for label in model.labels]
            ['entailment', 'neutral', 'contradiction']
        """
        return cls.from_pretrained(default_model_path(), device=device, precision=precision, local_files_only=True)

    def save_pretrained(self, path: str | Path) -> None:
        """Save weights (safetensors), config, tokenizer and the temperature to ``path``."""
        target = Path(path)
        target.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(target), safe_serialization=True)
        self.tokenizer.save_pretrained(str(target))
        changes: dict[str, Any] = {
            "temperature": self.temperature,
            "schema": self.schema,
            # without the map a saved checkpoint of LABEL_0-style names could not be read
            "label_map": self.label_map if self.label_map and self.schema is None else None,
        }
        if self.stance_calibration_record:
            changes["stance_calibration"] = self.stance_calibration_record
        if self.rebuttal_threshold is not None:
            changes["rebuttal_threshold"] = self.rebuttal_threshold
        if self.rebuttal_combiner is not None:
            changes["rebuttal_combiner"] = self.rebuttal_combiner.to_record()
        update_model_config(target, **changes)

    @property
    def max_length(self) -> int:
        """Tokens per model input: the window long premises are split to fit."""
        return self._max_length

    @max_length.setter
    def max_length(self, value: int) -> None:
        self._max_length = int(value)
        self.windows.max_length = self._max_length

    @property
    def labels(self) -> list[NLILabel]:
        """The canonical labels this model predicts."""
        return [NLILabel.ENTAILMENT, NLILabel.NOT_ENTAILMENT] if self.two_way else list(THREE_WAY)

    def __repr__(self) -> str:
        """Name, labels, device and precision."""
        dtype = "bf16" if self.autocast_dtype == torch.bfloat16 else "fp32"
        labels = list(self.schema.labels) if self.schema is not None else [label.value for label in self.labels]
        return (
            f"NLIModel({self.name!r}, labels={labels}, device={self.device.type}, "
            f"precision={dtype}, max_length={self.max_length}, temperature={self.temperature:.3g})"
        )

    # ------------------------------------------------------------------ scoring

    def score(
        self,
        pairs: Iterable[tuple[str, str]] | Iterable[PairLike] | Any,
        *,
        batch_size: int = 32,
        both_directions: bool = False,
        combine: Combine = "max_contradiction",
        show_progress_bar: bool | None = None,
    ) -> ScoreResults:
        """Score (premise, hypothesis) pairs; always returns :class:`ScoreResults` in input order.

        A premise longer than the model window is split at sentence boundaries into windows that fit; the pair
        takes the scores of the window with the strongest entailment or contradiction (entailment and
        contradiction are aggregated by max) and keeps that window as provenance. A sentence that alone exceeds the
        window is truncated, counted in ``truncated`` and warned about. Identical inputs are scored once.

        Args:
            pairs: ``(premise, hypothesis)`` tuples, records with ``.premise``/``.hypothesis`` (e.g.
                :class:`TextPair`), or a pandas DataFrame with those columns.
            batch_size: Pairs per forward pass.
            both_directions: Also score hypothesis→premise, since a rebuttal need not be the hypothesis of the
                claim it answers, and combine the two with ``combine``.
            combine: ``max_contradiction`` keeps the direction with the higher contradiction probability (for a
                two-way model: the higher not_entailment); ``mean`` averages the two distributions.
            show_progress_bar: ``None`` shows a bar when logging is at INFO or lower.

        Returns:
            One :class:`PairScore` per pair, as :class:`ScoreResults`.

        Raises:
            TypeError: If a pair or a text has the wrong type (naming its index).
            ValueError: If a text is missing, NaN or empty (naming its index), or an option is invalid.

        Example:
            >>> model.score([("The talks failed.", "The talks succeeded.")]).labels
            [<NLILabel.CONTRADICTION: 'contradiction'>]
        """
        parts = list(
            self.iter_score(
                pairs,
                batch_size=batch_size,
                both_directions=both_directions,
                combine=combine,
                show_progress_bar=show_progress_bar,
            )
        )
        return ScoreResults.concatenate(parts, two_way=self.two_way, schema=self.schema)

    def iter_score(
        self,
        pairs: Iterable[tuple[str, str]] | Iterable[PairLike] | Any,
        *,
        batch_size: int = 32,
        both_directions: bool = False,
        combine: Combine = "max_contradiction",
        chunk_size: int = _STREAM_CHUNK,
        show_progress_bar: bool | None = None,
    ) -> Iterator[ScoreResults]:
        """Score a (possibly endless) iterable of pairs chunk by chunk, yielding one :class:`ScoreResults` per chunk.

        Only one chunk's inputs and tensors are held at a time, so memory stays flat however long the stream.
        Arguments are those of :meth:`score`, plus ``chunk_size`` (pairs per chunk).

        Example:
            >>> stream = (("A man sleeps.", f"A man is awake at {hour}.") for hour in range(25))
            >>> [len(part) for part in model.iter_score(stream, chunk_size=10)]
            [10, 10, 5]
        """
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if combine not in ("max_contradiction", "mean"):
            raise ValueError(f"combine must be 'max_contradiction' or 'mean', got {combine!r}.")
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size!r}.")
        iterator = iter_pairs(pairs)
        offset = 0
        while True:
            chunk = list(itertools.islice(iterator, chunk_size))
            if not chunk and offset:
                return
            yield self._score_chunk(chunk, batch_size, both_directions, combine, show_progress_bar)
            offset += len(chunk)
            if len(chunk) < chunk_size:
                return

    def _score_chunk(
        self,
        chunk: list[tuple[str, str]],
        batch_size: int,
        both_directions: bool,
        combine: Combine,
        show_progress_bar: bool | None,
    ) -> ScoreResults:
        units: dict[Unit, int] = {}
        self.windows.token_lengths([text for pair in chunk for text in pair])  # one batched call, not two per pair
        forward = [self.windows.plan(p, h, units) for p, h in chunk]
        # backward: the hypothesis is scored as premise against the (windowed) premise, so a long premise still fits
        backward = [self.windows.plan(h, p, units, split="hypothesis") for p, h in chunk] if both_directions else []
        probs, cut = self._run(list(units), batch_size, show_progress_bar)
        for plan in forward + backward:
            plan.truncated = plan.truncated or bool(cut[plan.units].any())
        self._warn_truncation(forward + backward)
        fwd = [aggregate(plan, probs, two_way=self.two_way) for plan in forward]
        n = len(chunk)
        out = np.zeros((n, probs.shape[1]), dtype=np.float32)
        directions: list[Direction] = ["forward"] * n
        window = np.zeros(n, np.int64)
        windows = np.ones(n, np.int64)
        start = np.zeros(n, np.int64)
        end = np.zeros(n, np.int64)
        truncated = np.zeros(n, bool)
        for i, (vector, w) in enumerate(fwd):
            plan = forward[i]
            chosen: tuple[npt.NDArray[np.float32], int, Plan, Direction] = (vector, w, plan, "forward")
            if both_directions:
                bvector, bw = aggregate(backward[i], probs, two_way=self.two_way)
                truncated[i] = backward[i].truncated
                if combine == "mean":
                    vector = ((vector + bvector) / 2).astype(np.float32)
                    chosen = (vector, w, plan, "forward")
                elif contradiction_strength(float(bvector[0]), float(bvector[2])) > contradiction_strength(
                    float(vector[0]), float(vector[2])
                ):
                    chosen = (bvector, bw, backward[i], "backward")
            vector, w, plan, direction = chosen
            out[i] = vector
            directions[i] = direction
            window[i] = w
            windows[i] = len(plan.units)
            start[i], end[i] = plan.spans[w]
            truncated[i] = truncated[i] or forward[i].truncated
        return ScoreResults(
            premises=[p for p, _ in chunk],
            hypotheses=[h for _, h in chunk],
            probabilities=out[:, :3],
            two_way=self.two_way,
            schema=self.schema,
            schema_probabilities=out[:, 3:] if self.schema is not None else None,
            directions=directions,
            window=window,
            windows=windows,
            window_start=start,
            window_end=end,
            truncated=truncated,
        )

    # ------------------------------------------------------------------ internals

    def _warn_truncation(self, plans: Sequence[Plan]) -> None:
        count = sum(plan.truncated for plan in plans)
        if count:
            warnings.warn(
                f"{count} pair(s) hold a single sentence (or a hypothesis) longer than the model window of "
                f"{self.max_length} tokens; that text was truncated. Their results have truncated=True.",
                UserWarning,
                stacklevel=4,
            )

    def _show_bar(self, show_progress_bar: bool | None, n_batches: int) -> bool:
        if show_progress_bar is not None:
            return show_progress_bar
        return n_batches > 1 and logger.getEffectiveLevel() <= logging.INFO

    def _run(
        self, units: list[Unit], batch_size: int, show_progress_bar: bool | None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
        """Probabilities for each unit, in length-sorted batches, and which units were cut.

        Columns: entailment, neutral, contradiction, then (for a model with a label schema) one per schema label.
        """
        width = 3 + (len(self.schema.labels) if self.schema is not None else 0)
        out = np.zeros((len(units), width), dtype=np.float32)
        cut = np.zeros(len(units), dtype=bool)
        if not units:
            return out, cut
        encoded = self.tokenizer(
            [u.premise for u in units], [u.hypothesis for u in units], truncation=False, verbose=False
        )
        features: dict[str, list[list[int]]] = {
            k: list(encoded[k]) for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded
        }
        over = [i for i, ids in enumerate(features["input_ids"]) if len(ids) > self.max_length]
        if over:  # only a sentence longer than the whole window gets here; it is flagged, never silently cut
            cut[over] = True
            again = self.tokenizer(
                [units[i].premise for i in over],
                [units[i].hypothesis for i in over],
                truncation="longest_first",
                max_length=self.max_length,
            )
            for k, column in features.items():
                for j, i in enumerate(over):
                    column[i] = again[k][j]
        order = np.argsort([len(ids) for ids in features["input_ids"]], kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(units), desc="Scoring", unit="pair", disable=not self._show_bar(show_progress_bar, len(batches))
        )
        autocast = torch.autocast(
            self.device.type, dtype=self.autocast_dtype or torch.float32, enabled=self.autocast_dtype is not None
        )
        with torch.inference_mode(), autocast:
            for index in batches:
                batch = self.tokenizer.pad(
                    {k: [column[i] for i in index] for k, column in features.items()},
                    pad_to_multiple_of=8,
                    return_tensors="pt",
                )
                logits = self.model(**{k: v.to(self.device) for k, v in batch.items()}).logits.float()
                finite = torch.isfinite(logits).all(dim=-1)
                if not bool(finite.all()):
                    bad = units[int(index[int((~finite).nonzero()[0])])]
                    raise ValueError(
                        f"{self.name or 'the model'} returned non-finite logits (NaN or inf) for "
                        f"{int((~finite).sum())} of {len(index)} pairs in a batch, e.g. premise {bad.premise[:60]!r}, "
                        f"hypothesis {bad.hypothesis[:60]!r}: its weights are broken (a corrupted or diverged "
                        "checkpoint) or overflow at this precision; try precision='fp32', or another checkpoint."
                    )
                out[index] = self._canonical(logits / self.temperature)
                bar.update(len(index))
        bar.close()
        return out, cut

    def _canonical(self, logits: torch.Tensor) -> npt.NDArray[np.float32]:
        probs = torch.softmax(logits, dim=-1).cpu().numpy()
        if self.schema is not None:
            own = probs[:, self._schema_rows]
            nli = np.stack([own[:, cols].sum(axis=1) for cols in self._nli_columns], axis=1)
            return np.concatenate([nli, own], axis=1).astype(np.float32)
        result = np.full((len(probs), 3), np.nan, dtype=np.float32)
        result[:, 0] = probs[:, self.index_of[NLILabel.ENTAILMENT]]
        if not self.two_way:
            result[:, 1] = probs[:, self.index_of[NLILabel.NEUTRAL]]
            result[:, 2] = probs[:, self.index_of[NLILabel.CONTRADICTION]]
        return result
