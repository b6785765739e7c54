"""Model Operations Center dashboards: generated JSON, structure and what each tile watches."""

from __future__ import annotations

import json

import pytest

from config import names
from modules.monitoring.dashboards import COLUMNS, platform_dashboard
from modules.serving import team_dashboard
from tests.helpers import one, resources

ONLINE_TILES = ["Traffic (predictions/s)", "Latency p50 / p99 (ms)", "Error ratio", "Replicas"]
QUALITY_TILES = [
    "Drift (PSI) by feature",
    "Missing features (share of predictions)",
    "Daily usage: predictions and distinct callers",
]


def tiles(body):
    return body["mosaicLayout"]["tiles"]


def widget_titles(body):
    return [t["widget"]["title"] for t in tiles(body)]


def sections(body):
    """Model name -> tile titles under its header."""
    out, current = {}, None
    for tile in tiles(body):
        title = tile["widget"]["title"]
        if "text" in tile["widget"] and " (" in title:
            current = title.split(" (")[0]
            out[current] = []
        elif current:
            out[current].append(tile["widget"])
    return out


def test_team_dashboard_is_synthesized_from_the_generated_json(org_stacks, org_config):
    dashboard = resources(org_stacks["team-ledger-prod"], "google_monitoring_dashboard")["dashboard/dashboard"]
    body = json.loads(dashboard["dashboard_json"])
    assert body == json.loads(json.dumps(team_dashboard(org_config.team("ledger"), "prod")))
    assert body["displayName"] == "ledger — Model Operations Center"
    assert dashboard["project"] == "orbit-ledger-prod"


@pytest.mark.parametrize("team", ["ledger", "reach", "scout"])
def test_every_model_has_its_tiles(org_config, team):
    cfg = org_config.team(team)
    found = sections(team_dashboard(cfg, "prod"))
    assert set(found) == {m.name for m in cfg.models}
    for model in cfg.models:
        titles = [w["title"] for w in found[model.name]]
        quality = (
            "Accuracy / precision / recall (30 days)" if model.task == "classification" else "MAE / RMSE (30 days)"
        )
        assert set(QUALITY_TILES) | {quality} <= set(titles)
        if model.pattern == "online" and model.serving.runtime == "gke":
            # PromQL tiles of the Deployment's series (the platform project, through the team's metrics scope)
            assert titles[:4] == ["Traffic (requests/s)", "Latency p99 (s)", "Error ratio", "Replicas"]
            for widget in found[model.name][:4]:
                query = widget["xyChart"]["dataSets"][0]["timeSeriesQuery"]["prometheusQuery"]
                assert 'namespace="scout"' in query and f"{model.name}-online" in query
        elif model.pattern == "online":
            assert titles[:4] == ONLINE_TILES
            eid = names.endpoint_name(team, model.name, "prod")
            for widget in found[model.name][:4]:
                assert f'resource.labels.endpoint_id="{eid}"' in json.dumps(widget).replace('\\"', '"')
        if model.pattern == "batch":
            assert "Batch runs by outcome" in titles
        if model.pattern == "streaming":
            assert "Oldest unacknowledged event (s)" in titles and "Dead-lettered events" in titles


def test_latency_tile_shows_p50_and_p99_with_the_yaml_threshold(org_config):
    widget = sections(team_dashboard(org_config.team("ledger"), "prod"))["pay-scorer"][1]
    reducers = [
        d["timeSeriesQuery"]["timeSeriesFilter"]["aggregation"]["crossSeriesReducer"]
        for d in widget["xyChart"]["dataSets"]
    ]
    assert reducers == ["REDUCE_PERCENTILE_50", "REDUCE_PERCENTILE_99"]
    assert widget["xyChart"]["thresholds"][0]["value"] == 150


@pytest.mark.parametrize("team", ["ledger", "reach", "scout"])
def test_tiles_fit_the_grid_and_do_not_overlap(org_config, team):
    cells = set()
    for tile in tiles(team_dashboard(org_config.team(team), "prod")):
        assert tile["xPos"] + tile["width"] <= COLUMNS
        area = {
            (x, y)
            for x in range(tile["xPos"], tile["xPos"] + tile["width"])
            for y in range(tile["yPos"], tile["yPos"] + tile["height"])
        }
        assert not cells & area
        cells |= area


def test_platform_dashboard_covers_every_team_through_the_metrics_scope(org_stacks, org_config):
    stack = org_stacks["platform-prod"]
    body = json.loads(one(resources(stack, "google_monitoring_dashboard"))["dashboard_json"])
    assert body == json.loads(json.dumps(platform_dashboard(org_config.teams, "prod", scorecard=True)))
    assert body["displayName"] == "Platform — Model Operations Center"
    models_table = tiles(body)[0]["widget"]["text"]["content"]
    assert all(f"| {t.name} | {m.name} |" in models_table for t in org_config.teams for m in t.models)
    assert {
        "Predictions/s by endpoint",
        "Accuracy by model",
        "Worst feature drift (PSI) by model",
        "Failed workflow runs",
    } <= set(widget_titles(body))
    scope = resources(stack, "google_monitoring_monitored_project")
    assert {m["name"] for m in scope.values()} == {"orbit-ledger-prod", "orbit-reach-prod", "orbit-scout-prod"}
    assert {m["metrics_scope"] for m in scope.values()} == {"locations/global/metricsScopes/orbit-mlops-prod"}


def _filters(widget) -> list[str]:
    return [json.dumps(d["timeSeriesQuery"]) for d in widget["xyChart"]["dataSets"]]


def test_error_ratio_tiles_divide_4xx_and_5xx_responses_by_all_responses(org_config):
    widget = sections(team_dashboard(org_config.team("ledger"), "prod"))["pay-scorer"][2]
    ratio = widget["xyChart"]["dataSets"][0]["timeSeriesQuery"]["timeSeriesFilterRatio"]
    assert "prediction/online/response_count" in ratio["numerator"]["filter"]
    assert 'response_code=monitoring.regex.full_match("[45]..")' in ratio["numerator"]["filter"]
    assert ratio["denominator"]["filter"].endswith(
        'prediction/online/response_count" AND '
        f'resource.labels.endpoint_id="{names.endpoint_name("ledger", "pay-scorer", "prod")}"'
    )
    platform = platform_dashboard(org_config.teams, "prod")
    [tile] = [t["widget"] for t in tiles(platform) if t["widget"]["title"].startswith("Error ratio by endpoint")]
    text = json.dumps(tile)
    assert "error_count" not in text and "prediction_count" not in text and text.count("response_count") == 2


def test_streaming_tile_counts_successful_publish_requests_not_the_deprecated_metric(org_config):
    widgets = sections(team_dashboard(org_config.team("reach"), "prod"))["intent-propensity"]
    [publish] = [w for w in widgets if w["title"] == "Successful publish requests (per s)"]
    [query] = _filters(publish)
    assert "topic/send_request_count" in query and 'response_class=\\"success\\"' in query
    assert "send_message_operation_count" not in json.dumps(team_dashboard(org_config.team("reach"), "prod"))


@pytest.mark.parametrize("team", ["ledger", "reach", "scout"])
def test_every_chart_threshold_is_labelled_with_the_unit_of_its_queries(org_config, team):
    from metric_catalogue.thresholds import declared
    from modules.monitoring.dashboards import dataset_unit

    charts = [t["widget"] for t in tiles(team_dashboard(org_config.team(team), "prod")) if "xyChart" in t["widget"]]
    with_thresholds = [c for c in charts if c["xyChart"].get("thresholds")]
    assert with_thresholds
    for chart_ in with_thresholds:
        for threshold in chart_["xyChart"]["thresholds"]:
            [declaration] = declared(threshold["label"])
            assert declaration.value == threshold["value"]
            for data in chart_["xyChart"]["dataSets"]:
                assert declaration.unit == dataset_unit(data), chart_["title"]


def test_latency_threshold_is_in_milliseconds_like_prediction_latencies(org_config):
    widget = sections(team_dashboard(org_config.team("ledger"), "prod"))["pay-scorer"][1]
    assert widget["xyChart"]["thresholds"][0]["label"] == "limit [threshold: 150 ms]"
