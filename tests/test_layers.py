"""Dependencies run one way (docs/architecture.md, "Code layout"), and importing code has no side effects.

    config, metric_catalogue          import no other package of the project
    scorer (the streaming scorer)     imports no other package of the project (its image holds only scorer/)
    modules, policies, lifecycle      import config and metric_catalogue, not each other
    stacks                            imports modules, config, metric_catalogue
    scripts (the CLI)                 imports anything
    infra/main.py (the cdktn app)     imports stacks and config, never the CLI

Every import statement of every module is read with ``ast`` (also imports inside functions), so a
lazy import against the direction fails as well.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BOTTOM = {"config", "metric_catalogue"}
MAY_IMPORT: dict[str, set[str]] = {
    "config": set(),
    "metric_catalogue": set(),
    "modules": BOTTOM,
    "policies": BOTTOM,
    "lifecycle": BOTTOM,
    "stacks": BOTTOM | {"modules"},
    "scripts": BOTTOM | {"modules", "policies", "lifecycle", "stacks"},
    "infra": BOTTOM | {"stacks"},
    "scorer": set(),  # the streaming scorer's image is built from its folder alone
}
PROJECT = set(MAY_IMPORT) | {"tests", "bench"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every project module ``path`` imports (``from pkg import mod`` resolves to ``pkg.mod``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = _module_name(path).split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                package = own if path.name == "__init__.py" else own[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_module(candidate) else base)
    return {m for m in found if m.split(".")[0] in PROJECT}


def project_files() -> list[Path]:
    files = [p for top in MAY_IMPORT if top != "infra" for p in (REPO / top).rglob("*.py")]
    return sorted(files + [REPO / "infra" / "main.py"])


def violations() -> list[tuple[str, str]]:
    out = []
    for path in project_files():
        importer = _module_name(path)
        layer = importer.split(".")[0]
        for target in sorted(imports_of(path)):
            top = target.split(".")[0]
            if top != layer and top not in MAY_IMPORT[layer]:
                out.append((importer, target))
    return out


def test_every_import_follows_the_dependency_direction():
    against = sorted(set(violations()))
    assert not against, "imports against the layer direction (importer -> imported):\n" + "\n".join(
        f"  {a} -> {b}" for a, b in against
    )


def test_the_direction_test_catches_an_import_against_it(tmp_path, monkeypatch):
    """A policy module that imports a construct module is reported (the test can fail)."""
    fake = REPO / "policies" / "_layer_probe.py"
    fake.write_text("def f():\n    from modules.kms import PlatformKeys\n")
    try:
        assert ("policies._layer_probe", "modules.kms") in violations()
    finally:
        fake.unlink()


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env or {**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_importing_any_project_module_changes_no_environment_variable():
    """No side effects on import: the venv-Node PATH preference is an explicit call of the entry points."""
    modules = sorted(_module_name(p) for p in project_files() if p.parts[-2] != "infra")
    result = _run(f"""
        import importlib, os
        before = dict(os.environ)
        for name in {modules!r}:
            importlib.import_module(name)
        changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
        print("changed:", changed)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "changed: []"


def test_the_config_layer_loads_without_the_provider_bindings():
    result = _run("""
        import sys
        from pathlib import Path
        from config.loader import load_config
        from config import ci_roles, names, selection
        config = load_config(Path("infra"))
        selection.planned_stacks(config)
        print(sorted(m for m in ("jsii", "cdktn", "constructs", "cdktn_provider_google") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"


@pytest.fixture
def path_with_a_failing_node(tmp_path) -> dict[str, str]:
    """An environment whose PATH (venv not activated) starts with a `node` that records its use and fails."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    marker = tmp_path / "system-node-used"
    node = fake_bin / "node"
    node.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    node.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "JSII_NODE", "GITHUB_ACTIONS")}
    env.update(PATH=f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin", PYTHONPATH=str(REPO), CHECKPOINT_DISABLE="1")
    env["MARKER"] = str(marker)
    return env


def test_a_fake_system_node_is_noticed_when_nothing_prefers_the_venv(path_with_a_failing_node):
    """The control: without the explicit call, jsii runs the first `node` on PATH."""
    result = _run("import cdktn", env=path_with_a_failing_node)
    assert result.returncode != 0
    assert Path(path_with_a_failing_node["MARKER"]).exists()


def test_the_cli_runs_the_venvs_node_when_the_venv_is_not_activated(path_with_a_failing_node, tmp_path):
    env = path_with_a_failing_node
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.cli",
            "synth",
            "--config-dir",
            "tests/fixtures/org",
            "--team",
            "scout",
            "--env",
            "dev",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not Path(env["MARKER"]).exists()
    assert (tmp_path / "out" / "stacks" / "team-scout-dev" / "cdk.tf.json").is_file()


def test_the_cdktn_app_runs_the_venvs_node_and_never_imports_the_cli(path_with_a_failing_node, tmp_path):
    env = {**path_with_a_failing_node, "CDKTF_OUTDIR": str(tmp_path / "out")}
    probe = (
        "import runpy, sys\n"
        "try:\n    runpy.run_path('infra/main.py', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    print('cli imported' if any(m.startswith('scripts') for m in sys.modules) else 'cli not imported')\n"
        "    raise\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "cli not imported"
    assert not Path(env["MARKER"]).exists()
    from config import names
    from config.loader import load_config

    # whatever environments the company's config in infra/ names
    for env in load_config(REPO / "infra").platform.environments:
        assert (tmp_path / "out" / "stacks" / names.platform_stack(env) / "cdk.tf.json").is_file(), env
