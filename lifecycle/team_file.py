"""Edit the `serving:` block of one model in a team file: `modelops deploy` of a model that runs on the cluster
(`runtime: gke`, or streaming) writes `image`, the registered `version` and the card's `artifact_uri` there.

The change goes through a pull request like any other edit of the file (docs/model-lifecycle.md): the gate and
`cdktn deploy` roll it out, a revert rolls it back. Only the value of each key's line changes, so comments, order
and formatting stay as the team wrote them and the loader's line numbers of everything else hold; a key the model
has no line for yet is inserted after the previous key written (the first as the first key of the `serving:`
block), at that block's indentation.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.model import Team
from config.yaml_source import YamlDocument, display_path, parse
from lifecycle.context import LifecycleError

KEY_LINE = re.compile(r"^(?P<indent>\s*)[A-Za-z_][\w-]*:")
# A value YAML reads back as the same plain string (no quoting needed): no `: `, ` #`, leading indicator or space.
PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./@:+-]*$")


def _value_line(key: str) -> re.Pattern[str]:
    return re.compile(rf"^(?P<indent>\s*){re.escape(key)}:\s*(?P<value>\"[^\"]*\"|'[^']*'|[^#\s]+)(?P<rest>\s*(#.*)?)$")


@dataclass(frozen=True)
class TeamFileEdit:
    file: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        name = display_path(self.file)
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True), self.after.splitlines(keepends=True), name, name, n=2
            )
        )


def scalar(value: str, *, quote: bool = False) -> str:
    """``value`` as YAML that loads back as the same string (quoted when it would not, or when asked)."""
    return value if PLAIN.match(value) and not quote else json.dumps(value)


def with_serving_image(team: Team, model_name: str, image: str) -> TeamFileEdit:
    """The team file with ``models[<model>].serving.image`` set to ``image`` (`<path>@sha256:<digest>`)."""
    return with_serving(team, model_name, {"image": scalar(image)})


def with_serving(team: Team, model_name: str, values: Mapping[str, str]) -> TeamFileEdit:
    """The team file with ``models[<model>].serving.<key>`` set to each YAML scalar of ``values``, in order."""
    file = Path(team.source.file)
    before = file.read_text()
    text, anchor = before, None
    for key, value in values.items():
        text, anchor = _set(file, text, model_name, key, value, anchor)
    return TeamFileEdit(file, before, text)


def _document(file: Path, text: str) -> YamlDocument:
    doc, errors = parse(text, file)
    if doc is None or errors:
        raise LifecycleError(f"{display_path(file)} does not load: {'; '.join(str(e) for e in errors)}")
    return doc


def _set(file: Path, text: str, model_name: str, key: str, value: str, anchor: int | None) -> tuple[str, int]:
    """``text`` with the key set; and the key's (1-based) line, after which the next missing key goes."""
    doc = _document(file, text)
    where = display_path(file)
    models = doc.data.get("models") or []
    index = next((i for i, m in enumerate(models) if isinstance(m, dict) and m.get("name") == model_name), None)
    if index is None:
        raise LifecycleError(f"{where}: no model {model_name}")
    serving = models[index].get("serving")
    lines = text.splitlines(keepends=True)
    if isinstance(serving, dict) and key in serving:
        line = doc.line(("models", index, "serving", key))
        assert line is not None  # the loader records a line for every key it read
        match = _value_line(key).match(lines[line - 1].rstrip("\n"))
        if match is None:
            raise LifecycleError(f"{where}:{line}: serving.{key} is not a one-line `{key}: <value>`; edit it by hand")
        newline = "\n" if lines[line - 1].endswith("\n") else ""
        lines[line - 1] = f"{match['indent']}{key}: {value}{match['rest']}{newline}"
        return "".join(lines), line
    if serving is None and "serving" not in models[index]:
        # A first deploy (a streaming model needs no serving settings before it): a new `serving:` block right
        # after the model's `name:` line, at the indentation of the model's keys.
        name_line = doc.line(("models", index, "name"))
        assert name_line is not None  # the loader records a line for every key it read
        indent = " " * lines[name_line - 1].index("name")
        lines.insert(name_line, f"{indent}serving:\n{indent}  {key}: {value}\n")
        return "".join(lines), name_line + 2
    serving_line = doc.line(("models", index, "serving"))
    if not isinstance(serving, dict) or not serving or serving_line is None:
        raise LifecycleError(f"{where}: model {model_name}'s `serving:` is not a block mapping; add {key} by hand")
    child = next(
        (KEY_LINE.match(line) for line in lines[serving_line:] if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    parent = KEY_LINE.match(lines[serving_line - 1])
    if child is None or parent is None or len(child["indent"]) <= len(parent["indent"]):
        raise LifecycleError(f"{where}:{serving_line}: `serving:` is not a block mapping; add {key} by hand")
    at = anchor if anchor is not None else serving_line
    lines.insert(at, f"{child['indent']}{key}: {value}\n")
    return "".join(lines), at + 1
