#!/usr/bin/env bash
# Every performance figure of the project in one command (about an hour on a 2-core CPU):
# scoring against CrossEncoder and the transformers pipeline with the fraction of matmul peak, pairing at
# 10,000 and 50,000 claims, streaming memory over 100,000 pairs, and Ray Data with one and two workers.
# Needs: pip install ".[bench,ray]"
set -euo pipefail
cd "$(dirname "$0")"
export TOKENIZERS_PARALLELISM=false
python bench_score.py --pairs 5000 --variants
python bench_pairing.py --claims 10000 50000 --embedder tfidf
python bench_memory.py --pairs 100000
python bench_ray.py --pairs 1000
python bench_models.py --pairs 1000
