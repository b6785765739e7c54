"""What every governance rule shares: its metadata (for docs and reports) and readers for resource config.

Two kinds of rule live in policies/checks/, one file each:

- ``ResourceRule``: a checkov custom check, run by checkov over each resource of its types. checkov
  hands it the resource HCL-style (every value wrapped in a list); ``attr`` and ``blocks`` unwrap it.
- ``ConfigRule``: a rule about resources that must *exist* (alerts per model, a DLP scan per
  sensitive dataset, audit configs per project). A per-resource check cannot see an absence, so
  these read the typed config (which models and classifications exist) and the synthesized stacks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


@dataclass(frozen=True)
class RuleInfo:
    """The documented face of a rule: what docs/policies.md and every report show."""

    id: str
    title: str
    why: str
    capability: str
    fix: str
    severity: str
    kind: str  # "resource" (checkov check), "config" (existence rule) or "builtin" (checkov's own)
    resources: tuple[str, ...] = ()
    team_field: tuple[str, ...] = ("name",)
    platform_field: tuple[str, ...] = ("name",)
    model_field: tuple[str, ...] = ()


class Rule:
    """Class attributes every rule declares; ``info()`` turns them into a RuleInfo."""

    id: str
    title: str
    why: str
    capability: str
    fix: str
    severity: str = "HIGH"
    kind: str = "resource"
    # The YAML field a finding points at when the resource is not a model's (a model's resources
    # point at the model entry). "{env}" is replaced by the stack's environment.
    team_field: tuple[str, ...] = ("name",)
    platform_field: tuple[str, ...] = ("name",)
    # The field under the model entry that produced the argument a finding is about (e.g. `serving.access`):
    # a model resource's finding points at its line (or the nearest enclosing block the file has).
    model_field: tuple[str, ...] = ()
    supported: tuple[str, ...] = ()

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(
            cls.id,
            cls.title,
            cls.why,
            cls.capability,
            cls.fix,
            cls.severity,
            cls.kind,
            tuple(cls.supported),
            tuple(cls.team_field),
            tuple(cls.platform_field),
            tuple(cls.model_field),
        )


@dataclass(frozen=True)
class Where:
    """Where a resource is: its stack (from the cdk.tf.json file it is in) and that stack's team and environment
    (from the config). Never from construct metadata: resources added through escape hatches (overrides, raw
    resources) carry none and are checked like any other."""

    stack: str
    team: str | None = None
    env: str | None = None
    production: bool = False  # the environment is production (Platform.is_production)

    @property
    def kind(self) -> str:
        return "team" if self.team else "platform" if self.stack.startswith("platform-") else "unknown"


# Stack name -> (team or None, env) of every stack the config defines; set by the gate before checkov runs
# (policies.engine.gate), inherited by checkov's worker processes.
_STACK_OWNERS: dict[str, tuple[str | None, str]] = {}
_PRODUCTION_ENVS: set[str] = set()


def set_stack_owners(owners: dict[str, tuple[str | None, str]], production_envs: Iterable[str] = ()) -> None:
    _STACK_OWNERS.clear()
    _STACK_OWNERS.update(owners)
    _PRODUCTION_ENVS.clear()
    _PRODUCTION_ENVS.update(production_envs)


# (stack, member, role, project, condition expression) of every binding of every standing grant the team files
# declare (`access.grants`, modules/access.py; a custom role as `custom:<id>`): the only user: principals
# MLOPS_IAM_4 accepts. Set by the gate with the stack owners, before checkov runs.
_STANDING_GRANTS: set[tuple[str, str, str, str, str]] = set()


def set_standing_grants(grants: set[tuple[str, str, str, str, str]]) -> None:
    _STANDING_GRANTS.clear()
    _STANDING_GRANTS.update(grants)


def standing_grants() -> set[tuple[str, str, str, str, str]]:
    return set(_STANDING_GRANTS)


# Environment -> `<region>-docker.pkg.dev/<platform project>/serving-images/`, the one repository workload images of
# that environment may come from (names.serving_image_prefix of the platform config); set by the gate with the stack
# owners, before checkov runs (MLOPS_GKE_7).
_SERVING_REGISTRIES: dict[str, str] = {}


def set_serving_registries(registries: dict[str, str]) -> None:
    _SERVING_REGISTRIES.clear()
    _SERVING_REGISTRIES.update(registries)


def serving_registry(env: str | None) -> str | None:
    return _SERVING_REGISTRIES.get(env) if env else None


def scanned_path(scanned_file: str) -> Path:
    """The real path of a file checkov scanned: it names files as "/" + their path relative to the working
    directory ("/../../tmp/x/cdk.tf.json"), which only resolves by accident when the working directory is two
    levels below a common root."""
    candidate = Path(os.path.normpath(os.path.join(os.getcwd(), scanned_file.lstrip("/"))))
    return candidate if candidate.exists() else Path(scanned_file)


def where_in_file(scanned_file: str) -> Where:
    """The Where of a resource in ``stacks/<stack>/cdk.tf.json``."""
    stack = Path(scanned_file).parent.name
    team, env = _STACK_OWNERS.get(stack, (None, None))
    return Where(stack, team, env, env in _PRODUCTION_ENVS)


class ResourceRule(Rule, BaseResourceCheck):
    """A checkov resource check: ``problems(conf)`` lists what is wrong; none means compliant.

    ``self.where`` is the resource's stack, team and environment while ``problems`` runs."""

    # checkov's BaseCheck declares `severity` as None (its severities come from the platform API, offline
    # there are none); ours is the rule's own severity string.
    severity: str = "HIGH"  # type: ignore[assignment]

    def __init__(self) -> None:
        BaseResourceCheck.__init__(
            self,
            name=self.title,
            id=self.id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=list(self.supported),
        )

    def problems(self, conf: dict[str, Any]) -> Iterable[str]:
        raise NotImplementedError

    @property
    def where(self) -> Where:
        # checkov sets entity_path to "<scanned file>:<type>:<name>" before it calls the check
        return where_in_file(self.entity_path.rsplit(":", 2)[0])

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        found = list(self.problems(conf))
        self.details.extend(found)
        return CheckResult.FAILED if found else CheckResult.PASSED


# --- readers for checkov's HCL-style conf ------------------------------------------------


def unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def attr(conf: Any, *path: str) -> Any:
    """``attr(conf, "encryption_spec", "kms_key_name")`` -> the value, or None when any step is missing."""
    node = conf
    for key in path:
        if not isinstance(node, dict):
            return None
        node = unwrap(node.get(key))
    return node


def blocks(conf: Any, key: str) -> list[dict[str, Any]]:
    """Repeated nested blocks (``links``, ``access``, ``conditions``) as a list of dicts."""
    value = conf.get(key) if isinstance(conf, dict) else None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        out = []
        for item in value:
            out += (
                [i for i in item if isinstance(i, dict)]
                if isinstance(item, list)
                else [item]
                if isinstance(item, dict)
                else []
            )
        return out
    return []


def strings(value: Any) -> list[str]:
    """Every string inside a (possibly nested) value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if not k.startswith("__") and k != "//" for s in strings(v)]
    return []


def construct_path(conf: dict[str, Any]) -> str:
    meta = conf.get("//", {}) if isinstance(conf, dict) else {}
    return (meta.get("metadata") or {}).get("path", "") if isinstance(meta, dict) else ""


def is_token(value: Any) -> bool:
    """A Terraform interpolation (value known only at apply time)."""
    return isinstance(value, str) and "${" in value


def policy_bindings(policy_data: Any) -> Iterator[dict[str, Any]]:
    """Bindings of a literal ``policy_data`` JSON string (tokens from data sources cannot be read)."""
    if not isinstance(policy_data, str) or is_token(policy_data):
        return
    try:
        doc = json.loads(policy_data)
    except ValueError:
        return
    for binding in doc.get("bindings", []) if isinstance(doc, dict) else []:
        if isinstance(binding, dict):
            yield binding


def label_maps(conf: dict[str, Any], tf_type: str) -> dict[str, dict[str, Any]]:
    """The label maps a resource carries: ``labels``, ``resource_labels``, ``user_labels``."""
    out = {}
    for key in ("labels", "resource_labels", "user_labels"):
        if key == "labels" and tf_type == "google_monitoring_notification_channel":
            continue  # a channel's `labels` are its settings (email_address...), not resource labels
        value = attr(conf, key)
        if isinstance(value, dict):
            out[key] = {k: unwrap(v) for k, v in value.items() if not k.startswith("__")}
    return out


# --- config rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One evaluated subject of a config rule; ``passed=False`` becomes a finding."""

    stack: str
    address: str
    construct_path: str
    passed: bool
    message: str = ""
    yaml_path: tuple[Any, ...] | None = None  # a better YAML field than the rule's default


class ConfigRule(Rule):
    kind = "config"

    def evaluate(self, scan: Any) -> Iterable[Outcome]:
        """``scan`` is a policies.engine.stackset.Scan: the config plus the stacks being checked."""
        raise NotImplementedError


# --- readers for raw (plain JSON) resource config, as config rules see it --------------------


def items(value: Any) -> list[dict[str, Any]]:
    """A nested block in plain cdk.tf.json: one dict or a list of dicts."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def dig(conf: Any, *path: str) -> Any:
    node = conf
    for key in path:
        node = items(node)[0].get(key) if items(node) else None
        if node is None:
            return None
    return node
