"""`modelops new-team`: write infra/teams/<name>.yaml from a commented template that validates.

The file is rendered, validated together with the existing config in a scratch copy, and only
then written; an existing team file is never overwritten.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from config import patterns
from config.errors import ConfigError, ConfigInvalid
from config.loader import PLATFORM_FILE, TEAMS_DIR, load_config
from config.model import Serving, Streaming
from config.signals import signal_fields

# A starter model's accuracy floor when platform.yaml sets no default_thresholds.min_accuracy.
STARTER_MIN_ACCURACY = 0.7

TEAM_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")


@dataclass(frozen=True)
class NewTeam:
    name: str
    display_name: str
    business_owner: str
    groups_domain: str
    data_classification: str
    environments: dict[str, str]  # env -> project id
    patterns: tuple[str, ...]
    min_accuracy: float = STARTER_MIN_ACCURACY  # platform.yaml default_thresholds.min_accuracy when it sets one


def default_project(name: str, env: str, platform_name: str) -> str:
    """`<org prefix>-<team>-<env>` using the platform name's first segment as the org prefix."""
    prefix = platform_name.split("-", 1)[0]
    return f"{prefix}-{name}-{env}"[:30].rstrip("-")


def render(team: NewTeam, schema_ref: str) -> str:
    """The team file: every field commented so the owner knows what to change."""
    env_lines = "\n".join(f"  {env}:\n    project_id: {project}" for env, project in team.environments.items())
    models = "\n".join(_model_block(team, pattern) for pattern in team.patterns)
    return f"""# yaml-language-server: $schema={schema_ref}
# {team.display_name}: onboarded with `modelops new-team`. Open a pull request with this file;
# `modelops check` validates it, synthesizes your stacks and runs the governance policies.
name: {team.name}                       # must equal the file name
display_name: {team.display_name}
business_owner: {team.business_owner}   # accountable owner; approves models that use personal data
groups:                                 # Google groups, never individual users
  admins: {team.name}-admins@{team.groups_domain}
  developers: {team.name}-developers@{team.groups_domain}
  viewers: {team.name}-viewers@{team.groups_domain}
  sensitive_data_readers: {team.name}-pii-readers@{team.groups_domain}   # may read PII columns
# public | internal | confidential | restricted: the most sensitive data your models touch
data_classification: {team.data_classification}
environments:                           # one team project per platform environment
{env_lines}
notification_channels:                  # where your alerts go (email, slack, pagerduty, webhook)
  {team.name}-oncall:
    type: email
    address: {team.name}-oncall@{team.groups_domain}
models:
{models}
suppressions: []                        # exceptions to policies: rule, resource, reason, approved_by, expires
"""


# The blocks a pattern's own thresholds live in (config/patterns.py `signals`), with what each line says.
_SIGNAL_COMMENTS = {
    "serving.max_replicas": "replicas-at-max alert fires here",
    "streaming.max_oldest_unacked_seconds": "backlog-age alert",
    "streaming.max_delivery_attempts": "then the message goes to the dead-letter topic (alert)",
}
_SIGNAL_DEFAULTS = {"serving": Serving(), "streaming": Streaming()}


def _model_block(team: NewTeam, pattern: str) -> str:
    """A starter model with a threshold for every signal it has (config/signals.py): its pattern's starter
    thresholds (config/patterns.py), its task's and its pattern's own."""
    spec = patterns.pattern(pattern)
    d = spec.starter
    schedule = (
        '    schedule: "0 3 * * *"                # cron, in time_zone\n    time_zone: Etc/UTC\n'
        if spec.scheduled
        else ""
    )
    blocks: dict[str, list[str]] = {}
    for field in signal_fields(pattern, "classification"):
        block, name = field.split(".")
        if block in _SIGNAL_DEFAULTS:
            value = getattr(_SIGNAL_DEFAULTS[block], name)
            blocks.setdefault(block, []).append(
                f"      {name}: {value}  # {_SIGNAL_COMMENTS.get(field, 'alert threshold')}"
            )
    own = "".join(f"    {block}:\n" + "\n".join(lines) + "\n" for block, lines in blocks.items())
    return f"""  - name: {pattern}-model               # rename: lowercase letters, digits, hyphens
    pattern: {pattern}
    task: classification                # or regression (then max_rmse, in the target's unit, replaces min_accuracy)
    description: Describe what the model predicts and who uses it.
{schedule}    impact:
      kpi: the business KPI this model moves
      owner: {team.business_owner}
{own}    monitoring:                         # alert thresholds; tune them after a week of traffic
      latency_p99_ms: {d.latency_p99_ms}
      max_error_rate: {d.max_error_rate}
      min_predictions_per_hour: {d.min_predictions_per_hour}   # traffic-drop alert (also fires at zero)
      drift_threshold: 0.2              # population stability index per feature
      max_missing_feature_ratio: 0.05
      min_accuracy: {team.min_accuracy}                 # accuracy alert and model-card gate
      features: [feature_a, feature_b]  # mark personal data with {{name: x, type: STRING, pii: true}}
    logging:
      sample_rate: {d.sample_rate}                  # share of requests kept for audit (prediction history)
      retention_days: {d.retention_days}"""


def create(config_dir: Path, team: NewTeam) -> Path:
    """Validate the rendered file with the rest of the config, then write it; raise ConfigInvalid."""
    target = config_dir / TEAMS_DIR / f"{team.name}.yaml"
    problems = []
    if not TEAM_NAME.match(team.name):
        problems.append(
            ConfigError(
                str(target), None, "name", f"'{team.name}' is not a valid team name: must match {TEAM_NAME.pattern}"
            )
        )
    elif target.exists():
        problems.append(ConfigError(str(target), None, "", "already exists; refusing to overwrite a team file"))
    if problems:
        raise ConfigInvalid(problems)
    text = render(team, "../../policies/schemas/team.schema.json")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch)
        shutil.copy(config_dir / PLATFORM_FILE, copy / PLATFORM_FILE)
        shutil.copytree(config_dir / TEAMS_DIR, copy / TEAMS_DIR)
        (copy / TEAMS_DIR / target.name).write_text(text)
        try:
            load_config(copy)
        except ConfigInvalid as exc:  # report against the real paths, not the scratch copy
            raise ConfigInvalid(
                [ConfigError(e.file.replace(str(copy), str(config_dir)), e.line, e.path, e.message) for e in exc.errors]
            ) from None
    target.write_text(text)
    return target
