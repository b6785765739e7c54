"""register, deploy, promote, rollback: each reads what it needs, acts step by step, and writes one audit event.

Registry state lives in version aliases, so no local state file is needed:
``candidate`` = the latest registered version, ``champion`` = the version serving 100%,
``previous-champion`` = what ``rollback`` returns to. An alias moves in one call: merging an alias
that another version holds moves it ("If you apply an existing alias used in another version, it is
removed from that version", https://cloud.google.com/vertex-ai/docs/model-registry/model-alias), so
there is never a moment when no version holds ``champion``.

An endpoint keeps the champion, the previous champion (instant rollback) and a canary; every other
deployed model (0% traffic) is undeployed after the command's traffic change, because each keeps at
least ``min_replica_count`` replicas running and reserves quota for ``max_replica_count``
(DedicatedResources, google/cloud/aiplatform/v1/machine_resources.proto). ``keep`` names more
versions to leave deployed.
"""
from __future__ import annotations

from typing import Any, Iterable

from lifecycle.card import ModelCard
from lifecycle.context import LifecycleError, Target
from lifecycle.identity import ModelKey, resource_id
from lifecycle.monitoring import job_settings, objective
from lifecycle.trail import Outcome, Progress, run
from lifecycle.vertex import DeployedModel, DryRunVertex, EndpointState, ModelVersion, Placeholder
from stacks import names
from stacks.config import Config, Model, Team

CANDIDATE, CHAMPION, PREVIOUS = "candidate", "champion", "previous-champion"
CANARY_PERCENT = 10

__all__ = ["register", "deploy", "promote", "rollback", "validated", "Outcome", "CANDIDATE", "CHAMPION", "PREVIOUS"]


def model_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/models/{names.vertex_model_id(team.name, model.name)}"


def endpoint_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/endpoints/{names.endpoint_name(team.name, model.name, target.env)}"


def identity(target: Target, version: ModelVersion) -> dict[str, Any]:
    """The model version as every audit event names it: the project by id, model id and version id."""
    key = version.key
    return {"model": key.resource(target.project), "model_id": key.model_id, "version_id": version.version_id}


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
    """Upload a version, then move ``candidate`` onto it in one alias merge."""
    team = config.team(card.team)
    model = team.model(card.model)
    labels = registry_labels(card, team, target.env)
    resource = model_resource(target, team, model)
    model_id = names.vertex_model_id(team.name, model.name)

    def body(vx: DryRunVertex, out: Progress) -> None:
        existing = vx.get_model(resource)
        first = existing is None
        args: dict[str, Any] = {
            "project": target.project, "location": target.region,
            "display_name": model_id,
            "description": f"{model.description} Intended use: {card.intended_use}",
            "version_description": version_description(card),
            "artifact_uri": card.artifact_uri,
            "serving_container_image_uri": card.serving_image,
            "labels": labels,
            # No alias at upload: `candidate` moves by mergeVersionAliases, the documented way to move an alias.
            # The registry gives the first version `default` (Model.version_aliases, model.proto).
            "version_aliases": [],
            "is_default_version": first,
        }
        if first:
            args["model_id"] = model_id
        elif isinstance(existing, Placeholder):
            args["parent_model"] = Placeholder(f"{resource} if it exists, else model_id={model_id}")
            args["is_default_version"] = Placeholder("true only for the first version")
        else:
            args["parent_model"] = resource
        with out.step("upload") as step:
            version = vx.upload(resource, **args)
            step["version_id"] = version.version_id
            out.result.update(identity(target, version), labels=labels, first_version=first)
        with out.step("move_alias", alias=CANDIDATE, to=version.version_id):
            vx.merge_aliases(version.resource, version.version_id, [CANDIDATE])
        out.result["aliases"] = sorted(set(version.aliases) | {CANDIDATE})

    return run("register", target, team, model, card, body)


# --- shared reads -----------------------------------------------------------------------------

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


def _kept_keys(vx: DryRunVertex, resource: str, refs: Iterable[str]) -> set[ModelKey]:
    return {_version(vx, resource, ref).key for ref in refs}


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


# --- what stays deployed ----------------------------------------------------------------------

def _extras(endpoint: EndpointState, split: dict[str, int], protected: set[ModelKey],
            also: Iterable[DeployedModel] = ()) -> list[DeployedModel]:
    """Deployed models the command leaves at 0% that no alias or --keep-deployed protects."""
    return [d for d in (*(endpoint.deployed or ()), *also)
            if not split.get(d.id) and d.key not in protected]


def _retire(vx: DryRunVertex, out: Progress, endpoint: EndpointState, split: dict[str, int],
            extras: list[DeployedModel], model: Model, settings: dict[str, Any] | None,
            write: dict[str, Any] | None = None) -> None:
    """Undeploy the extras, then give the monitoring job objectives for exactly the models that stay.

    In this order because every deployed model needs an objective (the job's objective configs are "a per
    DeployedModel config. Each DeployedModel needs to be configured separately"): an objective cannot be
    removed while its model is still deployed."""
    remaining = {k: v for k, v in split.items() if k not in {d.id for d in extras}}
    undeployed = out.result.setdefault("undeployed", [])
    if not endpoint.known:
        placeholder = Placeholder("each deployed model left at 0% that is neither previous-champion nor kept")
        with out.step("undeploy", deployed_model_id=placeholder):
            vx.undeploy(endpoint.resource, placeholder, remaining)
    for d in extras:
        with out.step("undeploy", deployed_model_id=d.id, version_id=d.version_id):
            vx.undeploy(endpoint.resource, d.id, remaining)
        undeployed.append({"deployed_model_id": d.id, "version_id": d.version_id})
    if extras:
        out.notes.append(f"undeployed {', '.join(f'version {d.version_id} ({d.id})' for d in extras)}: at 0% and "
                         f"neither {PREVIOUS} nor kept (--keep-deployed)")
    staying = [d for d in (endpoint.deployed or ()) if d not in extras]
    _sync_monitoring(vx, out, endpoint, staying, model, settings, write or {})


def _sync_monitoring(vx: DryRunVertex, out: Progress, endpoint: EndpointState, staying: list[DeployedModel],
                     model: Model, settings: dict[str, Any] | None, write: dict[str, Any]) -> None:
    """Objectives for exactly the models that stay: ``write`` entries set, existing ones kept as they are.
    Without ``settings`` (promote, rollback) only the objectives change, and no job is created."""
    job = endpoint.monitoring_job
    if not job:
        if write and settings is not None:
            objectives = dict(write)
            for d in staying:  # deployed before any job existed: drift only, no card at hand
                objectives.setdefault(d.id, objective(model, None))
            with out.step("create_monitoring") as step:
                name = vx.create_monitoring(endpoint.resource, settings, objectives,
                                            *_project_location(endpoint.resource))
                step["monitoring_job"] = name
            out.result.update(monitoring_job=name, monitoring={**settings, "objectives": objectives})
            _monitoring_logs(out, vx.get_monitoring(name))
        return
    state = vx.get_monitoring(job)
    existing = dict(state.objectives) if state is not None and state.objectives is not None else None
    write = dict(write)
    if existing is None:  # dry run: what the job holds is known only at run time
        keep = [Placeholder("deployed models that stay and have an objective")]
    else:
        keep = [d.id for d in staying if d.id in existing and d.id not in write]
        for d in staying:
            if d.id not in existing and d.id not in write and settings is not None:
                write[d.id] = objective(model, None)
        if sorted(existing) == sorted([*keep, *write]) and not write and settings is None:
            return  # nothing to change
    with out.step("update_monitoring", monitoring_job=job) as step:
        after = vx.update_monitoring(job, settings, write, keep)
        step["objectives"] = sorted(after.objectives or ())
    out.result.update(monitoring_job=job,
                      monitoring={**(settings or {}), "objectives": dict(after.objectives or {})})
    _monitoring_logs(out, after)


def _monitoring_logs(out: Progress, state: Any) -> None:
    """Where the job keeps the requests it logs (all features, personal data included) and for how long."""
    if state is None:
        return
    tables = list(state.bigquery_tables) or [Placeholder("bq://<project>.model_deployment_monitoring_<endpoint id>."
                                                          "serving_predict, created by Vertex AI")]
    out.result["monitoring_logs"] = {"bigquery_tables": tables, "log_ttl_days": state.log_ttl_days}


def _project_location(resource: str) -> tuple[str, str]:
    parts = resource.split("/")
    return parts[1], parts[3]


# --- deploy ---------------------------------------------------------------------------------

def deploy(config: Config, target: Target, team_name: str, model_name: str, version_ref: str,
           traffic: int | None = None, card: ModelCard | None = None, channels: list[str] | None = None,
           keep: Iterable[str] = ()) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    _online(team, model, "deploy to")
    if traffic is not None and not 1 <= traffic <= 100:
        raise LifecycleError(f"--traffic {traffic}: expected a percentage from 1 to 100")
    if card is not None and (card.team, card.model) != (team.name, model.name):
        raise LifecycleError(f"the card is for {card.team}/{card.model}, not {team.name}/{model.name}")
    if card is not None and card.target_field and card.baseline is None:
        raise LifecycleError(f"--card: training.target_field is set but {card.baseline_problem}")
    resource = model_resource(target, team, model)
    endpoint_name = endpoint_resource(target, team, model)

    def body(vx: DryRunVertex, out: Progress) -> None:
        version = _version(vx, resource, version_ref)
        if card is not None and not vx.dry_run and version.labels.get("card_version") != names.label_value(card.version):
            raise LifecycleError(f"{version.versioned} was registered from card version "
                                 f"{version.labels.get('card_version')!r}, not {card.version!r}")
        endpoint = _endpoint(vx, endpoint_name, team, target.env)
        champion = vx.get_model(resource, CHAMPION)
        previous = vx.get_model(resource, PREVIOUS)
        protected = _kept_keys(vx, resource, keep) | {v.key for v in (champion, previous) if v is not None}
        # Channels before anything changes: a missing channel is bad input, not a half-done deploy.
        alert_channels = resolve_channels(vx, team, target, channels or [])
        out.result.update(identity(target, version), endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
        pct, split, already = _canary_split(endpoint, version, champion, traffic)
        if already is not None:
            with out.step("set_traffic", traffic_split=split):
                vx.set_traffic(endpoint_name, split)
            deployed_id = already.id
            out.notes.append(f"version {version.version_id} was already deployed; only the traffic split changed")
        else:
            with out.step("deploy_model") as step:
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
                step["deployed_model_id"] = deployed_id
            split = {(deployed_id if k == "0" else k): v for k, v in split.items()}
        # Recorded at once: if a later step fails, the event still says what serves traffic.
        out.result.update(deployed_model_id=deployed_id, traffic_percent=pct, traffic_split=split)
        if not alert_channels:
            out.notes.append(f"team {team.name} has no notification channels: anomalies are only logged")
        if card is None or not card.target_field:
            out.notes.append("training-serving skew is not monitored for this version: pass --card with "
                             "training.target_field; prediction drift is")
        new = DeployedModel(deployed_id, version.resource, version.version_id,
                            names.deployed_model_display_name(model.name, version.version_id))
        after = EndpointState(endpoint.resource, None if not endpoint.known else
                              tuple(d for d in endpoint.deployed if d.id != deployed_id) + (new,),
                              split, endpoint.monitoring_job)
        extras = _extras(after, split, protected | {version.key})
        settings = job_settings(team.name, model, target.env, alert_channels)
        # The deployed version's objective is (re)written when a card comes with it or it has none yet;
        # without a card an existing objective (its skew baseline) stays.
        write = {deployed_id: objective(model, card)}
        if card is None and already is not None:
            write = {}
        _retire(vx, out, after, split, extras, model, settings, write)

    return run("deploy", target, team, model, card, body)


def _canary_split(endpoint: EndpointState, version: ModelVersion, champion: ModelVersion | None,
                  traffic: int | None) -> tuple[int, dict[str, int], DeployedModel | None]:
    """(percent, split, already-deployed model or None). "0" names the model being deployed
    (DeployModelRequest.traffic_split, endpoint_service.proto)."""
    if not endpoint.known:  # dry run
        pct = traffic if traffic is not None else CANARY_PERCENT
        split = {"0": pct}
        if pct < 100:
            split[Placeholder("deployed model id serving the champion; 100 if none")] = 100 - pct
        return pct, split, None
    serving_champion = endpoint.serving(champion.key) if champion else None
    already = endpoint.serving(version.key)
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

def _all_traffic_to(endpoint: EndpointState, version: ModelVersion, hint: str) -> dict[str, int]:
    if not endpoint.known:
        return {Placeholder(f"deployed model id of {version.versioned}"): 100,
                Placeholder("every other deployed model"): 0}
    serving = endpoint.serving(version.key)
    if serving is None:
        raise LifecycleError(f"{version.versioned} is not deployed on {endpoint.resource}; {hint}")
    split = {d.id: 0 for d in endpoint.deployed or ()}
    split[serving.id] = 100
    return split


def promote(config: Config, target: Target, team_name: str, model_name: str, version_ref: str,
            keep: Iterable[str] = ()) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)

    def body(vx: DryRunVertex, out: Progress) -> None:
        version = _version(vx, resource, version_ref)
        champion = vx.get_model(resource, CHAMPION)
        kept = _kept_keys(vx, resource, keep)
        same = champion is not None and not vx.dry_run and champion.key == version.key
        out.result.update(identity(target, version),
                          previous_champion=champion.version_id if champion is not None and not same else None)
        endpoint = None
        if model.pattern == "online":
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            split = _all_traffic_to(endpoint, version, hint=(
                f"deploy it first: modelops deploy --team {team.name} --model {model.name} --version {version.version_id}"))
            out.result.update(endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
            with out.step("set_traffic", traffic_split=split):  # traffic first: aliases then describe what serves
                vx.set_traffic(endpoint_name, split)
            out.result["traffic_split"] = split
        else:
            out.notes.append(f"{model.pattern} model: promotion moves the {CHAMPION} alias its job reads")
        if same:
            out.notes.append(f"version {version.version_id} already is the {CHAMPION}")
        else:
            if champion is not None:
                # The outgoing champion takes previous-champion (moved off its old holder in this one call)
                # while it still holds champion; the next call moves champion, so some version always holds it.
                with out.step("move_alias", alias=PREVIOUS, to=champion.version_id):
                    vx.merge_aliases(resource, champion.version_id, [PREVIOUS])
            changes = [CHAMPION] + [f"-{a}" for a in (CANDIDATE, PREVIOUS)
                                    if a in version.aliases and not (a == PREVIOUS and champion is not None)]
            with out.step("move_alias", alias=CHAMPION, to=version.version_id):
                vx.merge_aliases(resource, version.version_id, changes)
        if endpoint is not None:
            protected = kept | {version.key} | ({champion.key} if champion is not None else set())
            if same or champion is None:  # the previous champion stays what it was
                previous = vx.get_model(resource, PREVIOUS)
                protected |= {previous.key} if previous is not None else set()
            _retire(vx, out, endpoint, split, _extras(endpoint, split, protected), model, None)

    return run("promote", target, team, model, None, body)


def rollback(config: Config, target: Target, team_name: str, model_name: str, to_ref: str | None = None,
             keep: Iterable[str] = ()) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)

    def body(vx: DryRunVertex, out: Progress) -> None:
        champion = vx.get_model(resource, CHAMPION)
        if champion is None:
            raise LifecycleError(f"{resource} has no {CHAMPION} to roll back from")
        back_to = vx.get_model(resource, to_ref or PREVIOUS)
        if back_to is None:
            raise LifecycleError(f"{resource} has no {to_ref or PREVIOUS} version; pass --to VERSION")
        if not vx.dry_run and back_to.key == champion.key:
            raise LifecycleError(f"version {back_to.version_id} already is the {CHAMPION}")
        kept = _kept_keys(vx, resource, keep)
        out.result.update(identity(target, back_to), rolled_back_version=champion.version_id)
        endpoint = None
        if model.pattern == "online":
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            split = _all_traffic_to(endpoint, back_to, hint=(
                f"redeploy it: modelops deploy --team {team.name} --model {model.name} "
                f"--version {back_to.version_id} --traffic 100"))
            out.result.update(endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
            with out.step("set_traffic", traffic_split=split):
                vx.set_traffic(endpoint_name, split)
            out.result["traffic_split"] = split
        # One call: champion moves off the rolled-back version; previous-champion is used up.
        changes = [CHAMPION] + ([f"-{PREVIOUS}"] if PREVIOUS in back_to.aliases else [])
        with out.step("move_alias", alias=CHAMPION, to=back_to.version_id):
            vx.merge_aliases(resource, back_to.version_id, changes)
        if endpoint is not None:
            _retire(vx, out, endpoint, split, _extras(endpoint, split, kept | {back_to.key}), model, None)

    return run("rollback", target, team, model, None, body)


def validated(config: Config, target: Target, card: ModelCard) -> Outcome:
    """The audit event for a card that passed every gate (model repositories' CI)."""
    team = config.team(card.team)
    model = team.model(card.model)

    def body(vx: DryRunVertex, out: Progress) -> None:
        out.result.update(valid=True, gates=["schema", "team_and_model", "metrics", "image_digest",
                                             "classification", "personal_data_approval", "skew_baseline"])

    return run("validate_card", target, team, model, card, body)
