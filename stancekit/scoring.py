"""The NLI scoring engine: any sequence-classification NLI checkpoint behind one typed API."""

from __future__ import annotations

import contextlib
import itertools
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import torch

from stancekit._device import resolve_device, resolve_precision
from stancekit.io import is_missing
from stancekit.model_config import STANCEKIT_CONFIG, ModelConfig, update_model_config
from stancekit.results import Direction, ScoreResults, contradiction_strength
from stancekit.schema import LabelSchema, LabelSpec
from stancekit.text import split_sentences
from stancekit.types import THREE_WAY, NLILabel, Precision, map_id2label

if TYPE_CHECKING:
    from stancekit.rebuttals import RebuttalCombiner
    from stancekit.stance import StanceCalibration

logger = logging.getLogger(__name__)

__all__ = [
    "Combine",
    "NLIModel",
    "PairLike",
    "Scorer",
    "StoredCalibration",
    "TextPair",
    "check_text",
    "default_model_path",
    "iter_pairs",
    "load_classifier",
    "make_pairs",
    "model_window",
    "no_loading_bar",
    "read_labels",
    "require_scorer",
]

Combine = Literal["max_contradiction", "mean"]
"""How to combine the two directions of a pair: keep the direction with the higher contradiction, or average."""

DEFAULT_MODEL_NAME = "stancekit-nli-minilm-l6"
_STREAM_CHUNK = 8192


@runtime_checkable
class PairLike(Protocol):
    """Anything with ``premise`` and ``hypothesis`` text attributes (e.g. :class:`TextPair`).

    Example:
        >>> isinstance(TextPair(premise="p", hypothesis="h"), PairLike)
        True
    """

    @property
    def premise(self) -> str:
        """The premise text."""
        ...

    @property
    def hypothesis(self) -> str:
        """The hypothesis text."""
        ...


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


@dataclass(frozen=True, slots=True, kw_only=True)
class TextPair:
    """A (premise, hypothesis) pair as a typed record.

    Example:
        >>> TextPair(premise="Kabul said no threat comes from Afghanistan.", hypothesis="Afghanistan is a threat.")
        TextPair(premise='Kabul said no threat comes from Afghanistan.', hypothesis='Afghanistan is a threat.')
    """

    premise: str
    hypothesis: str

    def __post_init__(self) -> None:
        """Validate both texts."""
        check_text(self.premise, "TextPair.premise")
        check_text(self.hypothesis, "TextPair.hypothesis")


_LENGTH_CACHE_SIZE = 50_000
"""Distinct texts whose token length :class:`NLIModel` remembers (repeated premises are measured once)."""


def check_text(value: object, where: str) -> str:
    """``value`` itself when it is a text with something to read; else an error naming ``where`` and the value.

    Example:
        >>> check_text("Kabul denies it.", "texts[0]")
        'Kabul denies it.'
        >>> check_text("  ", "texts[3]")
        Traceback (most recent call last):
        ...
        ValueError: texts[3] is empty or whitespace ('  '); every pair needs two non-empty texts.
    """
    if is_missing(value):
        raise ValueError(f"{where} is missing ({value!r}); every pair needs two non-empty texts.")
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {type(value).__name__} ({value!r}).")
    if not value.strip():
        raise ValueError(f"{where} is empty or whitespace ({value!r}); every pair needs two non-empty texts.")
    if not _visible(value):
        raise ValueError(
            f"{where} has only invisible characters ({value!r}: zero-width, direction or byte-order marks); "
            "every pair needs two texts with something to read."
        )
    return value


def _visible(text: str) -> bool:
    """Whether a text has a character that is neither whitespace nor an invisible format character (Cf, Cc)."""
    import unicodedata

    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


def make_pairs(premises: Sequence[str], hypotheses: Sequence[str]) -> list[TextPair]:
    """Zip two equally long sequences of texts into validated :class:`TextPair` records.

    Raises:
        ValueError: If the lengths differ, or a text is missing or empty (naming its index).
        TypeError: If a text is not a string.

    Example:
        >>> make_pairs(["A dog runs."], ["An animal moves."])[0].hypothesis
        'An animal moves.'
    """
    if len(premises) != len(hypotheses):
        raise ValueError(
            f"premises and hypotheses must have the same length, got {len(premises)} premises and "
            f"{len(hypotheses)} hypotheses."
        )
    return [
        TextPair(premise=check_text(p, f"premises[{i}]"), hypothesis=check_text(h, f"hypotheses[{i}]"))
        for i, (p, h) in enumerate(zip(premises, hypotheses, strict=True))
    ]


def _as_pair(item: object, index: int) -> tuple[str, str]:
    if isinstance(item, PairLike):
        return (
            check_text(item.premise, f"pairs[{index}].premise"),
            check_text(item.hypothesis, f"pairs[{index}].hypothesis"),
        )
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return (
            check_text(item[0], f"pairs[{index}][0] (premise)"),
            check_text(item[1], f"pairs[{index}][1] (hypothesis)"),
        )
    raise TypeError(
        f"pairs[{index}] must be a (premise, hypothesis) tuple or a record with .premise and .hypothesis, "
        f"got {type(item).__name__} ({item!r:.80})."
    )


def iter_pairs(pairs: object) -> Iterator[tuple[str, str]]:
    """Checked (premise, hypothesis) strings from any pair input :meth:`NLIModel.score` accepts.

    Tuples, :class:`PairLike` records or a pandas DataFrame with premise/hypothesis columns; a bad item is an
    error naming its index.

    Example:
        >>> list(iter_pairs([("A man sleeps.", "A man is awake.")]))
        [('A man sleeps.', 'A man is awake.')]
    """
    if isinstance(pairs, (str, bytes)):
        raise TypeError("pairs must be a sequence of (premise, hypothesis) pairs, got a single string.")
    columns = getattr(pairs, "columns", None)
    if columns is not None:  # a pandas DataFrame
        missing = [c for c in ("premise", "hypothesis") if c not in columns]
        if missing:
            raise ValueError(
                f"the DataFrame needs the columns ['premise', 'hypothesis'], but {missing} are missing "
                f"(found {list(columns)}); rename them, e.g. df.rename(columns={{'text': 'premise'}})."
            )
        pairs = zip(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), strict=True)  # type: ignore[index]
    if not isinstance(pairs, Iterable):
        raise TypeError(f"pairs must be an iterable of (premise, hypothesis) pairs, got {type(pairs).__name__}.")
    for index, item in enumerate(pairs):
        yield _as_pair(item, index)


def default_model_path() -> Path:
    """Where the shipped default model lives: inside the installed package, or ``models/`` of a source checkout.

    Raises:
        FileNotFoundError: If neither holds the model.

    Example:
        >>> default_model_path().name
        'stancekit-nli-minilm-l6'
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "_models" / DEFAULT_MODEL_NAME, here.parent / "models" / DEFAULT_MODEL_NAME]
    for candidate in candidates:
        if (candidate / "config.json").exists():
            return candidate
    raise FileNotFoundError(
        f"the default model {DEFAULT_MODEL_NAME!r} is not installed (looked in {[str(c) for c in candidates]}). "
        "Reinstall stancekit, or pass a hub name or local path to NLIModel.from_pretrained()."
    )


@dataclass(frozen=True, slots=True)
class _Unit:
    """One model input: a directional premise window and its hypothesis."""

    premise: str
    hypothesis: str


@dataclass(slots=True)
class _Plan:
    """How one directional pair maps onto units: one per premise window."""

    units: list[int]
    spans: list[tuple[int, int]]
    truncated: bool


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
        self.max_length = model_window(model, tokenizer, max_length)
        self._length_cache: dict[str, int] = {}
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
            model_name_or_path: A Hugging Face hub id or a local directory.
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
        _check_local_path(source)
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
        _check_tokenizer_files(source)
        model = load_classifier(source, config, **common)
        tokenizer = AutoTokenizer.from_pretrained(source, **common)
        _check_vocabulary(tokenizer, config, source)
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
        units: dict[_Unit, int] = {}
        self._token_lengths([text for pair in chunk for text in pair])  # one batched call, not two per pair
        forward = [self._plan(p, h, units) for p, h in chunk]
        # backward: the hypothesis is scored as premise against the (windowed) premise, so a long premise still fits
        backward = [self._plan(h, p, units, split="hypothesis") for p, h in chunk] if both_directions else []
        probs, cut = self._run(list(units), batch_size, show_progress_bar)
        for plan in forward + backward:
            plan.truncated = plan.truncated or bool(cut[plan.units].any())
        self._warn_truncation(forward + backward)
        fwd = [self._aggregate(plan, probs) for plan in forward]
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
            chosen: tuple[npt.NDArray[np.float32], int, _Plan, Direction] = (vector, w, plan, "forward")
            if both_directions:
                bvector, bw = self._aggregate(backward[i], probs)
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

    def _token_lengths(self, texts: Sequence[str]) -> list[int]:
        unique = dict.fromkeys(texts)
        missing = [t for t in unique if t not in self._length_cache]
        if len(self._length_cache) + len(missing) > _LENGTH_CACHE_SIZE:  # a stream must not grow it without limit
            self._length_cache.clear()  # cleared before this call's texts are looked up, never in between
            missing = list(unique)
        if missing:
            encoded = self.tokenizer(missing, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
            self._length_cache.update(zip(missing, (len(ids) for ids in encoded), strict=True))
        return [self._length_cache[t] for t in texts]

    def _budget(self, hypothesis: str) -> int:
        """Premise tokens that fit beside ``hypothesis`` in one window."""
        specials = int(self.tokenizer.num_special_tokens_to_add(pair=True))
        return self.max_length - specials - self._token_lengths([hypothesis])[0]

    def _plan(self, premise: str, hypothesis: str, units: dict[_Unit, int], *, split: str = "premise") -> _Plan:
        """Windows of the long side (``split``: the premise, or for the backward direction the hypothesis slot)."""
        long_text, other = (premise, hypothesis) if split == "premise" else (hypothesis, premise)

        def unit(window: str) -> _Unit:
            return _Unit(window, other) if split == "premise" else _Unit(other, window)

        budget = self._budget(other)
        if self._token_lengths([long_text])[0] <= budget:
            return _Plan([units.setdefault(unit(long_text), len(units))], [(0, len(long_text))], False)
        spans = split_sentences(long_text) or [(0, len(long_text))]
        lengths = self._token_lengths([long_text[s:e] for s, e in spans])
        groups: list[list[int]] = []
        used = 0
        for i, n in enumerate(lengths):
            # A first guess: the sum of the sentences' counts and a token per join; checked exactly below
            if groups and used + n + 1 <= budget:
                groups[-1].append(i)
                used += n + 1
            else:
                groups.append([i])
                used = n
        windows: list[tuple[int, int]] = []
        truncated = budget < 1
        while groups:
            group = groups.pop(0)
            start, end = spans[group[0]][0], spans[group[-1]][1]
            if len(group) > 1 and self._token_lengths([long_text[start:end]])[0] > budget:
                # joins cost more than guessed (byte-level BPE counts "\n\n" and leading spaces): split the group
                half = len(group) // 2
                groups[:0] = [group[:half], group[half:]]
                continue
            truncated = truncated or (len(group) == 1 and lengths[group[0]] > budget)
            windows.append((start, end))
        ids = [units.setdefault(unit(long_text[s:e]), len(units)) for s, e in windows]
        return _Plan(ids, windows, truncated)

    def _warn_truncation(self, plans: Sequence[_Plan]) -> None:
        count = sum(plan.truncated for plan in plans)
        if count:
            warnings.warn(
                f"{count} pair(s) hold a single sentence (or a hypothesis) longer than the model window of "
                f"{self.max_length} tokens; that text was truncated. Their results have truncated=True.",
                UserWarning,
                stacklevel=4,
            )

    def _aggregate(self, plan: _Plan, probs: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], int]:
        rows = probs[plan.units]
        if len(rows) == 1:
            return rows[0], 0
        best_e = int(np.argmax(rows[:, 0]))
        if self.two_way:
            return rows[best_e], best_e
        best_c = int(np.argmax(rows[:, 2]))
        return (rows[best_e], best_e) if rows[best_e, 0] >= rows[best_c, 2] else (rows[best_c], best_c)

    def _show_bar(self, show_progress_bar: bool | None, n_batches: int) -> bool:
        if show_progress_bar is not None:
            return show_progress_bar
        return n_batches > 1 and logger.getEffectiveLevel() <= logging.INFO

    def _run(
        self, units: list[_Unit], batch_size: int, show_progress_bar: bool | None
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


def model_window(model: Any, tokenizer: Any, max_length: int | None = None) -> int:
    """Tokens per input: the smallest of ``max_length``, the tokenizer's and the model's limits (512 if none is set).

    Example:
        >>> model_window(model.model, tokenizer)
        512
    """
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and getattr(model.config, "model_type", "") in _OFFSET_POSITIONS:
        # RoBERTa-style embeddings number positions from pad_token_id + 1: 514 positions hold 512 tokens
        positions -= int(getattr(model.config, "pad_token_id", 1) or 0) + 1
    limits = [
        n
        for n in (max_length, getattr(tokenizer, "model_max_length", None), positions)
        if isinstance(n, int) and 0 < n < 100_000
    ]
    return min(limits) if limits else 512


# Model types whose position ids start after the padding index (create_position_ids_from_input_ids)
_OFFSET_POSITIONS = frozenset(
    {
        "roberta",
        "roberta-prelayernorm",
        "xlm-roberta",
        "xlm-roberta-xl",
        "camembert",
        "mpnet",
        "data2vec-text",
        "longformer",
        "luke",
        "xmod",
        "ibert",
        "markuplm",
        "mluke",
    }
)


def load_classifier(source: str, config: Any, **options: Any) -> Any:
    """A sequence-classification model from safetensors only (never pickled weights), in fp32.

    Raises:
        ValueError: If the checkpoint has no safetensors weights.

    Example:
        >>> from transformers import AutoConfig
        >>> config = AutoConfig.from_pretrained("models/stancekit-nli-minilm-l6")
        >>> load_classifier("models/stancekit-nli-minilm-l6", config).dtype
        torch.float32
    """
    from transformers import AutoModelForSequenceClassification

    if Path(source).is_dir():
        broken = broken_safetensors(source)
        if broken:
            raise ValueError(broken[0])
    try:
        with no_loading_bar(Path(source).is_dir()):
            model = AutoModelForSequenceClassification.from_pretrained(
                source, config=config, use_safetensors=True, **options
            )
    except OSError as error:
        if "safetensors" in str(error).lower():
            raise ValueError(
                f"{source} has no safetensors weights; stancekit never loads pickled (.bin) weights. "
                "Convert the checkpoint with safetensors first, or use a checkpoint that ships model.safetensors."
            ) from error
        raise
    return model.float()  # weights may be stored in half precision; compute stays fp32 or autocast


def broken_safetensors(folder: str | Path) -> list[str]:
    """One line per ``*.safetensors`` file in ``folder`` that cannot be read (truncated or corrupted); empty if none.

    Example:
        >>> broken_safetensors("models/stancekit-nli-minilm-l6")
        []
    """
    from safetensors import safe_open

    problems = []
    for path in sorted(Path(folder).glob("*.safetensors")):
        try:
            with safe_open(str(path), framework="pt") as handle:
                handle.keys()
        except Exception as error:  # SafetensorError is neither OSError nor ValueError
            problems.append(
                f"{path}: not a readable safetensors file ({error}); it is truncated or corrupted: "
                "download or save the model again."
            )
    return problems


@contextlib.contextmanager
def no_loading_bar(local: bool) -> Iterator[None]:
    """Hide transformers' "Loading weights" bar for a local folder (it is noise there); hub downloads keep theirs.

    Example:
        >>> from transformers.utils import logging as hf_logging
        >>> with no_loading_bar(True):
        ...     hf_logging.is_progress_bar_enabled()
        False
    """
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    if local and was_on:
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if local and was_on:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def read_labels(
    source: str | Path, *, label_map: Mapping[str, str | NLILabel] | None = None
) -> tuple[LabelSchema | None, bool]:
    """A checkpoint's label schema (``None`` for an NLI head) and whether it is two-way, from its config alone.

    Raises:
        ValueError: If the labels cannot be mapped (as :meth:`NLIModel.from_pretrained`).

    Example:
        >>> read_labels("models/stancekit-nli-minilm-l6")
        (None, False)
    """
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(source), trust_remote_code=False)
    id2label = {int(k): str(v) for k, v in (config.id2label or {}).items()}
    stored = ModelConfig.read(source)
    spec = LabelSpec.resolve(
        id2label, label_map=label_map if label_map is not None else stored.label_map, stored_schema=stored.schema
    )
    schema, two_way = spec.schema, spec.two_way
    return schema, two_way


def _check_local_path(source: str) -> None:
    """Refuse a name that can only be a local path when nothing is there.

    Absolute, ``./``, ``~`` or deeper than ``namespace/name``: the hub client would call it a malformed repo id.
    """
    path = Path(source).expanduser()
    looks_local = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1 or "\\" in source
    if not looks_local:
        return
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # missing, or a symlink loop
        reason = "a symlink loop" if "loop" in str(error).lower() or isinstance(error, RuntimeError) else "missing"
        raise FileNotFoundError(
            f"no model at {source} ({reason}): give a local folder with config.json and model.safetensors, or a "
            "hub id such as 'cross-encoder/nli-deberta-v3-base'."
        ) from None
    if path.is_dir() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"{source} has no config.json: it is not a saved model folder.")


_TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spm.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "sentencepiece.model",
)


def _check_tokenizer_files(source: str) -> None:
    """Refuse a local folder with no tokenizer files: transformers would build a near-empty vocabulary from nothing."""
    folder = Path(source)
    if folder.is_dir() and not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise ValueError(
            f"{source} has no tokenizer files (none of {', '.join(_TOKENIZER_FILES)}): every word would be "
            "unknown to the model. Save the tokenizer beside the weights (tokenizer.save_pretrained(folder))."
        )


def _check_vocabulary(tokenizer: Any, config: Any, source: str) -> None:
    """Refuse a tokenizer far smaller than the model's vocabulary (its files are missing: every word is unknown)."""
    vocab_size = int(getattr(config, "vocab_size", 0) or 0)
    if vocab_size and len(tokenizer) < vocab_size // 2:
        raise ValueError(
            f"{source}: the tokenizer has {len(tokenizer)} tokens but the model's vocabulary has {vocab_size}: the "
            "checkpoint's tokenizer files (tokenizer.json, vocab.txt, spm.model, vocab.json + merges.txt) are missing "
            "or incomplete, and every word would be read as unknown. Copy them from the base model's folder."
        )
