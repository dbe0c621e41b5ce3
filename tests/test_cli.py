from __future__ import annotations

import io
import json

import pytest

from stancekit import NLIModel
from stancekit.cli import main


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_score_writes_label_and_scores_and_keeps_fields(tmp_path, tiny_model_dir, capsys):
    data = _write(
        tmp_path / "pairs.jsonl",
        [
            json.dumps({"id": 7, "premise": "the talks failed .", "hypothesis": "the talks succeeded ."}),
            "",
            json.dumps({"id": 8, "premise": "the dog runs .", "hypothesis": "the cat sleeps ."}),
        ],
    )
    assert main(["score", str(data), "--model", str(tiny_model_dir)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [7, 8]
    model = NLIModel.from_pretrained(tiny_model_dir)
    expected = model.score([(r["premise"], r["hypothesis"]) for r in rows])
    for row, result in zip(rows, expected, strict=True):
        assert row["label"] == result.label.value
        assert row["scores"] == pytest.approx(result.scores, abs=1e-6)
        assert set(row["scores"]) == {"entailment", "neutral", "contradiction"}


def test_score_reads_stdin_and_both_directions(tmp_path, tiny_model_dir, capsys, monkeypatch):
    line = json.dumps({"premise": "the man sleeps .", "hypothesis": "the man is awake ."})
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO((line + "\n").encode())))
    assert main(["score", "-", "--model", str(tiny_model_dir), "--both-directions"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["direction"] in ("forward", "backward") and row["label"] in ("entailment", "neutral", "contradiction")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"premise": "a", "hypothesis": "b"}', "{not json"], "line 2: not valid JSON"),
        (['{"premise": "a", "hypothesis": "b"}', '{"premise": "a"}'], "line 2: field 'hypothesis' must be"),
        (['{"premise": "", "hypothesis": "b"}'], "line 1: field 'premise' must be a non-empty string"),
        (["[1, 2]"], "line 1: expected a JSON object"),
    ],
)
def test_malformed_lines_fail_with_line_number_and_no_partial_output(tmp_path, tiny_model_dir, capsys, lines, message):
    data = _write(tmp_path / "bad.jsonl", lines)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(data), "--model", str(tiny_model_dir), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [data]


def test_out_file_is_written(tmp_path, tiny_model_dir):
    data = _write(tmp_path / "ok.jsonl", ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'])
    out = tmp_path / "out.jsonl"
    assert main(["score", str(data), "--model", str(tiny_model_dir), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["label"] in ("entailment", "neutral", "contradiction")


def test_unmappable_model_is_a_clean_error(tmp_path, capsys):
    from conftest import save_tiny

    path = save_tiny(tmp_path / "generic", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    data = _write(tmp_path / "ok.jsonl", ['{"premise": "a", "hypothesis": "b"}'])
    assert main(["score", str(data), "--model", str(path)]) == 2
    assert "label_map=" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--batch-size", "0"], "batch_size must be a positive integer, got 0"),
        (["--model", "{tmp}/no-such-model"], "no model at {tmp}/no-such-model (missing)"),
        (["--model", "{tmp}/loop"], "(a symlink loop)"),
        (["--out", "{tmp}/missing/out.jsonl"], "the folder {tmp}/missing does not exist"),
        (["--out", "{tmp}"], "is a folder; name a file in it"),
    ],
)
def test_cli_errors_are_one_line_with_the_facts(tmp_path, tiny_model_dir, capsys, extra, message):
    (tmp_path / "loop").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop")
    data = _write(tmp_path / "ok.jsonl", ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'])
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    if "--model" not in args:
        args += ["--model", str(tiny_model_dir)]
    assert main(["score", str(data), *args]) == 2
    err = capsys.readouterr().err
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial file left behind


def test_out_follows_the_umask(tmp_path, tiny_model_dir):
    import os

    data = _write(tmp_path / "ok.jsonl", ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'])
    old = os.umask(0o022)
    try:
        assert main(["score", str(data), "--model", str(tiny_model_dir), "--out", str(tmp_path / "o.jsonl")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "o.jsonl").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_leaves_no_partial_output(tmp_path, tiny_model_dir, signal_name):
    import signal
    import subprocess
    import sys
    import time

    rows = ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'] * 200000
    data = _write(tmp_path / "many.jsonl", rows)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "stancekit.cli", "score", str(data), "--model", str(tiny_model_dir)]
    # A shell runs background jobs with SIGINT ignored, and Python keeps an ignored SIGINT: give the command the
    # default disposition a terminal gives it, or under a backgrounded test run Ctrl-C would prove nothing.
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.startswith(".out.jsonl") for p in tmp_path.iterdir()):
        time.sleep(0.05)  # wait until the partial file exists
    assert process.poll() is None, "the command ended before it was signalled"  # else the test proves nothing
    process.send_signal(getattr(signal, signal_name))
    assert process.wait(timeout=60) != 0
    assert not out.exists() and not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_track_refuses_a_bad_report_path_before_any_work(tmp_path, capsys, monkeypatch):
    import stancekit.cli.common as common

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before --out was checked")

    monkeypatch.setattr(common, "load_model", no_model)
    args = ["track", "seeds", "--out", str(tmp_path / "nowhere" / "report.html")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in err and err.count("\n") == 1


def test_bad_json_sidecars_are_one_line_errors(tmp_path, tiny_model_dir, capsys):
    import shutil

    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "stancekit.json").write_text('{"temperature": 1.2,\n "label_map": }\n')
    data = _write(tmp_path / "ok.jsonl", ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'])
    assert main(["score", str(data), "--model", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken / 'stancekit.json'}, line 2, column 15: not valid JSON" in err and err.count("\n") == 1
    actors = tmp_path / "actors.json"
    actors.write_text('{"Mujahid": "Taliban",}')
    assert main(["claims", "seeds", "--actor-map", str(actors)]) == 2
    err = capsys.readouterr().err
    assert f"{actors}, line 1, column 23: not valid JSON" in err and err.count("\n") == 1


def test_label_map_for_a_checkpoint_with_generic_labels(tmp_path, capsys):
    from conftest import save_tiny

    generic = save_tiny(tmp_path / "generic", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    data = _write(tmp_path / "ok.jsonl", ['{"premise": "the dog runs .", "hypothesis": "the cat sleeps ."}'])
    assert main(["score", str(data), "--model", str(generic)]) == 2
    assert "model card" in capsys.readouterr().err
    mapping = "LABEL_0=contradiction,LABEL_1=neutral,LABEL_2=entailment"
    assert main(["score", str(data), "--model", str(generic), "--label-map", mapping, "--precision", "fp32"]) == 0
    row = json.loads(capsys.readouterr().out)
    from stancekit import NLIModel

    model = NLIModel.from_pretrained(
        generic, precision="fp32", label_map=dict(p.split("=") for p in mapping.split(","))
    )
    expected = model.score([("the dog runs .", "the cat sleeps .")])[0]
    assert row["scores"]["contradiction"] == pytest.approx(expected.contradiction, abs=1e-6)
    stance_data = _write(tmp_path / "s.jsonl", ['{"text": "the dog runs .", "target": "the cat sleeps"}'])
    assert main(["stance", str(stance_data), "--model", str(generic), "--label-map", mapping]) == 0
    assert json.loads(capsys.readouterr().out)["stance"] in {"favor", "against", "none"}
    assert main(["stance", str(stance_data), "--label-map", mapping]) == 2
    assert "give --model too" in capsys.readouterr().err


def test_train_nli_on_an_empty_data_dir_is_one_line(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    assert main(["train-nli", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"no <dataset>/<split>.jsonl or .jsonl.gz files under {tmp_path / 'data'}" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_binary_input_and_an_empty_target_are_one_line_errors(tmp_path, capsys):
    import random

    noise = bytes(random.Random(3).choice([1, 2, 3, 4, 5, 6, 7, 8, 65, 66, 200, 201]) for _ in range(400))
    (tmp_path / "blob.txt").write_bytes(noise)  # binary without a NUL byte
    assert main(["claims", str(tmp_path / "blob.txt")]) == 2
    err = capsys.readouterr().err
    assert "blob.txt: not a text file" in err and err.count("\n") == 1
    rows = _write(tmp_path / "s.jsonl", ['{"text": "the dog runs .", "target": "dogs run"}'])
    assert main(["stance", str(rows), "--target", " "]) == 2
    assert "--target is empty" in capsys.readouterr().err


def test_a_stance_file_error_names_the_file_once(tmp_path, capsys):
    rows = _write(tmp_path / "st.jsonl", ['{"text": "x", "target": "y", "label": "maybe"}'])
    assert main(["evaluate-stance", str(rows)]) == 2
    err = capsys.readouterr().err
    assert "st.jsonl line 1: unknown stance label 'maybe'" in err and err.count("st.jsonl") == 1
