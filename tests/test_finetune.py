from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ID2LABEL, save_tiny
from stancekit import NLIModel
from stancekit.cli import main
from stancekit.data import LabeledPair, check_splits, load_pairs, split_dev
from stancekit.evaluation import evaluate, schema_probabilities
from stancekit.schema import LabelSchema, parse_label_map
from stancekit.stance import stance
from stancekit.training.finetune import FinetuneConfig, build_model, fit

SU = {"SUPPORT": "entailment", "UNDERMINE": "contradiction"}
COLUMNS = {"perspective": "premise", "claim": "hypothesis"}


def _rows(n: int = 30) -> list[dict[str, str]]:
    """A learnable toy task: a perspective with "no" undermines the claim, one without supports it."""
    rows = []
    for i in range(n):
        rows.append({"claim": f"russia says a threat {i}", "perspective": f"the man runs {i}", "label": "SUPPORT"})
        rows.append({"claim": f"russia says a threat {i}", "perspective": f"no threat {i} . no", "label": "UNDERMINE"})
    return rows


@pytest.fixture()
def tiny_base(tmp_path):
    return save_tiny(tmp_path / "base", id2label=ID2LABEL)


# ------------------------------------------------------------------ data in


def test_load_pairs_reads_every_source_alike(tmp_path):
    rows = _rows(3)
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    csv = tmp_path / "p.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    from datasets import Dataset

    sources = [jsonl, csv, pd.DataFrame(rows), Dataset.from_list(rows), rows]
    loaded = [load_pairs(s, column_mapping=COLUMNS) for s in sources]
    expected = [(r["perspective"], r["claim"], r["label"]) for r in rows]
    for pairs in loaded:
        assert [(p.premise, p.hypothesis, p.label) for p in pairs] == expected


def test_load_pairs_names_row_field_and_value(tmp_path):
    path = tmp_path / "bad.jsonl"
    rows = _rows(2)
    rows[2]["perspective"] = "  "
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=r"bad.jsonl line 3: 'perspective' \(premise\) is missing or empty \('  '\)"):
        load_pairs(path, column_mapping=COLUMNS)
    with pytest.raises(ValueError, match=r"row 1: unknown label 'UNDERMINE'; the labels are \['SUPPORT'\]"):
        load_pairs(_rows(1), column_mapping=COLUMNS, labels=["SUPPORT"])
    with pytest.raises(ValueError, match=r"column\(s\) 'premise', 'hypothesis' not found; the columns are"):
        load_pairs(_rows(1))
    frame = pd.DataFrame(_rows(2))
    frame.loc[1, "label"] = np.nan
    with pytest.raises(ValueError, match=r"row 1: 'label' \(label\) is missing or empty \(nan\)"):
        load_pairs(frame, column_mapping=COLUMNS)
    with pytest.raises(TypeError, match=r"row 0: 'perspective' \(premise\) must be text, got int"):
        load_pairs([{"perspective": 3, "claim": "x", "label": "SUPPORT"}], column_mapping=COLUMNS)
    with pytest.raises(ValueError, match="column_mapping must map onto"):
        load_pairs(_rows(1), column_mapping={"claim": "target"})


def test_check_splits_catches_leakage_single_class_and_conflicts():
    train = load_pairs(_rows(4), column_mapping=COLUMNS, name="train")
    dev = load_pairs(_rows(4)[2:3], column_mapping=COLUMNS, name="dev")
    with pytest.raises(ValueError, match=r"both train \(row 2\) and dev \(row 0\)"):
        check_splits({"train": train, "dev": dev})
    only = [p for p in train if p.label == "SUPPORT"]
    with pytest.raises(ValueError, match=r"single class \(\{'SUPPORT': 4\}\)"):
        check_splits({"train": only})
    clash = [*train, LabeledPair(premise=train[0].premise, hypothesis=train[0].hypothesis, label="UNDERMINE")]
    with pytest.raises(ValueError, match="gives one pair two labels"):
        check_splits({"train": clash})
    with pytest.raises(ValueError, match=r"label\(s\) \['UNDERMINE'\]"):
        check_splits({"train": train}, labels=["SUPPORT", "OTHER"])


def test_split_dev_is_stratified_and_disjoint():
    pairs = load_pairs(_rows(20), column_mapping=COLUMNS)
    train, dev = split_dev(pairs, 0.2, seed=1)
    assert len(dev) == 8 and {p.label for p in dev} == {"SUPPORT", "UNDERMINE"}
    assert not {(p.premise, p.hypothesis) for p in train} & {(p.premise, p.hypothesis) for p in dev}
    assert split_dev(pairs, 0.2, seed=1) == (train, dev)


# ------------------------------------------------------------------ schemas


def test_label_schema_round_trip_and_errors():
    schema = LabelSchema.create(["SUPPORT", "UNDERMINE"], {"SUPPORT": "SUPPORTS", "UNDERMINE": "refutes"})
    assert schema.nli_label("UNDERMINE").value == "contradiction"
    assert LabelSchema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
    assert LabelSchema.create(["agree", "discuss"], {"agree": "entailment"}).nli_label("discuss").value == "neutral"
    with pytest.raises(ValueError, match=r"label_map\['PRO'\] = 'maybe' is not entailment"):
        LabelSchema.create(["PRO", "CON"], {"PRO": "maybe"})
    with pytest.raises(ValueError, match="not one of the labels"):
        LabelSchema.create(["PRO", "CON"], {"NEUTRAL": "neutral"})
    with pytest.raises(ValueError, match="at least two labels"):
        LabelSchema(("PRO",))
    assert parse_label_map("A=entailment, B = contradiction") == {"A": "entailment", "B": "contradiction"}
    with pytest.raises(ValueError, match="'A' must look like LABEL=nli_label"):
        parse_label_map("A")


def test_warm_start_reproduces_the_base_zero_shot(tiny_base):
    schema = LabelSchema.create(["SUPPORT", "UNDERMINE", "OTHER"], SU)
    model, tokenizer, warm = build_model(tiny_base, schema)
    assert warm and model.config.id2label == {0: "SUPPORT", 1: "UNDERMINE", 2: "OTHER"}
    pairs = [("the man runs", "a dog sleeps"), ("no threat from afghanistan", "afghanistan poses a threat")]
    enc = tokenizer([p for p, _ in pairs], [h for _, h in pairs], return_tensors="pt", padding=True)
    with torch.no_grad():
        warm_probs = torch.softmax(model(**enc).logits, -1).numpy()
    base = NLIModel.from_pretrained(tiny_base, device="cpu", precision="fp32")
    zero_shot = schema_probabilities(base, pairs, schema)
    np.testing.assert_allclose(warm_probs, zero_shot, atol=1e-5)
    _, _, warm = build_model(tiny_base, schema, warm_start=False)
    assert not warm


def test_unmappable_model_labels_are_refused_unless_mapped(tmp_path):
    path = save_tiny(tmp_path / "pro-con", id2label={0: "PRO", 1: "CON"})
    with pytest.raises(ValueError, match="cannot map the model's labels"):
        NLIModel.from_pretrained(path)
    model = NLIModel.from_pretrained(path, label_map={"PRO": "entailment", "CON": "contradiction"})
    assert model.schema is not None and model.schema.labels == ("PRO", "CON")
    result = model.score([("the man runs", "the man sleeps")])[0]
    assert result.schema_label in ("PRO", "CON")
    assert result.entailment == pytest.approx(result.schema_scores["PRO"])
    assert result.neutral == 0.0
    with pytest.raises(ValueError, match=r"label_map names \['YES'\]"):
        NLIModel.from_pretrained(path, label_map={"YES": "entailment"})


# ------------------------------------------------------------------ training


def _config(tmp_path, base, **kwargs):
    settings = {
        "output_dir": tmp_path / "out",
        "base_model": base,
        "label_map": SU,
        "epochs": 8,
        "batch_size": 8,
        "learning_rate": 3e-3,
        "show_progress": False,
        "device": "cpu",
        "precision": "fp32",
        "patience": 8,
    }
    settings.update(kwargs)
    return FinetuneConfig(**settings)


def test_fit_learns_saves_schema_and_beats_zero_shot(tmp_path, tiny_base):
    dev_rows = _rows(40)[60:]
    result = fit(_rows(30), _config(tmp_path, tiny_base), dev=dev_rows, column_mapping=COLUMNS)
    out = result.model_dir
    assert (out / "model.safetensors").is_file() and not list(out.glob("*.bin"))
    stored = json.loads((out / "stancekit.json").read_text())
    assert stored["schema"] == {"labels": ["SUPPORT", "UNDERMINE"], "nli_map": SU}
    assert stored["temperature"] == pytest.approx(result.temperature) and result.temperature > 0
    assert "SUPPORT" in (out / "README.md").read_text()
    model = result.load(device="cpu", precision="fp32")
    assert model.schema == result.schema
    scored = model.score([("no threat 99 . no", "russia says a threat 99"), ("the man runs 99", "russia says")])
    assert scored.schema_labels == ["UNDERMINE", "SUPPORT"]
    assert list(scored.to_pandas()[["p_SUPPORT", "p_UNDERMINE"]].sum(axis=1).round(5)) == [1.0, 1.0]
    report = evaluate(model, dev_rows, base=NLIModel.from_pretrained(tiny_base), column_mapping=COLUMNS, name="dev")
    assert report.accuracy >= 0.95 and report.macro_f1 > report.baseline.macro_f1
    assert report.labels == ("SUPPORT", "UNDERMINE")
    assert sum(map(sum, report.confusion)) == report.n == 20
    assert [m.support for m in report.per_class] == [10, 10]
    frame = report.to_pandas()
    assert list(frame["label"]) == ["SUPPORT", "UNDERMINE", "macro"] and "baseline_f1" in frame
    assert "baseline" in str(report)
    favor = stance(model, ["the man runs 7", "no threat 7 . no"], "russia says a threat 7")
    assert [r.label.value for r in favor] == ["favor", "against"]


def test_fit_resumes_from_its_checkpoint(tmp_path, tiny_base, caplog):
    rows = _rows(8)
    fit(rows, _config(tmp_path, tiny_base, max_steps=2, eval_every=2), column_mapping=COLUMNS)
    assert (tmp_path / "out" / "checkpoints" / "checkpoint-2").is_dir()
    with caplog.at_level(logging.INFO, logger="stancekit.training.finetune"):
        result = fit(rows, _config(tmp_path, tiny_base, max_steps=4, eval_every=2), column_mapping=COLUMNS)
    assert "resuming from" in caplog.text and "checkpoint-2" in caplog.text
    assert result.steps == 4


def test_bad_training_data_fails_before_any_model_loads(tmp_path, monkeypatch):
    import stancekit.training.finetune as finetune

    def boom(*args, **kwargs):
        raise AssertionError("the model was loaded before the data were checked")

    monkeypatch.setattr(finetune, "build_model", boom)
    one_class = [r for r in _rows(5) if r["label"] == "SUPPORT"]
    with pytest.raises(ValueError, match="single class"):
        fit(one_class, _config(tmp_path, "unused"), dev=_rows(6)[10:], column_mapping=COLUMNS)
    with pytest.raises(ValueError, match=r"both train .* and dev"):
        fit(_rows(5), _config(tmp_path, "unused"), dev=_rows(5)[:2], column_mapping=COLUMNS)
    with pytest.raises(ValueError, match=r"dev row 0: unknown label|label\(s\) \['NEUTRAL'\]"):
        bad_dev = [{"perspective": "x y", "claim": "z", "label": "NEUTRAL"}, *_rows(6)[10:]]
        fit(_rows(5), _config(tmp_path, "unused"), dev=bad_dev, column_mapping=COLUMNS)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match=r"FinetuneConfig.learning_rate has an invalid value: 5"):
        FinetuneConfig(output_dir=tmp_path, learning_rate=5)


def test_cli_finetune_and_evaluate(tmp_path, tiny_base, capsys):
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in _rows(20)))
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r) + "\n" for r in _rows(26)[40:]))
    out = tmp_path / "model"
    common = ["--columns", "perspective=premise,claim=hypothesis"]
    code = main(
        ["finetune", str(train), "--out", str(out), "--base", str(tiny_base), "--label-map", "SUPPORT=entailment,"
         "UNDERMINE=contradiction", "--epochs", "6", "--batch-size", "8", "--lr", "3e-3", "--quiet",
         "--precision", "fp32", "--device", "cpu", *common]
    )  # fmt: skip
    assert code == 0 and "dev macro-F1" in capsys.readouterr().out
    report_path = tmp_path / "report.json"
    code = main(
        ["evaluate", str(dev), "--model", str(out), "--base", str(tiny_base), "--json", str(report_path), *common]
    )
    printed = capsys.readouterr().out
    report = json.loads(report_path.read_text())
    assert code == 0 and "baseline" in printed
    assert report["n"] == 12 and report["labels"] == ["SUPPORT", "UNDERMINE"]
    assert report["baseline"]["model"] == str(tiny_base)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"perspective": "", "claim": "x", "label": "SUPPORT"}) + "\n")
    code = main(["finetune", str(bad), "--out", str(tmp_path / "never"), *common])
    assert code == 2 and "bad.jsonl line 1: 'perspective' (premise) is missing or empty" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_fit_never_resumes_another_runs_checkpoints(tmp_path, tiny_base, capsys):
    rows = _rows(8)
    fit(rows, _config(tmp_path, tiny_base, max_steps=2, eval_every=2), column_mapping=COLUMNS)
    other = [{**r, "perspective": r["perspective"] + " today"} for r in rows]
    with pytest.raises(ValueError, match="holds checkpoints of another run"):
        fit(other, _config(tmp_path, tiny_base, max_steps=2, eval_every=2), column_mapping=COLUMNS)
    result = fit(other, _config(tmp_path, tiny_base, max_steps=2, eval_every=2, resume=False), column_mapping=COLUMNS)
    assert result.steps == 2
    card = json.loads((result.model_dir / "stancekit.json").read_text())
    assert card["finetune"]["train_pairs"] == result.train_pairs
    assert "{'loss'" not in capsys.readouterr().out  # show_progress=False prints no Trainer log dicts


def test_a_broken_newest_checkpoint_falls_back_to_an_intact_one(tmp_path, tiny_base, caplog):
    rows = _rows(8)
    fit(rows, _config(tmp_path, tiny_base, max_steps=4, eval_every=2), column_mapping=COLUMNS)
    checkpoints = tmp_path / "out" / "checkpoints"
    newest = checkpoints / "checkpoint-4" / "model.safetensors"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    with caplog.at_level(logging.INFO, logger="stancekit.training.finetune"):
        result = fit(rows, _config(tmp_path, tiny_base, max_steps=6, eval_every=2), column_mapping=COLUMNS)
    assert "skipping checkpoint" in caplog.text and "checkpoint-4" in caplog.text and "truncated" in caplog.text
    assert "resuming from" in caplog.text and "checkpoint-2" in caplog.text
    assert result.steps == 6


def test_a_label_map_typo_is_refused_not_trained_as_a_class(tmp_path, tiny_base):
    typo = {"SUPPORT": "entailment", "UNDERMNE": "contradiction"}
    with pytest.raises(ValueError, match=r"label_map key 'UNDERMNE' is not a label .* Did you mean 'UNDERMINE'\?"):
        fit(_rows(8), _config(tmp_path, tiny_base, label_map=typo), column_mapping=COLUMNS)
