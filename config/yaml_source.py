"""Read YAML while remembering the line of every value, so errors can name file:line.

PyYAML's ``safe_load`` drops positions; we compose the node tree once, record
``path -> line`` for every key and value, and then construct plain Python data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError

PathKey = tuple[Any, ...]
# libyaml's loader when PyYAML was built with it (same safe semantics, ~10x faster on big orgs).
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    file: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, path: PathKey) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def display_path(file: Path) -> str:
    """Paths relative to the working directory read best in terminals and CI annotations."""
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def load(file: Path) -> tuple[YamlDocument | None, list[ConfigError]]:
    """Parse ``file``; return the document or the errors that make it unreadable."""
    where = display_path(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [ConfigError(where, None, "", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [ConfigError(where, line, "", "file is not valid UTF-8 text")]
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [ConfigError(where, mark.line + 1 if mark else None, "", f"invalid YAML: {problem}")]
    if node is None:
        return None, [ConfigError(where, None, "", "file is empty; expected a mapping of fields")]
    if not isinstance(node, yaml.MappingNode):
        return None, [ConfigError(where, node.start_mark.line + 1, "", "expected a mapping of fields at the top level")]
    doc = YamlDocument(file=file, data=None)
    errors: list[ConfigError] = []
    _record_lines(node, (), doc.lines, errors, where)
    try:
        doc.data = SafeLoader(text).get_single_data()
    except yaml.YAMLError as exc:  # e.g. unhashable keys, bad tags: only found at construction
        mark = getattr(exc, "problem_mark", None)
        errors.append(
            ConfigError(where, mark.line + 1 if mark else None, "", f"invalid YAML: {getattr(exc, 'problem', exc)}")
        )
    return (None if errors else doc), errors


def _record_lines(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], errors: list[ConfigError], where: str
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key in seen:
                errors.append(
                    ConfigError(where, key_node.start_mark.line + 1, format_path(path + (key,)), "duplicate key")
                )
            seen.add(key)
            child = path + (key,)
            # A key's own line is where a person looks; for nested blocks the key line is best too.
            lines[child] = key_node.start_mark.line + 1
            _record_lines(value_node, child, lines, errors, where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), lines, errors, where)


def format_path(path: PathKey) -> str:
    """``("models", 1, "monitoring")`` -> ``models[1].monitoring``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
