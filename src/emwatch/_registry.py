"""Named, lazily imported plugins: generation backends, trainers (and any other kind of thing emwatch picks by
name from a config).

A registry maps a name (and its aliases) to an entry whose implementation is either an object or a
"module:attribute" string imported on first use, so naming a backend in a config does not import torch, and a
missing optional dependency becomes `MissingDependency` with the exact `pip install` command.

    >>> BACKENDS.register("mine", "my_pkg.backend:MyBackend", install="pip install my-pkg")
    >>> BACKENDS.load("mine")           # imports my_pkg.backend, returns MyBackend
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from emwatch.errors import ConfigError, EmwatchError, MissingDependency


@dataclass
class Entry:
    name: str
    target: Any                      # the object, or "module:attribute" to import on first use
    install: str | None = None       # the pip command that brings its optional dependencies
    aliases: tuple[str, ...] = ()
    help: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        if not isinstance(self.target, str):
            return self.target
        module, _, attr = self.target.partition(":")
        try:
            obj = importlib.import_module(module)
        except MissingDependency:
            raise
        except ImportError as e:
            raise self.missing(e) from e
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise EmwatchError(f"{self.name!r} is registered as {self.target!r}, but {module} has no {attr!r}") from None
        self.target = obj
        return obj

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """Load the entry and call it. An ImportError raised while it runs (backends and trainers import their
        heavy packages, torch or an SDK, when they start) becomes MissingDependency with the pip hint."""
        target = self.load()
        try:
            return target(*args, **kwargs)
        except MissingDependency:
            raise
        except ImportError as e:
            raise self.missing(e) from e

    def missing(self, err: ImportError) -> MissingDependency:
        """The MissingDependency for an import that failed while loading or building this entry."""
        hint = f": {self.install}" if self.install else ""
        return MissingDependency(f"{self.name!r} needs a package that is missing ({err.name or err}){hint}")


class Registry:
    """Name -> Entry, with aliases. `kind` names what it holds in error messages ('backend', 'trainer', ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, target: Any, *, install: str | None = None, aliases: tuple[str, ...] = (),
                 help: str = "", replace: bool = False, **meta: Any) -> Entry:
        """Add `name` (and its aliases). Registering a taken name is an error unless `replace=True`."""
        for n in (name, *aliases):
            owner = self._aliases.get(n)
            if owner is not None and not replace and owner != name:
                raise ValueError(f"{self.kind} name {n!r} is taken by {owner!r}")
            if owner is not None and not replace and owner == name and n == name:
                raise ValueError(f"{self.kind} {name!r} is registered already (pass replace=True)")
        if name in self._entries:  # replacing: the old entry's aliases go with it
            self.unregister(name)
        entry = Entry(name, target, install, tuple(aliases), help, dict(meta))
        self._entries[name] = entry
        for n in (name, *aliases):
            self._aliases[n] = name
        return entry

    def unregister(self, name: str) -> None:
        entry = self._entries.pop(self.canonical(name))
        for n in (entry.name, *entry.aliases):
            self._aliases.pop(n, None)

    def canonical(self, name: str) -> str:
        """The registered name `name` stands for (itself or the name it is an alias of)."""
        try:
            return self._aliases[name]
        except (KeyError, TypeError):
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {self.known()}") from None

    def known(self) -> str:
        """The registered names, each with its aliases, for messages: 'openai, transformers (or hf)'."""
        return ", ".join(e.name + (f" (or {', '.join(e.aliases)})" if e.aliases else "")
                         for e in sorted(self._entries.values(), key=lambda e: e.name))

    def entry(self, name: str) -> Entry:
        return self._entries[self.canonical(name)]

    def load(self, name: str) -> Any:
        """The implementation registered as `name`, imported on first use."""
        return self.entry(name).load()

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._aliases

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))


__all__ = ["Entry", "Registry"]
