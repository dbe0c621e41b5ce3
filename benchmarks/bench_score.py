"""Pairs per second of ``NLIModel.score`` against ``CrossEncoder.predict`` on the same model and pairs.

Run: python benchmarks/bench_score.py [--model PATH] [--pairs 2000]
Needs the ``bench`` extra (sentence-transformers) for the comparison.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from common import mixed_pairs, resolve_model

from stancekit import NLIModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each; the best is reported")
    parser.add_argument("--bf16-pairs", type=int, default=200, help="pairs for the bf16-vs-fp32 check (0: skip)")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = resolve_model(args.model)
    pairs = mixed_pairs(args.pairs)
    model = NLIModel.from_pretrained(path, device="cpu")
    lengths = [len(model.tokenizer(p, h)["input_ids"]) for p, h in pairs]
    print(f"model: {path}")
    print(
        f"{len(pairs)} distinct pairs, tokens per pair: mean {np.mean(lengths):.0f}, "
        f"median {np.median(lengths):.0f}, max {max(lengths)}; torch threads {torch.get_num_threads()}; "
        f"stancekit precision {'bf16' if model.autocast_dtype else 'fp32'}"
    )

    def best_of(fn) -> tuple[float, object]:
        times, out = [], None
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        return min(times), out

    model.score(pairs[:64])  # warm-up
    t_sk, results = best_of(lambda: model.score(pairs, batch_size=32))
    sk_labels = np.asarray(results.to_numpy()).argmax(axis=1)
    print(f"stancekit score:            {len(pairs) / t_sk:8.1f} pairs/s  ({t_sk:.1f} s)")

    from sentence_transformers import CrossEncoder

    cross = CrossEncoder(path, device="cpu")
    cross.predict(pairs[:64])
    t_ce, logits = best_of(lambda: cross.predict(pairs, show_progress_bar=False))
    ce_labels = np.asarray(logits).argmax(axis=1)
    order = [model.index_of[label] for label in model.labels]  # canonical order -> model's logit order
    agreement = float(np.mean(np.asarray(order)[sk_labels] == ce_labels))
    print(f"CrossEncoder.predict:       {len(pairs) / t_ce:8.1f} pairs/s  ({t_ce:.1f} s)")
    print(f"speed-up over CrossEncoder: {t_ce / t_sk:8.2f}x; argmax label agreement {agreement:.4f}")

    if args.bf16_pairs:
        subset = pairs[: args.bf16_pairs]
        fp32 = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
        bf16 = NLIModel.from_pretrained(path, device="cpu", precision="bf16")
        t32, r32 = best_of(lambda: fp32.score(subset))
        t16, r16 = best_of(lambda: bf16.score(subset))
        same = float(np.mean(np.asarray(r32.to_numpy()).argmax(1) == np.asarray(r16.to_numpy()).argmax(1)))
        print(
            f"bf16 autocast vs fp32 on {len(subset)} pairs: {t32 / t16:.2f}x the fp32 speed, label agreement "
            f"{same:.4f} (precision='auto' picks bf16 only on CPUs with native bf16)"
        )


if __name__ == "__main__":
    main()
