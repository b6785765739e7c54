"""MLOPS_GKE_7: workloads run images by digest from the platform's serving-images repository."""

from __future__ import annotations

import re

from config import names
from policies.kubernetes_pods import WORKLOAD_TYPES, containers, name_of
from policies.rulebase import ResourceRule, attr

# `<location>-docker.pkg.dev/<project>/<repository>/<image>@sha256:<64 hex>`: Artifact Registry's Docker
# image path (https://cloud.google.com/artifact-registry/docs/docker/names) with a digest, which names one
# image for ever (a tag can be moved; the repository's tags are immutable too, modules/artifact_registry.py).
PLATFORM_IMAGE = re.compile(
    rf"^[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]{{4,28}}[a-z0-9]/{re.escape(names.ARTIFACT_REPOSITORY)}/"
    r"[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$"
)


class GkeWorkloadImages(ResourceRule):
    id = "MLOPS_GKE_7"
    title = "GKE workloads: images by digest from the platform registry"
    why = (
        "A tag can point at other code tomorrow; a digest cannot. Binary Authorization admits only the platform "
        "repository at deploy time; the gate says so in the pull request, with the line to fix."
    )
    capability = "deployment: one standard, governed deployment function"
    fix = (
        "Set `serving.image` to `<path>@sha256:<digest>` of an image pushed to the platform's serving-images "
        "repository (`modelops deploy` writes it from the registered card)."
    )
    severity = "HIGH"
    model_field = ("serving", "image")
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        for c in containers(conf):
            image = str(attr(c, "image") or "")
            if not PLATFORM_IMAGE.match(image):
                yield f"container {name_of(c)}: image {image or '(none)'} is not <region>-docker.pkg.dev/<project>/{names.ARTIFACT_REPOSITORY}/...@sha256:<digest>"


check = GkeWorkloadImages()
