"""The scorer image is reproducible (issue 13 review, item 11): the base by digest, and every package the scorer
loads pinned by version and sha256 in scorer/requirements.lock, at the versions the suite tests
(requirements.lock). Offline: the lock is compared with the installed distributions' own metadata."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

import pytest
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from tests.scorer.scorer_lock import ARCHES, DIRECT, LOCK, PYTHON, ROOT, closure, parse, platforms, repo_lock_versions

DOCKERFILE = ROOT / "scorer" / "Dockerfile"


@pytest.fixture(scope="module")
def lock() -> dict[str, tuple[str, dict[str, str]]]:
    return parse(LOCK.read_text())


def test_the_lock_is_the_closure_of_the_scorers_dependencies_at_the_tested_versions(lock):
    needed = closure()
    assert set(DIRECT) <= set(needed)
    assert {name: version for name, (version, _) in lock.items()} == needed
    tested = repo_lock_versions()
    assert {n: tested.get(n) for n in needed} == needed, "the installed versions are the repository's lock"


def test_every_import_of_the_scorer_is_locked(lock):
    """Third-party modules the scorer's source imports belong to locked distributions."""
    imported = set()
    for path in (ROOT / "scorer").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "scorer"}
    owners = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        distributions = {canonicalize_name(d) for d in owners.get(module, [])}
        assert distributions & set(lock), f"scorer imports {module} ({distributions or 'no distribution'}), not locked"
    assert {"google", "prometheus_client"} <= third_party


def test_every_requirement_carries_sha256_hashes_of_named_wheels(lock):
    text = LOCK.read_text()
    requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(requirement_lines) == len(lock)
    for name, (version, files) in lock.items():
        assert files, f"{name} has no --hash"
        for digest, filename in files.items():
            assert re.fullmatch(r"[0-9a-f]{64}", digest), f"{name}: {digest} is not a sha256"
            assert filename.endswith(".whl"), f"{name}: hash {digest} names no wheel"
            wheel_name, wheel_version, _, _ = parse_wheel_filename(filename)
            assert (canonicalize_name(wheel_name), str(wheel_version)) == (name, version)


@pytest.mark.parametrize("arch", ARCHES)
def test_every_package_has_a_wheel_for_the_images_platforms(lock, arch):
    """pip on the base image (CPython 3.11, glibc 2.41) finds an installable wheel of each package whose hash is
    locked, on both architectures of the multi-platform base."""
    supported: set[Tag] = set(cpython_tags(PYTHON, platforms=platforms(arch)))
    supported |= set(compatible_tags(PYTHON, "cp311", platforms=platforms(arch)))
    for name, (_, files) in lock.items():
        tags = {tag for filename in files.values() for tag in parse_wheel_filename(filename)[3]}
        assert tags & supported, f"{name}: no locked wheel for cp311 {arch}"


def test_the_dockerfile_pins_the_base_by_digest_and_installs_only_the_locked_hashes():
    text = DOCKERFILE.read_text()
    arg = re.search(r"^ARG PYTHON_IMAGE=python:(\d+)\.(\d+)-slim@sha256:([0-9a-f]{64})$", text, re.M)
    assert arg, "PYTHON_IMAGE must be python:<version>-slim@sha256:<digest>"
    assert (int(arg[1]), int(arg[2])) == PYTHON  # the lock's wheels are for this Python
    assert re.findall(r"^FROM .*$", text, re.M) == ["FROM ${PYTHON_IMAGE}"]
    installs = re.findall(r"^RUN .*pip install.*$", text, re.M)
    assert len(installs) == 1
    flags = installs[0].split()
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(flags)
    assert flags[flags.index("-r") + 1] == "scorer/requirements.lock"
    assert "COPY scorer/requirements.lock scorer/requirements.lock" in text
    assert not (ROOT / "scorer" / "requirements.txt").exists()
