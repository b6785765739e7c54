"""MLOPS_GKE_4: the cluster follows a release channel."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

CHANNELS = {"RAPID", "REGULAR", "STABLE", "EXTENDED"}


class GkeReleaseChannel(ResourceRule):
    id = "MLOPS_GKE_4"
    title = "GKE: release channel set"
    why = "A release channel keeps control plane and nodes patched without manual upgrades."
    capability = "deployment: one hardened, centrally run cluster"
    fix = "Set gke.release_channel in platform.yaml (REGULAR by default)."
    severity = "MEDIUM"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        channel = attr(conf, "release_channel", "channel")
        return [] if channel in CHANNELS else [f"release_channel.channel is {channel or 'unset'}"]


check = GkeReleaseChannel()
