"""A stand-in `terraform` for deploy-path tests: the CLI calls cdktn makes, with state kept like the real backends.

It records every call (working directory, arguments, CHECKPOINT_DISABLE) and behaves like Terraform
where the deploy path depends on it:

- ``apply`` writes the stack's state where its backend says: a ``local`` backend's ``path`` resolved
  from the stack's working directory, or ``<FAKE_GCS_ROOT>/<bucket>/<prefix>/default.tfstate`` for
  ``gcs`` (the object name the gcs backend uses for the default workspace).
- ``plan`` and ``apply`` resolve every ``terraform_remote_state`` data source the same way and fail
  like Terraform when no state is stored there ("Unable to find remote state"; hashicorp/terraform,
  internal/builtin/providers/terraform/data_source_state.go), which is what a team stack hits when
  it runs before its platform stack or reads the platform's state from the wrong path.

Google Cloud is never called: the credential boundary is the one step this does not exercise.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

# The release CI installs (TERRAFORM_VERSION in the deploy workflow), so the stand-in reports the same.
VERSION = re.search(
    r'TERRAFORM_VERSION: "([0-9.]+)"',
    (Path(__file__).resolve().parents[2] / ".github/workflows/deploy.yml").read_text(),
).group(1)


def _log(args: list[str]) -> None:
    record = {"cwd": os.getcwd(), "args": args, "checkpoint_disable": os.environ.get("CHECKPOINT_DISABLE")}
    with open(os.environ["FAKE_TF_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")


def state_location(backend: str, config: dict, cwd: Path) -> Path:
    if backend == "local":
        return Path(os.path.normpath(cwd / config.get("path", "terraform.tfstate")))
    if backend == "gcs":
        return Path(os.environ["FAKE_GCS_ROOT"]) / config["bucket"] / config.get("prefix", "") / "default.tfstate"
    raise SystemExit(f"fake terraform: backend {backend!r} not emulated")


def _stack(cwd: Path) -> dict:
    return json.loads((cwd / "cdk.tf.json").read_text())


def _check_remote_states(stack: dict, cwd: Path) -> None:
    for name, conf in (stack.get("data", {}).get("terraform_remote_state") or {}).items():
        where = state_location(conf["backend"], conf.get("config", {}), cwd)
        if not where.is_file():
            sys.stderr.write(
                f"Error: Unable to find remote state\n\n  with data.terraform_remote_state.{name}\n\n"
                f"No stored state was found for the given workspace in the given backend ({where}).\n"
            )
            raise SystemExit(1)


def main(args: list[str]) -> int:
    _log(args)
    cwd = Path.cwd()
    command = args[0] if args else ""
    if command == "version" or command == "-v":
        print(
            json.dumps(
                {
                    "terraform_version": VERSION,
                    "platform": "linux_amd64",
                    "provider_selections": {},
                    "terraform_outdated": False,
                }
            )
            if "-json" in args
            else f"Terraform v{VERSION}"
        )
    elif command == "init":
        _stack(cwd)  # a missing or broken cdk.tf.json fails here, as with real terraform
        print("Terraform has been successfully initialized!")
    elif command in ("plan", "apply"):
        stack = _stack(cwd)
        _check_remote_states(stack, cwd)
        if command == "apply":
            ((backend, config),) = stack["terraform"]["backend"].items()
            where = state_location(backend, config, cwd)
            where.parent.mkdir(parents=True, exist_ok=True)
            outputs = {k: {"value": f"fake-{k}", "type": "string"} for k in stack.get("output", {})}
            where.write_text(json.dumps({"version": 4, "terraform_version": VERSION, "outputs": outputs}))
            print("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
        else:
            print("No changes. Your infrastructure matches the configuration.")
    elif command == "output":
        print("{}")
    elif command == "show":
        print(json.dumps({"format_version": "1.2", "resource_changes": []}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
