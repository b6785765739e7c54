"""The scorecard job in the platform stack of a production environment, and the team stacks' reads for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import names
from config.errors import ConfigError, ConfigInvalid
from config.model import Config
from modules.monitoring.dashboards import Dashboard
from modules.principal import Principal
from modules.scorecard import catalogue
from modules.scorecard.job import ScorecardJob, scorecard_workflow, source_size_problem
from modules.scorecard.run_alerts import ScorecardRunAlerts
from modules.scorecard.usage_alerts import UsageDropAlerts

if TYPE_CHECKING:
    from stacks.platform import PlatformStack
    from stacks.team import TeamStack


def scorecard_account_email(platform_project: str) -> str:
    return f"{names.SCORECARD_ACCOUNT}@{platform_project}.iam.gserviceaccount.com"


def add_scorecard(
    platform_stack: PlatformStack, config: Config, env: str, dashboard: Dashboard | None = None
) -> ScorecardJob | None:
    """Production environments only: the scorecard counts what reached production. With the job, the
    usage-drop alerts to each team's business owner (``dashboard``: the Model Operations Center they link)."""
    if not config.platform.is_production(env):
        return None
    sources, models = catalogue.sources(config, env), catalogue.models(config)
    problem = source_size_problem(scorecard_workflow(sources=sources, models=models, location=config.platform.region))
    if problem:
        where = config.platform.source
        raise ConfigInvalid([ConfigError(str(where.file), where.line, f"environments.{env}", problem)])
    job = ScorecardJob(
        platform_stack,
        "scorecard",
        sources=sources,
        models=models,
        project=platform_stack.project,
        region=platform_stack.region,
        governance=platform_stack.governance,
        kms_key_id=platform_stack.keys.key("workflows").id,
        depends_on=[platform_stack.agent_keys.grants["workflows"]],
    )
    ci = getattr(platform_stack, "ci", None)
    if ci is not None:
        # Creating a workflow or scheduler job that runs as the account checks actAs on it.
        act_as = ci.let_applier_act_as(job.account.id, id="scorecard")
        if act_as is not None:
            job.workflow.node.add_dependency(act_as)
            job.schedule.node.add_dependency(act_as)
    platform_stack.scorecard = job
    teams = [t for t in config.teams if env in t.environments and t.models]
    oncall = config.platform.oncall_channel
    ci_config = config.platform.ci
    platform_stack.scorecard_alerts = ScorecardRunAlerts(
        platform_stack,
        "scorecard-alerts",
        env=env,
        project=platform_stack.project,
        channel_ids=platform_stack.channels.ids(oncall) if oncall else platform_stack.channels.all_ids,
        dashboard_url=dashboard.url if dashboard else "",
        repository=ci_config.repository if ci_config else None,
        branch=ci_config.branch if ci_config else "main",
    )
    platform_stack.usage_drop_alerts = UsageDropAlerts(
        platform_stack,
        "usage-drop",
        teams=teams,
        env=env,
        project=platform_stack.project,
        oncall_channel_ids=platform_stack.channels.ids(oncall) if oncall else [],
        dashboard_url=dashboard.url if dashboard else "",
        repository=ci_config.repository if ci_config else None,
        branch=ci_config.branch if ci_config else "main",
        # A filter on a custom metric type that is not declared yet is rejected.
        depends_on=list(job.descriptors.descriptors.values()),
    )
    return job


def grant_scorecard_reads(team_stack: TeamStack, env: str, platform_project: str) -> None:
    """The scorecard account reads the team's usage, quality and drift tables (table by table, no pii column)."""
    if not team_stack.platform.platform.is_production(env) or not team_stack.team.models:
        return
    reader = Principal.service_account(scorecard_account_email(platform_project), "scorecard")
    team_stack.metadata.grant_tables_read(reader, only=names.SUMMARY_TABLES)
