"""Every model of a team in one environment: its serving pattern, its alerts, the team's Model
Operations Center dashboard and the daily quality workflow. Also the platform-wide dashboard.

Called from the stacks with everything passed explicitly (the team stack and the platform
stack of the same environment), so it does not depend on what the stacks keep as attributes
beyond `team`, `env_name`, `project`, `region`, `service_accounts`, `agent_keys`, `metadata`,
`column_security`, `channels` (team stack) and `platform`, `keys` (platform stack).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config import names, patterns
from config.model import Config, NotificationChannel, Team
from config.names import AccountKind
from config.patterns import DatasetWrite
from modules.monitoring.alerts import AlertFactory
from modules.monitoring.dashboards import Dashboard, MetricsScope, platform_dashboard
from modules.monitoring.metrics import CustomMetricDescriptors
from modules.monitoring.platform_metrics import PlatformMetricsInScope
from modules.monitoring.quality_alerts import quality_alert_specs
from modules.notification_channels import NotificationChannels
from modules.principal import Principal
from modules.quality import tables
from modules.quality.baseline import FeatureBaselineTable
from modules.quality.workflow import QualityWorkflow
from modules.serving import ModelContext, construct_for, team_dashboard
from modules.team_iam import TABLE_APPENDER

if TYPE_CHECKING:
    from stacks.platform import PlatformStack


@dataclass
class ModelsBuild:
    """What add_models created, for tests and for the stack to expose."""

    patterns: dict[str, object] = field(default_factory=dict)
    alerts: AlertFactory | None = None
    dashboard: Dashboard | None = None
    quality: QualityWorkflow | None = None
    platform_metrics: PlatformMetricsInScope | None = None  # when a model alerts on the cluster's series


def _alert_channels(stack, team: Team, project: str) -> list[str]:
    """The team's channels; a team that declared none is alerted through its admins group by e-mail."""
    if team.notification_channels:
        return stack.channels.ids(*sorted(team.notification_channels))
    fallback = NotificationChannel(
        key="team-admins",
        type="email",
        display_name=f"{team.display_name} admins",
        settings={"address": team.groups.admins},
        source=team.source,
    )
    return NotificationChannels(stack, "default-channels", channels={"team-admins": fallback}, project=project).all_ids


def _oncall_channels(stack, platform_stack, project: str) -> list[str]:
    """A copy of the platform on-call channel in the team project: policies notify only same-project channels."""
    platform = platform_stack.platform
    key = platform.oncall_channel
    if not key:
        return []
    # `{project}` in its secret reference means the platform project of this environment.
    return NotificationChannels(
        stack,
        "platform-oncall",
        channels={key: platform.notification_channels[key]},
        project=project,
        secret_project=platform_stack.project,
    ).all_ids


def _dataset_write(stack, write: DatasetWrite):
    """The team-level grant on the metadata dataset that a pattern's ``DatasetWrite`` stands for."""
    if write is DatasetWrite.VERTEX_AGENT_CREATES_TABLES:
        # Dataset-wide on purpose: Vertex AI *creates* its tables (request_log_<model> on the first
        # logged request, predictions_<timestamp> per batch job), and a table grant needs the table.
        return stack.metadata.grant_write(stack.agent_keys.principal("vertex"))
    if write is DatasetWrite.SERVING_APPENDS_HISTORY:
        # The scoring service only appends to prediction_history (tabledata.insertAll needs
        # bigquery.tables.updateData and bigquery.tables.get, https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery):
        # the custom appender role, not dataEditor, which would also let it read the history's personal data.
        # (The Pub/Sub agent gets write on each model's archive table, in the streaming construct.)
        scorer = Principal(stack.service_accounts.member(AccountKind.SERVING), "streaming-scorer")
        return stack.metadata.grant_table_append(
            scorer, tables.PREDICTION_HISTORY, role=stack.iam.role_name(TABLE_APPENDER)
        )
    raise ValueError(f"no grant for dataset write {write!r}")


def add_models(stack, platform_stack) -> ModelsBuild:
    """Build every model of ``stack.team`` inside the team stack (construct id = model name)."""
    team: Team = stack.team
    build = ModelsBuild()
    if not team.models:
        return build
    env, project, region = stack.env_name, stack.project, stack.region
    accounts = {role: stack.service_accounts.email(role) for role in names.TEAM_SERVICE_ACCOUNTS}

    # Project roles of the pipeline account come from TeamIam (modules/team_iam.py, TEAM_GRANTS);
    # key grants for the project's service agents from the platform stack (modules/team_platform_access.py).
    agents = stack.agent_keys
    dataset_grants = [_dataset_write(stack, write) for write in patterns.dataset_writes(team)]

    team_labels = {"team": team.name, "env": env, "data_class": team.data_classification}
    baseline = FeatureBaselineTable(stack, "feature-baseline", dataset=stack.metadata, labels=team_labels)
    descriptors = CustomMetricDescriptors(stack, "custom-metrics", project=project)
    build.dashboard = Dashboard(stack, "dashboard", project=project, body=team_dashboard(team, env))
    ci = platform_stack.platform.ci
    build.alerts = AlertFactory.for_team(
        team,
        env=env,
        project=project,
        channel_ids=_alert_channels(stack, team, project),
        oncall_channel_ids=_oncall_channels(stack, platform_stack, project),
        dashboard_url=build.dashboard.url,
        repository=ci.repository if ci else None,
        branch=ci.branch if ci else "main",
    )
    for model in team.models:
        construct = construct_for(model)
        keys = {service: platform_stack.keys.key(service).id for service in construct.spec.key_services}
        ctx = ModelContext(
            team=team,
            model=model,
            env=env,
            project=project,
            region=region,
            dataset=stack.metadata,
            keys=keys,
            service_accounts=accounts,
            agents=agents,
            dataset_grants=tuple(dataset_grants),
            pii_policy_tag=stack.column_security.pii_tag,
            namespace=stack.namespace,
            image_prefix=platform_stack.artifact_registry.image_prefix,
            scorer_digest=platform_stack.platform.gke.scorer_digest,
        )
        pattern = construct(stack, model.name, ctx=ctx)
        for spec in pattern.alert_specs() + quality_alert_specs(team.name, model):
            # A filter on a custom metric type that is not declared yet is rejected.
            custom = any("custom.googleapis.com/" in str(c) for c in spec.conditions)
            needs: list = list(descriptors.descriptors.values()) if custom else []
            if any("condition_prometheus_query_language" in c for c in spec.conditions):
                # Managed Prometheus series of the shared cluster live in the platform project.
                if build.platform_metrics is None:
                    build.platform_metrics = PlatformMetricsInScope(
                        stack, "platform-metrics", team_project=project, platform_project=platform_stack.project
                    )
                needs.append(build.platform_metrics.link)
            build.alerts.create(pattern, spec, model.name, depends_on=needs)
        build.patterns[model.name] = pattern
    build.quality = QualityWorkflow(
        stack,
        "model-quality",
        team=team.name,
        project=project,
        region=region,
        dataset_id=names.metadata_dataset_id(team.name),
        models=team.models,
        service_account=accounts[AccountKind.PIPELINE],
        kms_key_id=platform_stack.keys.key(patterns.QUALITY_WORKFLOW_KEY).id,
        labels=team_labels,
        depends_on=[
            stack.metadata.dataset,
            baseline.table,
            agents.key_grant(patterns.QUALITY_WORKFLOW_KEY),
            *dataset_grants,
        ],
    )
    return build


def add_platform_monitoring(platform_stack: PlatformStack, config: Config, env: str) -> Dashboard | None:
    """The platform-wide Model Operations Center, with every team project of ``env`` in its metrics scope.

    Built from the whole config (not the synth selection) so the platform stack is the same
    whichever team stacks a run builds.
    """
    teams = [t for t in config.teams if env in t.environments and t.models]
    if not teams:
        return None
    MetricsScope(
        platform_stack,
        "metrics-scope",
        host_project=platform_stack.project,
        projects=[t.environments[env].project_id for t in teams],
    )
    return Dashboard(
        platform_stack,
        "model-operations-center",
        project=platform_stack.project,
        body=platform_dashboard(teams, env, scorecard=config.platform.is_production(env)),
    )
