"""Copy a trained model for shipping, optionally with half-precision weights, and measure what that changes.

Run: ``python -m stancekit.training.export runs/nli/model models/NAME --half --check DATA/snli/test.jsonl.gz``
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

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


def export_model(
    source: str | Path, target: str | Path, *, half: bool = True, max_shard_mib: float | None = None
) -> Path:
    """Write ``source``'s weights (fp16 when ``half``) and its tokenizer, config and ``stancekit.json`` to ``target``.

    With ``max_shard_mib``, weights larger than that are split into ``model-0000K-of-0000N.safetensors`` files and a
    ``model.safetensors.index.json`` (the layout transformers writes and reads); only a single tensor larger than
    the limit makes a file that passes it.

    Example:
        >>> folder = export_model("models/stancekit-nli-minilm-l6", tmp / "copy")
        >>> sorted(p.name for p in folder.iterdir())
        ['config.json', 'model.safetensors', 'stancekit.json', 'tokenizer.json', 'tokenizer_config.json']
        >>> sharded = export_model("models/stancekit-nli-minilm-l6", tmp / "sharded", max_shard_mib=25)
        >>> (sharded / "model.safetensors.index.json").exists()
        True
        >>> [p.stat().st_size < 25 * 2**20 for p in sorted(sharded.glob("model-*.safetensors"))]
        [True, True]
    """
    from safetensors.torch import save_file

    src, dst = Path(source), Path(target)
    dst.mkdir(parents=True, exist_ok=True)
    state = _read_weights(src)
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    state = {k: v.contiguous() for k, v in state.items()}
    for old in [*dst.glob("model*.safetensors"), dst / _INDEX]:
        old.unlink(missing_ok=True)  # a previous export's shards would otherwise mix with these
    if max_shard_mib is not None and not max_shard_mib > 0:
        raise ValueError(f"max_shard_mib must be positive, got {max_shard_mib!r}.")
    split = None
    if max_shard_mib is not None:  # transformers' own splitter (huggingface_hub), so the layout is the one it reads
        from huggingface_hub import split_torch_state_dict_into_shards

        split = split_torch_state_dict_into_shards(state, max_shard_size=int(max_shard_mib * 2**20))
    if split is None or not split.is_sharded:
        save_file(state, str(dst / "model.safetensors"), metadata={"format": "pt"})
    else:
        for name, keys in split.filename_to_tensors.items():
            save_file({k: state[k] for k in keys}, str(dst / name), metadata={"format": "pt"})
        index = {"metadata": split.metadata, "weight_map": split.tensor_to_filename}
        (dst / _INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    for name in _COPY:
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    return dst


_INDEX = "model.safetensors.index.json"


def _read_weights(folder: Path) -> dict[str, Any]:
    """All tensors of a folder's ``model.safetensors``, or of the shards its index names."""
    from safetensors.torch import load_file

    if (folder / "model.safetensors").exists():
        return load_file(str(folder / "model.safetensors"))
    if not (folder / _INDEX).exists():
        raise FileNotFoundError(f"{folder} has neither model.safetensors nor {_INDEX}.")
    files = sorted(set(json.loads((folder / _INDEX).read_text())["weight_map"].values()))
    state: dict[str, Any] = {}
    for name in files:
        state.update(load_file(str(folder / name)))
    return state


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
    parser.add_argument(
        "--max-shard-mib", type=float, default=None, help="split the weights into files of at most this size"
    )
    args = parser.parse_args()
    path = export_model(args.source, args.target, half=args.half, max_shard_mib=args.max_shard_mib)
    files = sorted(path.glob("model*.safetensors"))
    sizes = [round(f.stat().st_size / 2**20, 1) for f in files]
    print(json.dumps({"model": str(path), "weights_mib": round(sum(sizes), 1), "files_mib": sizes}))
    if args.check:
        print(_agreement(args.source, args.target, args.check, args.limit))


if __name__ == "__main__":
    main()
