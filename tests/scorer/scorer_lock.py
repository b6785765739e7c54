"""scorer/requirements.lock: the scorer image's complete, hash-pinned dependency set (issue 13 review, item 11).

The set is the transitive closure of the scorer's three direct dependencies as installed in the tested
environment (importlib.metadata requirements, markers evaluated for CPython 3.11 on Linux), at the versions of the
repository's requirements.lock. The hashes are PyPI's files for the image's platforms: the base image
(scorer/Dockerfile PYTHON_IMAGE, Debian trixie, glibc 2.41) on amd64 and arm64, as pip selects them there.

Regenerate (needs PyPI; run from the repository root): ``.venv/bin/python -m tests.scorer.scorer_lock``.
tests/scorer/test_image.py checks the file offline.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "scorer" / "requirements.lock"
DIRECT = ("google-cloud-pubsub", "google-cloud-bigquery", "prometheus-client")
PYTHON = (3, 11)
GLIBC = (2, 41)  # Debian trixie, the pinned base image's release
ARCHES = ("x86_64", "aarch64")  # linux/amd64 and linux/arm64 of the multi-platform base image
MARKER_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.15",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
}


def closure(roots: tuple[str, ...] = DIRECT) -> dict[str, str]:
    """Canonical name -> installed version of ``roots`` and everything they require here (with their extras)."""
    found: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = {}
    todo = [(name, frozenset[str]()) for name in roots]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in found and extras <= extras_seen[key]:
            continue
        distribution = importlib.metadata.distribution(name)
        found[key] = distribution.version
        extras_seen.setdefault(key, set()).update(extras)
        for line in distribution.requires or []:
            requirement = Requirement(line)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({**MARKER_ENV, "extra": extra}) for extra in ("", *extras)
            )
            if wanted:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(found.items()))


def repo_lock_versions(path: Path = ROOT / "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


def platforms(arch: str) -> list[str]:
    """The manylinux platforms a glibc-``GLIBC`` system accepts, most specific first (pip's order)."""
    major, minor = GLIBC
    tags = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, 16, -1)] + [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return tags + [f"linux_{arch}"]


def parse(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Lock text -> canonical name -> (version, {sha256: wheel file named in the comment above it})."""
    files: dict[str, str] = {}
    entries: dict[str, tuple[str, dict[str, str]]] = {}
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# ") and " sha256:" in line:
            filename, digest = line[2:].split(" sha256:")
            files[digest] = filename
            continue
        if not line or line.startswith("#"):
            continue
        current.append(line.rstrip("\\").strip())
        if not raw.rstrip().endswith("\\"):
            head, *options = " ".join(current).split()
            name, version = head.split("==")
            hashes = [o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash=sha256:")]
            entries[canonicalize_name(name)] = (version, {h: files.get(h, "") for h in hashes})
            current = []
    return entries


def _download(pins: dict[str, str], arch: str, into: Path) -> list[Path]:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(into)]
    command += ["--python-version", "".join(map(str, PYTHON)), "--implementation", "cp"]
    for platform in platforms(arch):
        command += ["--platform", platform]
    subprocess.run(command + [f"{n}=={v}" for n, v in pins.items()], check=True)
    return sorted(into.glob("*.whl"))


def render(pins: dict[str, str], wheels: list[Path]) -> str:
    by_name: dict[str, dict[str, str]] = {}
    for wheel in wheels:
        name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
        by_name.setdefault(name, {})[hashlib.sha256(wheel.read_bytes()).hexdigest()] = wheel.name
    lines = [
        "# The scorer image's dependencies: the complete closure of google-cloud-pubsub, google-cloud-bigquery and",
        "# prometheus-client at the versions of the repository's requirements.lock, with the sha256 of every wheel",
        f"# pip installs on CPython {PYTHON[0]}.{PYTHON[1]}, glibc {GLIBC[0]}.{GLIBC[1]} (the base image scorer/Dockerfile "
        f"pins), {' and '.join(ARCHES)}.",
        "# Generated by `.venv/bin/python -m tests.scorer.scorer_lock` (tests/scorer/scorer_lock.py); checked by",
        "# tests/scorer/test_image.py. Installed with pip install --require-hashes --no-deps.",
    ]
    for name, version in pins.items():
        files = by_name[name]
        lines += [f"# {filename} sha256:{digest}" for digest, filename in sorted(files.items(), key=lambda i: i[1])]
        hashes = [f"    --hash=sha256:{digest}" for digest, _ in sorted(files.items(), key=lambda i: i[1])]
        lines.append(f"{name}=={version} \\")
        lines += [h + " \\" for h in hashes[:-1]] + [hashes[-1]]
    return "\n".join(lines) + "\n"


def main() -> None:
    pins = closure()
    tested = repo_lock_versions()
    drift = {n: (v, tested.get(n)) for n, v in pins.items() if tested.get(n) != v}
    if drift:
        raise SystemExit(f"installed versions differ from requirements.lock: {drift}")
    with tempfile.TemporaryDirectory() as tmp:
        wheels = []
        for arch in ARCHES:
            wheels += _download(pins, arch, Path(tmp) / arch)
        LOCK.write_text(render(pins, wheels))
    print(f"wrote {LOCK.relative_to(ROOT)}: {len(pins)} packages")


if __name__ == "__main__":
    main()
