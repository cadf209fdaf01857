"""Load YAML into pydantic models; every error names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


from emwatch.errors import ConfigError  # noqa: E402  (re-exported: one module holds every error)


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _line_index(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Map each key path in a composed YAML tree to its 1-based line."""
    out: dict[tuple, int] = {}
    if node is None:
        return out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            out.update({p: ln for p, ln in _line_index(v, path + (key,)).items() if p != path + (key,)})
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.update(_line_index(v, path + (i,)))
    return out


def read_yaml(path: str | Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file; returns the data and a key-path -> line map. Raises ConfigError with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {e.object[e.start]:#x} at offset {e.start})") from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {e.problem or e}") from e
    return data, _line_index(node)


def validate(model: type[M], data: Any, *, source: str = "<config>", lines: dict[tuple, int] | None = None) -> M:
    """Validate `data` against `model`, turning pydantic's errors into one readable ConfigError."""
    lines = lines or {}
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as e:
        msgs = []
        for err in e.errors():
            loc = tuple(err["loc"])
            line = _nearest_line(lines, loc)
            field = ".".join(str(p) for p in loc) or "(top level)"
            where = f"{source}:{line}" if line else source
            reason = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            msgs.append(f"{where}: field '{field}': {reason}")
        raise ConfigError("\n".join(msgs)) from None


def load_config(model: type[M], path: str | Path | None, **overrides: Any) -> M:
    """Load a YAML config file (or none) into `model`; keyword overrides that are not None win."""
    data: dict[str, Any] = {}
    lines: dict[tuple, int] = {}
    source = str(path) if path else "<defaults>"
    if path is not None:
        loaded, lines = read_yaml(path)
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{source}:1: expected a mapping of settings, found {type(loaded).__name__}")
        data = dict(loaded or {})
    data.update({k: v for k, v in overrides.items() if v is not None})
    return validate(model, data, source=source, lines=lines)


def config_error(path: str | Path | None, field: str, error: Exception) -> ConfigError:
    """`error` (found while using a loaded config) as a ConfigError naming the file, the field's line and the field."""
    if path is None:
        return ConfigError(f"field '{field}': {error}")
    try:
        _, lines = read_yaml(path)
    except ConfigError:
        lines = {}
    line = lines.get((field,))
    return ConfigError(f"{path}{f':{line}' if line else ''}: field '{field}': {error}")


def _nearest_line(lines: dict[tuple, int], loc: tuple) -> int | None:
    while True:
        if loc in lines:
            return lines[loc]
        if not loc:
            return None
        loc = loc[:-1]
