"""A small interpreter for the subset of Cloud Workflows syntax our generated definitions use.

Why: the batch and quality workflows make their decisions (which job state ends the wait, which
table is missing, which tables to drop, whether a day's metrics may be written) in Workflows
syntax. Reading the YAML proves nothing about those decisions; running it does. This runs a
definition's control flow against fake connectors (tests/workflows/fakes.py) that answer as
Google's services answer, so a scenario test can assert which queries ran, which tables were
dropped and what the execution returned or raised.

Semantics, each from Google's syntax reference (https://cloud.google.com/workflows/docs/reference/syntax):
- steps run in order; `next: <step>` jumps within the same steps list, `next: end` ends the
  (sub)workflow returning null, `next: continue` / `next: break` act on the enclosing `for`
  (syntax/jumps);
- `assign` sets up to 50 variables in order, targets may be `name`, `name.key`, `name[expr]`
  (syntax/variables);
- `switch` (at most 50 conditions) runs the first true condition's nested `steps` and/or follows its
  `next` (the two forms the reference shows); with no match, or a match without `next`, the
  step's own `next` or the following step (syntax/conditions);
- `call` of a subworkflow binds its `params` (with defaults) and stores `result`; any other call
  goes to the connector layer (syntax/subworkflows, syntax/calls);
- `for` over `in` (a list) or `range` [start, end] (inclusive), optional `index`; variables first
  assigned inside a loop do not exist outside it (syntax/iteration, sample workflows-loop-scope);
  here each iteration gets a fresh scope, the stricter reading;
- `try` / `except: {as, steps}` catch workflow errors (syntax/catching-errors); `retry` is not
  supported; `raise` raises a string or a map (syntax/raising-errors); `return` returns.
Anything else (parallel steps, retry policies, unknown step keys, jumps across nesting levels)
raises `Unsupported`, so the subset cannot silently grow. Live variables may hold at most 512 KB
(MAX_DATA_BYTES), as in the service: a query result too big for a variable fails the test.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.workflows.expressions import Evaluator, Unsupported, WorkflowError, error

MAX_ASSIGNMENTS = 50  # syntax/variables: "up to 50 assignments per step"
MAX_CONDITIONS = 50  # syntax/conditions: "a maximum of 50 conditions"
STEP_KEYS = {"assign", "call", "args", "result", "switch", "next", "for", "try", "except", "return", "raise", "steps"}
MAX_STEPS = 1_000_000  # a runaway loop fails the test instead of hanging it
# https://cloud.google.com/workflows/quotas, limits: "Data size: 512 KB, the maximum cumulative size for
# variables, arguments, and events" (measured here as the JSON size of every live variable).
MAX_DATA_BYTES = 512 * 1024


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class _LoopJump(Exception):
    def __init__(self, kind: str):
        self.kind = kind


class _End(Exception):
    pass


@dataclass
class Scope:
    variables: dict[str, Any] = field(default_factory=dict)
    parent: Scope | None = None

    def find(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return scope
            scope = scope.parent
        return None

    def get(self, name: str) -> Any:
        owner = self.find(name)
        if owner is None:
            raise Unsupported(f"variable {name!r} is not defined")
        return owner.variables[name]

    def set(self, name: str, value: Any) -> None:
        (self.find(name) or self).variables[name] = value


Connector = Callable[[str, dict[str, Any]], Any]


class Interpreter:
    """Runs one workflow definition (the dict our generators build) with a connector layer."""

    def __init__(self, definition: Mapping[str, Any], connectors: Connector, functions: Mapping[str, Callable]):
        if "main" not in definition:
            raise Unsupported("definitions without a `main` workflow")
        self.definition = definition
        self.connectors = connectors
        self.evaluator = Evaluator(functions)
        self.steps_run: list[str] = []
        self.frames: list[Scope] = []

    def check(self) -> int:
        """Every step of every (sub)workflow uses supported keys and expressions; the number of expressions."""

        def steps(items: list) -> int:
            count = 0
            for step in items:
                [(name, body)] = step.items()
                unknown = set(body) - STEP_KEYS
                if unknown:
                    raise Unsupported(f"step {name}: unsupported keys {sorted(unknown)}")
                for key, value in body.items():
                    if key == "steps":
                        count += steps(value)
                    elif key == "for":
                        count += steps(value["steps"]) + self.evaluator.check(value.get("in", value.get("range")))
                    elif key == "switch":
                        for condition in value:
                            if set(condition) - {"condition", "next", "steps"}:
                                raise Unsupported(f"step {name}: switch condition keys {sorted(condition)}")
                            count += steps(condition.get("steps", [])) + self.evaluator.check(condition["condition"])
                    elif key == "try":
                        count += steps(value["steps"]) if "steps" in value else steps([{f"{name}.try": value}])
                    elif key == "except":
                        count += steps(value["steps"])
                    else:
                        count += self.evaluator.check(value)
            return count

        return sum(steps(body["steps"]) for body in self.definition.values())

    def run(self, argument: Any = None) -> Any:
        """Execute `main` with the execution argument; returns its result or raises WorkflowError."""
        params = self.definition["main"].get("params", [])
        return self.call_subworkflow("main", {params[0]: argument if argument is not None else {}} if params else {})

    # -- subworkflows ----------------------------------------------------------------------------
    def call_subworkflow(self, name: str, args: Mapping[str, Any]) -> Any:
        body = self.definition[name]
        scope = Scope()
        declared = []
        for param in body.get("params", []):
            if isinstance(param, dict):
                [(pname, pdefault)] = param.items()
                declared.append(pname)
                scope.variables[pname] = args.get(pname, pdefault)
            else:
                declared.append(param)
                if param not in args:
                    raise Unsupported(f"subworkflow {name}: required parameter {param!r} not given")
                scope.variables[param] = args[param]
        unknown = set(args) - set(declared)
        if unknown:
            raise Unsupported(f"subworkflow {name}: unknown arguments {sorted(unknown)}")
        self.frames.append(scope)
        try:
            self._run_steps(body["steps"], scope)
        except _Return as r:
            return r.value
        except _End:
            return None
        finally:
            self.frames.pop()
        return None

    def _check_data_size(self, scope: Scope) -> None:
        live: list[Scope] = list(self.frames)
        inner: Scope | None = scope
        while inner is not None and inner not in live:
            live.append(inner)
            inner = inner.parent
        size = sum(len(json.dumps(v, default=str)) for s in live for v in s.variables.values())
        if size > MAX_DATA_BYTES:
            raise error("ResourceLimitError", f"variables hold {size} bytes, Workflows allows {MAX_DATA_BYTES}")

    # -- steps -----------------------------------------------------------------------------------
    def _run_steps(self, steps: list[dict[str, Any]], scope: Scope) -> None:
        names = []
        for step in steps:
            if not isinstance(step, dict) or len(step) != 1:
                raise Unsupported(f"a step must be a one-key map: {step!r}")
            names.append(next(iter(step)))
        if len(set(names)) != len(names):
            raise Unsupported(f"duplicate step names in {names}")
        i = 0
        while i < len(steps):
            name = names[i]
            target = self._run_step(name, steps[i][name], scope)
            if target is None:
                i += 1
            elif target == "end":
                raise _End()
            elif target in ("continue", "break"):
                raise _LoopJump(target)
            elif target in names:
                i = names.index(target)
            else:
                raise Unsupported(f"step {name}: `next: {target}` leaves its steps list")

    def _run_step(self, name: str, body: dict[str, Any], scope: Scope) -> str | None:
        self.steps_run.append(name)
        if len(self.steps_run) > MAX_STEPS:
            raise Unsupported("more than a million steps: runaway loop")
        unknown = set(body) - STEP_KEYS
        if unknown:
            raise Unsupported(f"step {name}: unsupported keys {sorted(unknown)}")
        if "assign" in body:
            self._assign(name, body["assign"], scope)
        if "call" in body:
            self._call(body, scope)
        if "switch" in body:
            return self._switch(name, body, scope)
        if "for" in body:
            self._for(body["for"], scope)
        if "try" in body:
            self._try(name, body, scope)
        if "steps" in body:
            self._run_steps(body["steps"], scope)
        if "return" in body:
            raise _Return(self._resolve(body["return"], scope))
        if "raise" in body:
            raise WorkflowError(self._resolve(body["raise"], scope))
        return body.get("next")

    def _resolve(self, value: Any, scope: Scope) -> Any:
        return self.evaluator.resolve(value, scope.get)

    def _assign(self, step: str, assignments: list[dict[str, Any]], scope: Scope) -> None:
        if len(assignments) > MAX_ASSIGNMENTS:
            raise Unsupported(f"step {step}: {len(assignments)} assignments, Workflows allows {MAX_ASSIGNMENTS}")
        for assignment in assignments:
            [(target, value)] = assignment.items()
            self._store(target, self._resolve(value, scope), scope)
        self._check_data_size(scope)

    def _store(self, target: str, value: Any, scope: Scope) -> None:
        node = ast.parse(target, mode="eval").body
        if isinstance(node, ast.Name):
            scope.set(node.id, value)
            return
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            container = self.evaluator._eval(node.value, scope.get)
            key = node.attr if isinstance(node, ast.Attribute) else self.evaluator._eval(node.slice, scope.get)
            if isinstance(container, dict) and isinstance(key, str):
                container[key] = value
                return
            if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
                container[key] = value
                return
            raise error("TypeError", f"cannot assign {target}")
        raise Unsupported(f"assignment target {target!r}")

    def _call(self, body: dict[str, Any], scope: Scope) -> None:
        function = body["call"]
        args = self._resolve(body.get("args", {}), scope)
        if function in self.definition:
            result = self.call_subworkflow(function, args)
        else:
            result = self.connectors(function, args)
        if "result" in body:
            scope.set(body["result"], result)
            self._check_data_size(scope)

    def _switch(self, name: str, body: dict[str, Any], scope: Scope) -> str | None:
        conditions = body["switch"]
        if len(conditions) > MAX_CONDITIONS:
            raise Unsupported(f"step {name}: {len(conditions)} conditions, Workflows allows {MAX_CONDITIONS}")
        for condition in conditions:
            unknown = set(condition) - {"condition", "next", "steps"}
            if unknown:
                raise Unsupported(f"step {name}: switch condition keys {sorted(unknown)}")
            test = self._resolve(condition["condition"], scope)
            if not isinstance(test, bool):
                raise error("TypeError", f"step {name}: condition is {type(test).__name__}, not a boolean")
            if not test:
                continue
            if "steps" in condition:
                self._run_steps(condition["steps"], scope)
            return condition.get("next", body.get("next"))
        return body.get("next")

    def _for(self, loop: dict[str, Any], scope: Scope) -> None:
        unknown = set(loop) - {"value", "index", "in", "range", "steps"}
        if unknown:
            raise Unsupported(f"for: unsupported keys {sorted(unknown)}")
        if "range" in loop:
            start, end = self._resolve(loop["range"], scope)
            items: list[Any] = list(range(int(start), int(end) + 1))
        else:
            items = self._resolve(loop["in"], scope)
            if not isinstance(items, list):
                raise error("TypeError", "for: `in` is not a list")
        for i, item in enumerate(items):
            inner = Scope({loop["value"]: item}, parent=scope)
            if "index" in loop:
                inner.variables[loop["index"]] = i
            try:
                self._run_steps(loop["steps"], inner)
            except _LoopJump as jump:
                if jump.kind == "break":
                    return

    def _try(self, name: str, body: dict[str, Any], scope: Scope) -> None:
        handler = body.get("except")
        if handler is None or set(handler) - {"as", "steps"}:
            raise Unsupported(f"step {name}: try needs `except: {{as, steps}}` (retry is not supported)")
        block = body["try"]
        try:
            if "steps" in block and len(block) == 1:
                self._run_steps(block["steps"], scope)
            else:
                target = self._run_step(f"{name}.try", block, scope)
                if target is not None:
                    raise Unsupported(f"step {name}: `next` inside a single-step try")
        except WorkflowError as e:
            scope.set(handler["as"], e.value)
            self._run_steps(handler["steps"], scope)
