"""Modules imported when first used, so that a command that never needs pandas (`emwatch status`) does not pay
for importing it (about 1-3 s on a busy 2-core machine).

`pd = lazy_module("pandas")` at the top of a module keeps every `pd.DataFrame(...)` as it was; pandas is imported
on the first attribute looked up. `lazy_exports(__name__, {...})` gives a package the `__getattr__` (PEP 562)
that imports the submodule owning a name when that name is first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


class _LazyModule:
    """Stands for a module until an attribute is looked up, then forwards to the imported module."""

    def __init__(self, name: str) -> None:
        self.__name = name
        self.__module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self.__module is None:
            self.__module = importlib.import_module(self.__name)
        return getattr(self.__module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__name!r}{'' if self.__module is None else ' (imported)'}>"


def lazy_module(name: str) -> Any:
    """A stand-in for `import name` that imports it on first use."""
    return _LazyModule(name)


def lazy_exports(package: str, owners: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's `__getattr__`: each exported name (key) is imported from its submodule (value, relative to
    `package`) when first asked for, and kept in the package's namespace from then on."""
    def __getattr__(name: str) -> Any:
        owner = owners.get(name)
        if owner is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{owner}"), name)
        setattr(importlib.import_module(package), name, value)
        return value
    return __getattr__
