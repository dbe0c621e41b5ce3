"""Ray Data scale-out against the local path, on a real local cluster (one node, then two)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest
import ray
from test_tracking import RUSSIA, TALIBAN, TARGET

from conftest import ID2LABEL, save_tiny
from stancekit import NLIModel
from stancekit.pairing import TfidfEmbedder
from stancekit.ray_data import PairScorer, RayNLIModel, _map, score_dataset, score_files, stance_dataset
from stancekit.stance import stance
from stancekit.tracking import Tracker

pytestmark = pytest.mark.slow
WORDS = ["the man", "a dog", "the cat", "afghanistan", "russia", "the talks", "the minister", "no threat"]
VERBS = ["runs", "sleeps", "is awake", "poses a threat", "failed", "succeeded", "says that", "is not asleep"]


def _pairs(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        subject, verb = WORDS[i % len(WORDS)], VERBS[(i * 3) % len(VERBS)]
        premise = " . ".join(f"{rng.choice(WORDS)} {rng.choice(VERBS)}" for _ in range(1 + i % 4))
        rows.append({"id": i, "premise": premise, "hypothesis": f"{subject} {verb} {i}"})
    return pd.DataFrame(rows)


def _blocks(frame: pd.DataFrame, n: int):
    """A Dataset of ``frame`` in ``n`` blocks, so that several workers share it."""
    size = -(-len(frame) // n)
    return ray.data.from_pandas([frame.iloc[i : i + size] for i in range(0, len(frame), size)])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return str(save_tiny(tmp_path_factory.mktemp("ray-model"), id2label=ID2LABEL))


@pytest.fixture(scope="module")
def local_ray():
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield
    ray.shutdown()


def _expected(model_dir: str, frame: pd.DataFrame) -> pd.DataFrame:
    local = NLIModel.from_pretrained(model_dir, device="cpu", precision="fp32")
    return local.score(frame[["premise", "hypothesis"]]).to_pandas()


def _check_same(got: pd.DataFrame, frame: pd.DataFrame, model_dir: str) -> None:
    got = got.sort_values("id").reset_index(drop=True)
    assert list(got["id"]) == list(frame["id"])  # every row once: none lost, none duplicated
    expected = _expected(model_dir, frame)
    assert list(got["label"]) == list(expected["label"])
    for column in ("entailment", "neutral", "contradiction"):
        np.testing.assert_allclose(got[column].to_numpy(np.float64), expected[column].to_numpy(np.float64), atol=1e-5)
    for column in ("window", "windows", "window_start", "window_end", "truncated", "direction"):
        assert list(got[column]) == list(expected[column])


def test_score_dataset_equals_the_local_path(local_ray, model_dir):
    frame = _pairs(60)
    ds = score_dataset(
        _blocks(frame, 4),
        model_name_or_path=model_dir,
        precision="fp32",
        rows_per_batch=16,
        concurrency=2,
    )
    got = ds.to_pandas()
    assert {"id", "premise", "hypothesis", "label", "entailment", "window_start"} <= set(got.columns)
    _check_same(got, frame, model_dir)


def test_stance_dataset_equals_local_stance(local_ray, model_dir):
    texts = ["russia says that afghanistan poses a threat", "no threat . the talks failed", "the cat sleeps"]
    ds = ray.data.from_items([{"text": t, "n": i} for i, t in enumerate(texts)])
    got = stance_dataset(
        ds, target="afghanistan poses a threat", model_name_or_path=model_dir, precision="fp32", concurrency=1
    )
    got = got.to_pandas().sort_values("n")
    local = stance(NLIModel.from_pretrained(model_dir, precision="fp32"), texts, "afghanistan poses a threat")
    assert list(got["stance"]) == [r.label.value for r in local]
    probs = got[["favor", "against", "none"]].to_numpy(dtype=np.float64)
    np.testing.assert_allclose(probs, local.to_numpy(), atol=1e-5)


def test_tracker_on_ray_matches_the_local_tracker(local_ray, model_dir):
    local = Tracker(NLIModel.from_pretrained(model_dir, precision="fp32"), target=TARGET, embedder=TfidfEmbedder())
    local.add_documents([RUSSIA, TALIBAN])
    remote_model = RayNLIModel(model_dir, precision="fp32", concurrency=1, rows_per_batch=8)
    remote = Tracker(remote_model, target=TARGET, embedder=TfidfEmbedder())
    remote.add_documents([RUSSIA, TALIBAN])
    a, b = local.relations_frame(), remote.relations_frame()
    assert len(a) == len(b) >= 1
    assert list(a["relation"]) == list(b["relation"])
    np.testing.assert_allclose(a["score"], b["score"], atol=1e-5)
    pd.testing.assert_frame_equal(
        local.stance_timeline().drop(columns=["favor", "against", "none", "probability"]),
        remote.stance_timeline().drop(columns=["favor", "against", "none", "probability"]),
    )


def test_score_files_reads_jsonl_and_writes_parquet(local_ray, model_dir, tmp_path):
    frame = _pairs(30)
    source = tmp_path / "pairs"
    source.mkdir()
    frame.iloc[:15].to_json(source / "a.jsonl", orient="records", lines=True)
    frame.iloc[15:].to_json(source / "b.jsonl", orient="records", lines=True)
    score_files(source, tmp_path / "scored", model_name_or_path=model_dir, precision="fp32", concurrency=1)
    got = pd.read_parquet(tmp_path / "scored")
    _check_same(got, frame, model_dir)
    # a second run into the same folder is refused (it would mix old and new files), or replaces it whole
    with pytest.raises(ValueError, match="already holds files"):
        score_files(
            source / "a.jsonl", tmp_path / "scored", model_name_or_path=model_dir, precision="fp32", concurrency=1
        )
    score_files(source / "a.jsonl", tmp_path / "scored", model_name_or_path=model_dir, overwrite=True, concurrency=1)
    assert len(pd.read_parquet(tmp_path / "scored")) == 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs", "scored"]  # no staging folder left


def test_ray_embedder_equals_the_local_embedder(local_ray):
    from stancekit.pairing import MiniLMEmbedder
    from stancekit.ray_data import RayEmbedder

    texts = [RUSSIA.text, TALIBAN.text, "Afghanistan poses a threat.", "Kabul denies it.", "A cat sleeps."]
    # fp32 on both sides: on a CPU with native bf16, "auto" would compare two bf16 runs of different batch shapes
    remote = RayEmbedder(concurrency=1, rows_per_batch=2, precision="fp32").encode(texts)
    np.testing.assert_allclose(remote, MiniLMEmbedder(precision="fp32").encode(texts), atol=1e-5)
    assert remote.shape == (5, 384)


def test_cli_score_on_ray(local_ray, model_dir, tmp_path, capsys):
    from stancekit.cli import main

    frame = _pairs(20)
    source = tmp_path / "pairs.jsonl"
    frame.to_json(source, orient="records", lines=True)
    code = main(["score", str(source), "--ray", "--out", str(tmp_path / "out"), "--format", "jsonl",
                 "--model", model_dir, "--precision", "fp32", "--concurrency", "1"])  # fmt: skip
    assert code == 0 and "scored 20 pairs" in capsys.readouterr().out
    got = pd.concat(pd.read_json(p, lines=True) for p in sorted((tmp_path / "out").glob("*.json*")))
    _check_same(got, frame, model_dir)  # the CLI shut this session's Ray down: keep this test last of them


class DiesOnce(PairScorer):
    """Kills its own worker process on its first batch (once per test, via a marker file)."""

    def __init__(self, *args, marker: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.marker = marker

    def __call__(self, batch):
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)  # the worker dies mid-run, holding a batch
        return super().__call__(batch)


def test_two_node_cluster_survives_a_killed_worker(model_dir, tmp_path):
    from ray.cluster_utils import Cluster

    ray.shutdown()
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        frame = _pairs(48)
        ds = score_dataset(_blocks(frame, 6), model_name_or_path=model_dir, precision="fp32", rows_per_batch=8)
        _check_same(ds.to_pandas(), frame, model_dir)  # concurrency defaults to the two nodes' CPUs
        kwargs = {"model_name_or_path": model_dir, "precision": "fp32", "marker": str(tmp_path / "died")}
        dying = _map(
            _blocks(frame, 6),
            DiesOnce,
            kwargs,
            rows_per_batch=8,
            concurrency=2,
            num_cpus=1,
            num_gpus=None,
        )
        got = dying.to_pandas()
        assert (tmp_path / "died").exists()
        _check_same(got, frame, model_dir)
    finally:
        ray.shutdown()
        cluster.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_a_shipped_model_by_name_reads_its_labels_and_calibration_on_the_driver():
    from stancekit.scoring import shipped_model_path

    remote = RayNLIModel("stancekit-nli-minilm-l6", concurrency=1)
    assert remote.name == str(shipped_model_path("stancekit-nli-minilm-l6"))
    assert remote.two_way is False and remote.stance_calibration is not None
    assert remote.model_name_or_path == "stancekit-nli-minilm-l6"  # the workers resolve the name where they run
