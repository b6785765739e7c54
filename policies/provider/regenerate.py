"""Regenerate the provider conformance data files (policies/provider/data/).

    .venv/bin/python -m policies.provider.regenerate                      # schema, from the installed bindings
    .venv/bin/python -m policies.provider.regenerate --git-dir DIR --commit SHA
                                                                          # and cross-field rules from a Go checkout

The schema comes from the jsii assembly of the installed bindings (``cdktn_provider_google/_jsii/*.jsii.tgz``).
The rules come from a terraform-provider-google git directory (a bare clone or ``.git``; no work tree needed)
at the given commit, and are cross-checked against the schema just written. Both files are gzip'd JSON with a
fixed mtime so an unchanged input gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

from policies.provider.go_rules import ACKNOWLEDGED_DRIFT, RegenerationError, collect
from policies.provider.go_source import Source
from policies.provider.jsii_schema import AssemblyError, extract, file_sha256, read_assembly
from policies.provider.providers import PROVIDERS, ProviderSpec

FORMAT = 1
COMMAND = "python -m policies.provider.regenerate"


def bindings_tarball(spec: ProviderSpec) -> Path:
    found = importlib.util.find_spec(spec.bindings_module)
    if found is None or not found.submodule_search_locations:
        raise AssemblyError(f"{spec.bindings_module} is not installed")
    tarballs = sorted(Path(next(iter(found.submodule_search_locations)), "_jsii").glob("*.jsii.tgz"))
    if len(tarballs) != 1:
        raise AssemblyError(f"expected one jsii tarball in {spec.bindings_module}/_jsii, found {len(tarballs)}")
    return tarballs[0]


def write_gz(path: Path, doc: dict[str, Any]) -> None:
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=False).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw)


def schema_doc(spec: ProviderSpec) -> dict[str, Any]:
    tarball = bindings_tarball(spec)
    assembly = read_assembly(tarball)
    if assembly["name"] != spec.assembly:
        raise AssemblyError(f"{tarball}: assembly {assembly['name']}, expected {spec.assembly}")
    body = extract(assembly, spec.key, spec.version)
    return {
        "format": FORMAT,
        "provider": spec.key,
        "source": spec.source,
        "version": spec.version,
        "bindings": {
            "package": spec.bindings_package,
            "package_version": importlib.metadata.version(spec.bindings_package),
            "assembly": assembly["name"],
            "assembly_version": assembly["version"],
            "assembly_fingerprint": assembly["fingerprint"],
            "tarball": tarball.name,
            "tarball_sha256": file_sha256(tarball),
        },
        "regenerate": COMMAND,
        "counts": {kind: len(body[kind]) for kind in ("resource", "data", "ephemeral")},
        **body,
    }


def rules_doc(spec: ProviderSpec, schema: dict[str, Any], git_dir: Path, commit: str) -> dict[str, Any]:
    source = Source(git_dir, commit)
    full = source.git("rev-parse", f"{commit}^{{commit}}").strip()
    source.commit = full
    date, subject = source.git("log", "-1", "--format=%cI%n%s", full).splitlines()[:2]
    parent = source.git("log", "-1", "--format=%h %s", f"{full}^").strip()
    body = collect(source, schema)
    return {
        "format": FORMAT,
        "provider": spec.key,
        "source": {
            "repository": spec.go_repo,
            "commit": full,
            "date": date,
            "subject": subject,
            "parent": parent,
            "note": f"read from commit {full[:10]} ({date[:10]}), not the {spec.version} release the "
            f"bindings pin: no newer checkout was available. Rules are cross-checked against the "
            f"{spec.version} schema; arguments added after this commit have no cross-field data.",
        },
        "checked_against": {
            "version": schema["version"],
            "assembly_fingerprint": schema["bindings"]["assembly_fingerprint"],
        },
        "regenerate": f"{COMMAND} --git-dir <terraform-provider-google git dir> --commit {full[:10]}",
        "acknowledged_drift": [{"type": t, "path": p, "reason": r} for (t, p), r in sorted(ACKNOWLEDGED_DRIFT.items())],
        **body,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", default="google", choices=sorted(PROVIDERS))
    parser.add_argument("--git-dir", type=Path, help="provider Go source: a git directory (bare is fine)")
    parser.add_argument("--commit", help="the commit to read rules from (required with --git-dir)")
    args = parser.parse_args(argv)
    if bool(args.git_dir) != bool(args.commit):
        parser.error("--git-dir and --commit go together")
    spec = PROVIDERS[args.provider]
    started = time.perf_counter()
    try:
        schema = schema_doc(spec)
        write_gz(spec.schema_file, schema)
        sys.stdout.write(f"wrote {spec.schema_file} ({schema['counts']})\n")
        if args.git_dir:
            rules = rules_doc(spec, schema, args.git_dir, args.commit)
            write_gz(spec.rules_file, rules)
            sys.stdout.write(
                f"wrote {spec.rules_file} ({len(rules['resources'])} resource types, "
                f"{len(rules['unparsed'])} not parsed: {', '.join(rules['unparsed'])})\n"
            )
    except (AssemblyError, RegenerationError, RuntimeError) as exc:
        sys.stderr.write(f"regeneration failed: {exc}\n")
        return 1
    sys.stdout.write(f"done in {time.perf_counter() - started:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
