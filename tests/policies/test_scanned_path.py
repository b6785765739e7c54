"""checkov names a scanned file "/" + its path relative to the working directory; rules that read the file resolve it
wherever the repository and the synth output live (a CI clone under /tmp broke the old reading)."""

from __future__ import annotations

import os

from policies.rulebase import scanned_path


def test_a_checkov_display_path_resolves_from_any_working_directory(tmp_path, monkeypatch):
    target = tmp_path / "out" / "stacks" / "team-a-dev" / "cdk.tf.json"
    target.parent.mkdir(parents=True)
    target.write_text("{}")
    work = tmp_path / "clone" / "p"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    display = "/" + os.path.relpath(target, work)  # "/../../out/stacks/team-a-dev/cdk.tf.json"
    assert not os.path.exists(display)
    assert scanned_path(display) == target
    assert scanned_path(str(target)) == target
