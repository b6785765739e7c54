"""Turn a cdktn provider's jsii assembly into the compact schema the gate checks against.

The assembly (``<bindings>/_jsii/*.jsii.tgz``, file ``package/.jsii``) types every resource, data source and
ephemeral resource: its config interface lists the arguments a user may set (computed-only attributes are
absent), ``optional`` marks what may be left out, a property typed as one struct interface is a single-object
block (MaxItems 1 in the provider), an array of structs is a list block, and each property's docs carry the
Terraform Registry link whose anchor is the exact Terraform name (``...vertex_ai_endpoint#display_name``) and,
for enums, ``Possible values: [...]``.

Compact node format (one per block level)::

    {"<terraform name>": ["s"|"n"|"b"|"ls"|"ln"|"lb"|"ms"|"mn"|"mb"|"?", required 0/1, [enum values]?],   # an argument
     "<terraform name>": {"b": "one"|"list", "r": 0/1, "a": {<node>}}}                                  # a block
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tarfile
from pathlib import Path
from typing import Any

ANCHOR = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/[\w-]+/[\w-]+/([\w.]+)/docs/([\w-]+)/(\w+)#(\w+) "
)
TYPE_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/[\w-]+/[\w-]+/([\w.]+)/docs/([\w-]+)/\w+ (\w+)\}"
)
POSSIBLE_VALUES = re.compile(r"Possible values: (\[[^\]]*\])")
KINDS = {
    "cdktn.TerraformResource": "resource",
    "cdktn.TerraformDataSource": "data",
    "cdktn.TerraformEphemeralResource": "ephemeral",
    "cdktn.TerraformProvider": "provider",
}


class AssemblyError(Exception):
    """The assembly does not look the way this extractor expects: regeneration must stop, not guess."""


def read_assembly(tgz: Path) -> dict[str, Any]:
    with tarfile.open(tgz, "r:gz") as archive:
        member = archive.extractfile("package/.jsii")
        if member is None:
            raise AssemblyError(f"{tgz}: no package/.jsii inside")
        return json.loads(member.read())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def _doc_text(docs: Any) -> str:
    """Every string in a docs object (jsii sometimes files the registry link under ``custom``)."""
    if isinstance(docs, str):
        return docs
    if isinstance(docs, dict):
        return "\n".join(_doc_text(v) for v in docs.values())
    return ""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _terraform_name(prop: dict[str, Any]) -> str:
    """The exact Terraform name: the registry anchor (cdktn renames some, e.g. ``build`` -> ``buildAttribute``)."""
    found = {m.group(4) for m in ANCHOR.finditer(_doc_text(prop.get("docs")))}
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        raise AssemblyError(f"property {prop['name']}: several registry anchors {sorted(found)}")
    return _snake(prop["name"])


def _enum(prop: dict[str, Any]) -> list[str] | None:
    match = POSSIBLE_VALUES.search(_doc_text(prop.get("docs")))
    if not match:
        return None
    values = json.loads(match.group(1))
    return [v for v in values if isinstance(v, str)] or None


class Extractor:
    def __init__(self, assembly: dict[str, Any]):
        self.types: dict[str, Any] = assembly["types"]
        self._nodes: dict[str, dict[str, Any]] = {}

    def _struct(self, ref: dict[str, Any]) -> str | None:
        fqn = ref.get("fqn")
        target = self.types.get(fqn) if fqn else None
        return fqn if target and target["kind"] == "interface" and target.get("datatype") else None

    def _spec(self, prop: dict[str, Any]) -> Any:
        required = 0 if prop.get("optional") else 1
        t = prop["type"]
        if "union" in t:
            options = [o for o in t["union"]["types"] if o.get("fqn") != "cdktn.IResolvable"]
            t = options[0] if len(options) == 1 else {"unknown": True}
        struct = self._struct(t)
        if struct:
            return {"b": "one", "r": required, "a": self.node(struct)}
        if "collection" in t:
            element = t["collection"]["elementtype"]
            struct = self._struct(element)
            if struct and t["collection"]["kind"] == "array":
                return {"b": "list", "r": required, "a": self.node(struct)}
            prefix = "l" if t["collection"]["kind"] == "array" else "m"
            kind = prefix + {"string": "s", "number": "n", "boolean": "b"}.get(element.get("primitive", ""), "?")
        elif "primitive" in t:
            kind = {"string": "s", "number": "n", "boolean": "b"}.get(t["primitive"], "?")
        else:
            kind = "?"
        spec: list[Any] = [kind if "?" not in kind else "?", required]
        enum = _enum(prop)
        if enum and kind in ("s", "ls"):
            spec.append(enum)
        return spec

    def node(self, fqn: str) -> dict[str, Any]:
        if fqn not in self._nodes:
            self._nodes[fqn] = {}  # a recursive struct refers back to itself (none known; guard anyway)
            out: dict[str, Any] = {}
            for prop in self.types[fqn].get("properties", []):
                name = _terraform_name(prop)
                if name in out:
                    raise AssemblyError(f"{fqn}: two properties map to Terraform name {name!r}")
                out[name] = self._spec(prop)
            self._nodes[fqn] = dict(sorted(out.items()))
        return self._nodes[fqn]


def extract(assembly: dict[str, Any], provider_key: str, expected_version: str) -> dict[str, Any]:
    """{"resource": {type: node}, "data": {...}, "ephemeral": {...}, "provider": node} for one provider."""
    extractor = Extractor(assembly)
    out: dict[str, dict[str, Any]] = {"resource": {}, "data": {}, "ephemeral": {}}
    provider_node: dict[str, Any] | None = None
    for fqn, cls in sorted(assembly["types"].items()):
        kind = KINDS.get(cls.get("base", ""))
        if cls["kind"] != "class" or kind is None:
            continue
        params = (cls.get("initializer") or {}).get("parameters") or []
        config = next((p["type"].get("fqn") for p in params if p["name"] == "config"), None)
        if config is None:
            raise AssemblyError(f"{fqn}: no config parameter")
        if kind == "provider":
            provider_node = extractor.node(config)
            continue
        link = TYPE_LINK.search(_doc_text(cls.get("docs")))
        if not link:
            raise AssemblyError(f"{fqn}: no registry link naming its Terraform type")
        version, _, tf_type = link.groups()
        if version != expected_version:
            raise AssemblyError(f"{fqn}: documented for provider {version}, expected {expected_version}")
        if not tf_type.startswith(f"{provider_key}_"):
            raise AssemblyError(f"{fqn}: type {tf_type} lacks the {provider_key}_ prefix")
        if tf_type in out[kind]:
            raise AssemblyError(f"{tf_type}: defined twice ({kind})")
        out[kind][tf_type] = extractor.node(config)
    if provider_node is None:
        raise AssemblyError("no provider class in the assembly")
    return {**{k: dict(sorted(v.items())) for k, v in out.items()}, "provider": provider_node}
