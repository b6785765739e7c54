"""Stack classes (PlatformStack, TeamStack) and the app builder; built from modules/ and config/.

Importing this package has no side effects: the entry points that start jsii (infra/main.py, the
`modelops` CLI, the test session) call ``stacks.node_runtime.prefer_venv_node()`` first.
"""
