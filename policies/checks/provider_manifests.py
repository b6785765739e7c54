"""MLOPS_TF_11: every kubernetes_manifest body is what its custom resource's published schema accepts."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.crds import manifest_problems
from policies.rulebase import ConfigRule, Outcome


class ManifestsMatchTheirSchema(ConfigRule):
    id = "MLOPS_TF_11"
    title = "kubernetes_manifest bodies match the published schema of their custom resource (fields, types, required)"
    why = (
        "The kubernetes provider reads a manifest's schema from the cluster at plan time, so nothing before the "
        "apply checks its body: a wrong type or a missing required field fails the apply, and a misspelt field is "
        "dropped by the API server without an error (a PodMonitoring that scrapes nothing looks healthy)."
    )
    capability = CAPABILITY
    fix = (
        "Spell the manifest as the custom resource's schema does (policies/provider/data/crds.json.gz, vendored "
        "from Google's published CRDs by python -m policies.provider.vendor_crds), in the construct under modules/."
    )
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        for stack in scan.stacks:
            for resource in stack.resources("kubernetes_manifest"):
                manifest = resource.conf.get("manifest")
                problems = manifest_problems(manifest) if isinstance(manifest, dict) else ["no manifest object"]
                yield Outcome(stack.name, resource.address, resource.construct_path, not problems, "; ".join(problems))


check = ManifestsMatchTheirSchema()
