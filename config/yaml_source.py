"""Read YAML while remembering the line of every value, so errors can name file:line.

PyYAML's ``safe_load`` drops positions; we compose the node tree once, record
``path -> line`` for every key and value, and then construct plain Python data.

Hostile input is refused before anything walks the data (every command that reads config or model cards
goes through ``load``): files over MAX_BYTES, more than one document, and node graphs that expand past
MAX_NODES values (alias bombs: "billion laughs") or nest deeper than MAX_DEPTH. Real config files hold a
few hundred values at most six levels deep.
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

MAX_BYTES = 1_000_000
MAX_NODES = 100_000  # values after alias expansion
MAX_DEPTH = 64


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
        size = file.stat().st_size
        if size > MAX_BYTES:
            return None, [ConfigError(where, None, "", f"file is {size} bytes; at most {MAX_BYTES} are read")]
        raw = file.read_bytes()
    except OSError as exc:
        return None, [ConfigError(where, None, "", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [ConfigError(where, line, "", "file is not valid UTF-8 text")]
    return parse(text, file)


def parse(text: str, file: Path) -> tuple[YamlDocument | None, list[ConfigError]]:
    """Parse ``text`` as the content of ``file`` (e.g. an edit not written yet)."""
    where = display_path(file)
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if problem == "but found another document":
            problem = "expected a single document, found another (`---`); a file holds one"
        return None, [ConfigError(where, mark.line + 1 if mark else None, "", f"invalid YAML: {problem}")]
    if node is None:
        return None, [ConfigError(where, None, "", "file is empty; expected a mapping of fields")]
    if not isinstance(node, yaml.MappingNode):
        return None, [ConfigError(where, node.start_mark.line + 1, "", "expected a mapping of fields at the top level")]
    too_big = _expansion_problem(node)
    if too_big:
        return None, [ConfigError(where, None, "", too_big)]
    doc = YamlDocument(file=file, data=None)
    errors: list[ConfigError] = []
    _record_lines(node, (), doc.lines, errors, where)
    if errors:
        return None, errors
    try:
        doc.data = SafeLoader(text).get_single_data()
    except yaml.YAMLError as exc:  # e.g. unhashable keys, bad tags: only found at construction
        mark = getattr(exc, "problem_mark", None)
        errors.append(
            ConfigError(where, mark.line + 1 if mark else None, "", f"invalid YAML: {getattr(exc, 'problem', exc)}")
        )
    return (None if errors else doc), errors


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expansion_problem(root: yaml.Node) -> str | None:
    """Why the document is refused (too many values once aliases are expanded, or too deep), or None.

    Aliases make the node tree a graph whose expansion can be exponential in the file size; sizes and depths
    are computed once per distinct node (iteratively: deep input must not exhaust the stack)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_NODES:
                return f"refused: more than {MAX_NODES} values once YAML aliases are expanded (an alias bomb?)"
            if depth[key] > MAX_DEPTH:
                return f"refused: nested more than {MAX_DEPTH} levels deep"
            continue
        if key in size:
            continue
        if key in on_path:  # a recursive alias: infinite expansion
            return "refused: a YAML alias refers to itself (infinite expansion)"
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)
        if len(on_path) > MAX_DEPTH:
            return f"refused: nested more than {MAX_DEPTH} levels deep"
    return None


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
    else:
        problem = _number_problem(node)
        if problem:
            errors.append(ConfigError(where, node.start_mark.line + 1, format_path(path), problem))


# Every number the config holds is a threshold, a count or a duration: finite, and far below 10**18.
MAX_INT_DIGITS = 18


def _number_problem(node: yaml.Node) -> str | None:
    """Numbers YAML reads but no field can hold: .nan/.inf (they break every comparison downstream) and integers
    longer than Python converts by default (a ValueError at construction)."""
    value = str(node.value).lstrip("+-").replace("_", "")
    if node.tag == "tag:yaml.org,2002:float" and value.lower() in (".nan", ".inf"):
        return f"{node.value} is not a finite number; expected a number such as 0.5"
    if node.tag == "tag:yaml.org,2002:int" and len(value) > MAX_INT_DIGITS:
        return f"integer with {len(value)} digits; expected at most {MAX_INT_DIGITS}"
    return None


def format_path(path: PathKey) -> str:
    """``("models", 1, "monitoring")`` -> ``models[1].monitoring``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
