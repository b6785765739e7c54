"""Read terraform-plugin-sdk schemas out of a provider's Go source without a Go toolchain.

Just enough of Go to evaluate what schema declarations are made of: composite literals
(``map[string]*schema.Schema{...}``, ``&schema.Schema{...}``, ``&schema.Resource{...}``, ``[]string{...}``),
package-level ``var`` declarations, calls to functions whose body builds a ``&schema.Resource{...}`` or
``&schema.Schema{...}`` (arguments bound to parameters), and ``tpgresource.MergeSchemas``. Anything else raises
``Unparsed`` with the file and line, and the caller records it instead of guessing.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

MODULE = "github.com/hashicorp/terraform-provider-google/"
TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+) | (?P<nl>\n) | (?P<lc>//[^\n]*) | (?P<bc>/\*.*?\*/)
  | (?P<raw>`[^`]*`) | (?P<str>"(?:\\.|[^"\\\n])*") | (?P<rune>'(?:\\.|[^'\\\n])+')
  | (?P<num>\d[\w.]*) | (?P<id>[A-Za-z_]\w*)
  | (?P<op>\.\.\.|:=|&&|\|\||==|!=|<=|>=|<-|[{}()\[\].,;:&*=+\-/<>!|^%])
""",
    re.X | re.S,
)


class Unparsed(Exception):
    def __init__(self, what: str, file: str, line: int):
        super().__init__(f"{file}:{line}: {what}")
        self.what, self.file, self.line = what, file, line


@dataclass(frozen=True)
class Tok:
    kind: str  # id, str, num, op, nl
    text: str
    line: int


def tokenize(source: str) -> list[Tok]:
    out: list[Tok] = []
    line = 1
    pos = 0
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if not m:
            raise ValueError(f"line {line}: cannot tokenize {source[pos : pos + 20]!r}")
        kind, text = m.lastgroup, m.group()
        if kind == "nl":
            out.append(Tok("nl", "\n", line))
        elif kind == "str":
            out.append(
                Tok("str", bytes(text[1:-1], "utf-8").decode("unicode_escape") if "\\" in text else text[1:-1], line)
            )
        elif kind == "raw":
            out.append(Tok("str", text[1:-1], line))
        elif kind in ("num", "id", "op", "rune"):
            out.append(Tok("id" if kind == "id" else "op" if kind == "op" else "num", text, line))
        line += text.count("\n") if kind != "nl" else 1
        pos = m.end()
    return out


OPEN, CLOSE = {"{": "}", "(": ")", "[": "]"}, {"}", ")", "]"}


def matching(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at ``i``."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text if toks[j].kind == "op" else ""
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"line {toks[i].line}: unbalanced bracket")


def split_top(toks: list[Tok], sep: str = ",") -> list[list[Tok]]:
    """Split a token run at depth-0 separators, dropping newlines."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "nl":
            continue
        if t.kind == "op" and t.text in OPEN:
            depth += 1
        elif t.kind == "op" and t.text in CLOSE:
            depth -= 1
        if depth == 0 and t.kind == "op" and t.text == sep:
            parts.append([])
            continue
        parts[-1].append(t)
    return [p for p in parts if p]


@dataclass
class Decl:
    file: str
    toks: list[Tok]  # var: the expression; func: the whole body including braces
    params: list[str] = field(default_factory=list)


@dataclass
class Package:
    path: str  # google/services/container
    vars: dict[str, Decl] = field(default_factory=dict)
    funcs: dict[str, Decl] = field(default_factory=dict)
    imports: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> alias -> package path


def _end_of_expr(toks: list[Tok], i: int) -> int:
    """End (exclusive) of an expression starting at ``i``: the first newline at depth 0 after a complete operand."""
    depth = 0
    j = i
    while j < len(toks):
        t = toks[j]
        if t.kind == "op" and t.text in OPEN:
            depth += 1
        elif t.kind == "op" and t.text in CLOSE:
            if depth == 0:
                return j
            depth -= 1
        elif (
            depth == 0 and t.kind == "nl" and j > i and not (toks[j - 1].kind == "op" and toks[j - 1].text in ",+.(")
        ) or (depth == 0 and t.kind == "op" and t.text == ";"):
            return j
        j += 1
    return j


def _param_names(toks: list[Tok]) -> list[str]:
    names = []
    for part in split_top(toks):
        if part and part[0].kind == "id":
            names.append(part[0].text)
    return names


def index_file(pkg: Package, file: str, source: str) -> None:
    toks = tokenize(source)
    imports: dict[str, str] = {}
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "id" and t.text == "import":
            j = i + 1
            specs: list[list[Tok]] = []
            if toks[j].text == "(":
                end = matching(toks, j)
                line: list[Tok] = []
                for tok in toks[j + 1 : end]:
                    if tok.kind == "nl":
                        if line:
                            specs.append(line)
                        line = []
                    else:
                        line.append(tok)
                if line:
                    specs.append(line)
                i = end + 1
            else:
                specs.append([toks[j]] if toks[j].kind == "str" else toks[j : j + 2])
                i = j + 2
            for spec in specs:
                path = spec[-1].text
                alias = spec[0].text if len(spec) == 2 else path.rsplit("/", 1)[-1]
                if path.startswith(MODULE):
                    imports[alias] = path[len(MODULE) :]
            continue
        if t.kind == "id" and t.text == "func" and _depth0(toks, i):
            j = i + 1
            if toks[j].text == "(":  # method receiver: not a schema source
                i = matching(toks, j) + 1
                continue
            name = toks[j].text
            p_open = j + 1
            if toks[p_open].text == "[":  # generics
                p_open = matching(toks, p_open) + 1
            p_close = matching(toks, p_open)
            k = p_close + 1
            while k < n and not (
                toks[k].kind == "op" and toks[k].text == "{" and toks[k - 1].text not in ("interface", "struct")
            ):
                if toks[k].kind == "op" and (toks[k].text in ("(", "[") or toks[k].text == "{"):
                    k = matching(toks, k)
                k += 1
            end = matching(toks, k)
            pkg.funcs[name] = Decl(file, toks[k : end + 1], _param_names(toks[p_open + 1 : p_close]))
            i = end + 1
            continue
        if t.kind == "id" and t.text == "var" and _depth0(toks, i):
            j = i + 1
            if toks[j].text == "(":
                end = matching(toks, j)
                k = j + 1
                while k < end:
                    if toks[k].kind == "id":
                        k = _var_spec(pkg, file, toks, k, end)
                    else:
                        k += 1
                i = end + 1
            else:
                i = _var_spec(pkg, file, toks, j, n)
            continue
        if t.kind == "op" and t.text in OPEN:
            i = matching(toks, i) + 1
            continue
        i += 1
    pkg.imports[file] = imports


def _depth0(toks: list[Tok], i: int) -> bool:
    return i == 0 or toks[i - 1].kind == "nl"


def _var_spec(pkg: Package, file: str, toks: list[Tok], k: int, limit: int) -> int:
    name = toks[k].text
    j = k + 1
    while j < limit and not (toks[j].kind == "op" and toks[j].text == "=") and toks[j].kind != "nl":
        j += 1
    if j >= limit or toks[j].kind == "nl":
        return j + 1
    end = _end_of_expr(toks, j + 1)
    pkg.vars[name] = Decl(file, toks[j + 1 : end])
    return end + 1


class Source:
    """A provider checkout at one commit, read with git (no work tree needed)."""

    def __init__(self, git_dir: Path, commit: str):
        self.git_dir, self.commit = Path(git_dir), commit
        self._packages: dict[str, Package] = {}

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "--git-dir", str(self.git_dir), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def show(self, path: str) -> str:
        return self.git("show", f"{self.commit}:{path}")

    def package(self, path: str) -> Package:
        if path not in self._packages:
            pkg = Package(path)
            names = self.git("ls-tree", "--name-only", f"{self.commit}:{path}").split()
            for name in names:
                if name.endswith(".go") and not name.endswith("_test.go"):
                    index_file(pkg, f"{path}/{name}", self.show(f"{path}/{name}"))
            self._packages[path] = pkg
        return self._packages[path]


@dataclass
class Ctx:
    """Where an expression is evaluated: its package, file (for imports) and bound parameters."""

    source: Source
    pkg: Package
    file: str
    env: dict[str, tuple[list[Tok], Ctx]] = field(default_factory=dict)

    def resolve(self, toks: list[Tok]) -> tuple[Decl, Ctx, str] | None:
        """A (possibly package-qualified) name -> its var or func declaration."""
        if len(toks) == 1 and toks[0].kind == "id":
            name, pkg = toks[0].text, self.pkg
        elif len(toks) == 3 and toks[1].text == "." and toks[0].kind == "id":
            target = self.pkg.imports.get(self.file, {}).get(toks[0].text)
            if target is None:
                return None
            name, pkg = toks[2].text, self.source.package(target)
        else:
            return None
        for kind, table in (("var", pkg.vars), ("func", pkg.funcs)):
            if name in table:
                decl = table[name]
                return decl, Ctx(self.source, pkg, decl.file), kind
        return None


@dataclass
class Attr:
    """One schema.Schema as the checks need it."""

    line: int
    file: str
    fields: dict[str, Any] = field(default_factory=dict)  # Required/Optional/Computed/ForceNew/MaxItems/Type
    lists: dict[str, tuple[list[str], int]] = field(default_factory=dict)  # ConflictsWith -> (keys, line)
    elem: dict[str, Attr] | None = None  # nested block schema


LIST_FIELDS = ("ConflictsWith", "ExactlyOneOf", "AtLeastOneOf", "RequiredWith")
FLAG_FIELDS = ("Required", "Optional", "Computed", "ForceNew")


def _strip(toks: list[Tok]) -> list[Tok]:
    return [t for t in toks if t.kind != "nl"]


def _brace_body(toks: list[Tok], start: int) -> list[Tok]:
    end = matching(toks, start)
    return toks[start + 1 : end]


def _fields(body: list[Tok]) -> list[tuple[str, list[Tok], int]]:
    out = []
    for part in split_top(body):
        if len(part) >= 3 and part[1].text == ":" and part[0].kind in ("id", "str"):
            out.append((part[0].text, part[2:], part[0].line))
    return out


def eval_string_list(toks: list[Tok], ctx: Ctx) -> list[str]:
    toks = _strip(toks)
    where = (ctx.file, toks[0].line if toks else 0)
    if (
        len(toks) >= 4
        and toks[0].text == "["
        and toks[1].text == "]"
        and toks[2].text == "string"
        and toks[3].text == "{"
    ):
        out = []
        for part in split_top(_brace_body(toks, 3)):
            if len(part) == 1 and part[0].kind == "str":
                out.append(part[0].text)
            elif len(part) == 2 and part[1].text == "...":
                out += eval_string_list(part[:1], ctx)
            else:
                out += eval_string_list(part, ctx) if len(part) <= 3 else _fail("string list element", *where)
        return out
    if toks and toks[0].text == "append" and len(toks) > 2 and toks[1].text == "(":
        out = []
        for part in split_top(_brace_body(toks, 1)):
            if part[-1].text == "...":
                part = part[:-1]
            out += [part[0].text] if len(part) == 1 and part[0].kind == "str" else eval_string_list(part, ctx)
        return out
    if len(toks) == 1 and toks[0].kind == "str":
        return [toks[0].text]
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in ctx.env:
        bound, bctx = ctx.env[toks[0].text]
        return eval_string_list(bound, bctx)
    found = ctx.resolve(toks)
    if found and found[2] == "var":
        decl, dctx, _ = found
        return eval_string_list(decl.toks, dctx)
    return _fail(f"string list {' '.join(t.text for t in toks)[:60]}", *where)


def _fail(what: str, file: str, line: int) -> NoReturn:
    raise Unparsed(what, file, line)


def eval_schema_map(toks: list[Tok], ctx: Ctx) -> dict[str, Attr]:
    """A ``map[string]*schema.Schema`` expression -> attribute name -> Attr."""
    toks = _strip(toks)
    if not toks:
        _fail("empty schema expression", ctx.file, 0)
    where = (ctx.file, toks[0].line)
    text = "".join(t.text for t in toks[:9])
    if text.startswith("map[string]*schema.Schema{"):
        brace = next(i for i, t in enumerate(toks) if t.text == "{")
        out: dict[str, Attr] = {}
        for name, value, _line in _fields(_brace_body(toks, brace)):
            out[name] = eval_schema(value, ctx)
        return out
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in ctx.env:
        bound, bctx = ctx.env[toks[0].text]
        return eval_schema_map(bound, bctx)
    call = _call(toks)
    if call:
        callee, args = call
        if "".join(t.text for t in callee) in ("tpgresource.MergeSchemas",):
            merged: dict[str, Attr] = {}
            for arg in args:
                merged.update(eval_schema_map(arg, ctx))
            return merged
        resource = eval_resource_call(callee, args, ctx)
        return resource
    found = ctx.resolve(toks)
    if found and found[2] == "var":
        decl, dctx, _ = found
        return eval_schema_map(decl.toks, dctx)
    return _fail(f"schema map {' '.join(t.text for t in toks)[:60]}", *where)


def _call(toks: list[Tok]) -> tuple[list[Tok], list[list[Tok]]] | None:
    """``callee(args)`` with nothing after the closing parenthesis."""
    for i, t in enumerate(toks):
        if t.text == "(":
            if matching(toks, i) == len(toks) - 1 and all(x.kind == "id" or x.text == "." for x in toks[:i]):
                return toks[:i], split_top(toks[i + 1 : -1])
            return None
    return None


def _literal_after(body: list[Tok], marker: str) -> int | None:
    """Index of the ``{`` of the first ``<marker>{`` composite literal in a token run (``&schema.Resource``)."""
    parts = marker.split(".")
    for i in range(len(body) - 3):
        if (
            body[i].text == parts[0]
            and body[i + 1].text == "."
            and body[i + 2].text == parts[1]
            and body[i + 3].text == "{"
        ):
            return i + 3
    return None


def _returned_call(body: list[Tok]) -> tuple[list[Tok], list[list[Tok]]] | None:
    """``return f(args)`` as the function's only return."""
    returns = [i for i, t in enumerate(body) if t.kind == "id" and t.text == "return"]
    if len(returns) != 1:
        return None
    i = returns[0] + 1
    j = i
    while j < len(body) and body[j].text != "(":
        j += 1
    if j >= len(body):
        return None
    return _call(body[i : matching(body, j) + 1])


def eval_resource_call(callee: list[Tok], args: list[list[Tok]], ctx: Ctx) -> dict[str, Attr]:
    """A call returning ``*schema.Resource`` or a schema map: what the first ``&schema.Resource{}`` (its
    ``Schema:``) or ``map[string]*schema.Schema{}`` literal in its body holds, plus the body's later
    ``x.Schema["key"] = ...`` / ``x["key"] = ...`` assignments."""
    found = ctx.resolve(callee)
    where = (ctx.file, callee[0].line)
    if not found or found[2] != "func":
        return _fail(f"call to {''.join(t.text for t in callee)}", *where)
    decl, fctx, _ = found
    fctx.env = {p: (a, ctx) for p, a in zip(decl.params, args, strict=False)}
    body = _strip(decl.toks)
    resource = _literal_after(body, "schema.Resource")
    smap = _map_literal(body)
    if resource is None and smap is None:
        returned = _returned_call(body)
        if returned is None:
            return _fail(f"{''.join(t.text for t in callee)} builds no schema.Resource", decl.file, body[0].line)
        return eval_resource_call(returned[0], returned[1], fctx)
    if smap is not None and (resource is None or smap < resource):
        out = eval_schema_map(body[smap - 8 : matching(body, smap) + 1], fctx)
    else:
        assert resource is not None  # both absent returned above
        out = None
        for name, value, _line in _fields(_brace_body(body, resource)):
            if name == "Schema":
                out = eval_schema_map(value, fctx)
    if out is None:
        return _fail(f"{''.join(t.text for t in callee)}: schema.Resource without Schema", decl.file, body[0].line)
    out = dict(out)
    for key, rhs in _index_assignments(decl.toks):
        out[key] = eval_schema(rhs, fctx)
    return out


def _map_literal(body: list[Tok]) -> int | None:
    """Index of the ``{`` of the first ``map[string]*schema.Schema{`` literal."""
    for i in range(len(body) - 8):
        if body[i].text == "map" and "".join(t.text for t in body[i : i + 9]) == "map[string]*schema.Schema{":
            return i + 8
    return None


def _index_assignments(toks: list[Tok]) -> list[tuple[str, list[Tok]]]:
    """``x.Schema["key"] = <expr>`` and ``x["key"] = <expr>`` statements of a function body."""
    out = []
    for i in range(len(toks) - 4):
        if (
            toks[i].text == "["
            and toks[i + 1].kind == "str"
            and toks[i + 2].text == "]"
            and toks[i + 3].text == "="
            and (toks[i - 1].text == "Schema" or (toks[i - 1].kind == "id" and toks[i - 2].kind == "nl"))
        ):
            end = _end_of_expr(toks, i + 4)
            rhs = [t for t in toks[i + 4 : end] if t.kind != "nl"]
            if "".join(t.text for t in rhs[:4]).lstrip("&").startswith("schema.Schema"):
                out.append((toks[i + 1].text, rhs))  # other index assignments are data, not schema
    return out


def eval_schema(toks: list[Tok], ctx: Ctx) -> Attr:
    """One ``*schema.Schema`` value: ``{...}``, ``&schema.Schema{...}``, a var or a call returning one."""
    toks = _strip(toks)
    where = (ctx.file, toks[0].line if toks else 0)
    if toks and toks[0].text == "&":
        toks = toks[1:]
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in ctx.env:
        bound, bctx = ctx.env[toks[0].text]
        return eval_schema(bound, bctx)
    if toks and toks[0].text == "{":
        body = _brace_body(toks, 0)
    elif len(toks) > 3 and "".join(t.text for t in toks[:3]) == "schema.Schema" and toks[3].text == "{":
        body = _brace_body(toks, 3)
    else:
        call = _call(toks)
        found = ctx.resolve(call[0] if call else toks)
        if not found:
            return _fail(f"schema value {' '.join(t.text for t in toks)[:60]}", *where)
        decl, dctx, kind = found
        if kind == "var":
            return eval_schema(decl.toks, dctx)
        dctx.env = {p: (a, ctx) for p, a in zip(decl.params, call[1] if call else [], strict=False)}
        fbody = _strip(decl.toks)
        brace = _literal_after(fbody, "schema.Schema")
        if brace is None:
            return _fail(f"{''.join(t.text for t in toks)} returns no schema.Schema literal", decl.file, fbody[0].line)
        return eval_schema(fbody[brace - 3 : matching(fbody, brace) + 1], dctx)  # from `schema.Schema{`
    attr = Attr(line=toks[0].line, file=ctx.file)
    for name, value, line in _fields(body):
        if name in FLAG_FIELDS:
            attr.fields[name] = len(value) == 1 and value[0].text == "true"
        elif name == "Type":
            attr.fields["Type"] = value[-1].text
        elif name == "MaxItems":
            attr.fields["MaxItems"] = int(value[0].text) if value[0].kind == "num" else None
        elif name in LIST_FIELDS:
            attr.lists[name] = (eval_string_list(value, ctx), line)
        elif name == "Elem":
            attr.elem = _eval_elem(value, ctx)
    return attr


def _eval_elem(toks: list[Tok], ctx: Ctx) -> dict[str, Attr] | None:
    toks = _strip(toks)
    if toks and toks[0].text == "&":
        toks = toks[1:]
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in ctx.env:
        bound, bctx = ctx.env[toks[0].text]
        return _eval_elem(bound, bctx)
    head = "".join(t.text for t in toks[:3])
    if head == "schema.Schema" or (toks and toks[0].text == "{"):
        return None  # a list/set/map of primitives
    if head == "schema.Resource" and toks[3].text == "{":
        for name, value, _line in _fields(_brace_body(toks, 3)):
            if name == "Schema":
                return eval_schema_map(value, ctx)
        return {}
    call = _call(toks)
    found = ctx.resolve(call[0] if call else toks)
    if found is None:
        return _fail(f"Elem {' '.join(t.text for t in toks)[:60]}", ctx.file, toks[0].line)
    decl, dctx, kind = found
    if kind == "var":
        return _eval_elem(decl.toks, dctx)
    dctx.env = {p: (a, ctx) for p, a in zip(decl.params, call[1] if call else [], strict=False)}
    body = _strip(decl.toks)
    res = _literal_after(body, "schema.Resource")
    sch = _literal_after(body, "schema.Schema")
    if res is not None and (sch is None or res < sch):
        return _eval_elem(body[res - 3 : matching(body, res) + 1], dctx)
    if sch is not None:
        return None
    return _fail(f"Elem function {''.join(t.text for t in toks)}", decl.file, body[0].line)


def resource_schema(source: Source, file: str, expr: str) -> dict[str, Attr]:
    """The schema of the registry entry ``Schema: <expr>`` found in ``file``."""
    pkg = source.package(file.rsplit("/", 1)[0])
    ctx = Ctx(source, pkg, file)
    toks = _strip(tokenize(expr))
    call = _call(toks)
    if call is None:
        return _fail(f"registry schema {expr}", file, 0)
    return eval_resource_call(call[0], call[1], ctx)
