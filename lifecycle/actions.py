"""register, deploy, promote, rollback: each reads what it needs, acts, and writes one audit event.

Registry state lives in version aliases, so no local state file is needed:
``candidate`` = the latest registered version, ``champion`` = the version serving 100%,
``previous-champion`` = what ``rollback`` returns to. Aliases are unique within a model, so an
alias is always removed from its old holder before it is added to the new one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from lifecycle import audit
from lifecycle.card import ModelCard
from lifecycle.context import LifecycleError, Target, caller, credentials
from lifecycle.monitoring import monitoring_config
from lifecycle.vertex import DryRunVertex, EndpointState, LiveVertex, ModelVersion, Placeholder, Recorder
from stacks import names
from stacks.config import Config, Model, Team

CANDIDATE, CHAMPION, PREVIOUS = "candidate", "champion", "previous-champion"
CANARY_PERCENT = 10


@dataclass
class Outcome:
    action: str
    target: Target
    requests: list[dict[str, Any]]
    audit_event: dict[str, Any]
    result: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "dry_run": self.target.dry_run, "requests": self.requests,
                "result": self.result, "audit_log": audit.log_path(self.target), "audit_event": self.audit_event,
                "notes": self.notes}


Body = Callable[[DryRunVertex, dict[str, Any], list[str]], None]


def run(action: str, target: Target, team: Team, model: Model, card: ModelCard | None, body: Body) -> Outcome:
    """Run ``body`` against Vertex (or a dry run), then write the audit event; failures are audited too."""
    recorder = Recorder()
    creds = None
    if target.dry_run:
        vertex: DryRunVertex = DryRunVertex(recorder)
    else:
        creds = credentials(target)
        vertex = LiveVertex(recorder, project=target.project, location=target.region, credentials=creds,
                            api_endpoint=target.api_endpoint, monitoring_endpoint=target.monitoring_endpoint)
    result: dict[str, Any] = {}
    notes: list[str] = []
    who = caller(creds)
    raw_card = dict(card.raw) if card else None
    try:
        body(vertex, result, notes)
    except Exception as exc:
        if not target.dry_run:
            failed = audit.event(action, target=target, team=team.name, model=model.name, caller=who, card=raw_card,
                                 result=result, outcome="failed", error=f"{type(exc).__name__}: {exc}")
            audit.write(failed, target, creds)
        raise
    event = audit.event(action, target=target, team=team.name, model=model.name, caller=who, card=raw_card,
                        result=result)
    if not target.dry_run:
        audit.write(event, target, creds)
    if target.dry_run:
        notes.insert(0, "dry run: nothing was sent; values in <...> are resolved by the reads listed before them")
    return Outcome(action, target, recorder.requests, event, result, notes)


def model_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/models/{names.vertex_model_id(team.name, model.name)}"


def endpoint_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/endpoints/{names.endpoint_name(team.name, model.name, target.env)}"


# --- register -------------------------------------------------------------------------------

def registry_labels(card: ModelCard, team: Team, env: str) -> dict[str, str]:
    labels = {
        "team": team.name,
        "model": card.model,
        "env": env,
        "card_version": names.label_value(card.version),
        "train_code_sha": card.training_code.commit,
        "serve_code_sha": card.prediction_code.commit,
        # A label holds 63 characters: the lock file's sha256 prefix; the full hash is in the description.
        "deps_sha": card.lock_sha256[:40],
        "data_class": card.data_classification,
        "personal_data": "yes" if card.personal_data else "no",
        "business_owner": names.email_label(team.business_owner),
        "managed-by": names.MANAGED_BY,
    }
    bad = [f"{k}={v!r}" for k, v in labels.items() if not (names.LABEL_KEY.match(k) and names.LABEL_VALUE.match(v))]
    if bad:
        raise LifecycleError(f"registry labels break the label rules (63 chars of [a-z0-9_-]): {', '.join(bad)}")
    return labels


def version_description(card: ModelCard) -> str:
    data = "; ".join(f"{d.uri} @ {d.snapshot}" for d in card.training_data)
    frameworks = ", ".join(f"{k}=={v}" for k, v in sorted(card.frameworks.items()))
    metrics = ", ".join(f"{k}={v:g}" for k, v in sorted(card.metrics.items()))
    return (f"card {card.version}. Training data: {data}. "
            f"Training code: {card.training_code.repo}@{card.training_code.commit}. "
            f"Prediction code: {card.prediction_code.repo}@{card.prediction_code.commit}. "
            f"Dependencies: {card.lock_file} sha256:{card.lock_sha256}; {frameworks}. "
            f"Evaluation on {card.evaluation_dataset.uri} @ {card.evaluation_dataset.snapshot}: {metrics}. "
            f"Data classification: {card.data_classification}; personal data: "
            f"{', '.join(card.personal_data_categories) if card.personal_data else 'none'}.")


def register(config: Config, target: Target, card: ModelCard) -> Outcome:
    team = config.team(card.team)
    model = team.model(card.model)
    labels = registry_labels(card, team, target.env)
    resource = model_resource(target, team, model)
    model_id = names.vertex_model_id(team.name, model.name)

    def body(vx: DryRunVertex, result: dict[str, Any], notes: list[str]) -> None:
        existing = vx.get_model(resource)
        args: dict[str, Any] = {
            "project": target.project, "location": target.region,
            "display_name": model_id,
            "description": f"{model.description} Intended use: {card.intended_use}",
            "version_description": version_description(card),
            "artifact_uri": card.artifact_uri,
            "serving_container_image_uri": card.serving_image,
            "labels": labels,
            "version_aliases": [CANDIDATE],
            # The first version is the default one; later versions leave `default` where it is.
            "is_default_version": existing is None,
        }
        if existing is None:
            args["model_id"] = model_id
        elif isinstance(existing, Placeholder):
            args["parent_model"] = Placeholder(f"{resource} if it exists, else model_id={model_id}")
            args["is_default_version"] = Placeholder("true only for the first version")
        else:
            args["parent_model"] = resource
            holder = vx.get_model(resource, CANDIDATE)
            if holder is not None:
                vx.merge_aliases(resource, holder.version_id, [f"-{CANDIDATE}"])
        if isinstance(existing, Placeholder):
            holder = vx.get_model(resource, CANDIDATE)
            vx.merge_aliases(resource, holder.version_id, [f"-{CANDIDATE}"])
        version = vx.upload(resource, **args)
        result.update(model=version.resource, version_id=version.version_id, versioned_name=version.versioned,
                      aliases=list(version.aliases), labels=labels, first_version=existing is None)

    return run("register", target, team, model, card, body)


# --- deploy ---------------------------------------------------------------------------------

def _online(team: Team, model: Model, action: str) -> None:
    if model.pattern != "online":
        raise LifecycleError(
            f"{team.name}/{model.name} is a {model.pattern} model ({model.source}): it has no endpoint to {action}; "
            f"its {'batch prediction job' if model.pattern == 'batch' else 'streaming scorer'} uses "
            f"{names.vertex_model_id(team.name, model.name)}@{CHAMPION}, which `modelops promote` moves")


def _version(vx: DryRunVertex, resource: str, ref: str) -> ModelVersion:
    version = vx.get_model(resource, ref)
    if version is None:
        raise LifecycleError(f"{resource}@{ref} is not in the model registry (register it first: modelops register CARD)")
    return version


def _endpoint(vx: DryRunVertex, resource: str, team: Team, env: str) -> EndpointState:
    endpoint = vx.get_endpoint(resource)
    if endpoint is None:
        raise LifecycleError(f"endpoint {resource} does not exist; it is created by the team stack "
                             f"(cdktn deploy {names.team_stack(team.name, env)})")
    return endpoint


def resolve_channels(vx: DryRunVertex, team: Team, target: Target, explicit: list[str]) -> list[str]:
    """Channel resource names for monitoring alerts. Terraform creates the channels with the
    display names from the team YAML; their numeric ids exist only after apply, so they are
    looked up at run time (or passed with --notification-channel)."""
    if explicit:
        return [c if c.startswith("projects/") else f"projects/{target.project}/notificationChannels/{c}" for c in explicit]
    wanted = sorted(team.notification_channels.values(), key=lambda c: c.key)
    if not wanted:
        return []
    listed = vx.list_channels(target.project)
    if listed is None:
        return [Placeholder(f"channel named '{c.display_name}' in {target.project}") for c in wanted]
    found = []
    for channel in wanted:
        matches = [c for c in listed if c.get("displayName") == channel.display_name]
        matches.sort(key=lambda c: c.get("userLabels", {}).get("team") != team.name)
        if not matches:
            raise LifecycleError(f"notification channel '{channel.key}' (display name '{channel.display_name}') "
                                 f"not found in project {target.project}; deploy "
                                 f"{names.team_stack(team.name, target.env)} or pass --notification-channel")
        found.append(matches[0]["name"])
    return found


def deploy(config: Config, target: Target, team_name: str, model_name: str, version_ref: str,
           traffic: int | None = None, card: ModelCard | None = None, channels: list[str] | None = None) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    _online(team, model, "deploy to")
    if traffic is not None and not 1 <= traffic <= 100:
        raise LifecycleError(f"--traffic {traffic}: expected a percentage from 1 to 100")
    if card is not None and (card.team, card.model) != (team.name, model.name):
        raise LifecycleError(f"the card is for {card.team}/{card.model}, not {team.name}/{model.name}")
    resource = model_resource(target, team, model)
    endpoint_name = endpoint_resource(target, team, model)

    def body(vx: DryRunVertex, result: dict[str, Any], notes: list[str]) -> None:
        version = _version(vx, resource, version_ref)
        if card is not None and not vx.dry_run and version.labels.get("card_version") != names.label_value(card.version):
            raise LifecycleError(f"{version.versioned} was registered from card version "
                                 f"{version.labels.get('card_version')!r}, not {card.version!r}")
        endpoint = _endpoint(vx, endpoint_name, team, target.env)
        champion = vx.get_model(resource, CHAMPION)
        pct, split, already = _canary_split(endpoint, resource, version, champion, traffic)
        if already is not None:
            vx.set_traffic(endpoint_name, split)
            deployed_id = already.id
            notes.append(f"version {version.version_id} was already deployed; only the traffic split changed")
        else:
            deployed_id = vx.deploy(
                version, endpoint_name,
                deployed_model_display_name=names.deployed_model_display_name(model.name, version.version_id),
                traffic_split=split,
                machine_type=model.serving.machine_type,
                min_replica_count=model.serving.min_replicas,
                max_replica_count=model.serving.max_replicas,
                service_account=names.service_account_email(team.name, "serving", target.project),
                enable_access_logging=True,
            )
        alert_channels = resolve_channels(vx, team, target, channels or [])
        if not alert_channels:
            notes.append(f"team {team.name} has no notification channels: anomalies are only logged")
        if card is None or not card.target_field:
            notes.append("training-serving skew is not monitored: pass --card with training.target_field; "
                         "prediction drift is")
        config_ = monitoring_config(team.name, model, target.env, card, alert_channels)
        job = vx.upsert_monitoring(endpoint, config_, target.project, target.region)
        result.update(model=resource, version_id=version.version_id, endpoint=endpoint_name,
                      deployed_model_id=deployed_id, traffic_percent=pct,
                      traffic_split={("<new deployed model>" if k == "0" else k): v for k, v in split.items()},
                      monitoring_job=job, monitoring=config_)

    return run("deploy", target, team, model, card, body)


def _canary_split(endpoint: EndpointState, resource: str, version: ModelVersion, champion: ModelVersion | None,
                  traffic: int | None) -> tuple[int, dict[str, int], Any]:
    """(percent, split, already-deployed model or None). "0" names the model being deployed."""
    if not endpoint.known:  # dry run
        pct = traffic if traffic is not None else CANARY_PERCENT
        split = {"0": pct}
        if pct < 100:
            split[Placeholder("deployed model id serving the champion; 100 if none")] = 100 - pct
        return pct, split, None
    serving_champion = endpoint.serving(resource, champion.version_id) if champion else None
    already = endpoint.serving(resource, version.version_id)
    has_other_champion = serving_champion is not None and serving_champion != already
    pct = traffic if traffic is not None else (CANARY_PERCENT if has_other_champion else 100)
    if pct < 100 and not has_other_champion:
        raise LifecycleError(f"no champion serves on {endpoint.resource} to take the other {100 - pct}%: "
                             "the first deployment takes 100% (omit --traffic)")
    split = {d.id: 0 for d in endpoint.deployed or ()}
    split[already.id if already else "0"] = pct
    if has_other_champion:
        split[serving_champion.id] = 100 - pct
    return pct, split, already


# --- promote and rollback -------------------------------------------------------------------

def _all_traffic_to(vx: DryRunVertex, endpoint: EndpointState, resource: str, version: ModelVersion,
                    hint: str) -> dict[str, int]:
    if not endpoint.known:
        return {Placeholder(f"deployed model id of {version.versioned}"): 100,
                Placeholder("every other deployed model"): 0}
    serving = endpoint.serving(resource, version.version_id)
    if serving is None:
        raise LifecycleError(f"{version.versioned} is not deployed on {endpoint.resource}; {hint}")
    split = {d.id: 0 for d in endpoint.deployed or ()}
    split[serving.id] = 100
    return split


def promote(config: Config, target: Target, team_name: str, model_name: str, version_ref: str) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)

    def body(vx: DryRunVertex, result: dict[str, Any], notes: list[str]) -> None:
        version = _version(vx, resource, version_ref)
        champion = vx.get_model(resource, CHAMPION)
        previous = vx.get_model(resource, PREVIOUS)
        if model.pattern == "online":
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            split = _all_traffic_to(vx, endpoint, resource, version, hint=(
                f"deploy it first: modelops deploy --team {team.name} --model {model.name} --version {version.version_id}"))
            vx.set_traffic(endpoint_name, split)  # traffic first: aliases then describe what serves
            result.update(endpoint=endpoint_name, traffic_split=split)
        else:
            notes.append(f"{model.pattern} model: promotion moves the {CHAMPION} alias its job reads")
        same = champion is not None and not vx.dry_run and champion.version_id == version.version_id
        if champion is not None and not same:
            if previous is not None and (vx.dry_run or previous.version_id != champion.version_id):
                vx.merge_aliases(resource, previous.version_id, [f"-{PREVIOUS}"])
            vx.merge_aliases(resource, champion.version_id, [f"-{CHAMPION}", PREVIOUS])
        if not same:
            changes = [CHAMPION] + ([f"-{CANDIDATE}"] if CANDIDATE in version.aliases else [])
            vx.merge_aliases(resource, version.version_id, changes)
        else:
            notes.append(f"version {version.version_id} already is the {CHAMPION}")
        result.update(model=resource, version_id=version.version_id,
                      previous_champion=champion.version_id if champion is not None else None)

    return run("promote", target, team, model, None, body)


def rollback(config: Config, target: Target, team_name: str, model_name: str, to_ref: str | None = None) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)

    def body(vx: DryRunVertex, result: dict[str, Any], notes: list[str]) -> None:
        champion = vx.get_model(resource, CHAMPION)
        if champion is None:
            raise LifecycleError(f"{resource} has no {CHAMPION} to roll back from")
        back_to = vx.get_model(resource, to_ref or PREVIOUS)
        if back_to is None:
            raise LifecycleError(f"{resource} has no {to_ref or PREVIOUS} version; pass --to VERSION")
        if not vx.dry_run and back_to.version_id == champion.version_id:
            raise LifecycleError(f"version {back_to.version_id} already is the {CHAMPION}")
        if model.pattern == "online":
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            split = _all_traffic_to(vx, endpoint, resource, back_to, hint=(
                f"redeploy it: modelops deploy --team {team.name} --model {model.name} "
                f"--version {back_to.version_id} --traffic 100"))
            vx.set_traffic(endpoint_name, split)
            result.update(endpoint=endpoint_name, traffic_split=split)
        vx.merge_aliases(resource, champion.version_id, [f"-{CHAMPION}"])
        vx.merge_aliases(resource, back_to.version_id,
                         [CHAMPION] + ([f"-{PREVIOUS}"] if PREVIOUS in back_to.aliases else []))
        result.update(model=resource, version_id=back_to.version_id, rolled_back_version=champion.version_id)

    return run("rollback", target, team, model, None, body)


def validated(config: Config, target: Target, card: ModelCard) -> Outcome:
    """The audit event for a card that passed every gate (model repositories' CI)."""
    team = config.team(card.team)
    model = team.model(card.model)

    def body(vx: DryRunVertex, result: dict[str, Any], notes: list[str]) -> None:
        result.update(valid=True, gates=["schema", "team_and_model", "metrics", "image_digest",
                                         "classification", "personal_data_approval"])

    return run("validate_card", target, team, model, card, body)
