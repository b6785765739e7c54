"""Every construct reads the same way: grants are `grant_<verb>(principal, ...)`, defaults are documented.

Walks every construct class in modules/ (so a new construct is held to it without a test edit).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from constructs import Construct

import modules
from modules.principal import Principal


def _construct_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(modules.__path__, "modules."):
        module = importlib.import_module(info.name)
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Construct) and obj.__module__ == module.__name__
        ]
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


CONSTRUCTS = _construct_classes()


def test_there_are_constructs_to_check():
    assert len(CONSTRUCTS) > 20


def _grant_methods(cls: type) -> list[tuple[str, inspect.Signature]]:
    return [
        (name, inspect.signature(fn))
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if name.startswith("grant") and fn.__qualname__.startswith(cls.__name__ + ".")
    ]


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_grant_methods_take_a_principal_first(cls):
    for name, sig in _grant_methods(cls):
        params = [p for p in sig.parameters.values() if p.name != "self"]
        assert name.startswith("grant_"), f"{cls.__name__}.{name}: grants are named grant_<verb>"
        assert params and params[0].name == "principal", f"{cls.__name__}.{name}{sig}: principal comes first"
        assert params[0].annotation in (Principal, "Principal"), f"{cls.__name__}.{name}: a typed Principal"


def test_the_grant_methods_found_include_every_kind_of_target():
    found = {f"{c.__name__}.{n}" for c in CONSTRUCTS for n, _ in _grant_methods(c)}
    assert {
        "CmekDataset.grant_read",
        "CmekDataset.grant_write",
        "CmekDataset.grant_tables_read",
        "PlatformKeys.grant_encrypt_decrypt",
        "PiiTaxonomy.grant_fine_grained_read",
        "ServingImageRepository.grant_read",
        "PiiInspectTemplate.grant_use",
        "StreamingPipeline.grant_consume",
        "TeamServiceAccounts.grant_workload_identity_user",
    } <= found


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_every_argument_with_a_default_says_what_the_default_is(cls):
    """The class or __init__ docstring names each defaulted argument as ``name`` and says "default"."""
    doc = (cls.__doc__ or "") + (cls.__init__.__doc__ or "")
    params = inspect.signature(cls.__init__).parameters.values()
    for p in params:
        if p.default is not inspect.Parameter.empty:
            assert f"``{p.name}``" in doc and "default" in doc, f"{cls.__name__}: document the default of {p.name}"


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_grant_keyword_defaults_are_documented(cls):
    for name, sig in _grant_methods(cls):
        doc = getattr(cls, name).__doc__ or ""
        for p in sig.parameters.values():
            if p.default is not inspect.Parameter.empty:
                assert f"``{p.name}``" in doc and "default" in doc, f"{cls.__name__}.{name}: document {p.name}"
