"""MLOPS_PII_1: a Sensitive Data Protection scan covers every confidential or restricted team dataset."""

from __future__ import annotations

import re

from policies.rulebase import ConfigRule, Outcome, dig, items

SENSITIVE = ("confidential", "restricted")


def _match(regex: str | None, value: str | None) -> bool:
    if regex in (None, ""):
        return True
    if not isinstance(value, str):  # a dataset without dataset_id (MLOPS_TF_3 reports it) matches nothing
        return False
    try:
        return regex in (None, "") or re.fullmatch(regex, value) is not None
    except re.error:
        return False


def _discovery_covers(conf: dict, project: str, dataset: str) -> bool:
    if conf.get("status") == "PAUSED":
        return False
    parent = str(conf.get("parent") or "")
    if not (parent.startswith(f"projects/{project}/") or parent == f"projects/{project}" or dig(conf, "org_config")):
        return False
    for target in items(conf.get("targets")):
        bq = dig(target, "big_query_target")
        if bq is None:
            continue
        flt = dig(bq, "filter")
        if flt is None or dig(flt, "other_tables") is not None:
            return True
        ref = dig(flt, "table_reference")
        if ref is not None and items(ref)[0].get("dataset_id") == dataset:
            return True
        for pattern in items(dig(flt, "tables", "include_regexes", "patterns")):
            if _match(pattern.get("project_id_regex"), project) and _match(pattern.get("dataset_id_regex"), dataset):
                return True
    return False


def _trigger_covers(conf: dict, project: str, dataset: str) -> bool:
    if conf.get("status") == "PAUSED":
        return False
    ref = dig(conf, "inspect_job", "storage_config", "big_query_options", "table_reference")
    if ref is None:
        return False
    ref = items(ref)[0]
    return ref.get("dataset_id") == dataset and ref.get("project_id", project) == project


class DlpScanCoverage(ConfigRule):
    id = "MLOPS_PII_1"
    title = "A Sensitive Data Protection scan covers each confidential or restricted team dataset"
    why = "The guide asks for automatic PII detection: personal data that lands in a team dataset must be found, not assumed absent."
    capability = "governance: automatic PII detection"
    fix = "The team stack creates a DLP discovery config (or job trigger) over its dataset using the platform inspect template."
    severity = "HIGH"
    team_field = ("data_classification",)

    def evaluate(self, scan):
        scanners = [
            (r.type, r.conf)
            for _, r in scan.anywhere(
                "google_data_loss_prevention_discovery_config", "google_data_loss_prevention_job_trigger"
            )
        ]
        for stack in scan.team_stacks():
            if scan.config.team(stack.team).data_classification not in SENSITIVE:
                continue
            for dataset in stack.resources("google_bigquery_dataset"):
                project = dataset.conf.get("project") or stack.project
                dataset_id = dataset.conf.get("dataset_id")
                covered = any(
                    _discovery_covers(conf, project, dataset_id)
                    if tf_type.endswith("discovery_config")
                    else _trigger_covers(conf, project, dataset_id)
                    for tf_type, conf in scanners
                )
                yield Outcome(
                    stack.name,
                    dataset.address,
                    dataset.construct_path,
                    covered,
                    f"no active DLP discovery config or job trigger covers {project}.{dataset_id}",
                    ("data_classification",),
                )
