"""MLOPS_GKE_7: workloads run images by digest from their environment's platform serving-images repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policies.kubernetes_pods import WORKLOAD_TYPES, pod_templates, scalar
from policies.rulebase import ResourceRule, serving_registry

# `<registry prefix><image>@sha256:<64 hex>`: the prefix is the environment's repository
# `<region>-docker.pkg.dev/<platform project>/serving-images/` (config.names.serving_image_prefix, Artifact
# Registry's Docker image path, https://cloud.google.com/artifact-registry/docs/docker/names); a digest names one
# image for ever (a tag can be moved; the repository's tags are immutable too, modules/artifact_registry.py).
IMAGE_AND_DIGEST = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$")


def image_problems(tf_type: str, conf: dict[str, Any], registry: str | None) -> Iterator[str]:
    """Every container whose image is not `<registry><name>@sha256:<digest>`."""
    for pod in pod_templates(tf_type, conf):
        for c in pod.containers:
            image = str(scalar(c.conf, "image") or "")
            if registry is None:
                yield f"{c.label}: no platform serving-image repository is known for this stack's environment"
            elif not (image.startswith(registry) and IMAGE_AND_DIGEST.match(image[len(registry) :])):
                yield f"{c.label}: image {image or '(none)'} is not {registry}<image>@sha256:<digest>"


class GkeWorkloadImages(ResourceRule):
    id = "MLOPS_GKE_7"
    title = "GKE workloads: images by digest from the environment's platform registry"
    why = (
        "A tag can point at other code tomorrow; a digest cannot. Images must come from the one repository CI "
        "writes: `<platform region>-docker.pkg.dev/<platform project of the environment>/serving-images/`, not a "
        "repository of the same name in any other project or region. Binary Authorization admits only that "
        "repository at deploy time; the gate says so in the pull request, with the line to fix, for every "
        "container, init container and ephemeral container of every pod-bearing resource and manifest."
    )
    capability = "deployment: one standard, governed deployment function"
    fix = (
        "Set `serving.image` to `<path>@sha256:<digest>` of an image pushed to the platform's serving-images "
        "repository of the environment (`modelops deploy` writes it from the registered card)."
    )
    severity = "HIGH"
    model_field = ("serving", "image")
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        return image_problems(self.entity_type, conf, serving_registry(self.where.env))


check = GkeWorkloadImages()
