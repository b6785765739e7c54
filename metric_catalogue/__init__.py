"""Google's metric catalogue and the Monitoring API's aggregation and unit rules, as data and small pure functions.

A bottom layer (like the config): it imports nothing from the project. The constructs in
modules/monitoring/ use it to build alert conditions whose thresholds are converted into the
metric's unit; the governance rules in policies/checks/monitoring_metric_*.py use it to check every
alert condition, SLO and dashboard query in the synthesized stacks.

- catalogue.yaml / catalogue.py: metrics and monitored resources as Google publishes them.
- query_filter.py: what a monitoring filter names (metric, resource, labels).
- aggregation.py: which aligner and reducer is valid for which metric kind and value type, and
  what each does to the kind, value type and unit (google/monitoring/v3/common.proto).
- units.py: the unit grammar of MetricDescriptor.unit and conversions between units.
- thresholds.py: how a threshold states its unit in the synthesized JSON, `[threshold: 150 ms]`.
"""
