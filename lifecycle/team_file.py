"""Edit one line of a team file: `serving.image` of one model (`modelops deploy` of a `runtime: gke` model).

The change goes through a pull request like any other edit of the file (docs/model-lifecycle.md): the gate and
`cdktn deploy` roll it out, a revert rolls it back. Only the value of that one line changes, so comments, order
and formatting stay as the team wrote them and the loader's line numbers of everything else hold; when the model
has no `image:` yet, one line is inserted as the first key of its `serving:` block, at that block's indentation.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from config.model import Team
from config.yaml_source import display_path, load
from lifecycle.context import LifecycleError

IMAGE_LINE = re.compile(r"^(?P<indent>\s*)image:\s*(?P<value>[^#\s]+)(?P<rest>\s*(#.*)?)$")
KEY_LINE = re.compile(r"^(?P<indent>\s*)[A-Za-z_][\w-]*:")


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


def with_serving_image(team: Team, model_name: str, image: str) -> TeamFileEdit:
    """The team file with ``models[<model>].serving.image`` set to ``image`` (`<path>@sha256:<digest>`)."""
    file = Path(team.source.file)
    doc, errors = load(file)
    if doc is None or errors:
        raise LifecycleError(f"{display_path(file)} does not load: {'; '.join(str(e) for e in errors)}")
    index = next((i for i, m in enumerate(team.models) if m.name == model_name), None)
    if index is None:
        raise LifecycleError(f"{display_path(file)}: no model {model_name}")
    before = file.read_text()
    lines = before.splitlines(keepends=True)
    # doc.line answers the nearest enclosing line for a path the file lacks: ask the model whether it has one
    image_line = doc.line(("models", index, "serving", "image"))
    if image_line is not None and team.models[index].serving.image is not None:
        match = IMAGE_LINE.match(lines[image_line - 1].rstrip("\n"))
        if match is None:
            raise LifecycleError(
                f"{display_path(file)}:{image_line}: serving.image is not a one-line `image: <value>`; edit it by hand"
            )
        newline = "\n" if lines[image_line - 1].endswith("\n") else ""
        lines[image_line - 1] = f"{match['indent']}image: {image}{match['rest']}{newline}"
        return TeamFileEdit(file, before, "".join(lines))
    serving_line = doc.line(("models", index, "serving"))
    model_line = doc.line(("models", index))
    if serving_line is None or serving_line == model_line:
        raise LifecycleError(f"{display_path(file)}: model {model_name} has no `serving:` block to put the image in")
    child = next(
        (KEY_LINE.match(line) for line in lines[serving_line:] if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    parent = KEY_LINE.match(lines[serving_line - 1])
    if child is None or parent is None or len(child["indent"]) <= len(parent["indent"]):
        raise LifecycleError(
            f"{display_path(file)}:{serving_line}: `serving:` is not a block mapping; add the image by hand"
        )
    lines.insert(serving_line, f"{child['indent']}image: {image}\n")
    return TeamFileEdit(file, before, "".join(lines))
