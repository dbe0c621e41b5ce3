from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest
import torch

from stancekit.calibration import label_targets, partial_label_nll
from stancekit.cli import main
from stancekit.evaluation import StanceRecord, evaluate_stance, load_stance, stance_report
from stancekit.io import read_nli_file
from stancekit.scoring import NLIModel
from stancekit.stance import (
    StanceCalibration,
    StanceLabel,
    fit_stance_calibration,
    stance,
    stance_features,
    stance_hypotheses,
    stance_label,
    target_kind,
)
from stancekit.types import NLILabel


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("Afghanistan poses a security threat to Central Asia", "proposition"),
        ("Climate Change is a Real Concern", "proposition"),
        ("We should ban fast food", "proposition"),
        ("Intelligence tests bring more harm than good", "proposition"),
        ("Hillary Clinton", "topic"),
        ("the death penalty", "topic"),
        ("Legalization of Abortion", "topic"),
        ("immigration reform", "topic"),
    ],
)
def test_target_kind(target, kind):
    assert target_kind(target) == kind


def test_hypotheses_by_kind():
    assert stance_hypotheses("Donald Trump") == [
        ("The author is in favor of Donald Trump.", "The author is against Donald Trump.")
    ]
    assert stance_hypotheses("The talks will fail") == [("The talks will fail.", "The talks will not fail.")]
    # a topic has no negation: forcing the proposition reading negates it, forcing topic does not
    assert stance_hypotheses("Sanctions work", kind="topic")[0][1] == "The author is against Sanctions work."
    with pytest.raises(ValueError, match=re.escape("(favor, against) pairs")):
        stance_hypotheses("guns", templates=["I like {topic}"])


def test_topic_target_scored_with_topic_hypotheses(fake_nli):
    seen = []
    original = fake_nli.score

    def spy(pairs, **kw):
        seen.extend(h for _, h in pairs)
        return original(pairs, **kw)

    fake_nli.score = spy
    stance(fake_nli, ["I am in favor of the death penalty."], "the death penalty")
    assert seen == ["The author is in favor of the death penalty.", "The author is against the death penalty."]
    seen.clear()
    stance(fake_nli, ["x y z"], "the death penalty", target_kind="proposition")
    assert "the death penalty" in seen[0].lower() and "author" not in seen[0]


def test_stance_errors(fake_nli):
    with pytest.raises(TypeError, match="target must be a string"):
        stance(fake_nli, ["a text"], None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("target_kind must be")):
        stance(fake_nli, ["a text"], "guns", target_kind="entity")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("placeholder {oops} is unknown")):
        stance(fake_nli, ["a text"], "Guns kill people", templates=["{target} and {oops}"])


def test_two_way_loss_ignores_neutral():
    targets = label_targets([NLILabel.ENTAILMENT, NLILabel.CONTRADICTION], two_way=[True, True])
    assert targets.tolist() == [3, 4]
    low = partial_label_nll(torch.tensor([[2.0, -5.0, 0.0], [0.0, -5.0, 2.0]]), targets)
    high = partial_label_nll(torch.tensor([[2.0, 9.0, 0.0], [0.0, 9.0, 2.0]]), targets)
    assert low.item() == pytest.approx(high.item(), abs=1e-5)  # the neutral logit does not matter
    full = partial_label_nll(torch.tensor([[2.0, 9.0, 0.0]]), torch.tensor([0]))
    assert full.item() > high.item() + 5  # a three-way label does pay for a high neutral
    with pytest.raises(ValueError, match="two-way example must be entailment or contradiction"):
        label_targets([NLILabel.NEUTRAL], two_way=[True])


def test_read_nli_file_two_way_flag(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        json.dumps({"premise": "p", "hypothesis": "h", "label": "entailment", "two_way": True})
        + "\n"
        + json.dumps({"premise": "p2", "hypothesis": "h", "label": "neutral"})
        + "\n"
    )
    examples = read_nli_file(path)
    assert [e.two_way for e in examples] == [True, False]
    path.write_text(json.dumps({"premise": "p", "hypothesis": "h", "label": "neutral", "two_way": True}) + "\n")
    with pytest.raises(ValueError, match="line 1: two_way"):
        read_nli_file(path)


def test_features_and_uncalibrated_rule():
    strong = np.array([[[0.9, 0.05, 0.05], [0.05, 0.05, 0.9]]], np.float32)
    weak = np.array([[[0.3, 0.4, 0.3], [0.3, 0.4, 0.3]]], np.float32)
    cal = StanceCalibration(weights={}, biases={})
    assert cal.apply(stance_features(strong), "topic").argmax() == 0
    assert cal.apply(stance_features(weak), "topic")[0].sum() == pytest.approx(1.0)


def test_fit_calibration_makes_none_win_on_weak_evidence():
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for _ in range(300):
        which = rng.integers(3)
        if which == 0:
            p = [[[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]]]
        elif which == 1:
            p = [[[0.1, 0.3, 0.6], [0.6, 0.3, 0.1]]]
        else:  # weak evidence both ways: truly no stance
            p = [[[0.45, 0.3, 0.25], [0.25, 0.3, 0.45]]]
        noisy = np.clip(np.asarray(p, np.float32) + rng.normal(0, 0.03, (1, 2, 3)), 0.01, 1)
        rows.append(stance_features(noisy / noisy.sum(-1, keepdims=True)))
        labels.append((StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)[which])
    features = np.stack(rows)
    cal = fit_stance_calibration(features, labels, ["proposition"] * 300, [False] * 300, fitted_on=["x"])
    weak = stance_features(np.array([[[0.45, 0.3, 0.25], [0.25, 0.3, 0.45]]], np.float32))
    assert cal.apply(weak, "proposition").argmax() == 2
    uncalibrated = StanceCalibration(weights={}, biases={}).apply(weak, "proposition")
    assert uncalibrated.argmax() != 2  # the plain rule picks a side on the same evidence
    assert cal.ece is not None and cal.ece["proposition"] < 0.1
    again = StanceCalibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert np.allclose(again.apply(weak, "proposition"), cal.apply(weak, "proposition"))
    with pytest.raises(ValueError, match="malformed"):
        StanceCalibration.from_dict({"weights": 3})


def test_stance_uses_the_models_calibration(fake_nli):
    text, goal = ["The weather in Kabul was sunny."], "Afghanistan poses a threat to Central Asia"
    plain = stance(fake_nli, text, goal)
    favor_everything = StanceCalibration(
        weights={"proposition": [[0.0, 0.0, 0.0]] * 6}, biases={"proposition": [5.0, 0.0, 0.0]}
    )
    fake_nli.stance_calibration = favor_everything
    assert stance(fake_nli, text, goal)[0].label is StanceLabel.FAVOR
    assert stance(fake_nli, text, goal, calibrated=False)[0].label is plain[0].label
    assert stance(fake_nli, text, goal, templates=["{target}"])[0].label is plain[0].label  # custom: rule


def test_calibration_saved_with_the_model(tiny_model_dir, tmp_path):
    model = NLIModel.from_pretrained(tiny_model_dir)
    cal = StanceCalibration(weights={"topic": [[0.5, 0, 0]] * 6}, biases={"topic": [0.0, 1.0, 0.0]})
    model.stance_calibration_record = cal.to_dict()
    model.save_pretrained(tmp_path / "m")
    again = NLIModel.from_pretrained(tmp_path / "m")
    assert again.stance_calibration is not None and again.stance_calibration.biases == cal.biases
    record = json.loads((tmp_path / "m" / "stancekit.json").read_text())
    record["stance_calibration"] = {"weights": {"topic": [[1, 2]]}, "biases": {"topic": [0, 0, 0]}}
    (tmp_path / "m" / "stancekit.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match="weight must be 6x3"):
        NLIModel.from_pretrained(tmp_path / "m")


def test_stance_labels_and_report():
    assert stance_label("in favor of") is StanceLabel.FAVOR
    assert stance_label("-1") is StanceLabel.AGAINST
    with pytest.raises(ValueError, match=re.escape("unknown stance label 'maybe'")):
        stance_label("maybe")
    probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.4, 0.1]], np.float32)
    gold = [StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE, StanceLabel.AGAINST]
    report = stance_report(probs, gold)
    assert not report.two_way
    assert report.accuracy == pytest.approx(0.5)
    assert report.confusion == ((1, 0, 0), (1, 0, 1), (0, 0, 1))
    assert report.f_avg == pytest.approx((2 / 3 + 0) / 2)
    two = stance_report(probs[[0, 1, 3]], [gold[0], gold[1], gold[3]])
    assert two.two_way and two.accuracy == pytest.approx(1 / 3 + 1 / 3)  # row 2 read as 0.2 vs 0.3: against


def test_stance_report_intervals_and_the_ece_a_calibrated_model_would_show():
    rng = np.random.default_rng(3)
    gold_index = rng.integers(0, 3, 2000)
    confidence = rng.uniform(0.4, 0.95, 2000)
    right = rng.random(2000) < confidence  # calibrated by construction
    pred = np.where(right, gold_index, (gold_index + 1) % 3)
    probs = np.full((2000, 3), 0.0, np.float32)
    probs[np.arange(2000), pred] = confidence
    probs[np.arange(2000), (pred + 2) % 3] = 1 - confidence
    order = [StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE]
    gold = [order[i] for i in gold_index]
    big = stance_report(probs, gold)
    small = stance_report(probs[:40], gold[:40])
    assert small.ece_noise > 3 * big.ece_noise  # a few dozen rows show a large ECE even when calibrated
    assert big.ece < 0.05 and abs(big.ece - big.ece_noise) < 0.02
    for report in (big, small):
        assert set(report.intervals) == {"accuracy", "macro_f1", "f_avg"}
        for name, (low, high) in report.intervals.items():
            assert low <= getattr(report, name) <= high, name
    width = {r.n: r.intervals["macro_f1"][1] - r.intervals["macro_f1"][0] for r in (big, small)}
    assert width[40] > 4 * width[2000]
    wrong = probs.copy()
    wrong[:, :] = wrong[:, [1, 2, 0]]  # the same confidences on the wrong class: ECE far above its noise
    moved = stance_report(wrong, gold)
    assert moved.ece > moved.ece_noise + 0.3
    assert "95% bootstrap intervals: accuracy" in str(big) and "intervals" in big.to_dict()


def test_load_stance_native_labels_and_errors(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"claim": "c", "perspective": "p", "label": "SUPPORT"}) + "\n")
    rows = load_stance(path, column_mapping={"perspective": "text", "claim": "target"})
    assert rows == [StanceRecord(text="p", target="c", label=StanceLabel.FAVOR, where=rows[0].where)]
    path.write_text(json.dumps({"text": "t", "target": "g", "label": "MAYBE"}) + "\n")
    with pytest.raises(ValueError, match=re.escape("line 1: unknown stance label 'MAYBE'")):
        load_stance(path)
    assert load_stance(path, label_map={"MAYBE": "none"})[0].label is StanceLabel.NONE


def test_evaluate_stance_beside_a_base(fake_nli):
    rows = [
        StanceRecord(text="Afghanistan poses a threat to Central Asia.", target=TARGET, label=StanceLabel.FAVOR),
        StanceRecord(text="Afghanistan poses no threat to Central Asia.", target=TARGET, label=StanceLabel.AGAINST),
        StanceRecord(text="The weather in Kabul was sunny.", target=TARGET, label=StanceLabel.NONE),
    ]
    report = evaluate_stance(fake_nli, rows, base=fake_nli, name="toy")
    assert report.accuracy == pytest.approx(1.0) and report.f_avg == pytest.approx(1.0)
    assert report.baseline is not None and report.baseline.macro_f1 == pytest.approx(report.macro_f1)
    assert "F_avg=1.0000" in str(report)


TARGET = "Afghanistan poses a threat to Central Asia"


def test_evaluate_and_calibrate_stance_cli(tmp_path, tiny_model_dir, capsys):
    import shutil

    path = tmp_path / "dev.jsonl"
    rows = [
        {"text": f"text number {i} about guns", "target": "gun control", "label": ["PRO", "CON", "MAYBE"][i % 3]}
        for i in range(60)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = main(
        ["evaluate-stance", str(path), "--model", str(tiny_model_dir), "--no-base", "--label-map", "MAYBE=none"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "dev.jsonl (60 rows, three-way)" in out and "F_avg=" in out
    assert main(["evaluate-stance", str(path), "--model", str(tiny_model_dir), "--no-base"]) == 2
    assert "unknown stance label 'MAYBE'" in capsys.readouterr().err
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    assert main(["calibrate-stance", str(path), "--model", str(model), "--label-map", "MAYBE=none"]) == 0
    assert "penalty per target kind, chosen by leaving each fifth of the file out" in capsys.readouterr().out
    assert "stance_calibration" in json.loads((model / "stancekit.json").read_text())
    assert NLIModel.from_pretrained(model).stance_calibration is not None
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps({**r, "target": "the death penalty"}) + "\n" for r in rows))
    assert main(["calibrate-stance", str(path), str(other), "--model", str(model), "--label-map", "MAYBE=none"]) == 0
    out = capsys.readouterr().out
    stored = json.loads((model / "stancekit.json").read_text())["stance_calibration"]
    chosen = stored["l2"]
    assert set(chosen) == {"proposition", "topic"}  # one penalty for each kind the two targets are
    assert "leaving each file out" in out and "<-" in out
    for kind, value in chosen.items():
        assert f"{kind:<12} l2 {value:<6g}" in out
    options = ["--model", str(model), "--label-map", "MAYBE=none"]
    assert main(["calibrate-stance", str(path), *options, "--l2", "0.05"]) == 0
    assert json.loads((model / "stancekit.json").read_text())["stance_calibration"]["l2"] == 0.05
    assert main(["calibrate-stance", str(path), *options, "--l2", "x"]) == 2
    assert "--l2 must be 'auto' or a number" in capsys.readouterr().err
    cache = tmp_path / "evidence.npz"
    files = [str(path), str(other), *options, "--cache", str(cache)]
    assert main(["calibrate-stance", *files]) == 0
    assert cache.exists()
    import stancekit.stance

    def refuse(*args, **kwargs):
        raise AssertionError("the cached evidence should have been read")

    original = stancekit.stance.stance_evidence
    stancekit.stance.stance_evidence = refuse
    try:
        assert main(["calibrate-stance", *files]) == 0  # read back: no scoring
    finally:
        stancekit.stance.stance_evidence = original
    capsys.readouterr()
    scored = []

    def count(model, texts, *args, **kwargs):
        scored.append(len(texts))
        return original(model, texts, *args, **kwargs)

    stancekit.stance.stance_evidence = count
    try:
        other.write_text("".join(json.dumps({**r, "target": "the death tax"}) + "\n" for r in rows))
        assert main(["calibrate-stance", *files]) == 0  # the first file's rows are read, the changed file's scored
        assert scored == [len(rows)]
        config = json.loads((model / "stancekit.json").read_text())
        (model / "stancekit.json").write_text(json.dumps({**config, "temperature": 2.5}))  # other scores
        assert main(["calibrate-stance", *files]) == 0  # nothing cached applies
        assert scored == [len(rows), 2 * len(rows)]
    finally:
        stancekit.stance.stance_evidence = original
    assert "holds the evidence of another model or other settings" in capsys.readouterr().out


def test_the_penalty_is_the_one_that_predicts_a_left_out_set_best():
    from stancekit.stance import choose_stance_l2, stance_log_loss

    rng = np.random.default_rng(1)
    rows, labels, groups = [], [], []
    for group in range(4):
        for _ in range(120):
            which = rng.integers(3)
            favor, against = [(0.7, 0.1), (0.1, 0.7), (0.3, 0.3)][which]
            p = np.array([[[favor, 0.2, 1 - favor - 0.2], [against, 0.2, 1 - against - 0.2]]], np.float32)
            p = np.clip(p + rng.normal(0, 0.05, p.shape), 0.01, 1).astype(np.float32)
            rows.append(stance_features(p / p.sum(-1, keepdims=True)))
            labels.append((StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)[which])
            groups.append(f"set {group}")
    features = np.stack(rows)
    kinds, flags = ["topic"] * len(labels), [False] * len(labels)
    l2, table = choose_stance_l2(features, labels, kinds, flags, groups, grid=(0.001, 0.1, 10.0))
    assert [row["l2"] for row in table] == [0.001, 0.1, 10.0]
    best = min(row["held_out_nll"] for row in table)
    assert l2 == min(row["l2"] for row in table if row["held_out_nll"] <= best + 1e-3)
    assert all(np.isfinite(row["held_out_nll"]) and set(groups) <= set(row) for row in table)
    fitted = fit_stance_calibration(features, labels, kinds, flags, l2=l2)
    assert fitted.l2 == l2 and stance_log_loss(fitted, features, labels, kinds, flags) < np.log(3)
    with pytest.raises(ValueError, match="at least two dev files"):
        choose_stance_l2(features, labels, kinds, flags, ["one"] * len(labels))


def test_each_target_kind_gets_the_penalty_that_predicts_its_own_rows_best():
    from stancekit.stance import choose_stance_l2, choose_stance_l2_by_kind

    rng = np.random.default_rng(2)
    rows, labels, groups, kinds = [], [], [], []
    for group in range(3):
        for kind, noise in (("topic", 0.02), ("proposition", 0.25)):  # clean topics, noisy propositions
            for _ in range(90):
                which = rng.integers(3)
                favor, against = [(0.7, 0.1), (0.1, 0.7), (0.3, 0.3)][which]
                p = np.array([[[favor, 0.2, 1 - favor - 0.2], [against, 0.2, 1 - against - 0.2]]], np.float32)
                p = np.clip(p + rng.normal(0, noise, p.shape), 0.01, 1).astype(np.float32)
                rows.append(stance_features(p / p.sum(-1, keepdims=True)))
                labels.append((StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)[which])
                groups.append(f"set {group}")
                kinds.append(kind)
    features, flags, grid = np.stack(rows), [False] * len(labels), (0.001, 0.1, 10.0)
    chosen, tables = choose_stance_l2_by_kind(features, labels, kinds, flags, groups, grid=grid)
    for kind in ("topic", "proposition"):  # the same as choosing on that kind's rows alone
        mine = [i for i, k in enumerate(kinds) if k == kind]
        alone, table = choose_stance_l2(
            features[mine], [labels[i] for i in mine], [kind] * len(mine), [False] * len(mine),
            [groups[i] for i in mine], grid=grid,
        )  # fmt: skip
        assert chosen[kind] == alone
        assert [round(r["held_out_nll"], 9) for r in tables[kind]] == [round(r["held_out_nll"], 9) for r in table]
    fitted = fit_stance_calibration(features, labels, kinds, flags, l2=chosen)
    assert fitted.l2 == chosen and StanceCalibration.from_dict(fitted.to_dict()).l2 == chosen
    with pytest.raises(ValueError, match="not for the target kind"):
        fit_stance_calibration(features, labels, kinds, flags, l2={"topic": 0.1})


def _write_set(root, name, split, records):
    (root / name).mkdir(parents=True, exist_ok=True)
    with gzip.open(root / name / f"{split}.jsonl.gz", "wt") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


def test_build_stance_data_holds_dev_out(tmp_path):
    from stancekit.io import read_nli_dir
    from stancekit.training.stance_data import build_stance_data

    stance_dir, data_dir = tmp_path / "stance", tmp_path / "data"
    claims = [f"Cities should build more tram line number {i}" for i in range(6)]
    train = [
        {
            "claim": claims[i % 6],
            "perspective": f"Trams cut traffic in district {i}.",
            "label": ["SUPPORT", "UNDERMINE"][i % 2],
        }
        for i in range(80)
    ]
    dev = [{"claim": "Taxes should rise", "perspective": "Schools need money.", "label": "SUPPORT"}]
    _write_set(stance_dir, "perspectrum", "train", [*train, {**train[0], "perspective": "Schools need money."}])
    _write_set(stance_dir, "perspectrum", "dev", dev)
    semeval = [
        {
            "target": ["Atheism", "Hillary Clinton"][i % 2],
            "text": f"tweet {i} #SemST",
            "label": ["FAVOR", "AGAINST", "NONE"][i % 3],
        }
        for i in range(60)
    ]
    _write_set(stance_dir, "semeval2016_task6", "train", semeval)
    _write_set(
        data_dir,
        "lingnli",
        "train",
        [{"premise": "The talks failed in Geneva.", "hypothesis": "x", "label": "neutral"}],
    )
    counts = build_stance_data(stance_dir, data_dir, tmp_path / "out", sets=["perspectrum", "semeval2016_task6"])
    assert counts["perspectrum_dev"]["held_out_rows"] == 1
    assert counts["semeval2016_task6_dev15"]["held_out_rows"] == 12  # round(15% of 10) = 2 per (target, label)
    assert counts["perspectrum"]["dropped_as_held_out"] >= 1  # the training copy of a dev text is gone
    dev_texts = {
        json.loads(line)["text"] for f in (tmp_path / "out" / "stance_dev").glob("*.jsonl") for line in f.open()
    }
    train_pairs = read_nli_dir(tmp_path / "out" / "train")
    assert not dev_texts & {p.premise for p in train_pairs}
    persp = [p for p in train_pairs if p.source == "perspectrum/train"]
    assert persp and all(p.two_way for p in persp)
    semeval_pairs = [p for p in train_pairs if p.source == "semeval2016_task6/train"]
    assert not any(p.two_way for p in semeval_pairs)
    assert {p.hypothesis for p in semeval_pairs} >= {"The author is in favor of Atheism."}
    negation = [p for p in train_pairs if p.source == "negation/train"]
    assert next((p.premise, p.hypothesis) for p in negation) in {
        ("The talks failed in Geneva.", "The talks succeeded in Geneva."),
        ("The talks succeeded in Geneva.", "The talks failed in Geneva."),
    }
    with pytest.raises(ValueError, match="unknown stance set"):
        build_stance_data(stance_dir, data_dir, tmp_path / "o2", sets=["nope"])
    # stop variation: about half the training premises lose (or gain) their final stop; dev files keep theirs
    build_stance_data(stance_dir, data_dir, tmp_path / "o3", sets=["perspectrum"], stop_variation=0.5)
    varied = [p for p in read_nli_dir(tmp_path / "o3" / "train") if p.source == "perspectrum/train"]
    unstopped = sum(not p.premise.endswith(".") for p in varied)
    assert 0.3 * len(varied) < unstopped < 0.7 * len(varied)
    assert all(p.premise.endswith(".") for p in persp)  # the default (0.0) left every stop alone
    dev_rows = [json.loads(line) for line in (tmp_path / "o3" / "stance_dev" / "perspectrum_dev.jsonl").open()]
    assert all(row["text"].endswith(".") for row in dev_rows)


def test_vary_final_stop():
    import random

    from stancekit.training.stance_data import vary_final_stop

    rng = random.Random(0)
    assert vary_final_stop("Talks failed.", rng, 1.0) == "Talks failed"
    assert vary_final_stop("Talks failed", rng, 1.0) == "Talks failed."
    assert vary_final_stop("Talks failed...", rng, 1.0) == "Talks failed..."
    assert vary_final_stop("Did talks fail?", rng, 1.0) == "Did talks fail?"
    assert vary_final_stop("Talks failed.", rng, 0.0) == "Talks failed."


def test_same_topic_rows_pair_a_text_with_another_target_it_shares_a_word_with():
    import random

    from stancekit.training.stance_data import StanceRow, _same_topic

    subjects = ["schools", "trams", "taxes", "dams", "phones", "police", "farmers", "rivers", "prisons", "banks"]
    tails = ["ban smoking", "cost less", "open later", "hire guards", "close early", "grow faster", "pay wages"]
    rows = []
    for i in range(40):
        for j, subject in enumerate(subjects * 2):
            target = f"{subject.title()} should {tails[j % 7]} {['soon', 'abroad', 'daily'][j % 3]}"
            rows.append(
                StanceRow(
                    text=f"The {subjects[(j + 1) % 10]} report {i} came out.",
                    target=target,
                    label="favor",
                    kind="proposition",
                    source="x",
                )
            )
    out = _same_topic(rows, 0.1, random.Random(0))
    assert out and all(r.label == "none" and r.source == "x/same_topic" for r in out)
    for r in out:
        shared = set(r.text.lower().split()) & set(r.target.lower().split())
        assert shared - {"the"}  # a subject word in common with the text
    topics = [StanceRow(text="I love feminism", target=t, label="favor", kind="topic", source="x") for t in subjects]
    assert _same_topic(topics * 3, 1.0, random.Random(0)) == []  # topic targets: no such rows


def test_subject_mentions_are_neutral_news_sentences_about_a_noun_phrase_of_the_target():
    import random

    pytest.importorskip("spacy")
    from stancekit.claims.attribution import load_pipeline
    from stancekit.training.stance_data import StanceRow, subject_mentions

    nlp = load_pipeline()
    rows = [
        StanceRow(
            text="t", target="Schools should ban mobile phones in class", label="favor", kind="proposition", source="x"
        ),
        StanceRow(
            text="t", target="Apple will launch its watch in February", label="against", kind="proposition", source="y"
        ),
        StanceRow(text="t", target="It is a good thing", label="favor", kind="proposition", source="z"),
    ]
    out = subject_mentions(rows, 3, random.Random(0), nlp)
    assert out and all(r.label == "none" for r in out)
    assert {r.source for r in out} == {"x/mentions", "y/mentions"}  # pronouns and "thing" name no subject
    texts = " ".join(r.text for r in out if r.target.startswith("Schools"))
    assert "mobile phones" in texts or "schools" in texts or "class" in texts
    apple = [r.text for r in out if r.source == "y/mentions"]
    assert all("Apple" in t or "watch" in t or "February" in t for t in apple)  # a name keeps its capital
    assert not any("apple" in t for t in apple)
    assert subject_mentions(rows, 0, random.Random(0), nlp) == []
