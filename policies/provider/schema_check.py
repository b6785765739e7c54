"""Check one resource's plain cdk.tf.json config against the provider schema (data/<key>-<version>.schema.json.gz).

Problems come in categories, one governance rule each (policies/checks/provider_*.py):

- ``type``: the resource / data source / ephemeral resource type does not exist in the pinned provider.
- ``argument``: an argument or block the type does not have (at any nesting level), or a computed-only one.
- ``required``: a required argument or block is missing.
- ``shape``: a block given as a value, a value given as a block, several blocks where the provider takes one
  (MaxItems 1, a single object in the bindings), or a value of the wrong type (a map for a string).
- ``enum``: a value outside the provider's documented "Possible values".

Terraform references (``${...}``) are known only at plan time and are skipped for shape and enum checks.
A block given as a list of one object is valid Terraform JSON and is accepted.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from policies.provider.providers import ProviderSpec

META_ARGUMENTS = {
    "resource": {"//", "count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"},
    "data": {"//", "count", "for_each", "depends_on", "provider", "lifecycle"},
    "ephemeral": {"//", "count", "for_each", "depends_on", "provider", "lifecycle"},
    "provider": {"//", "alias"},
}
DOC_KIND = {"resource": "resources", "data": "data-sources", "ephemeral": "ephemeral-resources"}
KIND_WORD = {"resource": "resource type", "data": "data source", "ephemeral": "ephemeral resource type"}
TOKEN = re.compile(r"\$\{")


@dataclass(frozen=True)
class Problem:
    category: str  # type, argument, required, shape, enum
    path: str  # the argument path inside the resource (`a.b[1].c`), "" for the whole resource
    message: str


def is_token(value: Any) -> bool:
    return isinstance(value, str) and TOKEN.search(value) is not None


def doc_link(spec: ProviderSpec, kind: str, tf_type: str, leaf: str = "") -> str:
    page = tf_type[len(spec.type_prefix) :]
    base = f"https://registry.terraform.io/providers/{spec.source}/{spec.version}/docs"
    if kind == "provider":
        return f"{base}/guides/provider_reference"
    return f"{base}/{DOC_KIND[kind]}/{page}" + (f"#{leaf}" if leaf else "")


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _value_problem(kind: str, value: Any) -> str | None:
    """What is wrong with a (non-token) value for an argument of this kind; None when Terraform can convert it."""
    if kind == "?":
        return None
    if kind[0] in "lm" and len(kind) == 2:
        if kind[0] == "l" and not isinstance(value, list):
            return f"is a list argument; got {_describe(value)}"
        if kind[0] == "m" and not isinstance(value, dict):
            return f"is a map argument; got {_describe(value)}"
        items = value if isinstance(value, list) else list(value.values())
        for item in items:
            if item is not None and not is_token(item) and _value_problem(kind[1], item):
                return f"holds {_describe(item)}, expected {_KIND_NAME[kind[1]]} elements"
        return None
    if not _scalar(value):
        return f"is a {_KIND_NAME[kind]} argument; got {_describe(value)}"
    if kind == "n" and (isinstance(value, bool) or (isinstance(value, str) and not _numeric(value))):
        return f"is a number argument; got {_describe(value)}"
    if kind == "b" and not isinstance(value, bool) and str(value).lower() not in ("true", "false"):
        return f"is a bool argument; got {_describe(value)}"
    return None


_KIND_NAME = {"s": "string", "n": "number", "b": "bool"}


def _numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object (a block?)"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {value!r}"


def _suggest(name: str, node: dict[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(node), n=1, cutoff=0.75)
    return f" (did you mean `{close[0]}`?)" if close else ""


class Walker:
    def __init__(self, spec: ProviderSpec, kind: str, tf_type: str):
        self.spec, self.kind, self.tf_type = spec, kind, tf_type
        self.problems: list[Problem] = []

    def add(self, category: str, path: str, message: str, leaf: str = "") -> None:
        link = doc_link(self.spec, self.kind, self.tf_type, leaf)
        self.problems.append(Problem(category, path, f"{message} (provider {self.spec.version} schema: {link})"))

    def block(self, node: dict[str, Any], conf: dict[str, Any], path: str, top: bool) -> None:
        meta = META_ARGUMENTS[self.kind] if top else ()
        for key, value in conf.items():
            if key in meta:
                continue
            where = f"{path}{key}"
            spec = node.get(key)
            if spec is None:
                self.add("argument", where, f"`{where}` is not an argument of {self.tf_type}{_suggest(key, node)}")
                continue
            if value is None or is_token(value):
                continue
            if isinstance(spec, dict):
                self.nested(spec, value, where, key)
            else:
                self.argument(spec, value, where, key)
        for key, spec in node.items():
            value = conf.get(key)
            if (spec["r"] if isinstance(spec, dict) else spec[1]) and (value is None or value == []):
                what = "block" if isinstance(spec, dict) else "argument"
                self.add("required", f"{path}{key}", f"required {what} `{path}{key}` is missing", key)

    def nested(self, spec: dict[str, Any], value: Any, where: str, leaf: str) -> None:
        if isinstance(value, dict):
            elements = [value]
        elif isinstance(value, list):
            elements = value
            if spec["b"] == "one" and len(value) > 1:
                self.add("shape", where, f"`{where}` takes one block (MaxItems 1); {len(value)} given", leaf)
        else:
            self.add("shape", where, f"`{where}` is a block; got {_describe(value)}", leaf)
            return
        for i, element in enumerate(elements):
            if element is None or is_token(element):
                continue
            inner = f"{where}[{i}]" if len(elements) > 1 else where
            if not isinstance(element, dict):
                self.add("shape", inner, f"`{inner}` is a block; got {_describe(element)}", leaf)
                continue
            self.block(spec["a"], element, f"{inner}.", top=False)

    def argument(self, spec: list[Any], value: Any, where: str, leaf: str) -> None:
        kind = spec[0]
        wrong = _value_problem(kind, value)
        if wrong:
            self.add("shape", where, f"`{where}` {wrong}", leaf)
            return
        if len(spec) > 2:
            allowed = spec[2]
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, str) or is_token(item):
                    continue
                if item not in allowed and not (item == "" and not spec[1]):
                    self.add("enum", where, f"`{where}` = {item!r} is not one of {', '.join(allowed)}", leaf)


def check_config(
    spec: ProviderSpec, schema: dict[str, Any], kind: str, tf_type: str, conf: dict[str, Any]
) -> list[Problem]:
    """Every schema problem of one resource (``kind`` resource/data/ephemeral) or provider block (``provider``)."""
    if kind == "provider":
        node = schema["provider"]
    else:
        node = schema[kind].get(tf_type)
        if node is None:
            known = schema[kind]
            close = difflib.get_close_matches(tf_type, list(known), n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            elsewhere = [k for k in ("resource", "data", "ephemeral") if k != kind and tf_type in schema[k]]
            also = f"; it exists as a {KIND_WORD[elsewhere[0]]}" if elsewhere else ""
            return [
                Problem(
                    "type",
                    "",
                    f"{tf_type} is not a {KIND_WORD[kind]} of provider {spec.source} {spec.version}{hint}{also}",
                )
            ]
    walker = Walker(spec, kind, tf_type)
    walker.block(node, conf, "", top=True)
    return walker.problems
