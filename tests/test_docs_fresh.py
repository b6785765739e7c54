"""docs/access.md and the generated parts of docs/architecture.md match the code that generates them."""
from __future__ import annotations

from scripts.platform_docs import COMMAND, expected_docs, render_architecture


def test_generated_docs_are_up_to_date(example_config):
    stale = [p.name for p, text in expected_docs(example_config).items() if not p.exists() or p.read_text() != text]
    assert not stale, f"{', '.join(stale)} stale; regenerate with:\n    {COMMAND}"


def test_access_doc_lists_every_grant_and_the_pii_columns(example_config):
    from modules.team_iam import TEAM_GRANTS
    from scripts.platform_docs import render_access

    text = render_access(example_config)
    for grant in TEAM_GRANTS:
        assert grant.why in text
    assert "| `prediction_history` | `caller`, `entity_id`, `pii_features`, `request_payload`, `response_payload` |" in text
    assert "fraud-pii-readers@acme.example" in text


def test_architecture_doc_without_markers_is_refused():
    import pytest

    with pytest.raises(ValueError, match="generated-section markers"):
        render_architecture("# no markers here\n")
