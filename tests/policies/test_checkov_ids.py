"""The checkov ids a suppression may name are the pinned checkov's own Google Cloud checks."""

from __future__ import annotations

import json

from policies.engine import checkov_ids
from policies.engine.builtin import DISABLED_BUILTIN_CHECKS


def test_the_list_is_the_installed_checkovs():
    assert json.loads(checkov_ids.DATA_FILE.read_text()) == checkov_ids.from_installed_checkov()


def test_it_holds_resource_and_graph_checks_and_every_check_the_gate_disables():
    known = checkov_ids.known()
    assert {"CKV_GCP_49", "CKV2_GCP_5"} <= known and "CKV_GCP_9999" not in known
    assert set(DISABLED_BUILTIN_CHECKS) <= known
