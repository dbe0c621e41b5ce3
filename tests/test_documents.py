from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pandas as pd
import pytest

from stancekit.documents import (
    Document,
    clean_text,
    documents_from_dataset,
    documents_from_pandas,
    documents_from_records,
    read_documents,
)


def test_seed_folder_with_metadata(seeds_dir):
    docs = read_documents(seeds_dir, metadata=seeds_dir / "metadata.jsonl")
    assert len(docs) == 5
    first = docs[0]
    assert first.title == "The main security threat to Central Asia comes from Afghanistan — Russian FM"
    assert first.published == datetime(2017, 3, 16, tzinfo=timezone.utc)
    assert first.source == "The Times of Central Asia" and first.author == "Sergey Kwan"
    assert "View more articles" not in first.text and "has worked for The Times" not in first.text
    assert first.text.endswith("the Russian foreign minister said.")
    photo = docs[2]
    assert photo.title == "Despite Cordial Diplomacy, Russia Worries About Threats from Afghanistan"
    assert "Photo:" not in photo.text and "divider" not in docs[1].text


def test_clean_text_keeps_body_without_boilerplate():
    body, author = clean_text("A claim was made.\n\nPhoto: AP\n-----\nMore text here.")
    assert body == "A claim was made.\n\nMore text here." and author == ""


def test_jsonl_csv_pandas_and_dataset_readers(tmp_path):
    rows = [{"id": "a", "body": "Lavrov said that talks failed.", "date": "2024-02-27", "outlet": "TCA"}]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    pd.DataFrame(rows).to_csv(tmp_path / "docs.csv", index=False)
    mapping = {"body": "text", "outlet": "source"}
    from_records = documents_from_records(rows, column_mapping=mapping)
    from_frame = documents_from_pandas(pd.DataFrame(rows), column_mapping=mapping)
    from datasets import Dataset

    from_dataset = documents_from_dataset(Dataset.from_list(rows), column_mapping=mapping)
    for docs in (from_records, from_frame, from_dataset):
        assert docs[0].id == "a" and docs[0].text == "Lavrov said that talks failed." and docs[0].source == "TCA"
        assert docs[0].published == datetime(2024, 2, 27, tzinfo=timezone.utc)
    renamed = tmp_path / "plain.jsonl"
    renamed.write_text(json.dumps({"id": "b", "text": "X said Y."}) + "\n")
    assert read_documents(renamed)[0].text == "X said Y."


def test_missing_text_column_is_explained():
    with pytest.raises(ValueError, match=re.escape("expected a 'text' column, but only ['body', 'id'] were found")):
        documents_from_records([{"id": "a", "body": "x"}])
    with pytest.raises(ValueError, match="column_mapping"):
        documents_from_pandas(pd.DataFrame({"body": ["x"]}))


def test_bad_values_name_the_field():
    with pytest.raises(ValueError, match=re.escape("records[0]: 'text' must be a non-empty string, got ''")):
        documents_from_records([{"text": ""}])
    with pytest.raises(ValueError, match=re.escape("is not an ISO 8601 date")):
        documents_from_records([{"text": "ok", "published": "27/02/2024"}])
    with pytest.raises(ValueError, match=re.escape("Document.id must be a non-empty string")):
        Document(id="", text="x")
    with pytest.raises(FileNotFoundError):
        read_documents("no/such/folder")


def test_the_seed_folder_reads_as_exactly_its_five_articles(seeds_dir):
    from stancekit.documents import read_documents

    documents = read_documents(seeds_dir)
    assert sorted(d.id for d in documents) == sorted(p.stem for p in seeds_dir.glob("*.txt"))
    assert len(documents) == 5 and all(d.published is not None for d in documents)
