"""Copy a trained model for shipping, optionally with half-precision weights, and measure what that changes.

Run: ``python -m stancekit.training.export runs/nli/model models/NAME --half --check DATA/snli/test.jsonl.gz``
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from stancekit.model_config import STANCEKIT_CONFIG

__all__ = ["export_model"]

_COPY = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    STANCEKIT_CONFIG,
)


def export_model(source: str | Path, target: str | Path, *, half: bool = True) -> Path:
    """Write ``source``'s weights (fp16 when ``half``) and its tokenizer, config and ``stancekit.json`` to ``target``.

    Example:
        >>> folder = export_model("models/stancekit-nli-minilm-l6", tmp / "copy")
        >>> sorted(p.name for p in folder.iterdir())
        ['config.json', 'model.safetensors', 'stancekit.json', 'tokenizer.json', 'tokenizer_config.json']
    """
    from safetensors.torch import load_file, save_file

    src, dst = Path(source), Path(target)
    dst.mkdir(parents=True, exist_ok=True)
    state = load_file(str(src / "model.safetensors"))
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    save_file({k: v.contiguous() for k, v in state.items()}, str(dst / "model.safetensors"), metadata={"format": "pt"})
    for name in _COPY:
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    return dst


def _agreement(reference: str, candidate: str, check: str, limit: int) -> str:
    from stancekit.io import read_nli_file
    from stancekit.scoring import NLIModel

    examples = read_nli_file(check)[:limit]
    pairs = [(e.premise, e.hypothesis) for e in examples]
    a = NLIModel.from_pretrained(reference, precision="fp32").score(pairs).to_numpy()
    b = NLIModel.from_pretrained(candidate, precision="fp32").score(pairs).to_numpy()
    same = float(np.mean(a.argmax(1) == b.argmax(1)))
    return f"label agreement {same:.4f}, max |dp| {float(np.abs(a - b).max()):.4f} on {len(pairs)} pairs of {check}"


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--half", action="store_true", help="store weights in fp16 (loaded back as fp32)")
    parser.add_argument("--check", default=None, help="NLI JSON Lines file to compare predictions on")
    parser.add_argument("--limit", type=int, default=2000)
    args = parser.parse_args()
    path = export_model(args.source, args.target, half=args.half)
    size = (path / "model.safetensors").stat().st_size / 2**20
    print(json.dumps({"model": str(path), "weights_mib": round(size, 1)}))
    if args.check:
        print(_agreement(args.source, args.target, args.check, args.limit))


if __name__ == "__main__":
    main()
