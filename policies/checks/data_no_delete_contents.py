"""MLOPS_DATA_2: destroying a container never deletes its contents."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

FLAGS = {"google_bigquery_dataset": "delete_contents_on_destroy", "google_storage_bucket": "force_destroy"}


class NoDeleteContents(ResourceRule):
    id = "MLOPS_DATA_2"
    title = "delete_contents_on_destroy / force_destroy never true"
    why = "With these flags a destroy wipes every table or object inside, including prediction history kept for audit."
    capability = "governance: historical predictions kept for audit"
    fix = "Remove the flag (default false); delete data deliberately, table by table, after review."
    severity = "HIGH"
    supported = tuple(FLAGS)

    def problems(self, conf):
        flag = FLAGS[self.entity_type]
        return [f"{flag} is true"] if attr(conf, flag) is True else []


check = NoDeleteContents()
