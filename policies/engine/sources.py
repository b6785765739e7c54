"""Map a construct path to the YAML file and line that produced it.

`team-<team>-<env>/<model>/...` -> that model's entry in the team file, at the field the rule is about
(``model_field``, e.g. `serving.access`) when the file sets it, else the nearest enclosing block; other team resources ->
the team file (the rule's field, e.g. `groups`, or `name`); `platform-<env>/...` -> platform.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.model import Config, Source
from config.yaml_source import YamlDocument, load
from policies.engine.stackset import StackDoc
from policies.rulebase import RuleInfo


class SourceMap:
    def __init__(self, config: Config):
        self.config = config
        self._docs: dict[Path, YamlDocument | None] = {}

    def _line(self, source: Source, path: tuple[Any, ...]) -> int:
        file = Path(source.file)
        if file not in self._docs:
            self._docs[file] = load(file)[0] if file.exists() else None
        doc = self._docs[file]
        return (doc.line(path) if doc is not None else None) or source.line

    def locate(
        self, stack: StackDoc, construct_path: str, rule: RuleInfo, yaml_path: tuple[Any, ...] | None = None
    ) -> tuple[str, int]:
        env = stack.env or ""
        if stack.team is not None:
            team = self.config.team(stack.team)
            parts = construct_path.split("/")
            index = next((i for i, m in enumerate(team.models) if len(parts) > 1 and parts[1] == m.name), None)
            if index is not None and yaml_path is None:
                # the field that produced the argument, or the nearest enclosing block the file has
                return str(team.source.file), self._line(
                    team.models[index].source, ("models", index, *rule.model_field)
                )
            field = yaml_path or _fill(rule.team_field, env)
            return str(team.source.file), self._line(team.source, field)
        if stack.kind == "platform":
            platform = self.config.platform
            field = yaml_path or _fill(rule.platform_field, env)
            return str(platform.source.file), self._line(platform.source, field)
        return str(stack.file), 1  # a stack the config does not define (stale synth output)


def _fill(path: tuple[str, ...], env: str) -> tuple[str, ...]:
    return tuple(env if part == "{env}" else part for part in path)
