"""`modelops status`: what is deployed where, read from Vertex AI (never changed, no audit event).

Per model: which version holds each lifecycle alias; for models on an endpoint the endpoint's deployed
models with their traffic share and aliases, the monitoring job's state (only a RUNNING job takes the
next deploy's update) and its objective for each of them (skew baseline, drift thresholds), its log
retention, key and the BigQuery tables it logs requests into. Reads
only (models.get, endpoints.get, modelDeploymentMonitoringJobs.get), so `roles/aiplatform.viewer`
suffices.
"""

from __future__ import annotations

from typing import Any

from config import names
from config.model import Config, Model, Team
from config.patterns import spec_of
from lifecycle.actions import CANDIDATE, CHAMPION, PREVIOUS, endpoint_resource, model_resource
from lifecycle.context import Target
from lifecycle.identity import resource_id, with_project
from lifecycle.trail import vertex_for
from lifecycle.vertex import Recorder

ALIASES = (CHAMPION, PREVIOUS, CANDIDATE, "default")


def read(config: Config, target: Target, team_name: str, model_name: str | None = None) -> dict[str, Any]:
    team = config.team(team_name)
    models = [team.model(model_name)] if model_name else list(team.models)
    recorder = Recorder()
    vx, _ = vertex_for(target, recorder)
    entries = [_model(vx, target, team, model) for model in models]
    view: dict[str, Any] = {
        "team": team.name,
        "env": target.env,
        "project": target.project,
        "region": target.region,
        "dry_run": target.dry_run,
        "models": entries,
    }
    if target.dry_run:
        view["requests"] = recorder.requests
        view["notes"] = ["dry run: nothing was sent; these are the reads a live run makes"]
    return view


def _model(vx: Any, target: Target, team_: Team, model: Model) -> dict[str, Any]:
    team = team_.name
    resource = model_resource(target, team_, model)
    aliases: dict[str, str] = {}
    for alias in ALIASES:
        version = vx.get_model(resource, alias)
        if version is not None:
            aliases[alias] = version.version_id
    entry: dict[str, Any] = {
        "model": model.name,
        "pattern": model.pattern,
        "model_id": names.vertex_model_id(team, model.name),
        "registry_model": resource,
        "aliases": aliases,
    }
    spec = spec_of(model).lifecycle
    if spec.team_file:  # the cluster runs what the team file pins (`modelops deploy` writes it)
        entry["serves"] = (
            f"{model.serving.image or 'nothing yet'} (serving.image in {model.source.file}, version "
            f"{model.serving.version or 'not recorded'}; the {CHAMPION} alias is the registry's record only)"
        )
        return entry
    if not spec.endpoint:
        entry["serves"] = f"{names.vertex_model_id(team, model.name)}@{CHAMPION} (read by the {spec.champion_reader})"
        return entry
    endpoint_name = endpoint_resource(target, team_, model)
    endpoint = vx.get_endpoint(endpoint_name)
    entry.update(endpoint=endpoint_name, endpoint_id=resource_id(endpoint_name))
    if endpoint is None:
        entry["deployed"] = []
        entry["note"] = f"the endpoint does not exist yet (cdktn deploy {names.team_stack(team, target.env)})"
        return entry
    monitoring = vx.get_monitoring(endpoint.monitoring_job) if endpoint.monitoring_job else None
    objectives = monitoring.objectives if monitoring is not None else {}
    entry["monitoring_job"] = with_project(endpoint.monitoring_job, target.project) if endpoint.monitoring_job else None
    if monitoring is not None and monitoring.objectives is not None:
        entry.update(
            monitoring_state=monitoring.state,
            monitoring_log_ttl_days=monitoring.log_ttl_days,
            monitoring_tables=list(monitoring.bigquery_tables),
            monitoring_encryption_key=monitoring.kms_key,
        )
    if not endpoint.known:
        return entry
    entry["deployed"] = [
        {
            "deployed_model_id": d.id,
            "version_id": d.version_id,
            "display_name": d.display_name,
            "traffic_percent": endpoint.percent(d.id),
            "aliases": sorted(a for a, v in aliases.items() if v == d.version_id),
            "monitoring": (objectives or {}).get(d.id),
        }
        for d in sorted(endpoint.deployed, key=lambda d: -endpoint.percent(d.id))
    ]
    return entry


def lines(view: dict[str, Any]) -> list[str]:
    """The view for people: one block per model."""
    out = [f"team {view['team']} in {view['env']} ({view['project']}, {view['region']})"]
    for m in view["models"]:
        aliases = ", ".join(f"{a}={v}" for a, v in m["aliases"].items()) or "no versions registered"
        out.append(f"  {m['model']} ({m['pattern']}): {aliases}")
        if m.get("note"):
            out.append(f"    {m['note']}")
        for d in m.get("deployed", []):
            mon = d["monitoring"]
            watch = (
                "no objective"
                if mon is None
                else (f"skew vs {mon['skew']['baseline']}, drift" if mon.get("skew") else "drift only")
            )
            tags = f" [{', '.join(d['aliases'])}]" if d["aliases"] else ""
            out.append(
                f"    v{d['version_id']} {d['traffic_percent']:>3}%  deployed model {d['deployed_model_id']}{tags}  "
                f"monitoring: {watch}"
            )
        if m.get("monitoring_state"):
            out.append(f"    monitoring job: {m['monitoring_state'].removeprefix('JOB_STATE_')}")
        if m.get("monitoring_tables"):
            out.append(
                f"    monitoring logs: {', '.join(m['monitoring_tables'])} "
                f"(kept {m.get('monitoring_log_ttl_days')} days)"
            )
    return out
