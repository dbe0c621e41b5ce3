from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ID2LABEL, save_tiny
from stancekit import NLILabel, NLIModel, PairScore, ScoreResults, TextPair, make_pairs

PAIRS = [
    ("the man sleeps .", "the man is awake ."),
    ("the dog runs .", "the cat sleeps ."),
    ("russia said that afghanistan poses a threat .", "there is no threat ."),
    ("the talks failed .", "the talks succeeded ."),
]


def test_score_returns_typed_results(tiny_model):
    results = tiny_model.score(PAIRS)
    assert isinstance(results, ScoreResults)
    assert len(results) == 4
    first = results[0]
    assert isinstance(first, PairScore)
    assert first.premise == PAIRS[0][0] and first.hypothesis == PAIRS[0][1]
    probs = results.to_numpy()
    assert probs.shape == (4, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    order = [NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION]
    assert results.labels == [order[i] for i in probs.argmax(axis=1)]
    assert [r.label for r in results] == results.labels
    assert math.isclose(first.not_entailment, 1 - first.entailment, abs_tol=1e-6)


def test_results_convert_to_pandas_and_records(tiny_model):
    results = tiny_model.score(PAIRS)
    frame = results.to_pandas()
    assert list(frame["premise"]) == [p for p, _ in PAIRS]
    assert set(frame.columns) >= {"label", "entailment", "neutral", "contradiction", "window", "truncated"}
    np.testing.assert_allclose(frame[["entailment", "neutral", "contradiction"]].to_numpy(), results.to_numpy())
    records = results.to_records()
    assert records[2]["label"] == results.labels[2].value
    assert set(records[0]["scores"]) == {"entailment", "neutral", "contradiction"}
    assert "ScoreResults(4 pairs" in repr(results)
    assert "<table>" in results._repr_html_() and "talks failed" in results._repr_html_()


def test_score_is_deterministic_and_order_independent(tiny_model):
    a = tiny_model.score(PAIRS).to_numpy()
    b = tiny_model.score(PAIRS).to_numpy()
    np.testing.assert_array_equal(a, b)
    reversed_scores = tiny_model.score(PAIRS[::-1]).to_numpy()[::-1]
    np.testing.assert_allclose(a, reversed_scores, atol=1e-5)


def test_each_pair_matches_a_plain_forward_pass(tiny_model):
    tok, model = tiny_model.tokenizer, tiny_model.model
    results = tiny_model.score(PAIRS, batch_size=3)
    for (p, h), record in zip(PAIRS, results, strict=True):
        with torch.no_grad():
            logits = model(**tok(p, h, return_tensors="pt")).logits[0]
        probs = torch.softmax(logits, -1).numpy()
        np.testing.assert_allclose([record.entailment, record.neutral, record.contradiction], probs, atol=1e-5)


def test_permuted_id2label_gives_the_same_canonical_probabilities(tiny_model_dir, tmp_path):
    base = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    # Same weights, classifier rows permuted, id2label permuted to match: a differently ordered checkpoint.
    perm = [2, 0, 1]
    permuted = save_tiny(tmp_path / "perm", id2label={i: ID2LABEL[p] for i, p in enumerate(perm)})
    other = NLIModel.from_pretrained(permuted, device="cpu", precision="fp32")
    other.model.load_state_dict(base.model.state_dict())
    with torch.no_grad():
        other.model.classifier.weight.copy_(base.model.classifier.weight[perm])
        other.model.classifier.bias.copy_(base.model.classifier.bias[perm])
    np.testing.assert_allclose(other.score(PAIRS).to_numpy(), base.score(PAIRS).to_numpy(), atol=1e-6)
    assert other.score(PAIRS).labels == base.score(PAIRS).labels


def test_permuted_checkpoint_saved_and_reloaded(tiny_model_dir, tmp_path):
    base = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    perm = [1, 2, 0]
    with torch.no_grad():
        base.model.classifier.weight.copy_(base.model.classifier.weight[perm])
        base.model.classifier.bias.copy_(base.model.classifier.bias[perm])
    base.model.config.id2label = {i: ID2LABEL[p] for i, p in enumerate(perm)}
    base.model.config.label2id = {v: k for k, v in base.model.config.id2label.items()}
    base.save_pretrained(tmp_path / "saved")
    reloaded = NLIModel.from_pretrained(tmp_path / "saved", device="cpu", precision="fp32")
    original = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    np.testing.assert_allclose(reloaded.score(PAIRS).to_numpy(), original.score(PAIRS).to_numpy(), atol=1e-6)


def test_generic_labels_are_refused_unless_label_map_is_given(tmp_path):
    path = save_tiny(tmp_path / "generic", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(ValueError, match=re.escape("['LABEL_0', 'LABEL_1', 'LABEL_2']")):
        NLIModel.from_pretrained(path, device="cpu")
    model = NLIModel.from_pretrained(
        path, device="cpu", label_map={"LABEL_0": "entailment", "LABEL_1": "neutral", "LABEL_2": "contradiction"}
    )
    assert model.labels == [NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION]


def test_two_way_model_reports_unknown_split(tmp_path):
    path = save_tiny(tmp_path / "binary", id2label={0: "not_entailment", 1: "entailment"})
    model = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
    results = model.score(PAIRS)
    assert model.two_way and results.two_way
    probs = results.to_numpy()
    assert np.isnan(probs[:, 1:]).all() and not np.isnan(probs[:, 0]).any()
    for record in results:
        assert record.neutral is None and record.contradiction is None
        assert record.label in (NLILabel.ENTAILMENT, NLILabel.NOT_ENTAILMENT)
        assert (record.label is NLILabel.ENTAILMENT) == (record.entailment >= 0.5)
    assert results.to_pandas()["contradiction"].isna().all()


def test_pickled_weights_are_refused(tmp_path, tiny_model_dir):
    import shutil

    from safetensors.torch import load_file

    target = tmp_path / "pickled"
    shutil.copytree(tiny_model_dir, target)
    state = load_file(str(target / "model.safetensors"))
    (target / "model.safetensors").unlink()
    torch.save(state, target / "pytorch_model.bin")
    with pytest.raises((ValueError, OSError), match="safetensors"):
        NLIModel.from_pretrained(target, device="cpu")


def test_accepts_records_dataframes_and_make_pairs(tiny_model):
    expected = tiny_model.score(PAIRS).to_numpy()
    records = [TextPair(premise=p, hypothesis=h) for p, h in PAIRS]
    np.testing.assert_array_equal(tiny_model.score(records).to_numpy(), expected)
    frame = pd.DataFrame(PAIRS, columns=["premise", "hypothesis"])
    np.testing.assert_array_equal(tiny_model.score(frame).to_numpy(), expected)
    made = make_pairs([p for p, _ in PAIRS], [h for _, h in PAIRS])
    np.testing.assert_array_equal(tiny_model.score(made).to_numpy(), expected)
    np.testing.assert_array_equal(tiny_model.score(iter(PAIRS)).to_numpy(), expected)


def test_empty_input_gives_empty_results(tiny_model):
    results = tiny_model.score([])
    assert len(results) == 0 and results.to_numpy().shape == (0, 3) and len(results.to_pandas()) == 0


@pytest.mark.parametrize(
    ("pairs", "error", "message"),
    [
        ([("ok .", "")], ValueError, "pairs[0][1] (hypothesis) is empty"),
        ([("ok .", "ok ."), ("  ", "ok .")], ValueError, "pairs[1][0] (premise) is empty"),
        ([("ok .", None)], ValueError, "pairs[0][1] (hypothesis) is missing (None)"),
        ([("ok .", float("nan"))], ValueError, "pairs[0][1] (hypothesis) is missing (nan)"),
        ([("ok .", 3)], TypeError, "pairs[0][1] (hypothesis) must be a str, got int"),
        ([("ok .",)], TypeError, "pairs[0] must be a (premise, hypothesis) tuple"),
        ("a string", TypeError, "got a single string"),
    ],
)
def test_bad_input_names_index_and_value(tiny_model, pairs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        tiny_model.score(pairs)


def test_dataframe_with_nan_and_missing_columns(tiny_model):
    frame = pd.DataFrame({"premise": ["ok .", None], "hypothesis": ["ok .", "ok ."]})
    with pytest.raises(ValueError, match=re.escape("pairs[1][0] (premise) is missing")):
        tiny_model.score(frame)
    with pytest.raises(ValueError, match=re.escape("needs the columns ['premise', 'hypothesis']")):
        tiny_model.score(pd.DataFrame({"text": ["a"], "hypothesis": ["b"]}))


def test_make_pairs_mismatched_lengths():
    with pytest.raises(ValueError, match="got 2 premises and 1 hypotheses"):
        make_pairs(["a", "b"], ["c"])
    with pytest.raises(ValueError, match=re.escape("hypotheses[0] is empty")):
        make_pairs(["a"], [" "])


def test_identical_pairs_are_scored_once(tiny_model, monkeypatch):
    seen = []
    original = tiny_model.model.forward

    def counting(*args, **kwargs):
        seen.append(kwargs["input_ids"].shape[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(tiny_model.model, "forward", counting)
    results = tiny_model.score(PAIRS * 5)
    assert sum(seen) == len(PAIRS)
    np.testing.assert_array_equal(results.to_numpy()[:4], results.to_numpy()[4:8])


def test_both_directions_max_contradiction(tiny_model):
    forward = tiny_model.score(PAIRS).to_numpy()
    backward = tiny_model.score([(h, p) for p, h in PAIRS]).to_numpy()
    both = tiny_model.score(PAIRS, both_directions=True)
    for i, record in enumerate(both):
        expected = backward[i] if backward[i, 2] > forward[i, 2] else forward[i]
        np.testing.assert_allclose(both.to_numpy()[i], expected, atol=1e-6)
        assert record.direction == ("backward" if backward[i, 2] > forward[i, 2] else "forward")
    mean = tiny_model.score(PAIRS, both_directions=True, combine="mean").to_numpy()
    np.testing.assert_allclose(mean, (forward + backward) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="combine must be"):
        tiny_model.score(PAIRS, combine="max")


def test_long_premise_is_windowed_with_provenance(tiny_model):
    # The tiny model's window is 64 tokens; this premise is far longer and splits at sentence boundaries.
    sentences = [f"The dog runs {'a ' * 8}." for _ in range(6)] + ["The talks failed ."]
    premise = " ".join(sentences)
    hypothesis = "the talks succeeded ."
    results = tiny_model.score([(premise, hypothesis)])
    record = results[0]
    assert record.windows > 1 and not record.truncated
    window_text = premise[record.window_start : record.window_end]
    assert window_text.strip() and window_text in premise
    # The reported scores are exactly those of the deciding window scored alone.
    alone = tiny_model.score([(window_text, hypothesis)]).to_numpy()[0]
    np.testing.assert_allclose(results.to_numpy()[0], alone, atol=1e-5)
    # No window scores higher entailment or contradiction than the aggregate's deciding value.
    spans = tiny_model.windows.plan(premise, hypothesis, {}).spans
    per_window = tiny_model.score([(premise[s:e], hypothesis) for s, e in spans]).to_numpy()
    decided = max(per_window[:, 0].max(), per_window[:, 2].max())
    assert math.isclose(max(record.entailment, record.contradiction), decided, abs_tol=1e-5)


def test_single_overlong_sentence_is_truncated_with_warning(tiny_model):
    premise = "the dog runs " + "a " * 100 + "."
    with pytest.warns(UserWarning, match="1 pair"):
        results = tiny_model.score([(premise, "the dog runs ."), ("the man sleeps .", "the man is awake .")])
    assert [r.truncated for r in results] == [True, False]
    assert results.truncated_count == 1


def test_iter_score_streams_in_chunks(tiny_model):
    stream = (PAIRS[i % 4] for i in range(10))
    parts = list(tiny_model.iter_score(stream, chunk_size=4))
    assert [len(p) for p in parts] == [4, 4, 2]
    joined = np.concatenate([p.to_numpy() for p in parts])
    np.testing.assert_allclose(joined, tiny_model.score([PAIRS[i % 4] for i in range(10)]).to_numpy(), atol=1e-6)


def test_token_length_cache_stays_bounded_over_a_stream(tiny_model, monkeypatch):
    import stancekit.scoring.windows as windows

    monkeypatch.setattr(windows, "LENGTH_CACHE_SIZE", 20)
    # premises repeat across chunks (a cached text must survive the clearing), hypotheses are all new
    pairs = [(f"the man sleeps {i % 3} .", f"the dog runs {i} .") for i in range(50)]
    reference = tiny_model.score(pairs[:5]).labels
    sizes = []
    for part in tiny_model.iter_score(pairs, chunk_size=8):
        sizes.append(len(tiny_model.windows.cache))
        assert len(part) <= 8
    assert max(sizes) <= 20 and len(sizes) == 7  # 53 distinct texts went through a cache of 20
    assert tiny_model.score(pairs[:5]).labels == reference  # clearing the cache changes no result


def test_temperature_softens_probabilities(tiny_model_dir):
    sharp = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    soft = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32", temperature=5.0)
    assert sharp.score(PAIRS).labels == soft.score(PAIRS).labels
    assert soft.score(PAIRS).to_numpy().max() < sharp.score(PAIRS).to_numpy().max()
    with pytest.raises(ValueError, match="temperature must be positive"):
        NLIModel.from_pretrained(tiny_model_dir, temperature=0.0)


def test_bf16_precision_runs_and_agrees_on_labels(tiny_model_dir):
    fp32 = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")
    bf16 = NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="bf16")
    assert bf16.autocast_dtype == torch.bfloat16 and fp32.autocast_dtype is None
    np.testing.assert_allclose(bf16.score(PAIRS).to_numpy(), fp32.score(PAIRS).to_numpy(), atol=0.05)
    with pytest.raises(ValueError, match="precision must be"):
        NLIModel.from_pretrained(tiny_model_dir, precision="fp8")


def test_a_full_length_cache_is_kept_when_every_text_is_already_in_it(tiny_model, monkeypatch):
    import stancekit.scoring.windows as windows

    monkeypatch.setattr(windows, "LENGTH_CACHE_SIZE", 4)
    tiny_model.windows.cache.clear()
    texts = ["a b", "c d e", "f", "g h i j"]
    first = tiny_model.windows.token_lengths(texts)
    assert len(tiny_model.windows.cache) == 4
    assert tiny_model.windows.token_lengths(texts[:1]) == first[:1]  # a cached text: no clearing, no re-tokenising
    assert len(tiny_model.windows.cache) == 4
    assert tiny_model.windows.token_lengths(["k l"]) == [
        len(tiny_model.tokenizer("k l", add_special_tokens=False)["input_ids"])
    ]
    assert len(tiny_model.windows.cache) == 1  # a new text at the bound clears the cache first


def test_tiny_model_fixture_has_a_real_vocabulary(tiny_model):
    from conftest import _vocab

    tokenizer = tiny_model.tokenizer
    assert len(tokenizer) == len(_vocab())
    assert tokenizer.tokenize("the man runs . the dog sleeps") == ["the", "man", "runs", ".", "the", "dog", "sleeps"]
    assert "[UNK]" not in tokenizer.tokenize("Zabihullah")  # spelt out in word pieces, not unknown
    a, b = tiny_model.score([("the man runs", "the dog sleeps"), ("the cat is awake", "a woman said no")]).to_numpy()
    assert abs(a - b).max() > 1e-3  # the inputs reach the model


def test_a_label_map_survives_save_and_reload_and_the_refusal_points_to_the_card(tmp_path):
    path = save_tiny(tmp_path / "generic", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(ValueError, match="read the model card") as refused:
        NLIModel.from_pretrained(path, device="cpu")
    assert "'LABEL_0': ..." in str(refused.value) and "'LABEL_0': 'entailment'" not in str(refused.value)
    mapping = {"LABEL_0": "contradiction", "LABEL_1": "entailment", "LABEL_2": "neutral"}
    model = NLIModel.from_pretrained(path, device="cpu", precision="fp32", label_map=mapping)
    model.save_pretrained(tmp_path / "saved")
    again = NLIModel.from_pretrained(tmp_path / "saved", device="cpu", precision="fp32")
    assert again.label_map == mapping and again.index_of == model.index_of
    assert np.allclose(again.score(PAIRS).to_numpy(), model.score(PAIRS).to_numpy())
    config = tmp_path / "saved" / "stancekit.json"
    record = json.loads(config.read_text())
    record["label_map"] = ["LABEL_0"]
    config.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"stancekit\.json label_map must map label names"):
        NLIModel.from_pretrained(tmp_path / "saved", device="cpu")


def test_weights_that_give_nan_are_an_error_not_a_label(tmp_path):
    from transformers import BertForSequenceClassification

    path = save_tiny(tmp_path / "nan", id2label=ID2LABEL)
    broken = BertForSequenceClassification.from_pretrained(str(path))
    with torch.no_grad():
        broken.classifier.weight.fill_(float("nan"))
    broken.save_pretrained(str(path), safe_serialization=True)
    model = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
    with pytest.raises(ValueError, match=r"non-finite logits .* for 2 of 2 pairs.*premise .the man runs."):
        model.score([("the man runs", "the dog sleeps"), ("the cat is awake", "a woman said no")])


def test_a_checkpoint_without_its_tokenizer_files_is_refused(tmp_path):
    path = save_tiny(tmp_path / "bare", id2label=ID2LABEL)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (path / name).unlink(missing_ok=True)
    with pytest.raises(ValueError, match=r"bare has no tokenizer files .* every word would be unknown"):
        NLIModel.from_pretrained(path, device="cpu")


def test_a_tokenizer_far_smaller_than_the_vocabulary_is_refused(tmp_path):
    path = save_tiny(tmp_path / "small", id2label=ID2LABEL)
    (path / "tokenizer.json").unlink(missing_ok=True)
    (path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    with pytest.raises(ValueError, match=r"the tokenizer has 5 tokens but the model.s vocabulary has"):
        NLIModel.from_pretrained(path, device="cpu")


@pytest.mark.parametrize("text", ["\u200b\u200f\ufeff", " \u200b ", "\u2060\x00"])
def test_invisible_texts_are_refused_like_empty_ones(tiny_model, text):
    with pytest.raises(ValueError, match=r"pairs\[0\]\[0\] \(premise\) has only invisible characters"):
        tiny_model.score([(text, "the man runs")])
    assert tiny_model.score([("the man\u200b runs", "the dog sleeps")])[0].label in NLILabel


def test_loading_a_local_model_prints_no_progress_bar(tiny_model_dir, capfd):
    from transformers.utils import logging as hf_logging

    capfd.readouterr()
    NLIModel.from_pretrained(tiny_model_dir)
    assert "Loading weights" not in capfd.readouterr().err
    assert hf_logging.is_progress_bar_enabled()  # the global setting is left as it was


def test_a_missing_model_path_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no model at .*nowhere \(missing\)"):
        NLIModel.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"has no config\.json"):
        NLIModel.from_pretrained(tmp_path / "empty")


def test_shipped_models_load_by_name_unless_a_local_folder_shadows_them(tmp_path, monkeypatch):
    from stancekit.scoring import SHIPPED_MODEL_NAMES, shipped_model_path
    from stancekit.scoring.loading import resolve_shipped

    for name in SHIPPED_MODEL_NAMES:
        assert resolve_shipped(name) == str(shipped_model_path(name))
        assert (shipped_model_path(name) / "config.json").is_file()
    assert resolve_shipped("cross-encoder/nli-deberta-v3-base") is None
    with pytest.raises(ValueError, match=r"not a shipped model.*stancekit-nli-minilm-l6"):
        shipped_model_path("stancekit-nli-nonesuch")
    monkeypatch.chdir(tmp_path)
    (tmp_path / SHIPPED_MODEL_NAMES[0]).mkdir()  # the user's own folder of that name wins, as a path would
    assert resolve_shipped(SHIPPED_MODEL_NAMES[0]) is None
