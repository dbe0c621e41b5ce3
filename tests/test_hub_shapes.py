"""Tiny checkpoints in the shapes of published NLI models: labels, windows, both directions, CLI, stance, fit."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hub_shapes import CORPUS, KINDS, MNLI, THREE, build

from stancekit import NLIModel
from stancekit.stance import stance
from stancekit.text import split_sentences

pytest.importorskip("sentencepiece")

LONG = "\n\n".join(
    f"{line} {'and then ' * (i % 4)}it went on ." if i % 3 else line for i, line in enumerate(CORPUS * 6)
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    return {kind: build(kind, root / kind) for kind in KINDS}


@pytest.mark.parametrize("order", [THREE, MNLI], ids=["cross-encoder", "mnli"])
@pytest.mark.parametrize("kind", KINDS)
def test_labels_are_read_by_name_in_either_order(tmp_path, kind, order):
    model = NLIModel.from_pretrained(build(kind, tmp_path / "m", id2label=order), precision="fp32")
    raw = model.model(**model.tokenizer(["the dog runs ."], ["a cat sleeps ."], return_tensors="pt")).logits
    expected = torch.softmax(raw, -1)[0].detach().numpy()
    score = model.score([("the dog runs .", "a cat sleeps .")])[0]
    by_name = {name.lower(): float(expected[i]) for i, name in order.items()}
    assert np.allclose(
        [score.entailment, score.neutral, score.contradiction],
        [by_name[k] for k in ("entailment", "neutral", "contradiction")],
        atol=1e-5,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_long_premise_fits_its_windows_in_both_directions(folders, kind, recwarn):
    model = NLIModel.from_pretrained(folders[kind])
    assert model.max_length == 64
    (forward,) = model.score([(LONG, "the talks failed .")])
    (both,) = model.score([(LONG, "the talks failed .")], both_directions=True)
    # cut only when one sentence and the hypothesis overflow the window (a sentence-piece model this small spells
    # words letter by letter); never because sentences were packed too tightly
    longest = max(len(model.tokenizer(LONG[s:e], "the talks failed .")["input_ids"]) for s, e in split_sentences(LONG))
    assert forward.truncated is both.truncated is (longest > model.max_length)
    assert forward.windows > 1 and both.windows > 1
    assert bool([w for w in recwarn if "truncated" in str(w.message)]) is (longest > model.max_length)
    # every window, joined as the model sees it, fits: nothing was cut
    plan = model.windows.plan(LONG, "the talks failed .", {})
    for start, end in plan.spans:
        ids = model.tokenizer(LONG[start:end], "the talks failed .")["input_ids"]
        single = len(split_sentences(LONG[start:end])) == 1
        assert single or len(ids) <= model.max_length, (kind, start, end, len(ids))
    assert plan.spans[0][0] == 0 and plan.spans[-1][1] == len(LONG.rstrip())


@pytest.mark.parametrize("kind", ["roberta", "xlm-r"])
def test_offset_positions_without_model_max_length(tmp_path, kind):
    model = NLIModel.from_pretrained(build(kind, tmp_path / kind, max_length=None))
    assert model.max_length == 64  # 66 positions, numbered from pad_token_id + 1
    (result,) = model.score([(CORPUS[0] + "\n\n" + LONG, "the talks failed .")])  # no index error past 64 tokens
    assert result.windows > 1


@pytest.mark.parametrize("kind", KINDS)
def test_stance_and_the_cli_on_each_shape(folders, kind, tmp_path, capsys):
    from stancekit.cli import main

    model = NLIModel.from_pretrained(folders[kind])
    results = stance(model, ["Mujahid denied the claims by Shoigu ."], ["Afghanistan poses a threat to Central Asia"])
    assert results[0].label.value in {"favor", "against", "none"}
    assert abs(sum(results[0].scores.values()) - 1) < 1e-5
    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"premise": LONG, "hypothesis": "the talks failed ."}) + "\n")
    assert main(["score", str(data), "--model", str(folders[kind]), "--both-directions"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["label"] in {"entailment", "neutral", "contradiction"} and row["window"]["of"] > 1


@pytest.mark.parametrize("kind", ["bert", "roberta", "bart", "deberta-v2-spm", "electra"])
def test_fit_each_shape(folders, kind, tmp_path, capfd):
    from stancekit.training.finetune import FinetuneConfig, fit

    capfd.readouterr()
    rows = [
        {"premise": p, "hypothesis": h, "label": label}
        for p, h, label in [
            ("the talks failed .", "the talks succeeded .", "contradiction"),
            ("the dog runs in the park .", "the dog runs .", "entailment"),
            ("a cat sleeps on the mat .", "the talks failed .", "neutral"),
        ]
        * 8
    ]
    config = FinetuneConfig(
        output_dir=str(tmp_path / "out"),
        base_model=str(folders[kind]),
        max_steps=4,
        batch_size=8,
        eval_every=2,
        show_progress=False,
        precision="fp32",
        device="cpu",
    )
    dev = [{**row, "premise": row["premise"].replace(" .", " !")} for row in rows[:6]]
    result = fit(rows, config, dev=dev)
    printed = capfd.readouterr()
    quiet = printed.out + printed.err
    assert "PAD/BOS/EOS" not in quiet and "Writing model shards" not in quiet and "{'loss'" not in quiet
    model = result.load()
    assert model.score([("the talks failed .", "the talks succeeded .")])[0].label.value in {
        "entailment",
        "neutral",
        "contradiction",
    }


@pytest.mark.parametrize("kind", ["bert", "roberta", "deberta-v2-spm", "xlm-r"])
def test_tracker_and_its_report_on_each_shape(folders, kind, tmp_path, recwarn):
    from stancekit.documents import Document
    from stancekit.tracking import Tracker

    documents = [
        Document(id="a", text="Officials in Lima said the talks failed on Monday.", published="2025-03-03"),
        Document(id="b", text="The Chilean minister denied that the talks failed.", published="2025-03-04"),
    ]
    model = NLIModel.from_pretrained(folders[kind], precision="fp32")
    tracker = Tracker(model, target="the talks failed").add_documents(documents)
    assert len(tracker.claims) >= 2
    assert set(tracker.actor_stance()["stance"]) <= {"favor", "against", "none"}
    report = tracker.to_html(tmp_path / "report.html").read_text()
    assert "the talks failed" in report


@pytest.mark.parametrize(
    "labels",
    [{0: "entailment", 1: "not_entailment"}, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}],
    ids=["two-way", "LABEL_n"],
)
@pytest.mark.parametrize("kind", ["roberta", "deberta-v3-json"])
def test_two_way_heads_and_generic_labels_on_other_shapes(tmp_path, kind, labels):
    folder = build(kind, tmp_path / kind, id2label=labels)
    if "LABEL_0" in labels.values():
        with pytest.raises(ValueError, match="model card"):
            NLIModel.from_pretrained(folder)
        mapping = {"LABEL_0": "contradiction", "LABEL_1": "neutral", "LABEL_2": "entailment"}
        model = NLIModel.from_pretrained(folder, label_map=mapping, precision="fp32")
        assert not model.two_way
    else:
        model = NLIModel.from_pretrained(folder, precision="fp32")
        assert model.two_way
    (both,) = model.score([(LONG, "the talks failed .")], both_directions=True)
    assert both.windows > 1 and 0 <= both.entailment <= 1
    assert stance(model, ["the talks failed ."], ["the talks failed"])[0].label.value in {"favor", "against", "none"}


def test_a_truncated_checkpoint_names_its_file(folders, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(folders["roberta"], broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    with pytest.raises(ValueError, match=r"model\.safetensors: not a readable safetensors file .* truncated"):
        NLIModel.from_pretrained(broken)
