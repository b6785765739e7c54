"""Traffic splits the commands set, and which deployed models they leave at 0% to undeploy.

Every split names every deployed model (0 for the rest) and sums to 100 ("The traffic percentage values must
add up to 100", Endpoint.traffic_split; "0" names the model being deployed, DeployModelRequest.traffic_split,
endpoint_service.proto). A deploy never takes traffic it was not asked to take from a serving version it does
not know to be the champion: only a first deployment (nothing deployed) gets 100% by default, and 100% next to
a serving version is a cut-over, which is `modelops promote`'s job (it moves the aliases with the traffic).
"""

from __future__ import annotations

from collections.abc import Iterable

from config.model import Model
from lifecycle.context import LifecycleError
from lifecycle.identity import ModelKey
from lifecycle.vertex import DeployedModel, EndpointState, ModelVersion, Placeholder

CANARY_PERCENT = 10


def canary_split(
    endpoint: EndpointState, version: ModelVersion, champion: ModelVersion | None, traffic: int | None
) -> tuple[int, dict[str, int], DeployedModel | None]:
    """(percent, split, already-deployed model or None) for deploying ``version``.

    The rest of the traffic stays with the incumbents: the champion when it serves, else every version that
    serves now, in proportion to what each serves (a version deployed but never promoted keeps serving). A new
    canary next to the champion replaces the previous canary (it goes to 0%). Without ``traffic`` a version that
    already serves keeps its share.
    """
    if not endpoint.known:  # dry run
        pct = traffic if traffic is not None else CANARY_PERCENT
        split: dict[str, int] = {"0": pct}
        if pct < 100:
            split[Placeholder("deployed models serving now: the champion, else each in proportion")] = 100 - pct
        return pct, split, None
    already = endpoint.serving(version.key)
    serving_champion = endpoint.serving(champion.key) if champion else None
    serving = [d for d in endpoint.with_traffic() if d != already]
    incumbents = [serving_champion] if serving_champion is not None and serving_champion in serving else serving
    deployed = list(endpoint.deployed or ())
    if traffic is None and already is not None and endpoint.percent(already.id):
        # A redeploy of a version that serves: its share stays (replicas and its objective are what change).
        return endpoint.percent(already.id), {d.id: endpoint.percent(d.id) for d in deployed}, already
    if traffic is None and deployed and not incumbents:
        raise LifecycleError(
            f"versions are deployed on {endpoint.resource} but none serves traffic; pass --traffic 100 to give "
            "this version all of it"
        )
    pct = traffic if traffic is not None else (CANARY_PERCENT if incumbents else 100)
    names = ", ".join(f"version {d.version_id} ({endpoint.percent(d.id)}%)" for d in incumbents)
    if pct == 100 and incumbents:
        raise LifecycleError(
            f"--traffic 100 would take all traffic from {names} on {endpoint.resource} without a promotion; "
            "deploy a canary (default 10%) and `modelops promote` it, which moves the champion alias with the traffic"
        )
    if pct < 100 and not incumbents:
        raise LifecycleError(
            f"nothing serves on {endpoint.resource} to take the other {100 - pct}%: "
            "the first deployment takes 100% (omit --traffic)"
        )
    split = {d.id: 0 for d in deployed}
    split[already.id if already else "0"] = pct
    split.update(_shares(endpoint, incumbents, 100 - pct))
    return pct, split, already


def _shares(endpoint: EndpointState, incumbents: list[DeployedModel], rest: int) -> dict[str, int]:
    """``rest`` percent over ``incumbents`` in proportion to their traffic now (largest remainder, whole percent)."""
    total = sum(endpoint.percent(d.id) for d in incumbents)
    if not incumbents or total == 0:
        return {}
    exact = {d.id: rest * endpoint.percent(d.id) / total for d in incumbents}
    shares = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (shares[k] - exact[k], k))[: rest - sum(shares.values())]:
        shares[k] += 1
    return shares


def all_traffic_to(endpoint: EndpointState, version: ModelVersion, hint: str) -> dict[str, int]:
    if not endpoint.known:
        return {
            Placeholder(f"deployed model id of {version.versioned}"): 100,
            Placeholder("every other deployed model"): 0,
        }
    serving = endpoint.serving(version.key)
    if serving is None:
        raise LifecycleError(f"{version.versioned} is not deployed on {endpoint.resource}; {hint}")
    split = {d.id: 0 for d in endpoint.deployed or ()}
    split[serving.id] = 100
    return split


def extras(
    endpoint: EndpointState, split: dict[str, int], protected: set[ModelKey], also: Iterable[DeployedModel] = ()
) -> list[DeployedModel]:
    """Deployed models the command leaves at 0% that no alias or --keep-deployed protects."""
    return [d for d in (*(endpoint.deployed or ()), *also) if not split.get(d.id) and d.key not in protected]


def replicas_wanted(model: Model) -> tuple[str, int, int]:
    serving = model.serving
    return serving.machine_type, serving.min_replicas, serving.max_replicas
