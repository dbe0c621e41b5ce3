"""Ray Data throughput with 1 and 2 workers against the local path, on the same model and pairs.

Run: python benchmarks/bench_ray.py [--pairs 2000] [--model PATH]
Each worker gets one CPU and one torch thread; the local path is timed with one thread and with all threads.
Needs the ``ray`` extra.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
from common import mixed_pairs, resolve_model

from stancekit import NLIModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--rows-per-batch", type=int, default=256)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = resolve_model(args.model)
    pairs = mixed_pairs(args.pairs, seed=3)
    frame = pd.DataFrame(
        {"id": range(len(pairs)), "premise": [p for p, _ in pairs], "hypothesis": [h for _, h in pairs]}
    )
    cpus = os.cpu_count() or 1
    model = NLIModel.from_pretrained(path, device="cpu", precision="fp32")
    model.score(pairs[:32])
    local = {}
    for threads in sorted({1, cpus}):
        torch.set_num_threads(threads)
        start = time.perf_counter()
        reference = model.score(pairs).to_numpy()
        local[threads] = len(pairs) / (time.perf_counter() - start)
        print(f"local NLIModel.score, {threads} thread(s): {local[threads]:.1f} pairs/s")
    torch.set_num_threads(cpus)

    import ray

    from stancekit.ray_data import score_dataset

    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        for workers in (1, 2):
            blocks = [frame.iloc[i : i + args.rows_per_batch] for i in range(0, len(frame), args.rows_per_batch)]
            ds = score_dataset(
                ray.data.from_pandas(blocks),
                model_name_or_path=path,
                precision="fp32",
                concurrency=workers,
                num_cpus=1,
                threads=1,
                rows_per_batch=args.rows_per_batch,
            )
            start = time.perf_counter()
            got = ds.to_pandas().sort_values("id")
            seconds = time.perf_counter() - start
            probs = got[["entailment", "neutral", "contradiction"]].to_numpy()
            same = float(np.mean(probs.argmax(1) == reference.argmax(1)))
            print(
                f"Ray Data, {workers} worker(s) x 1 CPU: {len(pairs) / seconds:.1f} pairs/s including worker start-up "
                f"({seconds:.1f} s); {len(pairs) / seconds / local[1] / workers:.0%} of {workers}x the local "
                f"one-thread rate; label agreement with local {same:.4f}, max |dp| "
                f"{np.abs(probs - reference).max():.1e}"
            )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
