from __future__ import annotations

import os

import pytest

from stancekit.io import atomic_writer, check_output_file


def test_an_output_file_is_checked_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"the folder .*missing does not exist"):
        check_output_file(tmp_path / "missing" / "out.jsonl", "--out")
    with pytest.raises(ValueError, match="is a folder; name a file in it"):
        check_output_file(tmp_path, "--out")
    assert check_output_file(tmp_path / "out.jsonl") == tmp_path / "out.jsonl"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ValueError, match="is not writable"):
            check_output_file(folder / "out.jsonl")
    finally:
        folder.chmod(0o755)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_one(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    with atomic_writer(target) as handle:
        handle.write("new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_gzip_is_read_whatever_the_name_and_latin1_names_file_and_line(tmp_path):
    import gzip

    from stancekit.data import load_pairs
    from stancekit.io import iter_jsonl

    rows = b'{"premise": "a", "hypothesis": "b", "label": "entailment"}\n'
    (tmp_path / "pairs.jsonl").write_bytes(gzip.compress(rows * 3))  # gzip without .gz
    assert [n for n, _ in iter_jsonl(tmp_path / "pairs.jsonl")] == [1, 2, 3]
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(rows + '{"premise": "café", "hypothesis": "b"}\n'.encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.jsonl, line 2: not UTF-8 text \(byte 0xe9 at column 17\)"):
        list(iter_jsonl(latin))
    table = tmp_path / "pairs.csv"
    table.write_bytes("premise,hypothesis,label\ncafé,b,entailment\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"pairs\.csv, line 2: not UTF-8"):
        load_pairs(table)
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffpremise,hypothesis,label\na,b,entailment\n".encode())
    assert load_pairs(bom)[0].premise == "a"  # a byte-order mark is not part of the first column's name
