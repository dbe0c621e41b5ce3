"""Old argument names that still work, with a warning that says the new one."""

from __future__ import annotations

import warnings
from typing import TypeVar

T = TypeVar("T")


def renamed(new_value: T | None, old_value: T | None, *, new: str, old: str, where: str) -> T | None:
    """The value of an argument given under its new name, or under its old one (with a FutureWarning).

    Raises:
        TypeError: If both names are given.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     renamed(None, "models/m", new="model_name_or_path", old="model", where="score_dataset")
        'models/m'
        >>> str(caught[0].message)
        'score_dataset: model= is now called model_name_or_path=; the old name will go in a later release.'
    """
    if old_value is None:
        return new_value
    if new_value is not None:
        raise TypeError(f"{where}: give {new}= only ({old}= is its old name).")
    warnings.warn(
        f"{where}: {old}= is now called {new}=; the old name will go in a later release.", FutureWarning, stacklevel=3
    )
    return old_value
