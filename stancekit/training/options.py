"""Training settings in one place: each config field says how it appears on the command line.

A field of :class:`~stancekit.training.nli.NLITrainingConfig` or :class:`~stancekit.training.finetune.FinetuneConfig`
is declared with :func:`option` (its default, flag and help); :func:`add_options` turns the fields into
``argparse`` options and :func:`config_from_options` builds the config back from the parsed arguments, so the
command line never copies settings by hand and a new field reaches it by being declared.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Option", "add_options", "config_from_options", "option", "option_flags"]

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Option:
    """How one config field appears on the command line.

    Attributes:
        flag: The option's name; default ``--`` and the field name with dashes.
        help: The help text.
        off: For a field that is on by default, the flag that turns it off (``--fresh-head`` for ``warm_start``).
        parse: Turns the option's text into the field's value (e.g. a comma-separated list).
        required: The option must be given.
        hidden: Not on the command line (set in code only).
    """

    flag: str | None = None
    help: str = ""
    off: str | None = None
    parse: Callable[[str], Any] | None = None
    required: bool = False
    hidden: bool = False


def option(default: Any = dataclasses.MISSING, **settings: Any) -> Any:
    """A dataclass field with a default and its command-line :class:`Option`.

    Example:
        >>> @dataclass(frozen=True)
        ... class Config:
        ...     learning_rate: float = option(3e-5, flag="--lr", help="peak learning rate")
        >>> parser = argparse.ArgumentParser()
        >>> add_options(parser, Config)
        >>> config_from_options(Config, parser.parse_args(["--lr", "1e-4"]))
        Config(learning_rate=0.0001)
    """
    metadata = {"cli": Option(**settings)}
    if isinstance(default, (list, dict, set)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _option_of(field: dataclasses.Field[Any]) -> Option:
    found = field.metadata.get("cli")
    return found if isinstance(found, Option) else Option()


def _flag(field: dataclasses.Field[Any]) -> str:
    return _option_of(field).flag or "--" + field.name.replace("_", "-")


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def _kind(hint: Any) -> tuple[Any, bool]:
    """The type an option parses to, and whether ``None`` is allowed."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        if all(a in (str, Path) for a in args):
            return str, optional
        inner, _ = _kind(args[0])
        return inner, optional
    return hint, False


def add_options(parser: argparse.ArgumentParser, config: type[Any], *, skip: Sequence[str] = ()) -> None:
    """Add an option for each field of the dataclass ``config`` (except ``skip`` and hidden fields).

    Raises:
        TypeError: If a field's type cannot be read from the command line and it has no ``parse``.
    """
    hints = typing.get_type_hints(config)
    for field in dataclasses.fields(config):
        spec = _option_of(field)
        if field.name in skip or spec.hidden:
            continue
        kind, _ = _kind(hints[field.name])
        default = _default(field)
        common: dict[str, Any] = {"dest": field.name, "help": spec.help or None}
        if kind is bool:
            if default:
                if not spec.off:
                    raise TypeError(f"{config.__name__}.{field.name} is on by default: give it off='--no-...'.")
                parser.add_argument(spec.off, action="store_false", default=True, **common)
            else:
                parser.add_argument(_flag(field), action="store_true", default=False, **common)
            continue
        common["metavar"] = _flag(field).lstrip("-").replace("-", "_").upper()
        if default not in (None, ()) and not spec.required:
            shown = " ".join(map(str, default)) if isinstance(default, tuple) else default
            common["help"] = f"{spec.help} (default: {shown})" if spec.help else f"default: {shown}"
        if spec.parse is not None:
            parser.add_argument(_flag(field), type=spec.parse, default=default, required=spec.required, **common)
        elif typing.get_origin(kind) is typing.Literal:
            choices = list(typing.get_args(kind))
            common["metavar"] = "{" + ",".join(map(str, choices)) + "}"
            parser.add_argument(_flag(field), choices=choices, default=default, required=spec.required, **common)
        elif typing.get_origin(kind) is tuple:
            parser.add_argument(_flag(field), nargs="*", default=default, required=spec.required, **common)
        elif kind in (int, float, str):
            parser.add_argument(_flag(field), type=kind, default=default, required=spec.required, **common)
        else:
            raise TypeError(f"{config.__name__}.{field.name}: no command-line form for {hints[field.name]!r}.")


def config_from_options(config: type[C], args: argparse.Namespace, **given: Any) -> C:
    """The config the parsed ``args`` describe; ``given`` sets fields the command line does not (or overrides).

    Raises:
        ValueError: As the config's own checks, naming the field.
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(config):  # type: ignore[arg-type]
        if field.name in given:
            values[field.name] = given[field.name]
        elif hasattr(args, field.name) and not _option_of(field).hidden:
            value = getattr(args, field.name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return config(**values)


def option_flags(config: type[Any]) -> Mapping[str, str]:
    """Field name -> the flag that sets it (the off flag for a field that is on by default), hidden ones left out.

    Example:
        >>> from stancekit.training.finetune import FinetuneConfig
        >>> option_flags(FinetuneConfig)["warm_start"], option_flags(FinetuneConfig)["learning_rate"]
        ('--fresh-head', '--lr')
    """
    flags = {}
    for field in dataclasses.fields(config):
        spec = _option_of(field)
        if not spec.hidden:
            flags[field.name] = spec.off if spec.off and _default(field) is True else _flag(field)
    return flags
