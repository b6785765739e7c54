"""Load infra/platform.yaml and infra/teams/*.yaml into the typed model, or report every problem.

Order: parse each file (syntax), validate it against its JSON Schema, build typed objects
for files that passed, then check the rules a schema cannot express (cross-file and
derived-name rules). All problems from all files are raised together in ``ConfigInvalid``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from config import access_rules, names, patterns, quota, signals, suppression_rules
from config.errors import ConfigError, ConfigInvalid
from config.model import (
    DEFAULT_PRODUCTION_NAMES,
    AuthorizedNetwork,
    Ci,
    Config,
    ContainerDefaults,
    DefaultThresholds,
    Feature,
    Gke,
    Groups,
    Impact,
    Logging,
    Model,
    Monitoring,
    Namespace,
    NamespaceQuota,
    NotificationChannel,
    Organization,
    Platform,
    PlatformEnv,
    Serving,
    Source,
    Streaming,
    Suppression,
    Team,
    TeamEnv,
    Workload,
)
from config.schema import validate
from config.yaml_source import YamlDocument, display_path, format_path, load

PLATFORM_FILE = "platform.yaml"
TEAMS_DIR = "teams"


def load_config(
    config_dir: Path, *, rule_ids: Collection[str] | None = None, today: datetime.date | None = None
) -> Config:
    """The validated config under ``config_dir`` (usually ``infra/``); raises ConfigInvalid.

    With ``rule_ids`` (the policy catalogue) and ``today``, suppressions are also judged for unknown rules and
    expiry, so every config problem is reported at once: what `modelops validate` and `modelops check` do."""
    config_dir = Path(config_dir)
    errors: list[ConfigError] = []
    platform_file = config_dir / PLATFORM_FILE
    platform_doc = _load_checked(platform_file, "platform.schema.json", errors)
    team_docs = []
    teams_dir = config_dir / TEAMS_DIR
    team_files = sorted(teams_dir.glob("*.yaml")) + sorted(teams_dir.glob("*.yml")) if teams_dir.is_dir() else []
    for file in team_files:
        doc = _load_checked(file, "team.schema.json", errors)
        if doc is not None:
            team_docs.append(doc)
    if platform_doc is None and not platform_file.exists():
        errors.append(ConfigError(display_path(platform_file), None, "", "platform file not found"))
    platform = _platform(platform_doc) if platform_doc is not None else None
    defaults = platform.default_thresholds if platform is not None else DefaultThresholds()
    teams = [_team(doc, defaults) for doc in team_docs]
    if platform is not None and platform_doc is not None:
        errors += platform_rules(platform, platform_doc)
        errors += _suppression_rules(platform, platform_doc, rule_ids, today)
        errors += _approver_rules(platform, platform_doc, platform, people=set())
    errors += team_rules(platform, teams, team_docs, rule_ids, today)
    if errors or platform is None:  # no platform file is an error above
        raise ConfigInvalid(errors)
    return Config(root=config_dir, platform=platform, teams=tuple(sorted(teams, key=lambda t: t.name)))


def _load_checked(file: Path, schema: str, errors: list[ConfigError]) -> YamlDocument | None:
    if not file.exists():
        return None
    doc, problems = load(file)
    errors += problems
    if doc is None:
        return None
    problems = validate(doc, schema)
    errors += problems
    return None if problems else doc


# --- typed construction (input already schema-valid) -------------------------------------


def _src(doc: YamlDocument, *path: Any) -> Source:
    return Source(Path(display_path(doc.file)), doc.line(path) or 1)


def _channels(doc: YamlDocument, raw: dict[str, Any]) -> dict[str, NotificationChannel]:
    out = {}
    for key, spec in (raw or {}).items():
        settings = {k: str(v) for k, v in spec.items() if k not in ("type", "display_name")}
        out[key] = NotificationChannel(
            key=key,
            type=spec["type"],
            display_name=spec.get("display_name", key),
            settings=settings,
            source=_src(doc, "notification_channels", key),
        )
    return out


def _platform(doc: YamlDocument) -> Platform:
    """Fields the file leaves out take the dataclass defaults (config/model.py): only what is set is passed."""
    d = doc.data
    org = d["organization"]
    gke = d.get("gke", {})
    ci = d.get("ci")
    envs = {
        name: PlatformEnv(name=name, **{"production": name in DEFAULT_PRODUCTION_NAMES, **e})
        for name, e in d["environments"].items()
    }
    return Platform(
        name=d["name"],
        region=d["region"],
        organization=Organization(
            org["domain"],
            org.get("org_id"),
            org.get("folder_id"),
            org.get("customer_id"),
            org.get("guardrails_env", list(d["environments"])[-1]),
        ),
        environments=envs,
        notification_channels=_channels(doc, d.get("notification_channels")),
        oncall_channel=d.get("oncall_channel"),
        gke=Gke(
            **{
                "cluster_name": f"{d['name']}-gke",
                **gke,
                "master_authorized_networks": tuple(
                    AuthorizedNetwork(**n) for n in gke.get("master_authorized_networks", [])
                ),
            }
        ),
        ci=Ci(**ci) if ci else None,
        source=_src(doc),
        suppressions=_suppressions(doc, d.get("suppressions")),
        suppression_approvers=tuple(d.get("suppression_approvers", ())),
        default_thresholds=DefaultThresholds(**d.get("default_thresholds", {})),
        data_owners=d.get("data_owners"),
    )


def _suppressions(doc: YamlDocument, raw: list[dict[str, Any]] | None) -> tuple[Suppression, ...]:
    return tuple(Suppression(source=_src(doc, "suppressions", i), **s) for i, s in enumerate(raw or []))


def _feature(raw: Any) -> Feature:
    return Feature(name=raw) if isinstance(raw, str) else Feature(**raw)


def _model(doc: YamlDocument, index: int, m: dict[str, Any], defaults: DefaultThresholds) -> Model:
    mon = dict(m["monitoring"])
    optional: dict[str, Any] = {k: m[k] for k in ("task", "schedule", "time_zone") if k in m}
    if "serving" in m:
        optional["serving"] = Serving(**m["serving"])
    if "streaming" in m:
        streaming = dict(m["streaming"])
        if "scorer" in streaming:
            streaming["scorer"] = Workload(**streaming["scorer"])
        optional["streaming"] = Streaming(**streaming)
    # The task's threshold from platform.yaml when the file leaves it out (config/signals.py).
    task_threshold = signals.TASK_THRESHOLD[m.get("task", Model.task)]
    if task_threshold not in mon and getattr(defaults, task_threshold) is not None:
        mon[task_threshold] = getattr(defaults, task_threshold)
        optional["platform_defaults"] = (task_threshold,)
    return Model(
        name=m["name"],
        pattern=m["pattern"],
        description=m["description"],
        impact=Impact(**m["impact"]),
        monitoring=Monitoring(**{**mon, "features": tuple(_feature(f) for f in mon["features"])}),
        logging=Logging(**m["logging"]),
        source=_src(doc, "models", index),
        **optional,
    )


def _team(doc: YamlDocument, defaults: DefaultThresholds) -> Team:
    d = doc.data
    return Team(
        name=d["name"],
        display_name=d["display_name"],
        business_owner=d["business_owner"],
        groups=Groups(**d["groups"]),
        data_classification=d["data_classification"],
        environments={name: TeamEnv(name, e["project_id"]) for name, e in d["environments"].items()},
        notification_channels=_channels(doc, d.get("notification_channels")),
        models=tuple(_model(doc, i, m, defaults) for i, m in enumerate(d.get("models") or [])),
        suppressions=_suppressions(doc, d.get("suppressions")),
        source=_src(doc),
        access=access_rules.access(d.get("access"), lambda *path: _src(doc, *path)),
        namespace=_namespace(d.get("namespace") or {}),
    )


def _namespace(raw: dict[str, Any]) -> Namespace:
    return Namespace(
        quota=NamespaceQuota(**raw.get("quota", {})),
        container_defaults=ContainerDefaults(**raw.get("container_defaults", {})),
    )


# --- rules a schema cannot express --------------------------------------------------------


def _err(doc: YamlDocument, path: tuple[Any, ...], message: str) -> ConfigError:
    return ConfigError(display_path(doc.file), doc.line(path), format_path(path), message)


def _err_in(doc: YamlDocument) -> Callable[[tuple[Any, ...], str], ConfigError]:
    """``_err`` bound to one file (for rule modules that only know paths)."""
    return lambda path, message: _err(doc, path, message)


def platform_rules(platform: Platform, doc: YamlDocument) -> list[ConfigError]:
    errors = []
    if platform.oncall_channel and platform.oncall_channel not in platform.notification_channels:
        errors.append(
            _err(
                doc,
                ("oncall_channel",),
                f"unknown notification channel '{platform.oncall_channel}'; "
                f"expected one of: {', '.join(sorted(platform.notification_channels)) or '(none defined)'}",
            )
        )
    org = platform.organization
    if org.guardrails_env not in platform.environments:
        errors.append(
            _err(
                doc,
                ("organization", "guardrails_env"),
                f"unknown environment '{org.guardrails_env}'; expected one of: {', '.join(platform.environments)}",
            )
        )
    if (org.org_id or org.folder_id) and not org.customer_id:
        errors.append(
            _err(
                doc,
                ("organization",),
                "customer_id is required when org_id or folder_id is set "
                "(the allowed-member-domains guardrail restricts IAM to it)",
            )
        )
    label = names.label_value(platform.name)
    if len(label) > 63:
        errors.append(_err(doc, ("name",), "too long to be used as a label value (63 characters)"))
    if platform.ci is not None:
        for env in platform.environments.values():
            if not env.state_bucket:
                errors.append(
                    _err(
                        doc,
                        ("environments", env.name),
                        "state_bucket is required when `ci` deploys the platform: a CI runner's local "
                        "state is gone after the job, and the next apply would recreate everything",
                    )
                )
    errors += _secret_isolation_rules(platform.notification_channels, platform.environments, doc)
    projects: dict[str, str] = {}
    for env in platform.environments.values():
        if env.project_id in projects:
            errors.append(
                _err(
                    doc,
                    ("environments", env.name, "project_id"),
                    f"project '{env.project_id}' is already used by environment '{projects[env.project_id]}'",
                )
            )
        projects[env.project_id] = env.name
    return errors


def _secret_isolation_rules(
    channels: Mapping[str, NotificationChannel], environments: Mapping[str, Any], doc: YamlDocument
) -> list[ConfigError]:
    """A secret pinned to one environment's project would be read by every environment's stack."""
    if len(environments) < 2:
        return []
    env_of = {env.project_id: name for name, env in environments.items()}
    errors = []
    for key, channel in channels.items():
        for setting, ref in channel.settings.items():
            if setting.endswith("_secret") and ref.split("/")[1] in env_of:
                errors.append(
                    _err(
                        doc,
                        ("notification_channels", key, setting),
                        f"secret in the {env_of[ref.split('/')[1]]} project would be read by every "
                        f"environment's stack; write projects/{{project}}/... so each environment reads "
                        f"its own copy",
                    )
                )
    return errors


def team_rules(
    platform: Platform | None,
    teams: list[Team],
    docs: list[YamlDocument],
    rule_ids: Collection[str] | None = None,
    today: datetime.date | None = None,
) -> list[ConfigError]:
    errors: list[ConfigError] = []
    seen_names: dict[str, str] = {}
    platform_projects = {e.project_id: e.name for e in platform.environments.values()} if platform else {}
    for team, doc in zip(teams, docs, strict=True):
        stem = doc.file.stem
        if team.name != stem:
            errors.append(_err(doc, ("name",), f"must equal the file name '{stem}' (got '{team.name}')"))
        if team.name in seen_names:
            errors.append(_err(doc, ("name",), f"team '{team.name}' is already defined in {seen_names[team.name]}"))
        seen_names.setdefault(team.name, display_path(doc.file))
        if platform is not None and platform.gke.scorer_digest is None:
            for i, model in enumerate(team.models):
                if model.pattern == "streaming" and model.serving.image is not None:
                    errors.append(
                        _err(
                            doc,
                            ("models", i, "serving", "image"),
                            "a streaming model with an image runs the platform's scorer: set gke.scorer_digest "
                            "(sha256:<64 hex>) in platform.yaml",
                        )
                    )
        for i, model in enumerate(team.models):
            if model.serving.runtime == "gke" and model.pattern != "online":
                errors.append(
                    _err(
                        doc,
                        ("models", i, "serving", "runtime"),
                        f"`runtime: gke` is for online models (pattern '{model.pattern}' has its own serving)",
                    )
                )
        for env in team.environments.values():
            if platform is not None and env.name not in platform.environments:
                errors.append(
                    _err(
                        doc,
                        ("environments", env.name),
                        f"environment '{env.name}' is not defined in platform.yaml; "
                        f"expected one of: {', '.join(sorted(platform.environments))}",
                    )
                )
            if env.project_id in platform_projects:
                errors.append(
                    _err(
                        doc,
                        ("environments", env.name, "project_id"),
                        f"project '{env.project_id}' is the platform project of '{platform_projects[env.project_id]}'; "
                        "teams need their own projects",
                    )
                )
        errors += _model_rules(team, doc)
        errors += _quota_rules(team, doc)
        errors += _secret_isolation_rules(team.notification_channels, team.environments, doc)
        errors += _derived_name_rules(team, doc)
        errors += _suppression_rules(team, doc, rule_ids, today)
        errors += _people_and_group_rules(team, doc)
        errors += _classification_rules(team, doc)
        errors += access_rules.problems(team, platform, _err_in(doc))
        if platform is not None:
            errors += _task_threshold_rules(team, doc)
            errors += _approver_rules(team, doc, platform, people=_own_people(team))
    return errors


def _own_people(team: Team) -> set[str]:
    """The team's business owner, model owners and groups: who may never approve the team's exceptions."""
    return {
        team.business_owner.lower(),
        *(m.impact.owner.lower() for m in team.models),
        *(g.lower() for _, g in team.groups.items()),
    }


def _people(team: Team) -> dict[str, tuple[Any, ...]]:
    """Every person the team file names (address -> the first field naming them): owners and approvers."""
    out: dict[str, tuple[Any, ...]] = {}
    out.setdefault(team.business_owner.lower(), ("business_owner",))
    for i, model in enumerate(team.models):
        out.setdefault(model.impact.owner.lower(), ("models", i, "impact", "owner"))
    for i, s in enumerate(team.suppressions):
        out.setdefault(s.approved_by.lower(), ("suppressions", i, "approved_by"))
    return out


def _people_and_group_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    """A group address must not be a person's: the team stack grants it as `group:<address>`, which Google
    refuses for a user (or, worse, the person's address is a group nobody reviewed)."""
    people = _people(team)
    errors = []
    for kind, address in team.groups.items():
        where = people.get(address.lower())
        if where is not None:
            errors.append(
                _err(
                    doc,
                    ("groups", kind.value),
                    f"'{address}' is named as a person in this file ({format_path(where)}); groups.{kind.value} "
                    "must be a Google group (granted as group:...), distinct from every person",
                )
            )
    return errors


def _classification_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    """Personal data is never public: a `pii: true` feature needs internal or a stricter classification."""
    if team.data_classification != "public":
        return []
    errors = []
    for i, model in enumerate(team.models):
        raw = (doc.data.get("models") or [])[i]["monitoring"]["features"]
        for j, feature in enumerate(model.monitoring.features):
            if feature.pii:
                path = ("models", i, "monitoring", "features", j) + (("pii",) if isinstance(raw[j], dict) else ())
                errors.append(
                    _err(
                        doc,
                        path,
                        f"feature '{feature.name}' holds personal data (pii: true) but data_classification is "
                        "public; classify the team internal, confidential or restricted",
                    )
                )
    return errors


def _task_threshold_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    """Each model has the threshold of its task's signal (config/signals.py), from its file or platform.yaml."""
    errors = []
    for i, model in enumerate(team.models):
        field = signals.TASK_THRESHOLD[model.task]
        if getattr(model.monitoring, field) is None:
            errors.append(
                _err(
                    doc,
                    ("models", i, "monitoring"),
                    f"{model.task} models need monitoring.{field} (the alert and the model-card gate); set it "
                    f"here or default_thresholds.{field} in platform.yaml",
                )
            )
    return errors


def _approver_rules(
    owner: Team | Platform, doc: YamlDocument, platform: Platform, people: set[str]
) -> list[ConfigError]:
    """Exceptions are approved by the platform's approvers (platform.yaml), never by the team's own people."""
    allowed = {a.lower() for a in platform.suppression_approvers}
    errors = []
    for i, s in enumerate(owner.suppressions):
        approver = s.approved_by.lower()
        if approver in people:
            errors.append(
                _err(
                    doc,
                    ("suppressions", i, "approved_by"),
                    f"'{s.approved_by}' is one of this team's own people or groups; a team never approves its own "
                    "exceptions",
                )
            )
        elif approver not in allowed:
            listed = ", ".join(platform.suppression_approvers) or "none are listed"
            errors.append(
                _err(
                    doc,
                    ("suppressions", i, "approved_by"),
                    f"'{s.approved_by}' is not a suppression approver; platform.yaml suppression_approvers: {listed}",
                )
            )
    return errors


def _quota_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    """The team's cluster workloads at full scale within its namespace quota (config/quota.py); each problem at the
    quota field the file sets, else at the max_replicas of the model with the most pods."""
    found = quota.problems(team.models, team.namespace.quota)
    if not found:
        return []
    _, index = max((u.pods, i) for i, m in enumerate(team.models) if (u := quota.usage(m)) is not None)
    block = ("streaming", "scorer") if team.models[index].pattern == "streaming" else ("serving",)
    fallback = ("models", index, *block, "max_replicas")
    return [
        _err(doc, ("namespace", "quota", field) if ("namespace", "quota", field) in doc.lines else fallback, message)
        for field, message in found
    ]


def _model_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    errors = []
    seen: dict[str, int] = {}
    for i, model in enumerate(team.models):
        if model.name in seen:
            errors.append(
                _err(
                    doc, ("models", i, "name"), f"duplicate model name '{model.name}' (also models[{seen[model.name]}])"
                )
            )
        seen.setdefault(model.name, i)
        scorer = model.streaming.scorer
        if scorer.min_replicas > scorer.max_replicas:
            errors.append(
                _err(
                    doc,
                    ("models", i, "streaming", "scorer", "min_replicas"),
                    f"must not exceed max_replicas ({scorer.max_replicas})",
                )
            )
        for field in ("version", "artifact_uri"):
            if getattr(model.serving, field) is not None and model.serving.image is None:
                errors.append(
                    _err(
                        doc,
                        ("models", i, "serving", field),
                        "describes the deployed version: it goes with serving.image (`modelops deploy` writes all three)",
                    )
                )
        if model.serving.min_replicas > model.serving.max_replicas:
            errors.append(
                _err(
                    doc,
                    ("models", i, "serving", "min_replicas"),
                    f"must not exceed max_replicas ({model.serving.max_replicas})",
                )
            )
        if not patterns.pattern(model.pattern).scheduled and model.schedule is not None:
            scheduled = " and ".join(p.name for p in patterns.PATTERNS.values() if p.scheduled)
            errors.append(_err(doc, ("models", i, "schedule"), f"only {scheduled} models take a schedule"))
        features = [f.name for f in model.monitoring.features]
        for dup in sorted({f for f in features if features.count(f) > 1}):
            errors.append(_err(doc, ("models", i, "monitoring", "features"), f"duplicate feature '{dup}'"))
        if model.task == "regression" and model.monitoring.min_accuracy is not None:
            errors.append(
                _err(
                    doc,
                    ("models", i, "monitoring", "min_accuracy"),
                    "min_accuracy applies to classification; regression models use max_rmse",
                )
            )
        if model.task == "classification" and model.monitoring.max_rmse is not None:
            errors.append(
                _err(
                    doc,
                    ("models", i, "monitoring", "max_rmse"),
                    "max_rmse applies to regression; classification models use min_accuracy",
                )
            )
    return errors


def _derived_name_rules(team: Team, doc: YamlDocument) -> list[ConfigError]:
    errors = []
    for role in names.TEAM_SERVICE_ACCOUNTS:
        account = names.service_account_id(team.name, role)
        if not names.SERVICE_ACCOUNT_ID.match(account):
            errors.append(
                _err(
                    doc,
                    ("name",),
                    f"derived service account id '{account}' must be 6-30 characters "
                    "of [a-z0-9-]; choose a shorter team name",
                )
            )
    dataset = names.metadata_dataset_id(team.name)
    if not names.DATASET_ID.match(dataset):
        errors.append(_err(doc, ("name",), f"derived dataset id '{dataset}' is not a valid BigQuery dataset id"))
    for env in team.environments:
        ids: dict[str, str] = {}
        for i, model in enumerate(team.models):
            if not patterns.spec_of(model).lifecycle.endpoint:
                continue
            endpoint = names.endpoint_name(team.name, model.name, env)
            if endpoint in ids:
                errors.append(
                    _err(
                        doc,
                        ("models", i, "name"),
                        f"derived endpoint id {endpoint} in {env} collides with "
                        f"model '{ids[endpoint]}'; rename one of the models",
                    )
                )
            ids.setdefault(endpoint, model.name)
    label_sources: list[tuple[tuple[Any, ...], str]] = [
        (("name",), team.name),
        (("business_owner",), names.email_label(team.business_owner)),
    ]
    label_sources += [(("models", i, "name"), m.name) for i, m in enumerate(team.models)]
    label_sources += [
        (("models", i, "impact", "owner"), names.email_label(m.impact.owner)) for i, m in enumerate(team.models)
    ]
    for path, value in label_sources:
        if not names.LABEL_VALUE.match(value):
            errors.append(_err(doc, path, f"derived label value '{value}' must be at most 63 characters of [a-z0-9_-]"))
    return errors


def _suppression_rules(
    owner: Team | Platform, doc: YamlDocument, rule_ids: Collection[str] | None, today: datetime.date | None
) -> list[ConfigError]:
    """Real calendar dates always; known rules and expiry when the catalogue and a date are given."""
    return [
        _err(doc, ("suppressions", i, field), message)
        for i, s in enumerate(owner.suppressions)
        for field, message in suppression_rules.problems(s, rule_ids, today)
    ]
