"""Vendor the OpenAPI v3 schemas of the custom resources the stacks create through ``kubernetes_manifest``.

``python -m policies.provider.vendor_crds --git-dir <GoogleCloudPlatform/prometheus-engine git dir> [--commit REF]``
writes policies/provider/data/crds.json: per ``<apiVersion>/<kind>``, the CRD version's ``openAPIV3Schema`` as
Google Cloud Managed Service for Prometheus publishes it (charts/operator/crds/), with the commit it was read at.
The kubernetes provider cannot check a manifest's body (its schema is the cluster's, read at plan time), so the
gate checks it against these (MLOPS_TF_11, policies/provider/crds.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
from pathlib import Path

import yaml

from policies.provider.crds import CRDS_FILE

REPOSITORY = "GoogleCloudPlatform/prometheus-engine"
# The custom resources the team stacks create (config/data/kubernetes_ci_roles.yaml manifest_kinds).
FILES = ("charts/operator/crds/monitoring.googleapis.com_podmonitorings.yaml",)


def _show(git_dir: Path, commit: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def vendor(git_dir: Path, commit: str) -> dict:
    sha = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", commit], check=True, capture_output=True, text=True
    ).stdout.strip()
    kinds = {}
    for path in FILES:
        crd = yaml.safe_load(_show(git_dir, sha, path))
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served") and version.get("storage", True):
                kinds[f"{group}/{version['name']}/{kind}"] = {
                    "file": path,
                    "plural": crd["spec"]["names"]["plural"],
                    "schema": version["schema"]["openAPIV3Schema"],
                }
    return {"source": {"repository": REPOSITORY, "commit": sha, "files": list(FILES)}, "kinds": kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", type=Path, required=True)
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()
    data = vendor(args.git_dir, args.commit)
    CRDS_FILE.write_bytes(gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0))
    print(f"wrote {CRDS_FILE} ({', '.join(data['kinds'])} at {data['source']['commit'][:12]})")


if __name__ == "__main__":
    main()
