"""The synthesized stacks being checked, read once as plain JSON, with team/env from the config."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import access_catalogue, names
from config.model import Config


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    conf: dict[str, Any]
    stack: str = ""  # the stack whose cdk.tf.json holds it

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def construct_path(self) -> str:
        """The construct path from cdktn's metadata; `<stack>/<logical id>` for a resource without any (an
        escape hatch's raw resource), so findings and suppressions still know its stack."""
        meta = (self.conf.get("//") or {}).get("metadata") or {}
        return meta.get("path") or (f"{self.stack}/{self.name}" if self.stack else self.name)


@dataclass
class StackDoc:
    name: str
    file: Path
    doc: dict[str, Any]
    team: str | None = None
    env: str | None = None
    _index: dict[str, Resource] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return "team" if self.team else "platform" if self.name.startswith("platform-") else "unknown"

    @property
    def project(self) -> str | None:
        providers = (self.doc.get("provider") or {}).get("google") or [{}]
        first = providers[0] if isinstance(providers, list) else providers
        return first.get("project")

    def resources(self, *types: str) -> Iterator[Resource]:
        for tf_type, items in (self.doc.get("resource") or {}).items():
            if types and tf_type not in types:
                continue
            for logical_id, conf in items.items():
                yield Resource(tf_type, logical_id, conf, self.name)

    def resources_and_data(self) -> Iterator[Resource]:
        """Every resource, then every data source as ``data.<type>``."""
        yield from self.resources()
        for tf_type, items in (self.doc.get("data") or {}).items():
            for logical_id, conf in items.items():
                yield Resource("data." + tf_type, logical_id, conf, self.name)

    def resource(self, address: str) -> Resource | None:
        """By ``type.name``, or by ``resource.name`` as checkov reports Python-check results on terraform_json."""
        if not self._index:
            for r in self.resources():
                self._index[r.address] = r
                self._index.setdefault(f"resource.{r.name}", r)
        return self._index.get(address)


@dataclass
class Scan:
    """What config rules see: the config and the stacks under check (a subset with --team/--changed-from)."""

    config: Config
    stacks: list[StackDoc]
    # Every stack in the synth output: where rules look for resources that may live in another
    # stack than the one under check (an audit config or DLP scan in the platform stack).
    all_stacks: list[StackDoc] = field(default_factory=list)
    # The base revision's stacks (``--changed-from`` / ``--base-synth-dir``) for the replacement preview
    # (MLOPS_TF_9, MLOPS_TF_10); None when there is nothing to compare with.
    base_stacks: list[StackDoc] | None = None
    # The date the gate judges expiry by (standing grants, MLOPS_IAM_8); None: nothing expires.
    today: datetime.date | None = None

    def __post_init__(self) -> None:
        self.all_stacks = self.all_stacks or list(self.stacks)

    def team_stacks(self) -> Iterator[StackDoc]:
        return (s for s in self.stacks if s.kind == "team")

    def anywhere(self, *types: str) -> Iterator[tuple[StackDoc, Resource]]:
        """Resources of these types in every synthesized stack, checked or not."""
        for stack in self.all_stacks:
            for resource in stack.resources(*types):
                yield stack, resource


def stack_owners(config: Config) -> dict[str, tuple[str | None, str]]:
    """Stack name -> (team or None, env) for every stack the config defines."""
    out: dict[str, tuple[str | None, str]] = {}
    for env in config.platform.environments:
        out[names.platform_stack(env)] = (None, env)
    for team in config.teams:
        for env in team.environments:
            out[names.team_stack(team.name, env)] = (team.name, env)
    return out


def standing_grant_keys(config: Config) -> set[tuple[str, str, str, str, str]]:
    """(stack, member, role, project, condition expression) of every binding of every declared standing grant in
    every environment of its team: the exact IAM members MLOPS_IAM_4 accepts (a custom role as `custom:<id>`)."""
    entries = access_catalogue.catalogue()
    return {
        (
            names.team_stack(team.name, env),
            g.member,
            b.role,
            environment.project_id,
            access_catalogue.standing_condition(
                b,
                granted=g.granted,
                expires=g.expires,
                project=environment.project_id,
                dataset=names.metadata_dataset_id(team.name),
            ),
        )
        for team in config.teams
        for env, environment in team.environments.items()
        for g in team.access.grants
        if g.role in entries
        for b in entries[g.role].roles
    }


def load_stacks(config: Config, synth_dir: Path, only: set[str] | None = None) -> list[StackDoc]:
    """Every ``stacks/<name>/cdk.tf.json`` under synth_dir (or just ``only``), in name order."""
    owners = stack_owners(config)
    docs = []
    for file in sorted(Path(synth_dir).glob("stacks/*/cdk.tf.json")):
        name = file.parent.name
        if only is not None and name not in only:
            continue
        team, env = owners.get(name, (None, None))
        docs.append(StackDoc(name=name, file=file, doc=json.loads(file.read_text()), team=team, env=env))
    return docs
