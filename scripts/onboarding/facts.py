"""Facts about one synthesized stack, read from cdk.tf.json, for the generated team docs.

Docs are generated from the same JSON Terraform deploys, so they cannot drift from what a
team actually gets. References (`${type.name.attr}`) are resolved to readable names where
the value is known at synth time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

REF = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}")
REMOTE = re.compile(r"\$\{data\.terraform_remote_state\.[^}]+\}")
DATA_REF = re.compile(r"\$\{data\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}")
DATA_NAMES = {"google_bigquery_default_service_account": "BigQuery service agent", "google_project": "project"}
# The attribute that names a resource of each type, for readable references and targets.
NAME_ATTRIBUTES = (
    "display_name",
    "dataset_id",
    "table_id",
    "account_id",
    "scope_id",
    "scope_namespace_id",
    "role_id",
    "workflow_id",
    "name",
    "project",
    "secret_id",
)
# IAM member types -> the attributes that identify what the grant is on.
TARGET_ATTRIBUTES = (
    "dataset_id",
    "table_id",
    "policy_tag",
    "scope_id",
    "crypto_key_id",
    "service_account_id",
    "topic",
    "subscription",
    "repository",
    "project",
)


@dataclass(frozen=True)
class Grant:
    principal: str
    role: str
    target_type: str
    target: str
    condition: str = ""


@dataclass
class StackFacts:
    name: str
    resources: dict[str, dict[str, dict]]  # type -> logical id -> conf
    data: dict[str, dict[str, dict]] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)

    def of_type(self, tf_type: str) -> Iterator[tuple[str, dict]]:
        for logical_id, conf in sorted(self.resources.get(tf_type, {}).items()):
            yield construct_path(conf, logical_id), conf

    def resolve(self, value: Any) -> str:
        """A readable string for a value that may contain `${...}` references."""
        if not isinstance(value, str):
            return str(value)
        value = REMOTE.sub("(platform output)", value)
        value = DATA_REF.sub(lambda m: self._data_ref(m.group(1), m.group(2)), value)
        return REF.sub(lambda m: self._ref(m.group(1), m.group(2), m.group(3)), value)

    def _data_ref(self, tf_type: str, logical_id: str) -> str:
        conf = self.data.get(tf_type, {}).get(logical_id, {})
        label = DATA_NAMES.get(tf_type, tf_type.removeprefix("google_").replace("_", " "))
        return f"{label} of {conf['project']}" if "project" in conf else label

    def _ref(self, tf_type: str, logical_id: str, attr: str) -> str:
        conf = self.resources.get(tf_type, {}).get(logical_id)
        if conf is None:
            return f"{tf_type}.{logical_id}.{attr}"
        if tf_type == "google_service_account" and attr in ("email", "member"):
            email = f"{conf['account_id']}@{conf.get('project', '')}.iam.gserviceaccount.com"
            return email if attr == "email" else f"serviceAccount:{email}"
        if attr in conf and isinstance(conf[attr], (str, int, float)):
            return self.resolve(conf[attr])
        return readable_name(tf_type, conf, self)


def construct_path(conf: dict, logical_id: str) -> str:
    path = conf.get("//", {}).get("metadata", {}).get("path", logical_id)
    return path.split("/", 1)[1] if "/" in path else path


def readable_name(tf_type: str, conf: dict, facts: StackFacts | None = None) -> str:
    short = tf_type.removeprefix("google_")
    for attr in NAME_ATTRIBUTES:
        value = conf.get(attr)
        if isinstance(value, str):
            return f"{short} {facts.resolve(value) if facts else value}"
    return short


def load_facts(name: str, stack: dict, only_under: str | None = None) -> StackFacts:
    """``only_under``: keep only the grants whose construct path starts with it (a team's part of the
    platform stack, ``team-<name>/``)."""
    facts = StackFacts(name=name, resources=stack.get("resource", {}), data=stack.get("data", {}))

    def wanted(logical_id: str, conf: dict) -> bool:
        return only_under is None or construct_path(conf, logical_id).startswith(only_under)

    for tf_type, items in sorted(facts.resources.items()):
        if tf_type.endswith("_iam_member"):
            for lid, conf in sorted(items.items()):
                if wanted(lid, conf):
                    facts.grants.append(_grant(facts, tf_type, conf))
        elif tf_type == "google_gke_hub_scope_rbac_role_binding":
            for lid, conf in sorted(items.items()):
                if not wanted(lid, conf):
                    continue
                role = conf.get("role", {}).get("predefined_role") or conf.get("role", {}).get("custom_role", "")
                facts.grants.append(
                    Grant(
                        f"group:{conf.get('group')}" if conf.get("group") else f"user:{conf.get('user')}",
                        f"Kubernetes {role}",
                        "fleet scope namespace",
                        facts.resolve(conf.get("scope_id", "")),
                    )
                )
    facts.grants.sort(key=lambda g: (g.principal, g.role, g.target_type, g.target))
    return facts


def _grant(facts: StackFacts, tf_type: str, conf: dict) -> Grant:
    target_type = tf_type.removeprefix("google_").removesuffix("_iam_member").replace("_", " ")
    targets = [facts.resolve(conf[a]) for a in TARGET_ATTRIBUTES if a in conf and a != "project"]
    target = " / ".join(targets) or facts.resolve(conf.get("project", "(project)"))
    condition = conf.get("condition", {}).get("title", "") if isinstance(conf.get("condition"), dict) else ""
    role = conf.get("role", "")
    custom = re.match(r"\$\{google_project_iam_custom_role\.([\w-]+)\.name\}$", role)
    if custom:
        role = "custom " + facts.resources.get("google_project_iam_custom_role", {}).get(custom.group(1), {}).get(
            "role_id", role
        )
    return Grant(facts.resolve(conf.get("member", "")), role, target_type, target, condition)
