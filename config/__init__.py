"""The bottom layer: the typed config model and everything derived from config alone.

model (dataclasses), loader (YAML + JSON Schema + cross-file rules), yaml_source (file:line),
schema (validation messages), errors, names (every derived Google name), selection (which
stacks a run builds), patterns (what each serving pattern declares), ci_roles (what applying
and planning needs per Terraform type). Nothing here imports the provider bindings or any
package above it (modules, policies, lifecycle, stacks, scripts); tests/test_layers.py checks.
"""
