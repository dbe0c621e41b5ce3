"""One way to do each thing: the Scorer protocol, LabelSpec, ModelConfig, and the package's import rules."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import ID2LABEL, FakeNLI, save_tiny
from stancekit import NLIModel
from stancekit.model_config import STANCEKIT_CONFIG, ModelConfig, update_model_config
from stancekit.ray_data import RayNLIModel
from stancekit.results import PairScore, contradiction_strength, more_contradictory
from stancekit.schema import LabelSchema, LabelSpec
from stancekit.scoring import Scorer, require_scorer
from stancekit.stance import stance
from stancekit.tracking import Tracker
from stancekit.types import NLILabel

PACKAGE = Path(__file__).resolve().parent.parent / "stancekit"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(PACKAGE.rglob("*.py"))]


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path, tree in _modules():
        imported_modules = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stancekit"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("stancekit"):
                        imported_modules[alias.asname or alias.name.split(".")[0]] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
            ):
                found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert found == []


def test_only_model_config_writes_or_reads_stancekit_json():
    users = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == STANCEKIT_CONFIG and path.name != "model_config.py":
                users.append(path.name)
            # naming the file in a message or a list of files to copy is fine; building a path to it is not
            if (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Name)
                and node.right.id == "STANCEKIT_CONFIG"
                and path.name != "model_config.py"
            ):
                users.append(path.name)
    assert users == []


# ----------------------------------------------------------------------------- Scorer


def test_the_models_and_the_test_double_are_scorers(tiny_model, tiny_model_dir):
    assert isinstance(tiny_model, Scorer)
    assert isinstance(FakeNLI(), Scorer)
    assert isinstance(RayNLIModel(str(tiny_model_dir)), Scorer)  # reads labels and calibration, starts no cluster


def test_a_stand_in_missing_members_is_refused_by_name(fake_nli):
    class Partial:
        name = "partial"

        def score(self, pairs, **options):
            return fake_nli.score(pairs, **options)

    with pytest.raises(TypeError, match=r"Tracker\(model=\.\.\.\) needs a Scorer .*Partial lacks two_way, schema"):
        Tracker(Partial())
    with pytest.raises(TypeError, match=r"stance\(model, \.\.\.\) needs a Scorer"):
        stance(Partial(), ["a text"], "a target")
    assert require_scorer(fake_nli, "x") is fake_nli


def test_ray_model_carries_the_stored_calibration_like_the_local_model(tiny_model_dir, tmp_path):
    folder = save_tiny(tmp_path / "m", id2label=ID2LABEL)
    calibration = {"weights": {"topic": [[0.5, 0, 0]] * 6}, "biases": {"topic": [0.0, 0.1, 0.2]}}
    update_model_config(folder, rebuttal_threshold=0.65, stance_calibration=calibration)
    local = NLIModel.from_pretrained(folder, precision="fp32")
    remote = RayNLIModel(str(folder))
    assert remote.rebuttal_threshold == local.rebuttal_threshold == 0.65
    assert remote.stance_calibration == local.stance_calibration is not None
    assert remote.stance_calibration.biases == {"topic": [0.0, 0.1, 0.2]}


# ----------------------------------------------------------------------------- LabelSpec


def test_label_spec_reads_heads_by_name_never_by_position():
    spec = LabelSpec.resolve({0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"})
    assert spec.schema is None and not spec.two_way
    assert spec.nli_index == {NLILabel.CONTRADICTION: 0, NLILabel.ENTAILMENT: 1, NLILabel.NEUTRAL: 2}
    two = LabelSpec.resolve({0: "not_entailment", 1: "entailment"})
    assert two.two_way and two.nli_rows() == {
        NLILabel.NOT_ENTAILMENT: 0,
        NLILabel.ENTAILMENT: 1,
        NLILabel.NEUTRAL: 0,
        NLILabel.CONTRADICTION: 0,
    }
    mapped = LabelSpec.resolve({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, label_map={"LABEL_0": "entailment",
                               "LABEL_1": "neutral", "LABEL_2": "contradiction"})  # fmt: skip
    assert mapped.schema is None and mapped.label_map == {
        "LABEL_0": "entailment",
        "LABEL_1": "neutral",
        "LABEL_2": "contradiction",
    }


def test_label_spec_of_a_schema_head_and_its_errors():
    spec = LabelSpec.resolve({0: "UNDERMINE", 1: "SUPPORT"}, label_map={"SUPPORT": "entailment"})
    assert spec.schema is not None and spec.schema.labels == ("UNDERMINE", "SUPPORT")
    assert spec.schema_index == [0, 1] and spec.nli_columns == [[1], [0], []]
    assert spec.nli_rows() == {NLILabel.NEUTRAL: 0, NLILabel.ENTAILMENT: 1}
    stored = LabelSchema.create(["SUPPORT", "UNDERMINE"], {"SUPPORT": "entailment", "UNDERMINE": "contradiction"})
    assert LabelSpec.resolve({0: "UNDERMINE", 1: "SUPPORT"}, stored_schema=stored).schema_index == [1, 0]
    with pytest.raises(ValueError, match=r"\['SUPPORT', 'UNDERMINE'\] does not match the model's labels"):
        LabelSpec.resolve({0: "SUPPORT", 1: "OTHER"}, stored_schema=stored)
    with pytest.raises(ValueError, match=r"label_map names \['PRO'\], which are not among"):
        LabelSpec.resolve({0: "A", 1: "B"}, label_map={"PRO": "entailment"})
    with pytest.raises(ValueError, match="LABEL_0"):
        LabelSpec.resolve({0: "LABEL_0", 1: "LABEL_1"})


def test_the_model_keeps_the_spec_it_was_loaded_with(tiny_model):
    assert tiny_model.label_spec.nli_index == {NLILabel.ENTAILMENT: 0, NLILabel.NEUTRAL: 1, NLILabel.CONTRADICTION: 2}
    assert tiny_model.index_of == dict(tiny_model.label_spec.nli_index)


# ----------------------------------------------------------------------------- ModelConfig


def test_model_config_round_trips_and_keeps_unknown_keys(tmp_path):
    (tmp_path / STANCEKIT_CONFIG).write_text(
        json.dumps({"temperature": 1.25, "future_field": {"x": 1}, "rebuttal_threshold": 0.5})
    )
    config = ModelConfig.read(tmp_path)
    assert (
        config.temperature == 1.25 and config.rebuttal_threshold == 0.5 and config.extra == {"future_field": {"x": 1}}
    )
    update_model_config(tmp_path, rebuttal_threshold=0.7)
    record = json.loads((tmp_path / STANCEKIT_CONFIG).read_text())
    assert record == {"future_field": {"x": 1}, "temperature": 1.25, "rebuttal_threshold": 0.7}
    assert ModelConfig.read(tmp_path / "nothing-here") == ModelConfig()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"temperature": 0}, "temperature must be a positive number, got 0"),
        ({"rebuttal_threshold": 1.5}, r"rebuttal_threshold must be in \(0, 1\), got 1.5"),
        ({"label_map": ["a"]}, "label_map must map label names to names"),
        ({"stance_calibration": [1, 2]}, r"stance_calibration must be an object, got \[1, 2\]"),
        ({"schema": {"nli_map": {}}}, "a stored label schema needs a 'labels' list"),
    ],
)
def test_model_config_refuses_malformed_fields_naming_them(tmp_path, record, message):
    (tmp_path / STANCEKIT_CONFIG).write_text(json.dumps(record))
    with pytest.raises(ValueError, match=message):
        ModelConfig.read(tmp_path)


def test_a_saved_model_reads_back_its_label_map_through_the_config(tmp_path):
    folder = save_tiny(tmp_path / "m", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    mapping = {"LABEL_0": "entailment", "LABEL_1": "neutral", "LABEL_2": "contradiction"}
    model = NLIModel.from_pretrained(folder, label_map=mapping, precision="fp32")
    model.save_pretrained(tmp_path / "saved")
    assert ModelConfig.read(tmp_path / "saved").label_map == mapping
    assert NLIModel.from_pretrained(tmp_path / "saved", precision="fp32").index_of == model.index_of


# ----------------------------------------------------------------------------- both directions


def _score(direction, entailment, contradiction):
    neutral = None if contradiction is None else 1 - entailment - contradiction
    return PairScore(
        premise="p",
        hypothesis="h",
        label=NLILabel.NEUTRAL,
        entailment=entailment,
        neutral=neutral,
        contradiction=contradiction,
        not_entailment=1 - entailment,
        direction=direction,
    )


def test_one_rule_picks_the_more_contradictory_direction():
    assert more_contradictory(_score("forward", 0.1, 0.3), _score("backward", 0.1, 0.6)).direction == "backward"
    assert more_contradictory(_score("forward", 0.1, 0.6), _score("backward", 0.1, 0.6)).direction == "forward"
    # a two-way model has no contradiction: not_entailment decides, as in NLIModel.score
    assert more_contradictory(_score("forward", 0.7, None), _score("backward", 0.2, None)).direction == "backward"
    assert contradiction_strength(0.25, float("nan")) == 0.75


def test_score_both_directions_and_relate_agree_on_the_direction(tiny_model):
    pairs = [("Kabul poses no threat.", "Afghanistan poses a threat."), ("The talks failed.", "The talks succeeded.")]
    combined = tiny_model.score(pairs, both_directions=True)
    for (a, b), row in zip(pairs, combined, strict=True):
        forward, backward = tiny_model.score([(a, b)])[0], tiny_model.score([(b, a)])[0]
        expected = "backward" if more_contradictory(forward, backward) is backward else "forward"
        assert row.direction == expected
        chosen = backward if expected == "backward" else forward
        np.testing.assert_allclose(row.contradiction, chosen.contradiction, atol=1e-6)


def test_docstring_examples_run_rather_than_being_skipped():
    """Examples run against the shipped model and the seeds (see the root conftest); only those that need a Ray
    cluster or hours of training on data outside the repository may be skipped."""
    skipped = []
    total = 0
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                doc = ast.get_docstring(node, clean=False) or ""
                if ">>>" in doc:
                    total += 1
                    if "+SKIP" in doc:
                        skipped.append(f"{path.name}:{getattr(node, 'name', '<module>')}")
    assert total >= 150
    assert len(skipped) <= 10, skipped
    assert all(name.startswith(("ray_data.py", "nli.py:train_nli", "stance_data.py")) for name in skipped), skipped


# ----------------------------------------------------------------------------- training options


def test_every_training_setting_is_on_the_command_line_once():
    import dataclasses

    from stancekit.training.finetune import FinetuneConfig
    from stancekit.training.nli import NLITrainingConfig
    from stancekit.training.options import option_flags

    for config, hidden in ((NLITrainingConfig, {"exclude", "extra"}), (FinetuneConfig, {"trainer_options"})):
        flags = option_flags(config)
        assert set(flags) | hidden == {f.name for f in dataclasses.fields(config)}
        assert len(set(flags.values())) == len(flags)  # no flag sets two fields


def test_the_command_line_builds_the_configs_it_describes():
    from stancekit.cli import build_parser
    from stancekit.training import EVALUATION_SPLITS
    from stancekit.training.finetune import FinetuneConfig
    from stancekit.training.nli import NLITrainingConfig
    from stancekit.training.options import config_from_options

    parser = build_parser()
    args = parser.parse_args(
        ["train-nli", "--data-dir", "d", "--out", "o", "--lr", "1e-5", "--finalise", "--exclude", "fever_nli",
         "--extra-data", "x", "y", "--warmup-ratio", "0.1"]
    )  # fmt: skip
    built = config_from_options(NLITrainingConfig, args, exclude=(*EVALUATION_SPLITS, *args.exclude_more))
    assert built == NLITrainingConfig(
        data_dir="d",
        output_dir="o",
        learning_rate=1e-5,
        finalise_now=True,
        exclude=(*EVALUATION_SPLITS, "fever_nli"),
        extra_data_dirs=("x", "y"),
        warmup_ratio=0.1,
    )
    args = parser.parse_args(
        ["finetune", "train.jsonl", "--out", "m", "--fresh-head", "--quiet", "--no-calibrate", "--epochs", "2",
         "--class-weights", "--precision", "fp32"]
    )  # fmt: skip
    assert config_from_options(FinetuneConfig, args, label_map=None, labels=None) == FinetuneConfig(
        output_dir="m",
        warm_start=False,
        show_progress=False,
        calibrate=False,
        epochs=2.0,
        class_weighting=True,
        precision="fp32",
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["finetune", "train.jsonl", "--out", "m", "--precision", "fp8"])


def test_finetune_settings_become_trainer_arguments_in_one_place(tmp_path):
    from stancekit.training.finetune import FinetuneConfig

    config = FinetuneConfig(
        output_dir=tmp_path, max_steps=40, warmup_ratio=0.25, trainer_options={"max_grad_norm": 0.5}
    )
    args = config.training_arguments(tmp_path / "checkpoints", train_pairs=100)
    assert args.max_steps == 40 and args.warmup_steps == 10 and args.max_grad_norm == 0.5
    assert args.learning_rate == config.learning_rate and args.per_device_train_batch_size == config.batch_size
    bad = FinetuneConfig(output_dir=tmp_path, trainer_options={"no_such_argument": 1})
    with pytest.raises(ValueError, match=r"trainer_options \{'no_such_argument': 1\}.*only arguments of"):
        bad.training_arguments(tmp_path, train_pairs=10)


def test_every_html_table_is_written_by_one_function():
    writers = []
    for path, tree in _modules():
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node) is not None
        }
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and "<table" in node.value
            if literal and id(node) not in docstrings and path.name != "results.py":
                writers.append(f"{path.name}:{node.lineno}")
    assert writers == []  # results.html_table writes them all (Jupyter views and the HTML report)


# ----------------------------------------------------------------------------- tracker settings


def test_tracker_options_are_one_settings_record(fake_nli):
    from datetime import timedelta

    from stancekit.tracking import TrackerSettings

    tracker = Tracker(fake_nli, target="Afghanistan is a threat", top_k=3, story_window=None)
    assert tracker.settings == TrackerSettings(target="Afghanistan is a threat", top_k=3, story_window=None)
    assert tracker.target == "Afghanistan is a threat" and tracker.top_k == 3 and tracker.scope == "story"
    base = TrackerSettings(target="x is y", scope="target", story_window=timedelta(days=5))
    assert Tracker(fake_nli, settings=base, top_k=4).settings == TrackerSettings(
        target="x is y", scope="target", story_window=timedelta(days=5), top_k=4
    )
    assert tracker.threshold == 0.4  # no setting and no stored threshold: the default
    with pytest.raises(TypeError, match=r"unknown options \['topk'\]"):
        Tracker(fake_nli, topk=3)
    with pytest.raises(ValueError, match="scope must be 'story', 'target' or 'all', got 'world'"):
        Tracker(fake_nli, scope="world")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        tracker.nothing  # noqa: B018


def test_a_target_carries_its_negation_and_kind(fake_nli, tiny_model):
    from stancekit.stance import Target

    tracker = Tracker(fake_nli, target=Target("Kabul is safe", negation="Kabul is dangerous", kind="proposition"))
    assert (tracker.target, tracker.negation, tracker.target_kind) == (
        "Kabul is safe",
        "Kabul is dangerous",
        "proposition",
    )
    with pytest.raises(ValueError, match="give the negation once"):
        Tracker(fake_nli, target=Target("Kabul is safe", negation="Kabul is dangerous"), negation="Kabul is unsafe")
    texts = ["the dog runs .", "the man sleeps ."]
    by_option = stance(tiny_model, texts, "Kabul is safe", negation="Kabul is dangerous").to_numpy()
    by_target = stance(tiny_model, texts, Target("Kabul is safe", negation="Kabul is dangerous")).to_numpy()
    np.testing.assert_allclose(by_option, by_target)
    # one target per text, each with its own negation: as if each were asked alone
    mixed = stance(
        tiny_model, texts, [Target("Kabul is safe", negation="Kabul is dangerous"), Target("The talks failed")]
    ).to_numpy()
    np.testing.assert_allclose(mixed[0], by_option[0], atol=1e-6)
    np.testing.assert_allclose(mixed[1], stance(tiny_model, texts[1:], "The talks failed").to_numpy()[0], atol=1e-6)
    with pytest.raises(ValueError, match="give each target its own with Target"):
        stance(tiny_model, texts, ["a is b", "c is d"], negation="a is not b")
    with pytest.raises(ValueError, match=r"Target\.kind must be"):
        Target("a is b", kind="claim")


def test_old_argument_names_still_work_with_a_warning(tiny_model_dir, tmp_path):
    from stancekit.training.finetune import FinetuneConfig

    with pytest.warns(FutureWarning, match=r"FinetuneConfig: base= is now called base_model="):
        config = FinetuneConfig(output_dir=tmp_path, base="models/x")
    assert config.base_model == "models/x" and config == FinetuneConfig(output_dir=tmp_path, base_model="models/x")
    with pytest.raises(TypeError, match=r"give base_model= only"):
        FinetuneConfig(output_dir=tmp_path, base="a", base_model="b")
    with pytest.warns(FutureWarning, match=r"RayNLIModel: model= is now called model_name_or_path="):
        remote = RayNLIModel(model=str(tiny_model_dir))
    assert remote.model_name_or_path == str(tiny_model_dir) == RayNLIModel(str(tiny_model_dir)).model_name_or_path


def test_every_text_pair_record_is_a_text_pair(tiny_model):
    from stancekit.data import LabeledPair
    from stancekit.io import NLIExample
    from stancekit.scoring import PairLike, TextPair

    nli = NLIExample(premise="the dog runs .", hypothesis="the cat sleeps .", label=NLILabel.NEUTRAL)
    mine = LabeledPair(premise="the dog runs .", hypothesis="the cat sleeps .", label="OTHER")
    assert isinstance(nli, TextPair) and isinstance(mine, TextPair) and isinstance(nli, PairLike)
    scored = tiny_model.score([nli, mine, TextPair(premise="the dog runs .", hypothesis="the cat sleeps .")])
    assert len(set(map(tuple, scored.to_numpy().round(6).tolist()))) == 1  # the same pair, read the same way
    with pytest.raises(ValueError, match=r"NLIExample.premise is empty or whitespace"):
        NLIExample(premise=" ", hypothesis="h", label=NLILabel.NEUTRAL)
    with pytest.raises(TypeError, match=r"LabeledPair.hypothesis must be a str, got int"):
        LabeledPair(premise="p", hypothesis=3, label="A")


def test_the_tracker_asks_each_target_with_its_own_negation(tiny_model):
    from test_tracking import RUSSIA, TALIBAN

    from stancekit.pairing import TfidfEmbedder
    from stancekit.stance import Target

    tracker = Tracker(tiny_model, embedder=TfidfEmbedder(), target="Afghanistan is a threat")
    tracker.add_documents([RUSSIA, TALIBAN])
    texts = [c.text for c in tracker.claims]
    other = Target("Kabul is safe", negation="Kabul is dangerous")
    asked = tracker.stance_timeline(other)[["favor", "against", "none"]].to_numpy()
    direct = stance(tiny_model, texts, other).to_numpy()
    np.testing.assert_allclose(asked, direct, atol=1e-6)
    plain = tracker.stance_timeline("Kabul is safe")[["favor", "against", "none"]].to_numpy()  # negate() wording
    np.testing.assert_allclose(plain, stance(tiny_model, texts, "Kabul is safe").to_numpy(), atol=1e-6)
    assert not np.allclose(asked, plain)  # not the cached answer of the other wording
