"""The config contract: the example is valid; every kind of bad input is reported as file:line: path: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigInvalid
from config.loader import load_config
from tests.helpers import ORG


def problems(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigInvalid) as exc:
        load_config(config_dir)
    return [str(e) for e in exc.value.errors]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_example_config_is_valid_with_three_teams_both_envs_and_all_patterns(org_config):
    assert len(org_config.teams) >= 3
    assert set(org_config.platform.environments) == {"dev", "prod"}
    assert {m.pattern for t in org_config.teams for m in t.models} == {"online", "batch", "streaming"}
    assert all(set(t.environments) == {"dev", "prod"} for t in org_config.teams)


def test_models_remember_their_yaml_line(org_config):
    ledger = org_config.team("ledger")
    model = ledger.model("refund-forecast")
    file = ORG / "teams" / "ledger.yaml"
    assert model.source.file.name == "ledger.yaml"
    assert file.read_text().splitlines()[model.source.line - 1].strip() == "- name: refund-forecast"


def test_every_yaml_file_points_editors_at_its_schema():
    for path in [ORG / "platform.yaml", *sorted((ORG / "teams").glob("*.yaml"))]:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith(".schema.json"), path
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.exists(), f"{path}: schema reference {schema} does not exist"


def test_out_of_range_threshold_is_reported_with_file_line_and_path(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, "latency_p99_ms: 3600000", "latency_p99_ms: 0")
    line = line_of(team, "latency_p99_ms: 0 ")
    assert problems(org_copy) == [f"{team}:{line}: models[1].monitoring.latency_p99_ms: must be greater than 0"]


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("pattern: batch", "pattern: bach", "models[1].pattern: must be one of: online, batch, streaming (got 'bach')"),
        ("data_classification: restricted", "data_classification: secret", "data_classification: must be one of"),
        (
            "  admins: ledger-admins@orbit.example",
            "  admins: not-an-email",
            "groups.admins: 'not-an-email' is not valid",
        ),
        (
            "      sample_rate: 1.0\n      retention_days: 730",
            "      sample_rate: 1.5\n      retention_days: 730",
            "models[0].logging.sample_rate: must be at most 1",
        ),
        ("    task: regression", "    task: regression\n    colour: red", "models[1].colour: unknown field 'colour'"),
        (
            "      min_replicas: 2",
            "      min_replicas: two",
            "models[0].serving.min_replicas: must be an integer, got str 'two'",
        ),
        ('    schedule: "0 3 * * *"\n', "", "models[1]: missing required field 'schedule'"),
        ("name: ledger", "name: Fraud", "name: 'Fraud' is not valid: must match"),
        (
            "      features: [merchant_id_hash, weekly_volume, dispute_rate]",
            "      features: []",
            "models[1].monitoring.features: must have at least 1 item(s)",
        ),
        # `request_id` is the feature contract's id field (docs/monitoring.md), not a feature.
        (
            "      features: [merchant_id_hash, weekly_volume, dispute_rate]",
            "      features: [request_id, weekly_volume, dispute_rate]",
            "models[1].monitoring.features[0]: 'request_id' is a reserved name",
        ),
        (
            "        - {name: card_country, type: STRING}",
            "        - {name: scoring_date, type: STRING}",
            "models[0].monitoring.features[2].name: 'scoring_date' is a reserved name",
        ),
    ],
)
def test_schema_rejections_name_the_field(org_copy, old, new, expected):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, old, new)
    found = problems(org_copy)
    assert any(expected in p and p.startswith(f"{team}:") for p in found), found


def test_every_problem_in_every_file_is_reported_at_once(org_copy):
    edit(org_copy / "teams" / "ledger.yaml", "latency_p99_ms: 150", "latency_p99_ms: -1")
    edit(org_copy / "teams" / "ledger.yaml", "max_error_rate: 0.02", "max_error_rate: 2")
    edit(org_copy / "teams" / "reach.yaml", "pattern: streaming", "pattern: kafka")
    edit(org_copy / "platform.yaml", "region: europe-west4", "region: 42")
    found = problems(org_copy)
    assert len(found) == 4, found
    assert {p.split(":")[0].rsplit("/", 1)[-1] for p in found} == {"ledger.yaml", "reach.yaml", "platform.yaml"}


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "file is empty"),
        (b"- just\n- a list\n", "1: expected a mapping of fields at the top level"),
        (b"name: [unclosed\n", "invalid YAML"),
        (b"name: caf\xe9\n", "1: file is not valid UTF-8 text"),
        (b"name: a\nname: b\n", "2: name: duplicate key"),
    ],
)
def test_unreadable_team_files_are_reported_without_traceback(org_copy, content, expected):
    bad = org_copy / "teams" / "broken.yaml"
    bad.write_bytes(content)
    found = problems(org_copy)
    assert any(p.startswith(f"{bad}") and expected in p for p in found), found


def test_file_stem_must_equal_team_name(org_copy):
    (org_copy / "teams" / "ledger.yaml").rename(org_copy / "teams" / "risk.yaml")
    found = problems(org_copy)
    assert any("risk.yaml:2: name: must equal the file name 'risk' (got 'ledger')" in p for p in found), found


def test_team_names_are_unique_across_files(org_copy):
    text = (org_copy / "teams" / "ledger.yaml").read_text()
    (org_copy / "teams" / "ledger.yml").write_text(text)
    found = problems(org_copy)
    assert any("ledger.yml:2: name: team 'ledger' is already defined in" in p for p in found), found


def test_model_names_are_unique_within_a_team(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, "- name: refund-forecast", "- name: pay-scorer")
    found = problems(org_copy)
    assert any("models[1].name: duplicate model name 'pay-scorer' (also models[0])" in p for p in found), found


def test_team_environments_must_exist_on_the_platform(org_copy):
    team = org_copy / "teams" / "scout.yaml"
    edit(team, "  prod:\n    project_id: orbit-scout-prod", "  staging:\n    project_id: orbit-scout-stg")
    found = problems(org_copy)
    assert any(
        f"{team}:{line_of(team, 'staging:')}: environments.staging: environment 'staging' is not defined in platform.yaml"
        in p
        for p in found
    ), found


def test_derived_service_account_ids_must_fit_google_limits():
    # The schema's 21-character team names always derive valid ids; the derived rule itself
    # guards against schema changes, so test it directly at its boundary.
    from config import names

    assert names.SERVICE_ACCOUNT_ID.match(names.service_account_id("a" * 21, "pipeline"))
    assert not names.SERVICE_ACCOUNT_ID.match(names.service_account_id("a" * 22, "pipeline"))


def test_derived_label_values_must_fit(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    long_owner = "a" * 60 + "@orbit.example"
    edit(team, "business_owner: kim.berg@orbit.example", f"business_owner: {long_owner}")
    found = problems(org_copy)
    assert any("business_owner: derived label value" in p and "63 characters" in p for p in found), found


def test_batch_only_fields_are_refused_on_other_patterns(org_copy):
    team = org_copy / "teams" / "reach.yaml"
    edit(team, "    pattern: streaming", '    pattern: streaming\n    schedule: "0 * * * *"')
    assert any("models[1].schedule: only batch models take a schedule" in p for p in problems(org_copy))


def test_oncall_channel_must_be_defined(org_copy):
    edit(org_copy / "platform.yaml", "oncall_channel: platform-oncall", "oncall_channel: nobody")
    assert any("oncall_channel: unknown notification channel 'nobody'" in p for p in problems(org_copy))


def test_notification_channel_secrets_are_references_not_values(org_copy):
    edit(
        org_copy / "platform.yaml",
        "service_key_secret: projects/{project}/secrets/pagerduty-service-key/versions/latest",
        "service_key_secret: s3cr3t-value",
    )
    assert any("notification_channels.platform-oncall.service_key_secret" in p for p in problems(org_copy))


def test_missing_platform_file_is_reported(org_copy):
    (org_copy / "platform.yaml").unlink()
    assert any("platform.yaml: platform file not found" in p for p in problems(org_copy))


def test_every_missing_required_field_is_named(org_copy):
    team = org_copy / "teams" / "scout.yaml"
    edit(team, "display_name: Scout Relevance\n", "")
    edit(team, "business_owner: eva.novak@orbit.example\n", "")
    found = problems(org_copy)
    assert any("missing required field 'display_name'" in p for p in found), found
    assert any("missing required field 'business_owner'" in p for p in found), found


def test_ci_deploys_need_a_state_bucket_in_every_environment(org_copy):
    """A CI runner's local state is gone after the job: the next apply would recreate everything."""
    platform = org_copy / "platform.yaml"
    edit(platform, "    state_bucket: orbit-mlops-tfstate-dev\n", "")
    (found,) = problems(org_copy)
    assert found.startswith(f"{platform}:{line_of(platform, '  dev:')}: environments.dev: state_bucket is required")


def test_a_secret_pinned_to_one_environments_project_is_refused(org_copy):
    """dev stacks would read prod's PagerDuty key; `projects/{project}/...` keeps each environment's own."""
    platform = org_copy / "platform.yaml"
    edit(
        platform,
        "projects/{project}/secrets/pagerduty-service-key",
        "projects/orbit-mlops-prod/secrets/pagerduty-service-key",
    )
    team = org_copy / "teams" / "reach.yaml"
    edit(team, "projects/{project}/secrets/slack-token", "projects/orbit-reach-dev/secrets/slack-token")
    found = problems(org_copy)
    assert len(found) == 2
    assert found[0].startswith(
        f"{platform}:{line_of(platform, 'service_key_secret')}: "
        "notification_channels.platform-oncall.service_key_secret: secret in the prod project"
    )
    assert found[1].startswith(
        f"{team}:{line_of(team, 'auth_token_secret')}: "
        "notification_channels.reach-slack.auth_token_secret: secret in the dev project"
    )


def test_same_environment_secrets_resolve_to_each_stacks_own_project(org_stacks):

    for env in ("dev", "prod"):
        platform = org_stacks[f"platform-{env}"]["ephemeral"]["google_secret_manager_secret_version"]
        assert {s["project"] for s in platform.values()} == {f"orbit-mlops-{env}"}
        team = org_stacks[f"team-reach-{env}"]["ephemeral"]["google_secret_manager_secret_version"]
        # the team's Slack token from the team project; the on-call copy's key from the platform project
        assert sorted(s["project"] for s in team.values()) == [f"orbit-mlops-{env}", f"orbit-reach-{env}"]


def test_an_unquoted_date_where_a_string_belongs_says_so_in_yaml_terms(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    team.write_text(team.read_text().replace("display_name: Ledger Risk", "display_name: 2024-01-01"))
    with pytest.raises(ConfigInvalid) as raised:
        load_config(org_copy)
    [error] = raised.value.errors
    assert (error.path, error.line) == ("display_name", 3)
    assert error.message == "must be a string, got the date 2024-01-01 (quote it to make it a string)"
