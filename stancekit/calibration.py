"""Losses that respect partial (two-way) labels, temperature scaling and expected calibration error."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import torch

from stancekit.types import THREE_WAY, NLILabel

__all__ = [
    "binned_ece",
    "expected_calibration_error",
    "fit_temperature",
    "fit_temperature_to_targets",
    "label_targets",
    "partial_label_nll",
    "top_label_ece",
]

_NOT_ENTAILMENT = -1
TWO_WAY_OFFSET = 3
"""Targets 3 and 4 are entailment and contradiction chosen between those two only (see :func:`partial_label_nll`)."""


def label_targets(labels: Sequence[NLILabel], two_way: Sequence[bool] | None = None) -> torch.Tensor:
    """Encode labels for :func:`partial_label_nll`.

    0/1/2 in :data:`THREE_WAY` order, -1 for ``not_entailment``, and 3/4 for entailment/contradiction of a
    two-way (favor/against) example, where neutral was never an option.

    Example:
        >>> label_targets([NLILabel.CONTRADICTION, NLILabel.NOT_ENTAILMENT]).tolist()
        [2, -1]
        >>> label_targets([NLILabel.CONTRADICTION], two_way=[True]).tolist()
        [4]
    """
    index = {label: i for i, label in enumerate(THREE_WAY)}
    flags = list(two_way) if two_way is not None else [False] * len(labels)
    if len(flags) != len(labels):
        raise ValueError(f"got {len(labels)} labels but {len(flags)} two_way flags.")
    codes = []
    for label, flag in zip(labels, flags, strict=True):
        code = index.get(label, _NOT_ENTAILMENT)
        if flag:
            if code not in (0, 2):
                raise ValueError(f"a two-way example must be entailment or contradiction, got {label.value!r}.")
            code = TWO_WAY_OFFSET + code // 2
        codes.append(code)
    return torch.tensor(codes, dtype=torch.long)


def partial_label_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood over three-way logits (entailment, neutral, contradiction order).

    A ``not_entailment`` target (-1) says only that the pair is neutral *or* contradiction, so its loss is
    ``-log(p_neutral + p_contradiction)``: it never pushes probability between the two classes it cannot tell apart.

    A two-way target (3: entailment, 4: contradiction, from a favor/against set) is scored between those two
    classes only: ``-log(p_e / (p_e + p_c))`` for entailment, so neutral is neither pushed up nor down.

    Example:
        >>> round(partial_label_nll(torch.tensor([[0.0, 0.0, 0.0]]), torch.tensor([-1])).item(), 4)  # -log(2/3)
        0.4055
        >>> round(partial_label_nll(torch.tensor([[1.0, 5.0, 1.0]]), torch.tensor([3])).item(), 4)  # -log(1/2)
        0.6931
    """
    logp = torch.log_softmax(logits.float(), dim=-1)
    partial = targets < 0
    two_way = targets >= TWO_WAY_OFFSET
    full_index = torch.where(two_way, (targets - TWO_WAY_OFFSET) * 2, targets).clamp(min=0).unsqueeze(-1)
    full = -logp.gather(-1, full_index).squeeze(-1)
    not_entailment = -torch.logsumexp(logp[:, 1:], dim=-1)
    loss = torch.where(partial, not_entailment, full)
    if bool(two_way.any()):
        pair = torch.logsumexp(logp[:, [0, 2]], dim=-1)
        loss = torch.where(two_way, full + pair, loss)
    return loss.mean()


def fit_temperature(logits: npt.NDArray[np.float32], labels: Sequence[NLILabel], *, max_iter: int = 200) -> float:
    """Fit the temperature ``T`` that minimises the NLL of ``softmax(logits / T)`` on held-out labels.

    Args:
        logits: ``(n, 3)`` logits in (entailment, neutral, contradiction) order.
        labels: Gold labels; ``not_entailment`` counts as neutral-or-contradiction.
        max_iter: LBFGS iterations.

    Returns:
        The temperature, a positive float (1.0 leaves probabilities as they are).

    Example:
        >>> import numpy as np
        >>> t = fit_temperature(np.array([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0]], np.float32),
        ...                     [NLILabel.ENTAILMENT, NLILabel.CONTRADICTION])
        >>> t > 1.0
        True
    """
    if len(logits) != len(labels):
        raise ValueError(f"got {len(logits)} rows of logits but {len(labels)} labels.")
    return fit_temperature_to_targets(logits, label_targets(labels).numpy(), max_iter=max_iter)


def fit_temperature_to_targets(
    logits: npt.NDArray[np.float32], targets: npt.NDArray[np.int64], *, max_iter: int = 200
) -> float:
    """Fit a softmax temperature for any number of classes.

    ``targets`` are class indices; -1 is the partial ``not_entailment`` of three-way NLI logits.

    Example:
        >>> import numpy as np
        >>> fit_temperature_to_targets(np.array([[3.0, 0.0], [0.0, 3.0]], np.float32), np.array([1, 1])) > 1.0
        True
    """
    if len(logits) != len(targets):
        raise ValueError(f"got {len(logits)} rows of logits but {len(targets)} targets.")
    if len(targets) == 0:
        raise ValueError("cannot fit a temperature on no examples.")
    x = torch.as_tensor(np.asarray(logits, dtype=np.float32))
    y = torch.as_tensor(np.asarray(targets, dtype=np.int64))
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = partial_label_nll(x / log_t.exp(), y)
        loss.backward()  # type: ignore[no-untyped-call]  # torch stubs leave backward untyped
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]  # LBFGS.step is untyped in torch's stubs
    return float(log_t.exp().item())


def expected_calibration_error(
    probabilities: npt.NDArray[np.float32], labels: Sequence[NLILabel], *, bins: int = 15
) -> float:
    """Expected calibration error of the top-label confidence, over three-way labelled examples.

    Examples labelled ``not_entailment`` are skipped: their correct class is not a single label.

    Example:
        >>> import numpy as np
        >>> expected_calibration_error(np.array([[1.0, 0.0, 0.0]], np.float32), [NLILabel.ENTAILMENT])
        0.0
    """
    index = {label: i for i, label in enumerate(THREE_WAY)}
    keep = [i for i, label in enumerate(labels) if label in index]
    if not keep:
        return float("nan")
    gold = np.array([index[labels[i]] for i in keep])
    return top_label_ece(np.asarray(probabilities)[keep], gold, bins=bins)


def top_label_ece(probabilities: npt.NDArray[np.float32], gold: npt.NDArray[np.int64], *, bins: int = 15) -> float:
    """Expected calibration error of the top-label confidence for any number of classes (``gold``: class indices).

    Example:
        >>> import numpy as np
        >>> round(top_label_ece(np.array([[0.9, 0.1], [0.6, 0.4]], np.float32), np.array([0, 1])), 3)
        0.35
    """
    if len(probabilities) == 0:
        return float("nan")
    probs = np.asarray(probabilities, dtype=np.float64)
    correct = (probs.argmax(axis=1) == np.asarray(gold)).astype(np.float64)
    return binned_ece(probs.max(axis=1), correct, bins=bins)


def binned_ece(confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.float64], *, bins: int = 15) -> float:
    """ECE from each prediction's confidence and whether it was right, over ``bins`` equal-width bins (low, high].

    Example:
        >>> import numpy as np
        >>> binned_ece(np.array([0.9, 0.6]), np.array([1.0, 0.0]))
        0.35
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    which = np.searchsorted(np.linspace(0.0, 1.0, bins + 1), confidence, side="left") - 1
    inside = (which >= 0) & (which < bins)
    which, confidence, correct = which[inside], confidence[inside], np.asarray(correct, np.float64)[inside]
    gap = np.abs(np.bincount(which, correct, bins) - np.bincount(which, confidence, bins))
    return float(gap.sum() / max(len(inside), 1))
