"""The training baseline table PSI compares serving data with (one row per model, feature and bucket).

Written when a model version is registered (bucket shares of its training data); read by the
drift SQL. Declared in modules/metadata_tables.py (``feature_baseline``) like every table of the
team dataset; kept forever and readable without a partition filter (see the spec).
"""

from __future__ import annotations

from constructs import Construct

from modules.metadata_dataset import CmekDataset
from modules.metadata_tables import feature_baseline


class FeatureBaselineTable(Construct):
    def __init__(self, scope: Construct, id: str, *, dataset: CmekDataset, labels: dict[str, str]):
        super().__init__(scope, id)
        self.spec = feature_baseline()
        self.table = dataset.add_table(self.spec, scope=self, id="table", labels=labels)
