"""Tiny random checkpoints in the shapes of published NLI models, built offline with their real tokenizer kinds.

Each ``build(kind, folder)`` writes what the hub checkpoint ships (config with its exact ``id2label``, safetensors
weights, the tokenizer files of its kind) at a size that loads in well under a second.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import torch

CORPUS = [
    "the dog runs in the park .",
    "a cat sleeps on the mat .",
    "Afghanistan poses a threat to Central Asia .",
    "the talks failed . the talks succeeded .",
    "Mujahid denied the claims by Shoigu .",
    "the ministry said in a statement that the attack was carried out by militants .",
]
THREE = {0: "contradiction", 1: "entailment", 2: "neutral"}  # cross-encoder order
MNLI = {0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}  # roberta-large-mnli / bart-large-mnli order

KINDS = [
    "bert",
    "distilbert",
    "electra",
    "roberta",
    "bart",
    "deberta-v2-spm",
    "deberta-v3-json",
    "xlm-r",
    "modernbert",
]


def _words() -> list[str]:
    return sorted({w for line in CORPUS for w in line.lower().split()})


def _wordpiece(folder: Path) -> int:
    import string

    letters = list(string.ascii_lowercase) + [f"##{c}" for c in string.ascii_lowercase]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(_words() + letters)]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    return len(vocab)


def _byte_bpe(folder: Path, specials: list[str]) -> int:
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(CORPUS * 20, vocab_size=400, min_frequency=1, special_tokens=specials)
    tokenizer.save_model(str(folder))  # vocab.json, merges.txt
    return int(tokenizer.get_vocab_size())


def _sentencepiece(path: Path, *, model_type: str = "unigram", bos: str = "[CLS]", eos: str = "[SEP]") -> int:
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 20),
        model_writer=buffer,
        vocab_size=60,
        model_type=model_type,
        pad_id=0,
        unk_id=3,
        bos_id=1,
        eos_id=2,
        pad_piece="[PAD]" if bos == "[CLS]" else "<pad>",
        unk_piece="[UNK]" if bos == "[CLS]" else "<unk>",
        bos_piece=bos,
        eos_piece=eos,
        user_defined_symbols=["[MASK]" if bos == "[CLS]" else "<mask>"],
        hard_vocab_limit=False,
        minloglevel=2,
    )
    path.write_bytes(buffer.getvalue())
    return spm.SentencePieceProcessor(model_proto=buffer.getvalue()).get_piece_size()


def build(kind: str, folder: Path, *, id2label: dict[int, str] | None = None, max_length: int | None = 64) -> Path:
    """Write a tiny checkpoint of ``kind`` into ``folder``; ``max_length=None`` leaves ``model_max_length`` unset."""
    import transformers as tf

    folder.mkdir(parents=True, exist_ok=True)
    labels = id2label or THREE
    small: dict[str, Any] = {"id2label": labels, "label2id": {v: k for k, v in labels.items()}}
    tokenizer_config: dict[str, Any] = {}
    torch.manual_seed(0)
    if kind in ("bert", "distilbert", "electra"):
        n = _wordpiece(folder)
        tokenizer_config["tokenizer_class"] = {"bert": "BertTokenizer", "distilbert": "DistilBertTokenizer"}.get(
            kind, "ElectraTokenizer"
        )
        tokenizer_config["do_lower_case"] = True
        if kind == "distilbert":
            config = tf.DistilBertConfig(
                vocab_size=n, dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=64, **small
            )
            model = tf.DistilBertForSequenceClassification(config)
        elif kind == "electra":
            config = tf.ElectraConfig(
                vocab_size=n,
                embedding_size=16,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=64,
                **small,
            )
            model = tf.ElectraForSequenceClassification(config)
        else:
            config = tf.BertConfig(
                vocab_size=n,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=64,
                initializer_range=0.2,
                **small,
            )
            model = tf.BertForSequenceClassification(config)
    elif kind in ("roberta", "bart", "modernbert"):
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        n = _byte_bpe(folder, specials)
        if kind == "roberta":
            tokenizer_config["tokenizer_class"] = "RobertaTokenizer"
            # RoBERTa's positions start after the padding index: 64 positions hold 62 tokens
            config = tf.RobertaConfig(
                vocab_size=n,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=66,
                pad_token_id=1,
                bos_token_id=0,
                eos_token_id=2,
                **small,
            )
            model = tf.RobertaForSequenceClassification(config)
        elif kind == "bart":
            tokenizer_config["tokenizer_class"] = "BartTokenizer"
            config = tf.BartConfig(
                vocab_size=n,
                d_model=32,
                encoder_layers=1,
                decoder_layers=1,
                encoder_attention_heads=2,
                decoder_attention_heads=2,
                encoder_ffn_dim=64,
                decoder_ffn_dim=64,
                max_position_embeddings=64,
                pad_token_id=1,
                bos_token_id=0,
                eos_token_id=2,
                decoder_start_token_id=2,
                forced_eos_token_id=2,
                **small,
            )
            model = tf.BartForSequenceClassification(config)
        else:
            tokenizer = tf.RobertaTokenizerFast.from_pretrained(str(folder))
            tokenizer.save_pretrained(str(folder))
            for name in ("vocab.json", "merges.txt"):
                (folder / name).unlink(missing_ok=True)
            tokenizer_config = {}
            config = tf.ModernBertConfig(
                vocab_size=n,
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=64,
                pad_token_id=1,
                bos_token_id=0,
                eos_token_id=2,
                cls_token_id=0,
                sep_token_id=2,
                global_attn_every_n_layers=1,
                local_attention=16,
                **small,
            )
            model = tf.ModernBertForSequenceClassification(config)
    elif kind in ("deberta-v2-spm", "deberta-v3-json"):
        n = _sentencepiece(folder / "spm.model")
        tokenizer_config["tokenizer_class"] = "DebertaV2Tokenizer"
        config = tf.DebertaV2Config(
            vocab_size=max(n, 64),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
            relative_attention=True,
            position_buckets=32,
            pos_att_type=["p2c", "c2p"],
            position_biased_input=False,
            **small,
        )
        model = tf.DebertaV2ForSequenceClassification(config)
        if kind == "deberta-v3-json":
            (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
            tokenizer = tf.AutoTokenizer.from_pretrained(str(folder))
            tokenizer.save_pretrained(str(folder))
            (folder / "spm.model").unlink()
            tokenizer_config = {}
    elif kind == "xlm-r":
        n = _sentencepiece(folder / "sentencepiece.bpe.model", model_type="bpe", bos="<s>", eos="</s>")
        tokenizer_config["tokenizer_class"] = "XLMRobertaTokenizer"
        config = tf.XLMRobertaConfig(
            vocab_size=n + 2,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=66,
            pad_token_id=1,
            **small,
        )
        model = tf.XLMRobertaForSequenceClassification(config)
    else:
        raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")
    if tokenizer_config:
        if max_length is not None:
            tokenizer_config["model_max_length"] = max_length
        (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    elif max_length is not None:
        path = folder / "tokenizer_config.json"
        record = json.loads(path.read_text())
        record["model_max_length"] = max_length
        path.write_text(json.dumps(record))
    model.eval().save_pretrained(str(folder), safe_serialization=True)
    return folder
