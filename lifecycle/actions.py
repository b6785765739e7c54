"""register, deploy, promote, rollback: each reads what it needs, acts step by step, and writes one audit event.

Registry state lives in version aliases, so no local state file is needed:
``candidate`` = the latest registered version, ``champion`` = the version promoted to serve 100%,
``previous-champion`` = what ``rollback`` returns to. An alias moves in one call: merging an alias
that another version holds moves it ("If you apply an existing alias used in another version, it is
removed from that version", https://cloud.google.com/vertex-ai/docs/model-registry/model-alias), so
there is never a moment when no version holds ``champion``.

An endpoint keeps the champion, the previous champion (instant rollback) and a canary; every other
deployed model (0% traffic) is undeployed after the command's traffic change, because each keeps at
least ``min_replica_count`` replicas running and reserves quota for ``max_replica_count``
(DedicatedResources, google/cloud/aiplatform/v1/machine_resources.proto). ``keep`` names more
versions to leave deployed.

The endpoint's monitoring job accepts updates only while RUNNING (lifecycle/job_state.py). A deploy checks
that before it changes anything; promote and rollback move traffic and aliases first (an incident rollback
must not wait for monitoring) and, when the job cannot take the update, leave the versions at 0% deployed
with their objectives and say so (``result.monitoring_pending``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from config import names
from config.model import Config, Model, Team
from config.patterns import spec_of
from lifecycle.card import ModelCard
from lifecycle.context import LifecycleError, Target
from lifecycle.errors import EndpointChanged, MonitoringNotReady
from lifecycle.gates import image_problems
from lifecycle.identity import ModelKey, resource_id, with_project
from lifecycle.job_state import wait_running
from lifecycle.monitoring import job_settings, objective
from lifecycle.platform_refs import serving_image_prefix, vertex_key
from lifecycle.provenance import registration_problems, registry_labels, version_description
from lifecycle.team_file import scalar, with_serving
from lifecycle.traffic import all_traffic_to, canary_split, extras
from lifecycle.trail import Outcome, Progress, run
from lifecycle.vertex import (
    DeployedModel,
    DryRunVertex,
    EndpointState,
    ModelVersion,
    MonitoringState,
    Placeholder,
    Replicas,
)

CANDIDATE, CHAMPION, PREVIOUS = "candidate", "champion", "previous-champion"

__all__ = ["CANDIDATE", "CHAMPION", "PREVIOUS", "Outcome", "deploy", "promote", "register", "rollback", "validated"]


def model_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/models/{names.vertex_model_id(team.name, model.name)}"


def endpoint_resource(target: Target, team: Team, model: Model) -> str:
    return f"{target.location_path}/endpoints/{names.endpoint_name(team.name, model.name, target.env)}"


def identity(target: Target, version: ModelVersion) -> dict[str, Any]:
    """The model version as every audit event names it: the project by id, model id and version id."""
    key = version.key
    return {"model": key.resource(target.project), "model_id": key.model_id, "version_id": version.version_id}


# --- register -------------------------------------------------------------------------------


def register(config: Config, target: Target, card: ModelCard) -> Outcome:
    """Upload a version (encrypted with the platform's Vertex AI key), then move ``candidate`` onto it."""
    team = config.team(card.team)
    model = team.model(card.model)
    labels = registry_labels(card, team, target.env)
    resource = model_resource(target, team, model)
    model_id = names.vertex_model_id(team.name, model.name)
    key = vertex_key(config, target.env)

    def body(vx: DryRunVertex, out: Progress) -> None:
        existing = vx.get_model(resource)
        first = existing is None
        args: dict[str, Any] = {
            "project": target.project,
            "location": target.region,
            "display_name": model_id,
            "description": f"{model.description} Intended use: {card.intended_use}",
            "version_description": version_description(card),
            "artifact_uri": card.artifact_uri,
            "serving_container_image_uri": card.serving_image,
            "labels": labels,
            # Model.encryption_spec: "If set, this Model and all sub-resources of this Model will be secured by
            # this key" (aiplatform_v1/types/model.py:299-302); the org guardrail denies non-CMEK Vertex AI
            # resources (modules/guardrails.py, gcp.restrictNonCmekServices).
            "encryption_spec_key_name": key,
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
            out.result.update(identity(target, version), labels=labels, first_version=first, encryption_key=key)
        with out.step("move_alias", alias=CANDIDATE, to=version.version_id):
            vx.merge_aliases(version.resource, version.version_id, [CANDIDATE])
        out.result["aliases"] = sorted(set(version.aliases) | {CANDIDATE})

    return run("register", target, team, model, card, body)


# --- shared reads -----------------------------------------------------------------------------


def _on_endpoint(team: Team, model: Model, action: str) -> None:
    spec = spec_of(model).lifecycle
    if not spec.endpoint:
        raise LifecycleError(
            f"{team.name}/{model.name} is a {model.pattern} model ({model.source}): it has no endpoint to {action}; "
            f"its {spec.champion_reader} uses {names.vertex_model_id(team.name, model.name)}@{CHAMPION}, "
            "which `modelops promote` moves"
        )


def _version(vx: DryRunVertex, resource: str, ref: str) -> ModelVersion:
    version = vx.get_model(resource, ref)
    if version is None:
        raise LifecycleError(
            f"{resource}@{ref} is not in the model registry (register it first: modelops register CARD)"
        )
    return version


def _endpoint(vx: DryRunVertex, resource: str, team: Team, env: str) -> EndpointState:
    endpoint = vx.get_endpoint(resource)
    if endpoint is None:
        raise LifecycleError(
            f"endpoint {resource} does not exist; it is created by the team stack "
            f"(cdktn deploy {names.team_stack(team.name, env)})"
        )
    return endpoint


def _kept_keys(vx: DryRunVertex, resource: str, refs: Iterable[str]) -> set[ModelKey]:
    return {_version(vx, resource, ref).key for ref in refs}


def resolve_channels(vx: DryRunVertex, team: Team, target: Target, explicit: list[str]) -> list[str]:
    """Channel resource names for monitoring alerts.

    Terraform creates the channels with the display names from the team YAML and the stack's labels
    (``team``, ``env``, ``managed-by``); their numeric ids exist only after apply and the CLI cannot read the
    stack's state, so they are looked up at run time by display name *and* those labels. A channel anyone
    created by hand under the same display name lacks them (unless they were copied on purpose: pass
    --notification-channel with the resource names from the stack to rule that out too)."""
    if explicit:
        return [
            c if c.startswith("projects/") else f"projects/{target.project}/notificationChannels/{c}" for c in explicit
        ]
    wanted = sorted(team.notification_channels.values(), key=lambda c: c.key)
    if not wanted:
        return []
    listed = vx.list_channels(target.project)
    if listed is None:
        return [Placeholder(f"channel named '{c.display_name}' in {target.project}") for c in wanted]
    ours = {"team": team.name, "env": target.env, "managed-by": names.MANAGED_BY}
    found = []
    for channel in wanted:
        named = [c for c in listed if c.get("displayName") == channel.display_name]
        matches = [c for c in named if all(c.get("userLabels", {}).get(k) == v for k, v in ours.items())]
        if len(matches) != 1:
            why = (
                f"{len(matches)} channels carry it with the stack's labels ({', '.join(c['name'] for c in matches)})"
                if matches
                else f"none carries it with the stack's labels {ours}"
                + (f" ({len(named)} without them)" if named else "")
            )
            raise LifecycleError(
                f"notification channel '{channel.key}' (display name '{channel.display_name}') in project "
                f"{target.project}: {why}; deploy {names.team_stack(team.name, target.env)} or pass "
                "--notification-channel"
            )
        found.append(matches[0]["name"])
    return found


# --- what stays deployed, and monitoring ----------------------------------------------------------


def _retire(
    vx: DryRunVertex,
    out: Progress,
    target: Target,
    endpoint: EndpointState,
    split: dict[str, int],
    gone: list[DeployedModel],
    model: Model,
    *,
    wait: float | None,
    settings: dict[str, Any] | None = None,
    write: dict[str, Any] | None = None,
    deferrable: bool = False,
) -> None:
    """Undeploy ``gone``, then give the monitoring job objectives for exactly the models that stay.

    Undeploys come first because the fake refuses objectives that miss a deployed model (an assumption, not
    Google's word: tests/lifecycle/fake_gcp.py, SOURCES["objective_covers_all"]); a model's objective is removed
    once it is gone. When the job must change but is not RUNNING, nothing is undeployed: the versions at 0% keep
    their objectives, and ``deferrable`` commands (promote, rollback) finish with ``result.monitoring_pending``.
    """
    write = write or {}
    staying = [d for d in endpoint.deployed or () if d not in gone]
    job = endpoint.monitoring_job
    state = vx.get_monitoring(job) if job else None
    if job and _objective_plan(state, staying, model, settings, write) is not None:
        try:
            state = wait_running(
                lambda: vx.get_monitoring(job), wait, first=state, project=target.project, region=target.region
            )
        except MonitoringNotReady as exc:
            if not deferrable:
                raise
            _defer(out, target, exc, gone)
            return
    if endpoint.known and not vx.dry_run:
        _confirm_unchanged(vx, endpoint, split)
    remaining = {k: v for k, v in split.items() if k not in {d.id for d in gone}}
    undeployed = out.result.setdefault("undeployed", [])
    if not endpoint.known:
        placeholder = Placeholder("each deployed model left at 0% that is neither previous-champion nor kept")
        with out.step("undeploy", deployed_model_id=placeholder):
            vx.undeploy(endpoint.resource, placeholder, remaining)
    for d in gone:
        with out.step("undeploy", deployed_model_id=d.id, version_id=d.version_id):
            vx.undeploy(endpoint.resource, d.id, remaining)
        undeployed.append({"deployed_model_id": d.id, "version_id": d.version_id})
    if gone:
        out.notes.append(
            f"undeployed {', '.join(f'version {d.version_id} ({d.id})' for d in gone)}: at 0% and "
            f"neither {PREVIOUS} nor kept (--keep-deployed)"
        )
    if job:
        _update_monitoring(vx, out, target, job, _objective_plan(state, staying, model, settings, write), settings)
    elif write and settings is not None:
        _create_monitoring(vx, out, target, endpoint, staying, model, settings, write, wait)


def _objective_plan(
    state: MonitoringState | None,
    staying: list[DeployedModel],
    model: Model,
    settings: dict[str, Any] | None,
    write: dict[str, Any],
) -> tuple[list[str], dict[str, Any]] | None:
    """(ids kept as the job has them, objectives written), or None when the job needs no change.
    Without ``settings`` (promote, rollback) only objectives of models that went are dropped."""
    write = dict(write)
    existing = state.objectives if state is not None else None
    if existing is None:  # dry run: what the job holds is known only at run time
        return [Placeholder("deployed models that stay and have an objective")], write
    keep = [d.id for d in staying if d.id in existing and d.id not in write]
    if settings is not None:
        for d in staying:  # deployed before the job had an objective for it: drift only, no card at hand
            if d.id not in existing and d.id not in write:
                write[d.id] = objective(model, None)
    if sorted(existing) == sorted([*keep, *write]) and not write and settings is None:
        return None
    return keep, write


def _update_monitoring(
    vx: DryRunVertex,
    out: Progress,
    target: Target,
    job: str,
    plan: tuple[list[str], dict[str, Any]] | None,
    settings: dict[str, Any] | None,
) -> None:
    if plan is None:
        return
    keep, write = plan
    name = with_project(job, target.project)
    fields = _job_fields(settings) if settings is not None else None
    with out.step("update_monitoring", monitoring_job=name) as step:
        after = vx.update_monitoring(job, fields, write, keep)
        step["objectives"] = sorted(after.objectives or ())
    out.result.update(monitoring_job=name, monitoring={**(settings or {}), "objectives": dict(after.objectives or {})})
    _monitoring_logs(out, after)


def _create_monitoring(
    vx: DryRunVertex,
    out: Progress,
    target: Target,
    endpoint: EndpointState,
    staying: list[DeployedModel],
    model: Model,
    settings: dict[str, Any],
    write: dict[str, Any],
    wait: float | None,
) -> None:
    """One request with objectives, the log TTL and the key; the job's name is in the event as soon as it exists."""
    objectives = dict(write)
    for d in staying:  # deployed before any job existed: drift only, no card at hand
        objectives.setdefault(d.id, objective(model, None))
    key = settings["encryption_key"]
    project, location = _project_location(endpoint.resource)
    with out.step("create_monitoring") as step:
        api_name = vx.create_monitoring(endpoint.resource, _job_fields(settings), objectives, project, location, key)
        name = step["monitoring_job"] = with_project(api_name, target.project)
    out.result.update(monitoring_job=name, monitoring={**settings, "objectives": objectives})
    state = vx.get_monitoring(api_name)
    if state is not None and state.state is not None and state.log_ttl_days != settings["log_ttl_days"]:
        # The create request carries log_ttl; should the job come back without it, set it once the job runs.
        with out.step("set_log_ttl", monitoring_job=name, found=state.log_ttl_days):
            state = wait_running(
                lambda: vx.get_monitoring(api_name), wait, first=state, project=target.project, region=target.region
            )
            state = vx.update_monitoring(api_name, _job_fields(settings), {}, list(objectives))
    _monitoring_logs(out, state)


def _job_fields(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k != "encryption_key"}


def _defer(out: Progress, target: Target, exc: MonitoringNotReady, kept: list[DeployedModel]) -> None:
    out.result["monitoring_pending"] = {
        "monitoring_job": with_project(exc.job, target.project),
        "state": exc.state,
        "still_deployed": [{"deployed_model_id": d.id, "version_id": d.version_id} for d in kept],
    }
    versions = ", ".join(f"version {d.version_id} ({d.id})" for d in kept)
    out.notes.append(
        f"monitoring job {exc.job} is {exc.state.removeprefix('JOB_STATE_')} and only RUNNING jobs can be updated, "
        "so its objectives were not changed"
        + (f" and {versions} stay deployed at 0%" if kept else "")
        + f"; once `modelops status` shows it RUNNING, `modelops promote --version {CHAMPION}` finishes this"
    )


def _confirm_unchanged(vx: DryRunVertex, planned: EndpointState, split: dict[str, int]) -> None:
    """Undeploy and objective changes are planned from one read; a fresh read must show what the command itself
    made of the endpoint (deployModel and undeployModel take no etag)."""
    fresh = vx.get_endpoint(planned.resource)
    want_ids = sorted(d.id for d in planned.deployed or ())
    want_traffic = {k: v for k, v in split.items() if v}
    if fresh is None:
        raise EndpointChanged(f"{planned.resource} disappeared while this command ran; nothing was undeployed")
    have_ids = sorted(d.id for d in fresh.deployed or ())
    have_traffic = {k: v for k, v in fresh.traffic.items() if v}
    if (have_ids, have_traffic) != (want_ids, want_traffic):
        raise EndpointChanged(
            f"{planned.resource} changed while this command ran (another deploy, promote or rollback?): expected "
            f"deployed models {want_ids} with traffic {want_traffic}, found {have_ids} with {have_traffic}; "
            "nothing was undeployed and monitoring was not changed; see `modelops status` and run the command again"
        )


def _monitoring_logs(out: Progress, state: MonitoringState | None) -> None:
    """Where the job keeps the requests it logs (all features, personal data included) and for how long."""
    if state is None:
        return
    tables = list(state.bigquery_tables) or [
        Placeholder("bq://<project>.model_deployment_monitoring_<endpoint id>.serving_predict, created by Vertex AI")
    ]
    out.result["monitoring_logs"] = {"bigquery_tables": tables, "log_ttl_days": state.log_ttl_days}


def _project_location(resource: str) -> tuple[str, str]:
    parts = resource.split("/")
    return parts[1], parts[3]


def _monitoring_ready(vx: DryRunVertex, endpoint: EndpointState, wait: float | None, target: Target) -> None:
    """Before a deploy changes anything: the job it will update must be RUNNING."""
    job = endpoint.monitoring_job
    if job:
        wait_running(lambda: vx.get_monitoring(job), wait, project=target.project, region=target.region)


# --- deploy ---------------------------------------------------------------------------------


def deploy(
    config: Config,
    target: Target,
    team_name: str,
    model_name: str,
    version_ref: str,
    traffic: int | None = None,
    card: ModelCard | None = None,
    channels: list[str] | None = None,
    keep: Iterable[str] = (),
    monitoring_wait: float | None = None,
) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    if spec_of(model).lifecycle.team_file:
        return deploy_to_team_file(config, target, team, model, version_ref, card, traffic)
    _on_endpoint(team, model, "deploy to")
    if traffic is not None and not 1 <= traffic <= 100:
        raise LifecycleError(f"--traffic {traffic}: expected a percentage from 1 to 100")
    if card is not None and (card.team, card.model) != (team.name, model.name):
        raise LifecycleError(f"the card is for {card.team}/{card.model}, not {team.name}/{model.name}")
    if card is not None and card.target_field and card.baseline is None:
        raise LifecycleError(f"--card: training.target_field is set but {card.baseline_problem}")
    resource = model_resource(target, team, model)
    endpoint_name = endpoint_resource(target, team, model)
    image_prefix = serving_image_prefix(config, target.env)
    key = vertex_key(config, target.env)

    def body(vx: DryRunVertex, out: Progress) -> None:
        version = _version(vx, resource, version_ref)
        if not vx.dry_run:
            problems = registration_problems(
                version, team=team, model=model.name, env=target.env, image_prefix=image_prefix, card=card
            )
            if problems:
                raise LifecycleError(f"{version.versioned} may not be deployed: " + "; ".join(problems))
        endpoint = _endpoint(vx, endpoint_name, team, target.env)
        champion = vx.get_model(resource, CHAMPION)
        previous = vx.get_model(resource, PREVIOUS)
        protected = _kept_keys(vx, resource, keep) | {v.key for v in (champion, previous) if v is not None}
        # Channels, split and the monitoring job's state before anything changes: a refusal leaves nothing half-done.
        alert_channels = resolve_channels(vx, team, target, channels or [])
        out.result.update(identity(target, version), endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
        pct, split, already = canary_split(endpoint, version, champion, traffic)
        _monitoring_ready(vx, endpoint, monitoring_wait, target)
        if already is not None:
            with out.step("set_traffic", traffic_split=split):
                vx.set_traffic(endpoint_name, split, endpoint.etag)
            _apply_replicas(vx, out, endpoint_name, already, model)
            deployed_id = already.id
            out.notes.append(f"version {version.version_id} was already deployed; only the traffic split changed")
        else:
            with out.step("deploy_model") as step:
                deployed_id = vx.deploy(
                    version,
                    endpoint_name,
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
            out.notes.append(
                "training-serving skew is not monitored for this version: pass --card with "
                "training.target_field; prediction drift is"
            )
        new = DeployedModel(
            deployed_id,
            version.resource,
            version.version_id,
            names.deployed_model_display_name(model.name, version.version_id),
        )
        after = EndpointState(
            endpoint.resource,
            None if not endpoint.known else (*(d for d in endpoint.deployed or () if d.id != deployed_id), new),
            split,
            endpoint.monitoring_job,
        )
        settings = {**job_settings(team.name, model, target.env, alert_channels), "encryption_key": key}
        # The deployed version's objective is (re)written when a card comes with it or it has none yet;
        # without a card an existing objective (its skew baseline) stays.
        write = {} if card is None and already is not None else {deployed_id: objective(model, card)}
        gone = extras(after, split, protected | {version.key})
        _retire(vx, out, target, after, split, gone, model, wait=monitoring_wait, settings=settings, write=write)

    return run("deploy", target, team, model, card, body)


def deploy_to_team_file(
    config: Config,
    target: Target,
    team: Team,
    model: Model,
    version_ref: str,
    card: ModelCard | None,
    traffic: int | None,
) -> Outcome:
    """A model that runs on the cluster (`runtime: gke`, streaming): write the version's image (by digest), its
    registry version id and the card's artifact location into `serving` of the team file; the pull request, the gate
    and `cdktn deploy` roll it out, a revert rolls it back (docs/model-lifecycle.md). No Vertex deploy. The image
    comes from the card the version was registered from; outside a dry run the registered version must carry the
    same image and artifact location, the image in the platform's serving-image repository of the environment."""
    if card is None:
        raise LifecycleError(
            f"{team.name}/{model.name} runs on GKE ({model.source}): pass --card, the card the version was "
            "registered from; its serving_image is written into the team file"
        )
    if (card.team, card.model) != (team.name, model.name):
        raise LifecycleError(f"the card is for {card.team}/{card.model}, not {team.name}/{model.name}")
    if traffic is not None:
        raise LifecycleError("--traffic: a GKE model rolls out the whole Deployment; there is no traffic split")
    prefix = serving_image_prefix(config, target.env)
    problems = image_problems(card.serving_image, prefix)
    if problems:
        raise LifecycleError("the card's serving_image: " + "; ".join(problems))
    image = card.serving_image[len(prefix) :]
    resource = model_resource(target, team, model)
    runtime = "gke" if model.serving.runtime == "gke" else model.pattern

    def serving(version_id: str) -> dict[str, str]:
        # The version id is quoted: the schema reads it as a string (an unquoted 3 would be a number).
        return {
            "image": scalar(image),
            "version": scalar(version_id, quote=True),
            "artifact_uri": scalar(card.artifact_uri),
        }

    with_serving(team, model.name, serving(version_ref))  # a file the edit cannot be made in fails before any call

    def body(vx: DryRunVertex, out: Progress) -> None:
        version = _version(vx, resource, version_ref)
        if not vx.dry_run:
            if version.image_uri != card.serving_image:
                raise LifecycleError(
                    f"{version.versioned} serves {version.image_uri}, not the card's {card.serving_image}: "
                    "pass the card it was registered from"
                )
            if version.artifact_uri and version.artifact_uri.rstrip("/") != card.artifact_uri.rstrip("/"):
                raise LifecycleError(
                    f"{version.versioned} holds artifacts at {version.artifact_uri}, not the card's "
                    f"{card.artifact_uri}: pass the card it was registered from"
                )
        edit = with_serving(team, model.name, serving(str(version.version_id)))
        out.result.update(
            identity(target, version),
            runtime=runtime,
            serving_image=image,
            artifact_uri=card.artifact_uri,
            team_file=str(edit.file),
            changed=edit.changed,
            diff=edit.diff(),
        )
        if not edit.changed:
            out.notes.append(f"{edit.file} already serves {image}: nothing to change")
        elif vx.dry_run:
            out.notes.append(f"would change {edit.file}:\n{edit.diff()}")
        else:
            with out.step("write_team_file", file=str(edit.file), serving_image=image, version_id=version.version_id):
                edit.file.write_text(edit.after)
            out.notes.append(
                f"open a pull request with the change to {edit.file}: the gate checks it and `cdktn deploy` rolls it "
                "out; revert the commit to roll back"
            )

    return run("deploy", target, team, model, card, body)


def _apply_replicas(vx: DryRunVertex, out: Progress, endpoint: str, deployed: DeployedModel, model: Model) -> None:
    """A redeploy brings the replica counts of the team file to the deployed model (MutateDeployedModel); the
    machine type cannot change on a deployed model (not among MutateDeployedModelRequest's mutable fields)."""
    have = deployed.replicas
    serving = model.serving
    if have is None:
        return
    if have.machine_type != serving.machine_type:
        out.notes.append(
            f"version {deployed.version_id} runs on {have.machine_type} and {model.source} asks for "
            f"{serving.machine_type}: a deployed model's machine type cannot change; register the model again and "
            "deploy the new version to apply it"
        )
    if (have.min_replicas, have.max_replicas) != (serving.min_replicas, serving.max_replicas):
        wanted = Replicas(have.machine_type, serving.min_replicas, serving.max_replicas)
        with out.step(
            "set_replicas",
            deployed_model_id=deployed.id,
            replicas={"min": wanted.min_replicas, "max": wanted.max_replicas},
            were={"min": have.min_replicas, "max": have.max_replicas},
        ):
            vx.set_replicas(endpoint, deployed, wanted)


# --- promote and rollback -------------------------------------------------------------------


def promote(
    config: Config,
    target: Target,
    team_name: str,
    model_name: str,
    version_ref: str,
    keep: Iterable[str] = (),
    monitoring_wait: float | None = None,
) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)
    on_endpoint = spec_of(model).lifecycle.endpoint

    def body(vx: DryRunVertex, out: Progress) -> None:
        version = _version(vx, resource, version_ref)
        champion = vx.get_model(resource, CHAMPION)
        kept = _kept_keys(vx, resource, keep)
        same = champion is not None and not vx.dry_run and champion.key == version.key
        out.result.update(
            identity(target, version),
            previous_champion=champion.version_id if champion is not None and not same else None,
        )
        endpoint, split = None, {}
        if on_endpoint:
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            split = all_traffic_to(
                endpoint,
                version,
                hint=(
                    f"deploy it first: modelops deploy --team {team.name} --model {model.name} "
                    f"--version {version.version_id}"
                ),
            )
            out.result.update(endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
            with out.step("set_traffic", traffic_split=split):  # traffic first: aliases then describe what serves
                vx.set_traffic(endpoint_name, split, endpoint.etag)
            out.result["traffic_split"] = split
        elif spec_of(model).lifecycle.team_file:
            out.notes.append(
                f"{model.pattern} model: promotion moves the {CHAMPION} alias in the registry; what the cluster runs is "
                f"serving.image in {model.source.file}, which `modelops deploy --card` writes (a pull request)"
            )
        else:
            out.notes.append(
                f"{model.pattern} model: promotion moves the {CHAMPION} alias its "
                f"{spec_of(model).lifecycle.champion_reader} reads"
            )
        if same:
            out.notes.append(f"version {version.version_id} already is the {CHAMPION}")
        else:
            _move_champion(vx, out, resource, version, champion)
        if endpoint is not None:
            protected = kept | {version.key} | ({champion.key} if champion is not None else set())
            if same or champion is None:  # the previous champion stays what it was
                previous = vx.get_model(resource, PREVIOUS)
                protected |= {previous.key} if previous is not None else set()
            gone = extras(endpoint, split, protected)
            _retire(vx, out, target, endpoint, split, gone, model, wait=monitoring_wait, deferrable=True)

    return run("promote", target, team, model, None, body)


def _move_champion(
    vx: DryRunVertex, out: Progress, resource: str, version: ModelVersion, champion: ModelVersion | None
) -> None:
    """The outgoing champion takes previous-champion (moved off its old holder in this one call) while it still
    holds champion; the next call moves champion, so some version always holds it. If that second call fails,
    the outgoing champion holds both: `promote` again finishes the move, `rollback` returns the traffic to it."""
    if champion is not None:
        with out.step("move_alias", alias=PREVIOUS, to=champion.version_id):
            vx.merge_aliases(resource, champion.version_id, [PREVIOUS])
    changes = [CHAMPION] + [
        f"-{a}" for a in (CANDIDATE, PREVIOUS) if a in version.aliases and not (a == PREVIOUS and champion is not None)
    ]
    try:
        with out.step("move_alias", alias=CHAMPION, to=version.version_id):
            vx.merge_aliases(resource, version.version_id, changes)
    except Exception as exc:
        if champion is not None:
            exc.add_note(
                f"version {champion.version_id} now holds both {CHAMPION} and {PREVIOUS}, and version "
                f"{version.version_id} serves: run `modelops promote --version {version.version_id}` again to finish, "
                f"or `modelops rollback` to return the traffic to version {champion.version_id}"
            )
        raise


def rollback(
    config: Config,
    target: Target,
    team_name: str,
    model_name: str,
    to_ref: str | None = None,
    keep: Iterable[str] = (),
    monitoring_wait: float | None = None,
) -> Outcome:
    team = config.team(team_name)
    model = team.model(model_name)
    resource = model_resource(target, team, model)
    on_endpoint = spec_of(model).lifecycle.endpoint

    def body(vx: DryRunVertex, out: Progress) -> None:
        champion = vx.get_model(resource, CHAMPION)
        if champion is None:
            raise LifecycleError(f"{resource} has no {CHAMPION} to roll back from")
        back_to = vx.get_model(resource, to_ref or PREVIOUS)
        if back_to is None:
            raise LifecycleError(f"{resource} has no {to_ref or PREVIOUS} version; pass --to VERSION")
        half_promoted = not vx.dry_run and back_to.key == champion.key
        if half_promoted and (to_ref is not None or PREVIOUS not in back_to.aliases):
            raise LifecycleError(f"version {back_to.version_id} already is the {CHAMPION}")
        kept = _kept_keys(vx, resource, keep)
        out.result.update(identity(target, back_to), rolled_back_version=champion.version_id)
        endpoint, split = None, {}
        if on_endpoint:
            endpoint_name = endpoint_resource(target, team, model)
            endpoint = _endpoint(vx, endpoint_name, team, target.env)
            if half_promoted:
                out.result["rolled_back_version"] = _serving_most(endpoint) or champion.version_id
                out.notes.append(
                    f"version {back_to.version_id} holds both {CHAMPION} and {PREVIOUS}: a promote stopped between "
                    f"its two alias moves; the traffic goes back to version {back_to.version_id}"
                )
            split = all_traffic_to(
                endpoint,
                back_to,
                hint=(
                    f"deploy it as a canary (modelops deploy --team {team.name} --model {model.name} "
                    f"--version {back_to.version_id}), then roll back to it"
                ),
            )
            out.result.update(endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
        if endpoint is not None:
            with out.step("set_traffic", traffic_split=split):
                vx.set_traffic(endpoint.resource, split, endpoint.etag)
            out.result["traffic_split"] = split
        # One call: champion moves off the rolled-back version; previous-champion is used up.
        changes = [CHAMPION] + ([f"-{PREVIOUS}"] if PREVIOUS in back_to.aliases else [])
        with out.step("move_alias", alias=CHAMPION, to=back_to.version_id):
            vx.merge_aliases(resource, back_to.version_id, changes)
        if endpoint is not None:
            gone = extras(endpoint, split, kept | {back_to.key})
            _retire(vx, out, target, endpoint, split, gone, model, wait=monitoring_wait, deferrable=True)

    return run("rollback", target, team, model, None, body)


def _serving_most(endpoint: EndpointState) -> str | None:
    serving = sorted(endpoint.with_traffic(), key=lambda d: -endpoint.percent(d.id))
    return serving[0].version_id if serving else None


def validated(config: Config, target: Target, card: ModelCard) -> Outcome:
    """The audit event for a card that passed every gate (model repositories' CI)."""
    team = config.team(card.team)
    model = team.model(card.model)

    def body(vx: DryRunVertex, out: Progress) -> None:
        out.result.update(
            valid=True,
            gates=[
                "schema",
                "team_and_model",
                "metrics",
                "image_in_platform_repository",
                "classification",
                "personal_data_approval",
                "skew_baseline",
            ],
        )

    return run("validate_card", target, team, model, card, body)
