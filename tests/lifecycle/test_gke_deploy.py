"""`modelops deploy` of a model on the cluster (fixture organisation: scout/query-suggest, `runtime: gke`, and
reach/intent-propensity, streaming): it writes the card's image, the registered version id and the card's artifact
location into `serving` of the team file (value lines only; comments and the loader's line numbers of everything
else hold) and records the audit event, without any Vertex deploy; the dry run shows the diff and writes nothing."""

from __future__ import annotations

import json

import pytest

from config.errors import ConfigInvalid
from config.loader import load_config
from lifecycle import actions
from lifecycle.card import load_card
from lifecycle.team_file import scalar, with_serving, with_serving_image
from tests.lifecycle.conftest import CARDS, ORG, emulated
from tests.lifecycle.test_cli_lifecycle import invoke, offline  # noqa: F401 (fixture)

NEW_DIGEST = "sha256:" + "ab" * 32
NEW_IMAGE = f"query-suggest@{NEW_DIGEST}"


@pytest.fixture
def card(tmp_path) -> str:
    """A card of scout/query-suggest, the example card's content with this model's name and image."""
    text = (CARDS / "ledger-pay-scorer.yaml").read_text()
    old_image = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("serving_image:"))
    text = text.replace("team: ledger", "team: scout").replace("model: pay-scorer", "model: query-suggest")
    text = text.replace(old_image, f"europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/{NEW_IMAGE}")
    # scout is an `internal` team with its own business owner
    text = text.replace("data_classification: restricted", "data_classification: internal")
    text = text.replace("by: kim.berg@orbit.example", "by: eva.novak@orbit.example")
    path = tmp_path / "scout-query-suggest.yaml"
    path.write_text(text)
    return str(path)


def test_dry_run_shows_the_one_line_diff_sends_no_vertex_deploy_and_writes_nothing(offline, card):  # noqa: F811
    team_file = ORG / "teams" / "scout.yaml"
    before = team_file.read_text()
    result = invoke("deploy", "-t", "scout", "-m", "query-suggest", "-v", "3", "--card", card, "-o", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True and team_file.read_text() == before
    assert not [r for r in report["requests"] if r["sdk"] == "aiplatform.Model.deploy"]
    assert [r["sdk"] for r in report["requests"]] == ["aiplatform.Model"]  # the registered version, read only
    diff = report["result"]["diff"]
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    # the image line changes; the version and the card's artifacts go right after it
    assert len(removed) == 1 and removed[0].strip("- ").startswith("image: query-suggest@sha256:7c3e")
    assert added == [
        f"+      image: {NEW_IMAGE}",
        '+      version: "3"',
        "+      artifact_uri: gs://orbit-ledger-models/pay-scorer/2024.10.1/",
    ]
    event = report["audit_event"]
    assert (event["action"], event["team"], event["model"]) == ("deploy", "scout", "query-suggest")
    assert event["result"]["serving_image"] == NEW_IMAGE and event["result"]["runtime"] == "gke"


def test_gke_deploy_refuses_without_a_card_and_with_a_traffic_split(offline, card):  # noqa: F811
    no_card = invoke("deploy", "-t", "scout", "-m", "query-suggest", "-v", "candidate", "-o", "json")
    assert no_card.exit_code == 2 and "--card" in no_card.output
    split = invoke("deploy", "-t", "scout", "-m", "query-suggest", "-v", "1", "--card", card, "--traffic", "10")
    assert split.exit_code == 2 and "traffic" in split.output


def test_the_edit_changes_one_line_and_the_loader_reads_the_new_image_at_the_same_line(org_copy):
    config = load_config(org_copy)
    team = config.team("scout")
    edit = with_serving_image(team, "query-suggest", NEW_IMAGE)
    before, after = edit.before.splitlines(), edit.after.splitlines()
    assert len(before) == len(after)
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [
        next(i for i, line in enumerate(before) if "image: query-suggest@" in line)
    ]
    edit.file.write_text(edit.after)
    reloaded = load_config(org_copy).team("scout")
    assert reloaded.model("query-suggest").serving.image == NEW_IMAGE
    assert [m.source.line for m in reloaded.models] == [m.source.line for m in team.models]
    assert with_serving_image(reloaded, "query-suggest", NEW_IMAGE).changed is False


def test_a_model_without_an_image_gets_one_line_inside_its_serving_block(org_copy):
    scout = org_copy / "teams" / "scout.yaml"
    scout.write_text(
        "\n".join(line for line in scout.read_text().splitlines() if "image: query-suggest@" not in line) + "\n"
    )
    team = load_config(org_copy).team("scout")
    assert team.model("query-suggest").serving.image is None
    edit = with_serving_image(team, "query-suggest", NEW_IMAGE)
    assert len(edit.after.splitlines()) == len(edit.before.splitlines()) + 1
    edit.file.write_text(edit.after)
    model = load_config(org_copy).team("scout").model("query-suggest")
    assert model.serving.image == NEW_IMAGE and model.serving.runtime == "gke" and model.serving.max_replicas == 6


def test_a_first_deploy_without_a_serving_block_adds_one(org_copy):
    """A streaming model needs no serving settings before its first deploy: the edit adds the block (review 13c,
    item 1), right after the model's name, and the file loads with the new values."""
    reach = org_copy / "teams" / "reach.yaml"
    text = reach.read_text()
    start = text.index("    serving:\n", text.index("- name: intent-propensity"))
    end = start + len("    serving:\n")
    while text[end:].startswith("      "):
        end = text.index("\n", end) + 1
    reach.write_text(text[:start] + text[end:])
    team = load_config(org_copy).team("reach")
    assert team.model("intent-propensity").serving.image is None
    edit = with_serving(team, "intent-propensity", {"image": NEW_IMAGE, "version": scalar("3", quote=True)})
    edit.file.write_text(edit.after)
    serving = load_config(org_copy).team("reach").model("intent-propensity").serving
    assert (serving.image, serving.version) == (NEW_IMAGE, "3")


def test_the_written_file_loads_with_the_version_and_artifacts_and_keeps_comments(org_copy):
    team = load_config(org_copy).team("scout")
    edit = with_serving(
        team,
        "query-suggest",
        {
            "image": NEW_IMAGE,
            "version": scalar("12", quote=True),
            "artifact_uri": scalar("gs://orbit-scout-models/m/1/"),
        },
    )
    assert [line for line in edit.before.splitlines() if line.lstrip().startswith("#")] == [
        line for line in edit.after.splitlines() if line.lstrip().startswith("#")
    ]
    edit.file.write_text(edit.after)
    serving = load_config(org_copy).team("scout").model("query-suggest").serving
    assert (serving.image, serving.version, serving.artifact_uri) == (NEW_IMAGE, "12", "gs://orbit-scout-models/m/1/")
    assert serving.model_version == "12"
    # a second deploy of another version replaces the three values in place
    again = with_serving(
        load_config(org_copy).team("scout"),
        "query-suggest",
        {
            "image": NEW_IMAGE,
            "version": scalar("13", quote=True),
            "artifact_uri": scalar("gs://orbit-scout-models/m/2/"),
        },
    )
    assert len(again.after.splitlines()) == len(again.before.splitlines())
    assert '      version: "13"' in again.after.splitlines()


def test_version_and_artifacts_without_an_image_are_refused_at_their_lines(org_copy):
    scout = org_copy / "teams" / "scout.yaml"
    text = scout.read_text()
    image_line = next(line for line in text.splitlines() if "image: query-suggest@" in line)
    scout.write_text(text.replace(image_line, '      version: "2"\n      artifact_uri: gs://orbit-scout-models/m/'))
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    problems = {(e.path, e.line) for e in exc.value.errors}
    lines = scout.read_text().splitlines()
    version_line = next(i for i, line in enumerate(lines, 1) if 'version: "2"' in line)
    assert problems == {
        ("models[1].serving.version", version_line),
        ("models[1].serving.artifact_uri", version_line + 1),
    }


def test_an_unquoted_version_is_a_schema_error_at_its_line(org_copy):
    reach = org_copy / "teams" / "reach.yaml"
    reach.write_text(reach.read_text().replace('version: "4"', "version: 4"))
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    (error,) = exc.value.errors
    assert error.path == "models[1].serving.version" and error.line


def test_a_streaming_model_deploys_through_the_team_file_live(server, org_copy):
    """reach/intent-propensity against the fake registry: register the card, deploy `candidate`; the team file then
    names the image, the version id the registry assigned and the card's artifacts, and no endpoint is touched."""
    config = load_config(org_copy)
    target = emulated(config, "reach", server)
    card = load_card(CARDS / "reach-intent-propensity.yaml")[0]
    actions.register(config, target, card)
    outcome = actions.deploy(config, target, "reach", "intent-propensity", "candidate", card=card)
    assert not server.fake.calls("POST", r":deployModel$")
    serving = load_config(org_copy).team("reach").model("intent-propensity").serving
    assert serving.image == card.serving_image.split("/serving-images/", 1)[1]
    assert serving.version is not None and serving.version.isdigit()
    assert serving.version == outcome.result["version_id"]
    assert serving.artifact_uri == card.artifact_uri
    assert outcome.result["runtime"] == "streaming"
