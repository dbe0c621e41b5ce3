"""Scoring throughput, side by side: stancekit against the usual tools, on the same model, pairs and machine.

Prints pairs/second for ``NLIModel.score``, ``sentence_transformers.CrossEncoder.predict`` (its defaults) and the
transformers ``text-classification`` pipeline with text pairs (its defaults), the argmax label agreement of each
with stancekit in fp32, the CPU's measured matrix-multiply peak (fp32, same threads) and the fraction of it that
stancekit reaches, from the model's FLOPs per real (unpadded) token; then the same on long pairs only, and
optionally the int8 and bf16 variants.

Run: python benchmarks/bench_score.py [--model PATH] [--pairs 5000] [--variants]
Needs the ``bench`` extra (sentence-transformers) for the comparison.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from common import mixed_pairs, resolve_model

from stancekit import NLIModel


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall time of ``repeats`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def matmul_peak(dtype: torch.dtype = torch.float32, size: int = 2048, repeats: int = 5) -> float:
    """Measured FLOP/s of a large square matrix product on this CPU with torch's current threads."""
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeats))
    return 2 * size**3 / best


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def model_flops(config: Any, lengths: list[int]) -> float:
    """Forward FLOPs of a BERT-style encoder over sequences of the given (unpadded) lengths.

    Per layer and sequence of ``s`` tokens: ``2 s (4 h^2 + 2 h i)`` for the projections and the feed-forward
    block, plus ``4 s^2 h`` for attention scores and their weighted sum; the classifier is negligible.
    """
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    s = np.asarray(lengths, dtype=np.float64)
    per_layer = 2 * s * (4 * h * h + 2 * h * i) + 4 * s * s * h
    return float(layers * per_layer.sum())


def canonical_argmax(model: NLIModel, logits: np.ndarray) -> np.ndarray:
    """Map a raw-logit argmax (the checkpoint's own order) to stancekit's canonical column order."""
    canonical = {model.index_of[label]: j for j, label in enumerate(model.labels)}
    return np.array([canonical[int(k)] for k in np.asarray(logits).argmax(axis=1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each; the best is reported")
    parser.add_argument("--long-tokens", type=int, default=192, help="pairs at least this long form the long set")
    parser.add_argument("--skip-pipeline", action="store_true", help="leave out the transformers pipeline")
    parser.add_argument("--variants", action="store_true", help="also time int8 (dynamic) and bf16 autocast")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = resolve_model(args.model)
    pairs = mixed_pairs(args.pairs)
    model = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
    lengths = [len(ids) for ids in model.tokenizer([p for p, _ in pairs], [h for _, h in pairs])["input_ids"]]
    print(f"model: {path}")
    print(
        f"{len(pairs)} distinct pairs, tokens per pair: mean {np.mean(lengths):.0f}, median "
        f"{np.median(lengths):.0f}, max {max(lengths)}; torch threads {torch.get_num_threads()}"
    )
    peak = matmul_peak()
    print(f"measured fp32 matmul peak (2048x2048, {torch.get_num_threads()} threads): {peak / 1e9:.1f} GFLOP/s")

    from sentence_transformers import CrossEncoder

    cross = CrossEncoder(path, device="cpu")
    model.score(pairs[:64])  # warm-up
    cross.predict(pairs[:64], show_progress_bar=False)
    # Interleaved repeats (stancekit, CrossEncoder, stancekit, ...): this machine's speed drifts by 10-15% over
    # minutes, and alternating keeps that drift from favouring either side.
    sk_times, ce_times = [], []
    for _ in range(args.repeats):
        t, results = best_of(lambda: model.score(pairs, batch_size=32), 1)
        sk_times.append(t)
        t, logits = best_of(lambda: cross.predict(pairs, show_progress_bar=False), 1)
        ce_times.append(t)
    t_sk, t_ce = min(sk_times), min(ce_times)
    reference = results.to_numpy().argmax(axis=1)
    flops = model_flops(model.model.config, [min(n, model.max_length) for n in lengths])
    print(
        f"stancekit score:        {len(pairs) / t_sk:8.1f} pairs/s ({t_sk:.1f} s); "
        f"{flops / t_sk / 1e9:.1f} GFLOP/s = {flops / t_sk / peak:.0%} of peak"
    )
    agree = float(np.mean(canonical_argmax(model, logits) == reference))
    print(
        f"CrossEncoder.predict:   {len(pairs) / t_ce:8.1f} pairs/s ({t_ce:.1f} s); stancekit is "
        f"{t_ce / t_sk:.2f}x faster; label agreement {agree:.4f}"
    )

    if not args.skip_pipeline:
        from transformers import pipeline

        classify = pipeline("text-classification", model=path, device="cpu")
        inputs = [{"text": p, "text_pair": h} for p, h in pairs]
        classify(inputs[:16])
        t_pl, predicted = best_of(lambda: classify(inputs, truncation=True), 1)
        label_ids = {v: int(k) for k, v in model.model.config.id2label.items()}
        onehot = np.zeros((len(pairs), len(label_ids)), np.float32)
        for row, item in enumerate(predicted):
            onehot[row, label_ids[item["label"]]] = 1.0
        agree = float(np.mean(canonical_argmax(model, onehot) == reference))
        print(
            f"transformers pipeline:  {len(pairs) / t_pl:8.1f} pairs/s ({t_pl:.1f} s, one run); stancekit is "
            f"{t_pl / t_sk:.2f}x faster; label agreement {agree:.4f}"
        )

    long_pairs = [pair for pair, n in zip(pairs, lengths, strict=True) if n >= args.long_tokens]
    if long_pairs:
        long_lengths = [min(n, model.max_length) for n in lengths if n >= args.long_tokens]
        t_long, _ = best_of(lambda: model.score(long_pairs, batch_size=32), args.repeats)
        long_flops = model_flops(model.model.config, long_lengths)
        print(
            f"long pairs (>= {args.long_tokens} tokens, {len(long_pairs)}, mean {np.mean(long_lengths):.0f}): "
            f"{len(long_pairs) / t_long:.1f} pairs/s, {long_flops / t_long / 1e9:.1f} GFLOP/s = "
            f"{long_flops / t_long / peak:.0%} of the fp32 peak"
        )

    if args.variants:
        subset = pairs[: min(len(pairs), 1000)]
        base = reference[: len(subset)]
        t32, _ = best_of(lambda: model.score(subset), args.repeats)
        bf16 = NLIModel.from_pretrained(path, device="cpu", precision="bf16")
        t16, r16 = best_of(lambda: bf16.score(subset), 1)
        print(
            f"bf16 autocast on {len(subset)} pairs: {t32 / t16:.2f}x the fp32 speed, label agreement "
            f"{np.mean(r16.to_numpy().argmax(1) == base):.4f}"
        )
        int8 = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
        int8.model = torch.ao.quantization.quantize_dynamic(int8.model, {torch.nn.Linear}, dtype=torch.qint8)
        t8, r8 = best_of(lambda: int8.score(subset), args.repeats)
        print(
            f"int8 dynamic quantisation on {len(subset)} pairs: {t32 / t8:.2f}x the fp32 speed, label agreement "
            f"{np.mean(r8.to_numpy().argmax(1) == base):.4f}"
        )


if __name__ == "__main__":
    main()
