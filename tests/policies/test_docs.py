"""docs/policies.md is generated from the rules; it must not go stale."""
from __future__ import annotations

from policies.engine import docs, registry


def test_policies_doc_is_up_to_date():
    assert docs.DOC.read_text() == docs.render(), \
        "docs/policies.md is stale: run `PYTHONPATH=. .venv/bin/python -m policies.engine.docs`"


def test_policies_doc_lists_every_rule():
    text = docs.render()
    assert all(f"| `{r.id}` |" in text for r in registry.rules())
