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


def test_html_pages_and_markup_in_text_files(tmp_path):
    from stancekit.documents import read_documents

    page = (
        "<!doctype html><html><head><title>Dam row | Example News</title>"
        '<meta property="article:published_time" content="2024-05-08T10:00:00Z"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        "<article><h1>Dam row deepens</h1><p>The ministry said on Tuesday that the dam was&nbsp;safe.</p>"
        "<figure><img src='x.jpg'><figcaption>Photo: agency</figcaption></figure>"
        "<p>Critics said the report was <b>false</b>.</p><script>track()</script></article>"
        "<footer>Copyright</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "pasted.txt").write_text(page, encoding="utf-8")  # a page saved as .txt
    docs = {d.id: d for d in read_documents(tmp_path)}
    for doc in docs.values():
        assert doc.title == "Dam row deepens"
        assert doc.text == "The ministry said on Tuesday that the dam was safe.\n\nCritics said the report was false."
        assert doc.published is not None and doc.published.date().isoformat() == "2024-05-08"


def test_encodings_and_binary_files(tmp_path, caplog):
    from stancekit.documents import read_documents

    (tmp_path / "latin.txt").write_bytes("Headline\n\nThe minister said the caf\xe9 was closed.".encode("latin-1"))
    with caplog.at_level("WARNING"):
        (doc,) = read_documents(tmp_path / "latin.txt")
    assert "café" in doc.text and "latin.txt is not UTF-8" in caplog.text
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ValueError, match=r"image\.txt: not a text file"):
        read_documents(tmp_path / "image.txt")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"notes\.docx: unsupported file type"):
        read_documents(tmp_path / "notes.docx")


def test_the_metadata_headline_is_not_read_as_the_first_claim(tmp_path):
    import json

    from stancekit.documents import read_documents

    (tmp_path / "a.txt").write_text(
        "Kyiv says Moscow blew up the dam\n\nUkraine said Russian forces blew up the dam.", encoding="utf-8"
    )
    (tmp_path / "b.txt").write_text("A different first line\n\nThe body says more.", encoding="utf-8")
    rows = [{"file": "a.txt", "title": "Kyiv says Moscow blew up dam"}, {"file": "b.txt", "title": "Unrelated"}]
    (tmp_path / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    docs = {d.id: d for d in read_documents(tmp_path)}
    assert docs["a"].text == "Ukraine said Russian forces blew up the dam." and docs["a"].title == rows[0]["title"]
    assert docs["b"].text.startswith("A different first line")  # not the headline: kept
