"""What the scorecard SQL takes from the team files: owner, KPI, runtime and the usage-drop threshold."""

from __future__ import annotations

import pytest

from config.errors import ConfigInvalid
from config.loader import load_config
from modules.scorecard import catalogue

KPI_LINE = "      kpi: chargeback reserve accuracy\n"


def test_the_threshold_comes_from_the_team_file_with_the_schema_default(org_copy):
    ledger = org_copy / "teams" / "ledger.yaml"
    text = ledger.read_text()
    assert KPI_LINE in text
    ledger.write_text(text.replace(KPI_LINE, KPI_LINE + "      usage_drop_alert: 0.25\n"))
    rows = {(m.team, m.model): m for m in catalogue.models(load_config(org_copy))}
    assert rows[("ledger", "refund-forecast")].usage_drop_threshold == 0.25
    assert rows[("ledger", "pay-scorer")].usage_drop_threshold == 0.3  # team schema default
    assert rows[("ledger", "pay-scorer")].runtime == "Vertex AI endpoint"
    assert rows[("ledger", "refund-forecast")].runtime == "batch prediction job"
    assert rows[("ledger", "pay-scorer")].owner == "kim.berg@orbit.example"


@pytest.mark.parametrize("value", ["0", "1", "1.5", "'a lot'"])
def test_a_threshold_outside_0_to_1_is_refused_at_its_line(org_copy, value):
    ledger = org_copy / "teams" / "ledger.yaml"
    ledger.write_text(ledger.read_text().replace(KPI_LINE, KPI_LINE + f"      usage_drop_alert: {value}\n"))
    with pytest.raises(ConfigInvalid) as caught:
        load_config(org_copy)
    assert any("usage_drop_alert" in str(e) for e in caught.value.errors), caught.value.errors
