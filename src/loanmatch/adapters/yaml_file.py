"""Read YAML with the line number of every mapping, so errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["LINE_KEY", "describe_validation_error", "parse_yaml", "read_yaml"]

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _NoAliasLoader(_LineLoader):
    """Refuses aliases (``*name``): text from a network client could otherwise expand a few
    kilobytes into billions of nodes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not accepted", mark)
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> tuple[Any, str]:
    """Parse ``path``; returns (data, problem). ``problem`` is "" or a message naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, "file not found"
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text ({error.reason} at byte {error.start})"
    except OSError as error:
        return None, f"cannot read: {error.strerror}"
    return parse_yaml(text)


def parse_yaml(text: str, *, aliases: bool = True) -> tuple[Any, str]:
    """Parse YAML ``text`` as :func:`read_yaml` parses a file: (data, problem);
    ``aliases=False`` refuses aliases (text from a network client)."""
    try:
        return yaml.load(text, Loader=_LineLoader if aliases else _NoAliasLoader), ""
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return None, f"{line}malformed YAML: {error.problem or error}"
    except yaml.YAMLError as error:
        return None, f"malformed YAML: {error}"


def describe_validation_error(error: ValidationError) -> str:
    """One line for the most specific problem pydantic found, with what was received."""
    problems = error.errors()
    first = max(problems, key=lambda p: len(p["loc"]))
    parts = [str(p) for p in first["loc"] if not (isinstance(p, str) and p[:1].isupper())]
    parts = [p for p in parts if p not in {"str", "int", "float"}]
    received = first.get("input")
    shown = "" if isinstance(received, dict) else f" (received {received!r})"
    field = ".".join(parts)
    return f"field {field}: {first['msg']}{shown}" if field else f"{first['msg']}{shown}"
