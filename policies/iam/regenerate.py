"""Regenerate the pinned Google IAM data (policies/iam/data/google-iam.json.gz) from the iam-dataset dump.

    .venv/bin/python -m policies.iam.regenerate --git-dir /work/.mirror/iann0036+iam-dataset/repo

Reads ``gcp/roles/*.json`` (``gcloud iam roles describe`` of every predefined role), ``gcp/predefined_roles.json``
and ``gcp/map.json`` at the commit policies/iam/iam_dataset.yaml pins, from a git directory (bare is fine; no work
tree, no network). Keeps the roles the stacks grant (``google_iam.roles_in_use``), the set of every permission any
predefined role holds, and the REST map reduced to method -> {permission: methodology}. Gzip'd JSON with a fixed
mtime and sorted keys, so unchanged inputs give identical content.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from policies.iam import google_iam

FORMAT = 1
# A permission: service.resource.verb (more dotted parts allowed); the map also holds prose and URLs.
PERMISSION = re.compile(r"^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+){2,}$")


class RegenerationError(Exception):
    pass


def _git(git_dir: Path, *args: str) -> bytes:
    try:
        return subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, timeout=300
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise RegenerationError(f"git {' '.join(args)} in {git_dir}: {exc} {detail.decode(errors='replace')}") from exc


def _json(git_dir: Path, commit: str, path: str) -> Any:
    return json.loads(_git(git_dir, "show", f"{commit}:{path}"))


def _json_files(git_dir: Path, commit: str, paths: list[str]) -> dict[str, Any]:
    """Many files in one `git cat-file --batch` (one process, not one per role)."""
    request = "".join(f"{commit}:{p}\n" for p in paths).encode()
    try:
        out = subprocess.run(
            ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
            input=request,
            check=True,
            capture_output=True,
            timeout=300,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RegenerationError(f"git cat-file --batch in {git_dir}: {exc}") from exc
    docs, at = {}, 0
    for path in paths:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].decode().split()
        if len(header) != 3:
            raise RegenerationError(f"{commit}:{path}: {' '.join(header)}")
        size = int(header[2])
        docs[path] = json.loads(out[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return docs


def build(git_dir: Path) -> dict[str, Any]:
    """The data document for the commit iam_dataset.yaml pins."""
    src = google_iam.source()
    commit = src["commit"]
    resolved = _git(git_dir, "rev-parse", f"{commit}^{{commit}}").decode().strip()
    if resolved != commit:
        raise RegenerationError(f"{git_dir}: {commit} resolves to {resolved}")
    date = _git(git_dir, "log", "-1", "--format=%cI", commit).decode().strip()
    listing = {r["name"]: r for r in _json(git_dir, commit, "gcp/predefined_roles.json")}
    role_files = [
        line.split("\t", 1)[1]
        for line in _git(git_dir, "ls-tree", commit, "gcp/roles/").decode().splitlines()
        if line.endswith(".json")
    ]
    wanted = google_iam.roles_in_use()
    roles: dict[str, Any] = {}
    permissions: set[str] = set()
    for path, described in _json_files(git_dir, commit, role_files).items():
        name = described.get("name") or "roles/" + Path(path).stem
        included = sorted(described.get("includedPermissions") or ())
        permissions |= set(included)
        if name in wanted:
            listed = listing.get(name, {})
            roles[name] = {
                "title": described.get("title") or listed.get("title"),
                "stage": described.get("stage") or listed.get("stage"),
                "permissions": included,
            }
    missing = sorted(wanted - set(roles))
    if missing:
        raise RegenerationError(f"roles granted here but not in the dump: {', '.join(missing)}")
    methods: dict[str, dict[str, str]] = {}
    for service in _json(git_dir, commit, "gcp/map.json")["api"].values():
        for method, entry in (service.get("methods") or {}).items():
            found: dict[str, str] = {}
            for perm in entry.get("permissions") or ():
                name = perm.get("name", "")
                if PERMISSION.match(name):
                    seen = set(found.get(name, "").split(",")) | set(perm.get("discoveryMethodologies") or ())
                    via = sorted(seen - {""})
                    found[name] = ",".join(via)
            methods[method] = found
    mapped = {p for found in methods.values() for p in found}
    return {
        "format": FORMAT,
        "provenance": {
            "repository": src["repository"],
            "commit": commit,
            "commit_date": date,
            "mirrors": src["mirrors"],
            "files": ["gcp/roles/*.json", "gcp/predefined_roles.json", "gcp/map.json"],
            "regenerate": google_iam.REGENERATE,
            "counts": {
                "predefined_roles": len(role_files),
                "roles_kept": len(roles),
                "permissions": len(permissions),
                "methods": len(methods),
            },
        },
        "roles": dict(sorted(roles.items())),
        "permissions": sorted(permissions),
        "method_only": sorted(mapped - permissions),
        "methods": dict(sorted(methods.items())),
    }


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def write(doc: dict[str, Any], path: Path = google_iam.DATA_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(encode(doc))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policies.iam.regenerate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--git-dir", type=Path, required=True, help="a git directory of iann0036/iam-dataset")
    args = parser.parse_args(argv)
    try:
        doc = build(args.git_dir)
    except RegenerationError as exc:
        sys.stderr.write(f"regeneration failed: {exc}\n")
        return 1
    write(doc)
    sys.stdout.write(f"wrote {google_iam.DATA_FILE} ({doc['provenance']['counts']})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
