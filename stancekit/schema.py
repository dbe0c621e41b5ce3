"""Label schemas: a user's own labels (favor/against/none, SUPPORT/UNDERMINE, …) and their NLI meaning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stancekit.types import THREE_WAY, NLILabel, canonical_label, map_id2label

__all__ = ["LabelSchema", "LabelSpec", "parse_label_map"]


@dataclass(frozen=True, slots=True)
class LabelSchema:
    """An ordered set of class labels and, optionally, what each means in NLI terms.

    The NLI meaning lets a model of this schema serve every NLI-based part of stancekit (``score``'s
    entailment/neutral/contradiction view, ``stance``, ``relate``) and lets a new schema start from an NLI model
    (warm start: each label's classifier row is copied from the NLI label it maps to). A label mapped to nothing
    means "neither entails nor contradicts", which is NLI's neutral.

    Attributes:
        labels: The class labels, in the order of the model's logits.
        nli_map: Label -> NLI label (entailment, neutral or contradiction), for the labels that have one.

    Example:
        >>> schema = LabelSchema(("SUPPORT", "UNDERMINE"), {"SUPPORT": NLILabel.ENTAILMENT,
        ...                                                 "UNDERMINE": NLILabel.CONTRADICTION})
        >>> schema.nli_label("UNDERMINE").value
        'contradiction'
    """

    labels: tuple[str, ...]
    nli_map: Mapping[str, NLILabel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate labels and mapping."""
        labels = tuple(self.labels)
        object.__setattr__(self, "labels", labels)
        if len(labels) < 2:
            raise ValueError(f"a label schema needs at least two labels, got {list(labels)!r}.")
        for i, label in enumerate(labels):
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"LabelSchema.labels[{i}] must be a non-empty string, got {label!r}.")
        if len(set(labels)) != len(labels):
            duplicates = sorted({x for x in labels if labels.count(x) > 1})
            raise ValueError(f"LabelSchema.labels has duplicates: {duplicates}.")
        mapped: dict[str, NLILabel] = {}
        for key, value in dict(self.nli_map).items():
            if key not in labels:
                raise ValueError(f"nli_map names {key!r}, which is not one of the labels {list(labels)}.")
            mapped[key] = _nli_meaning(value, f"nli_map[{key!r}]")
        object.__setattr__(self, "nli_map", mapped)

    @classmethod
    def create(cls, labels: Sequence[str], label_map: Mapping[str, str | NLILabel] | None = None) -> LabelSchema:
        """A schema from labels and a mapping whose values may be NLI synonyms (``"SUPPORTS"``, ``"refutes"``).

        Raises:
            ValueError: If a mapped value is not an NLI label or synonym, or a key is not among ``labels``.

        Example:
            >>> LabelSchema.create(["PRO", "CON"], {"PRO": "entailment", "CON": "contradiction"}).nli_map["CON"].value
            'contradiction'
        """
        mapped = {key: _nli_meaning(value, f"label_map[{key!r}]") for key, value in (label_map or {}).items()}
        return cls(tuple(labels), mapped)

    @classmethod
    def nli(cls) -> LabelSchema:
        """The three NLI labels themselves."""
        return cls(tuple(label.value for label in THREE_WAY), {label.value: label for label in THREE_WAY})

    @property
    def is_nli(self) -> bool:
        """Whether this is the plain three-way NLI schema."""
        return set(self.labels) == {label.value for label in THREE_WAY} and all(
            self.nli_map.get(label.value) is label for label in THREE_WAY
        )

    @property
    def has_nli_meaning(self) -> bool:
        """Whether some label means entailment or contradiction (so NLI-based stance can use the model)."""
        return any(v in (NLILabel.ENTAILMENT, NLILabel.CONTRADICTION) for v in self.nli_map.values())

    def nli_label(self, label: str) -> NLILabel:
        """The NLI meaning of ``label``: its mapping, or neutral when it has none.

        Raises:
            ValueError: If ``label`` is not in the schema.
        """
        if label not in self.labels:
            raise ValueError(f"unknown label {label!r}; this schema's labels are {list(self.labels)}.")
        return self.nli_map.get(label, NLILabel.NEUTRAL)

    def index(self, label: str) -> int:
        """Position of ``label`` among the logits.

        Raises:
            ValueError: If ``label`` is not in the schema.
        """
        if label not in self.labels:
            raise ValueError(f"unknown label {label!r}; this schema's labels are {list(self.labels)}.")
        return self.labels.index(label)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (stored in the model's ``stancekit.json``)."""
        return {"labels": list(self.labels), "nli_map": {k: v.value for k, v in self.nli_map.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelSchema:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: If ``data`` has no ``labels`` list.
        """
        labels = data.get("labels")
        if not isinstance(labels, list):
            raise ValueError(f"a stored label schema needs a 'labels' list, got {data!r}.")
        return cls(
            tuple(str(x) for x in labels), {str(k): NLILabel(v) for k, v in dict(data.get("nli_map", {})).items()}
        )

    @classmethod
    def infer(cls, labels: Sequence[str], label_map: Mapping[str, str | NLILabel] | None = None) -> LabelSchema:
        """A schema for the labels seen in data, sorted, with ``label_map`` or else the NLI synonyms as meaning.

        Example:
            >>> LabelSchema.infer(["neutral", "entailment", "contradiction"]).is_nli
            True
        """
        ordered = tuple(sorted(dict.fromkeys(labels)))
        if set(ordered) == {label.value for label in THREE_WAY} and not label_map:
            return cls.nli()
        if label_map is None:
            guessed = {label: canonical_label(label) for label in ordered}
            label_map = {k: v for k, v in guessed.items() if v in THREE_WAY}
        return cls.create(ordered, label_map)


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """What a checkpoint's logits mean, resolved once from its ``config.id2label`` (by name, never by position).

    Either an NLI head (``schema`` is ``None``; ``nli_index`` gives the logit of each NLI label, two-way heads
    having entailment and not_entailment) or a head of a user's own labels (``schema``, whose labels each have an
    NLI meaning). Built by :meth:`resolve`; :class:`stancekit.scoring.NLIModel` and fine-tuning read it.

    Attributes:
        id2label: The checkpoint's logit index -> label name.
        label_map: The mapping of checkpoint label names that was needed to read an NLI head (``LABEL_0`` style),
            kept so that a saved copy reads the same; ``None`` when the names speak for themselves.
        schema: The label schema of a non-NLI head, else ``None``.
        nli_index: NLI label -> logit index, for an NLI head.

    Example:
        >>> spec = LabelSpec.resolve({0: "contradiction", 1: "entailment", 2: "neutral"})
        >>> spec.nli_index[NLILabel.ENTAILMENT], spec.two_way, spec.schema is None
        (1, False, True)
        >>> LabelSpec.resolve({0: "SUPPORT", 1: "OTHER"}, label_map={"SUPPORT": "entailment"}).schema.labels
        ('SUPPORT', 'OTHER')
    """

    id2label: Mapping[int, str]
    label_map: Mapping[str, str] | None = None
    schema: LabelSchema | None = None
    nli_index: Mapping[NLILabel, int] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        id2label: Mapping[int, str],
        *,
        label_map: Mapping[str, str | NLILabel] | None = None,
        stored_schema: LabelSchema | None = None,
    ) -> LabelSpec:
        """Read what each logit means.

        ``stored_schema`` (a saved model's) wins unless a ``label_map`` is given; a plain NLI head maps by name
        (``label_map`` overriding the synonym table); a ``label_map`` that maps the labels only partly onto NLI
        (e.g. SUPPORT/UNDERMINE) makes a schema.

        Raises:
            ValueError: If the labels cannot be mapped, a ``label_map`` names labels the model lacks, or a stored
                schema does not name every logit exactly.
        """
        id2label = {int(k): str(v) for k, v in id2label.items()}
        text_map = (
            {str(k): v.value if isinstance(v, NLILabel) else str(v) for k, v in label_map.items()}
            if label_map
            else None
        )
        if stored_schema is not None and not label_map:
            cls._schema_rows(stored_schema, id2label)
            if not (stored_schema.is_nli and _is_plain_nli(id2label)):
                return cls(id2label, None, stored_schema)
        try:
            mapped = map_id2label(id2label, label_map=label_map)
            return cls(id2label, text_map, None, {label: i for i, label in mapped.items()})
        except ValueError:
            if not label_map:
                raise
        names = tuple(id2label[i] for i in sorted(id2label))
        unknown = [k for k in label_map if k not in names]
        if unknown:
            raise ValueError(f"label_map names {unknown}, which are not among the model's labels {list(names)}.")
        return cls(id2label, None, LabelSchema.create(names, label_map))

    @property
    def two_way(self) -> bool:
        """Whether it is a two-way (entailment / not_entailment) NLI head."""
        return NLILabel.NOT_ENTAILMENT in self.nli_index

    @property
    def schema_index(self) -> list[int]:
        """The logit index of each schema label, in the schema's order (empty for an NLI head)."""
        return [] if self.schema is None else self._schema_rows(self.schema, self.id2label)

    @property
    def nli_columns(self) -> list[list[int]]:
        """For entailment, neutral and contradiction, the schema positions that mean it (empty for an NLI head)."""
        schema = self.schema
        if schema is None:
            return []
        return [[j for j, label in enumerate(schema.labels) if schema.nli_label(label) is nli] for nli in THREE_WAY]

    def nli_rows(self) -> dict[NLILabel, int] | None:
        """The logit that each NLI label starts from when a new head is warm-started, or ``None`` (no NLI meaning).

        A two-way head serves neutral and contradiction from not_entailment; a schema head gives each NLI label its
        first schema label of that meaning.
        """
        if self.schema is not None:
            if not self.schema.has_nli_meaning:
                return None
            index = {name: i for i, name in self.id2label.items()}
            rows: dict[NLILabel, int] = {}
            for label in self.schema.labels:
                rows.setdefault(self.schema.nli_label(label), index[label])
            return rows
        rows = dict(self.nli_index)
        if self.two_way:
            rows[NLILabel.NEUTRAL] = rows[NLILabel.CONTRADICTION] = rows[NLILabel.NOT_ENTAILMENT]
        return rows

    @staticmethod
    def _schema_rows(schema: LabelSchema, id2label: Mapping[int, str]) -> list[int]:
        """The logit index of each schema label, matched by name against ``id2label``."""
        index = {name: i for i, name in id2label.items()}
        missing = [label for label in schema.labels if label not in index]
        if missing or len(index) != len(schema.labels):
            raise ValueError(
                f"the label schema {list(schema.labels)} does not match the model's labels "
                f"{[id2label[i] for i in sorted(id2label)]}"
                + (f" ({missing} are missing)" if missing else "")
                + "; the schema must name every logit of the model, exactly."
            )
        return [index[label] for label in schema.labels]


def _is_plain_nli(id2label: Mapping[int, str]) -> bool:
    try:
        map_id2label(id2label)
    except ValueError:
        return False
    return True


def _nli_meaning(value: str | NLILabel, where: str) -> NLILabel:
    """``value`` (an NLI label or synonym) as entailment, neutral or contradiction; ``where`` names it in errors."""
    target = canonical_label(value)
    if target is None or target not in THREE_WAY:
        raise ValueError(
            f"{where} = {value!r} is not entailment, neutral or contradiction; "
            "map each label onto one of those, or leave it out (it then counts as neutral)."
        )
    return target


def parse_label_map(text: str) -> dict[str, str]:
    """Parse ``"SUPPORT=entailment,UNDERMINE=contradiction"`` (the command line's ``--label-map``).

    Raises:
        ValueError: On an item without ``=``, naming it.

    Example:
        >>> parse_label_map("SUPPORT=entailment, UNDERMINE=contradiction")
        {'SUPPORT': 'entailment', 'UNDERMINE': 'contradiction'}
    """
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"--label-map item {item!r} must look like LABEL=nli_label, e.g. SUPPORT=entailment.")
        out[key.strip()] = value.strip()
    return out
