"""Cloud Workflows expressions (`${...}`), evaluated for tests: the subset our definitions use, nothing more.

Grounded in Google's syntax reference (https://cloud.google.com/workflows/docs/reference/syntax/expressions,
.../syntax/datatypes, .../stdlib/expression-helpers and the stdlib module pages named per function
below). List literals are allowed (the map.get reference uses `map.get(m, ["k1", "k2"])`). Anything
outside the subset (map literals inside `${}`, chained comparisons,
`if`-expressions, unknown functions, undefined variables) is refused with `Unsupported`, so a
definition that starts using more syntax fails its tests until this evaluator learns it from the
reference. Runtime errors Workflows raises (a missing map key, a type mismatch) are raised as
`WorkflowError` carrying the error map `except: as: e` would bind (`tags`, `message`).

Stricter than the service where the reference is silent: `and` / `or` evaluate both sides and
require booleans, so a definition cannot rely on short-circuiting.
"""

from __future__ import annotations

import ast
import copy
import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

NAMESPACES = ("sys", "text", "time", "map", "list", "json", "math")
ALLOWED_NODES = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Subscript,
    ast.List,
    ast.Call,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
)
LITERALS = {"null": None, "true": True, "false": False}


class Unsupported(Exception):
    """Syntax or a function outside the subset this evaluator implements (a test failure, not a workflow error)."""


class WorkflowError(Exception):
    """An error inside a workflow; `value` is what `except: as: e` binds (an error map, or what `raise` got)."""

    def __init__(self, value: Any):
        super().__init__(value)
        self.value = value

    @property
    def tags(self) -> list[str]:
        return list(self.value.get("tags", [])) if isinstance(self.value, dict) else []


def error(tag: str, message: str, **extra: Any) -> WorkflowError:
    """An error map as Workflows builds it (https://cloud.google.com/workflows/docs/reference/syntax/error-types)."""
    return WorkflowError({"tags": [tag], "message": message, **extra})


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    return {
        type(None): "null",
        bool: "boolean",
        int: "integer",
        float: "double",
        str: "string",
        list: "list",
        dict: "map",
    }.get(type(value), type(value).__name__)


class Evaluator:
    """Evaluates expression text against variables, with a table of standard-library functions."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        self.functions = dict(functions)

    def evaluate(self, text: str, variables: Callable[[str], Any]) -> Any:
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as e:
            raise Unsupported(f"cannot parse expression {text!r}: {e}") from e
        return self._eval(tree.body, variables)

    def check(self, value: Any) -> int:
        """Without running anything: every `${...}` in value parses and stays in the subset. Returns how many."""
        if is_expression(value):
            tree = ast.parse(value[2:-1].strip(), mode="eval")
            for node in ast.walk(tree):
                if not isinstance(node, ALLOWED_NODES):
                    raise Unsupported(f"expression syntax {type(node).__name__} in {value!r}")
                if isinstance(node, ast.Compare) and len(node.ops) != 1:
                    raise Unsupported(f"chained comparison in {value!r}")
                if isinstance(node, ast.Call) and self._dotted(node.func) not in self.functions:
                    raise Unsupported(f"function {self._dotted(node.func)}() in {value!r}")
            return 1
        if isinstance(value, str) and "${" in value:
            raise Unsupported(f"`${{` inside a string that is not one whole expression: {value[:80]!r}")
        if isinstance(value, dict):
            return sum(self.check(k) + self.check(v) for k, v in value.items())
        if isinstance(value, list):
            return sum(self.check(v) for v in value)
        return 0

    def resolve(self, value: Any, variables: Callable[[str], Any]) -> Any:
        """A step argument with every `${...}` string in it evaluated (maps and lists recursively)."""
        if is_expression(value):
            # Workflows variables hold values, not references: a copy keeps `a: ${b}` then `a.k: 1` off b.
            return copy.deepcopy(self.evaluate(value[2:-1], variables))
        if isinstance(value, str) and "${" in value:
            raise Unsupported(f"`${{` inside a string that is not one whole expression: {value[:80]!r}")
        if isinstance(value, dict):
            return {k: self.resolve(v, variables) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, variables) for v in value]
        return value

    # -- the grammar -------------------------------------------------------------------------
    def _eval(self, node: ast.AST, variables: Callable[[str], Any]) -> Any:
        ev = lambda n: self._eval(n, variables)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (str, int, float))
            and not isinstance(node.value, bool)
        ):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in LITERALS:
                return LITERALS[node.id]
            return variables(node.id)
        if isinstance(node, ast.Attribute):
            return self._key(ev(node.value), node.attr)
        if isinstance(node, ast.List):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Subscript):
            return self._index(ev(node.value), ev(node.slice))
        if isinstance(node, ast.Call):
            if node.keywords:
                raise Unsupported("keyword arguments")
            name = self._dotted(node.func)
            if name not in self.functions:
                raise Unsupported(f"function {name}() is not in the evaluator's standard-library subset")
            return self.functions[name](*[ev(a) for a in node.args])
        if isinstance(node, ast.UnaryOp):
            operand = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return not self._bool(operand, "not")
            if isinstance(node.op, ast.USub) and _number(operand):
                return -operand
            raise error("TypeError", f"unary {type(node.op).__name__} on {_type_name(operand)}")
        if isinstance(node, ast.BoolOp):
            values = [self._bool(ev(v), type(node.op).__name__.lower()) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.BinOp):
            return self._binary(node.op, ev(node.left), ev(node.right))
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise Unsupported("chained comparison")
            return self._compare(node.ops[0], ev(node.left), ev(node.comparators[0]))
        raise Unsupported(f"expression syntax {type(node).__name__}")

    def _dotted(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in NAMESPACES:
            return f"{node.value.id}.{node.attr}"
        raise Unsupported(f"call of {ast.dump(node)}")

    @staticmethod
    def _bool(value: Any, op: str) -> bool:
        if not isinstance(value, bool):
            raise error("TypeError", f"`{op}` needs booleans, got {_type_name(value)}")
        return value

    @staticmethod
    def _key(base: Any, key: str) -> Any:
        if not isinstance(base, dict):
            raise error("TypeError", f"cannot read key {key!r} of a {_type_name(base)}")
        if key not in base:
            raise error("KeyError", f"key not found: {key}")
        return base[key]

    def _index(self, base: Any, index: Any) -> Any:
        if isinstance(base, list):
            if not isinstance(index, int) or isinstance(index, bool):
                raise error("TypeError", f"list index must be an integer, got {_type_name(index)}")
            if not 0 <= index < len(base):
                raise error("IndexError", f"list index {index} out of range")
            return base[index]
        if isinstance(base, dict) and isinstance(index, str):
            return self._key(base, index)
        raise error("TypeError", f"cannot index a {_type_name(base)} with a {_type_name(index)}")

    @staticmethod
    def _binary(op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        if not (_number(left) and _number(right)):
            raise error("TypeError", f"{type(op).__name__} of {_type_name(left)} and {_type_name(right)}")
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):  # `/` always yields a double
            if right == 0:
                raise error("ZeroDivisionError", "division by zero")
            return left / right
        if isinstance(op, ast.FloorDiv) and isinstance(left, int) and isinstance(right, int):
            return left // right
        if isinstance(op, ast.Mod):
            return left % right
        raise Unsupported(f"operator {type(op).__name__}")

    @staticmethod
    def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
        if isinstance(op, ast.Eq):
            return left == right and (type(left) is type(right) or (_number(left) and _number(right)))
        if isinstance(op, ast.NotEq):
            return not Evaluator._compare(ast.Eq(), left, right)
        if isinstance(op, ast.In):
            if isinstance(right, list):
                return left in right
            if isinstance(right, dict) and isinstance(left, str):
                return left in right
            raise error("TypeError", f"`in` needs a list or a map, got {_type_name(right)}")
        ordered = (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str))
        if not ordered:
            raise error("TypeError", f"cannot order {_type_name(left)} and {_type_name(right)}")
        if isinstance(op, ast.Lt):
            return left < right
        if isinstance(op, ast.LtE):
            return left <= right
        if isinstance(op, ast.Gt):
            return left > right
        if isinstance(op, ast.GtE):
            return left >= right
        raise Unsupported(f"comparison {type(op).__name__}")


# -- the standard-library subset ---------------------------------------------------------------
def _default(value: Any, fallback: Any) -> Any:
    """Expression helper `default` (stdlib/expression-helpers)."""
    return fallback if value is None else value


def _len(value: Any) -> int:
    if not isinstance(value, (list, dict, str)):
        raise error("TypeError", f"len() of {_type_name(value)}")
    return len(value)


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if _number(value) or isinstance(value, str):
        return str(value)
    raise error("TypeError", f"string() of {_type_name(value)}")


def _int(value: Any) -> int:
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise error("ValueError", f"int() of {value!r}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise error("TypeError", f"int() of {_type_name(value)}")


def _double(value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise error("ValueError", f"double() of {value!r}") from None
    if _number(value):
        return float(value)
    raise error("TypeError", f"double() of {_type_name(value)}")


def _keys(value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise error("TypeError", f"keys() of {_type_name(value)}")
    return list(value)


def _map_get(mapping: Any, key: Any) -> Any:
    """`map.get(map, keys)`: the value, or null when the input is not a map or a key on the way is
    missing; TypeError when keys is not a string or a list of strings (stdlib/map/get)."""
    path = key if isinstance(key, list) else [key]
    if not path or not all(isinstance(k, str) for k in path):
        raise error("TypeError", "map.get() keys must be a string or a list of strings")
    value: Any = mapping
    for k in path:
        if not isinstance(value, dict) or k not in value:
            return None
        value = value[k]
    return value


def _list_concat(items: Any, value: Any) -> list:
    """`list.concat(list, value)`: a new list with value appended (stdlib/list/concat)."""
    if not isinstance(items, list):
        raise error("TypeError", f"list.concat() of {_type_name(items)}")
    return [*items, value]


def _replace_all(source: str, old: str, new: str) -> str:
    return source.replace(old, new)


def _substring(source: str, start: int, end: int) -> str:
    """`text.substring(source, start, end)`: start inclusive, end exclusive, clamped (stdlib/text/substring)."""
    return source[max(start, 0) : max(min(end, len(source)), 0)]


def _match_regex(source: str, pattern: str) -> bool:
    """`text.match_regex(source, regexp)`: true if the RE2 pattern matches (part of) source (stdlib/text)."""
    return re.search(pattern, source) is not None


def _time_format(seconds: float, timezone: str = "UTC") -> str:
    """`time.format(seconds)`: ISO 8601 in UTC. Our definitions only rely on its first 10 characters (the date)."""
    if timezone != "UTC":
        raise Unsupported("time.format with a timezone")
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def standard_library(now: Callable[[], float], env: Mapping[str, str]) -> dict[str, Callable[..., Any]]:
    """The functions our definitions call, by their Workflows names."""

    def get_env(name: str) -> Any:
        return env.get(name)

    return {
        "default": _default,
        "len": _len,
        "string": _string,
        "int": _int,
        "double": _double,
        "keys": _keys,
        "map.get": _map_get,
        "list.concat": _list_concat,
        "text.replace_all": _replace_all,
        "text.substring": _substring,
        "text.match_regex": _match_regex,
        "time.format": _time_format,
        "sys.now": now,
        "sys.get_env": get_env,
    }
