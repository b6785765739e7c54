"""What `register` records about a card on the registry version, and the check that a version carries it.

`deploy` runs only versions that came through `register`: the labels say who registered it and from which card
(``card_sha``: the card's sha256, whose full value is in the version description), and the container image must
be a digest in the environment's platform repository (the same gate the card passed). With ``--card`` every
label, the image, the artifact and the description must be exactly what `register` would write for that card.

Anyone holding ``aiplatform.models.upload`` can write the same labels on a version of their own; the image rule
still holds for it, and Cloud Audit Logs name the principal of every ``models.upload``
(docs/model-lifecycle.md, "What the gates do not cover").
"""

from __future__ import annotations

import hashlib
import json

from config import names
from config.model import Team
from lifecycle.card import ModelCard
from lifecycle.context import LifecycleError
from lifecycle.gates import image_problems
from lifecycle.vertex import ModelVersion

CARD_SHA = "card_sha"
# A label value holds 63 characters (names.LABEL_VALUE): 40 hex characters (160 bits) of the card's sha256.
CARD_SHA_LENGTH = 40


def card_digest(card: ModelCard) -> str:
    """sha256 of the card as written, canonical JSON (sorted keys): the same card gives the same digest."""
    text = json.dumps(card.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def registry_labels(card: ModelCard, team: Team, env: str) -> dict[str, str]:
    """Identifiers to filter on. No personal data: labels are readable with aiplatform.models.get and are
    copied into billing exports, and Google advises against personal data in them
    (https://cloud.google.com/resource-manager/docs/labels-overview); the business owner's approval stays in
    the card and the audit event."""
    labels = {
        "team": team.name,
        "model": card.model,
        "env": env,
        "card_version": names.label_value(card.version),
        CARD_SHA: card_digest(card)[:CARD_SHA_LENGTH],
        "train_code_sha": card.training_code.commit,
        "serve_code_sha": card.prediction_code.commit,
        # A label holds 63 characters: the lock file's sha256 prefix; the full hash is in the description.
        "deps_sha": card.lock_sha256[:40],
        "data_class": card.data_classification,
        "personal_data": "yes" if card.personal_data else "no",
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
    return (
        f"card {card.version} (sha256:{card_digest(card)}). Training data: {data}. "
        f"Training code: {card.training_code.repo}@{card.training_code.commit}. "
        f"Prediction code: {card.prediction_code.repo}@{card.prediction_code.commit}. "
        f"Dependencies: {card.lock_file} sha256:{card.lock_sha256}; {frameworks}. "
        f"Evaluation on {card.evaluation_dataset.uri} @ {card.evaluation_dataset.snapshot}: {metrics}. "
        f"Data classification: {card.data_classification}; personal data: "
        f"{', '.join(card.personal_data_categories) if card.personal_data else 'none'}."
    )


def registration_problems(
    version: ModelVersion, *, team: Team, model: str, env: str, image_prefix: str, card: ModelCard | None
) -> list[str]:
    """Why ``version`` may not be deployed (empty: it came through `register`, from ``card`` when given)."""
    labels = dict(version.labels)
    problems = []
    expected = {"managed-by": names.MANAGED_BY, "team": team.name, "model": model, "env": env}
    wrong = {k: labels.get(k) for k, v in expected.items() if labels.get(k) != v}
    if wrong:
        problems.append(
            f"it was not registered by `modelops register` for {team.name}/{model} in {env}: labels "
            + ", ".join(f"{k}={v!r} (expected {expected[k]!r})" for k, v in wrong.items())
        )
    if not labels.get(CARD_SHA):
        problems.append(f"it has no {CARD_SHA} label: register the card with `modelops register`")
    problems += [f"its container image: {p}" for p in image_problems(version.image_uri or "", image_prefix)]
    if card is not None:
        want = registry_labels(card, team, env)
        differ = sorted(k for k in set(want) | set(labels) if want.get(k) != labels.get(k))
        if differ:
            problems.append(
                f"--card {card.version} is not the card it was registered from; labels differ: "
                + ", ".join(f"{k}={labels.get(k)!r} (card: {want.get(k)!r})" for k in differ)
            )
        for what, have, card_value in (
            ("container image", version.image_uri, card.serving_image),
            ("artifact", version.artifact_uri, card.artifact_uri),
        ):
            if _plain(have) != _plain(card_value):
                problems.append(f"--card: the registered {what} is {have!r}, the card's is {card_value!r}")
        if version.description != version_description(card):
            problems.append("--card: the registered version description is not the one `register` writes for it")
    return problems


def _plain(value: str | None) -> str:
    """A trailing slash of a directory URI is not a difference."""
    return (value or "").rstrip("/")
