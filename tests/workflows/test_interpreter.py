"""The Workflows interpreter follows Google's documented semantics, and refuses what it does not implement.

Samples are Google's own where the reference gives one (quoted with their URL), so the
interpreter is checked against the service's documented answer, not against itself.
"""

from __future__ import annotations

import pytest
import yaml

from tests.workflows.expressions import Unsupported, WorkflowError, error, standard_library
from tests.workflows.interpreter import Interpreter


def run(definition: str | dict, argument=None, connectors=None):
    spec = yaml.safe_load(definition) if isinstance(definition, str) else definition
    if isinstance(spec, list):
        spec = {"main": {"steps": spec}}

    def no_connectors(name, args):
        raise AssertionError(f"unexpected call {name}")

    return Interpreter(spec, connectors or no_connectors, standard_library(lambda: 0.0, {})).run(argument)


# https://cloud.google.com/workflows/docs/samples/workflows-loop-scope ("any variable created in a
# loop does not exist outside of that loop"); the documented result is the last inner value.
LOOP_SCOPE = """
- init:
    assign:
      - workflowScope: foo
- outerLoop:
    for:
      value: outerLoopValue
      in: [1, 2, 3, 4]
      steps:
        - outerLoopAssign:
            assign:
              - outerLoopScope: ${workflowScope}
        - innerLoop:
            for:
              value: innerLoopValue
              in: [5, 6, 7, 8]
              steps:
                - innerLoopAssign:
                    assign:
                      - workflowScope: ${innerLoopValue}
                      - innerLoopScope: ${outerLoopScope}
- final:
    return:
      - ${workflowScope}
"""


def test_googles_loop_scope_sample_returns_the_last_inner_value_and_hides_loop_variables():
    assert run(LOOP_SCOPE) == [8]
    with pytest.raises(Unsupported, match="outerLoopScope"):
        run(LOOP_SCOPE.replace("      - ${workflowScope}", "      - ${outerLoopScope}"))


# https://cloud.google.com/workflows/docs/reference/syntax/conditions: "If there is neither a match
# nor a default condition, the workflow continues execution with the step that immediately follows."
SWITCH = """
- init:
    assign:
      - x: ${args.x}
- check:
    switch:
      - condition: ${x < 10}
        next: small
      - condition: ${x < 100}
        steps:
          - medium:
              return: medium
- following:
    return: large
- small:
    return: small
"""


@pytest.mark.parametrize(("x", "expected"), [(1, "small"), (50, "medium"), (500, "large")])
def test_switch_takes_the_first_true_condition_else_the_following_step(x, expected):
    assert run({"main": {"params": ["args"], "steps": yaml.safe_load(SWITCH)}}, {"x": x}) == expected


def test_range_is_inclusive_and_next_continue_and_break_act_on_the_loop():
    definition = """
- init:
    assign:
      - seen: []
- loop:
    for:
      value: i
      range: [1, 6]
      steps:
        - skip_two:
            switch:
              - condition: ${i == 2}
                next: continue
        - stop_at_five:
            switch:
              - condition: ${i == 5}
                next: break
        - keep:
            assign:
              - seen: ${list.concat(seen, i)}
- done:
    return: ${seen}
"""
    assert run(definition) == [1, 3, 4]


def test_a_connector_error_map_is_caught_by_its_tags_and_has_no_code_to_match():
    """What the quality workflow's old guard did: `e.code` on an OperationError is itself a KeyError."""
    definition = """
- attempt:
    try:
      call: googleapis.bigquery.v2.jobs.insert
      args: {projectId: p, body: {}}
    except:
      as: e
      steps:
        - by_tag:
            switch:
              - condition: ${"OperationError" in e.tags}
                steps:
                  - tagged:
                      return: ${e.message}
"""

    def failing(name, args):
        raise error("OperationError", "Not found: Table p:d.t", operation={"status": {"state": "DONE"}})

    assert run(definition, connectors=failing) == "Not found: Table p:d.t"
    with pytest.raises(WorkflowError) as caught:
        run(definition.replace('${"OperationError" in e.tags}', "${e.code == 404}"), connectors=failing)
    assert caught.value.tags == ["KeyError"]


def test_raise_of_a_map_reaches_the_caller_and_return_leaves_a_subworkflow():
    definition = {
        "main": {
            "steps": [
                {"call_it": {"call": "inner", "args": {"n": 2}, "result": "r"}},
                {"fail": {"raise": {"message": '${"got " + string(r)}', "n": "${r}"}}},
            ]
        },
        "inner": {"params": ["n", {"extra": 40}], "steps": [{"out": {"return": "${n + extra}"}}]},
    }
    with pytest.raises(WorkflowError) as caught:
        run(definition)
    assert caught.value.value == {"message": "got 42", "n": 42}


def test_expressions_follow_the_reference_types():
    def ev(expression, **variables):
        return run({"main": {"params": ["args"], "steps": [{"r": {"return": "${" + expression + "}"}}]}}, variables)

    assert ev('map.get(args, ["a", "b"])', a={"b": 1}) == 1  # stdlib/map/get: nested keys
    assert ev('map.get(args, ["a", "c"])', a={"b": 1}) is None
    assert ev('default(map.get(args, "x"), "d")') == "d"
    assert ev("7 / 2") == 3.5 and ev("7 // 2") == 3  # `/` yields a double
    assert ev('"a" in args.l', l=["a"]) is True
    assert ev('text.substring("2026-03-10T05:00:00Z", 0, 10)') == "2026-03-10"
    for bad in ('"a" + 1', "args.missing", "not(1)"):
        with pytest.raises(WorkflowError):
            ev(bad)
    with pytest.raises(Unsupported):
        ev('{"a": 1}')  # map literals are outside the subset
    with pytest.raises(Unsupported):
        ev("1 < 2 < 3")


def test_syntax_outside_the_subset_is_refused_not_ignored():
    with pytest.raises(Unsupported, match="parallel"):
        run([{"p": {"parallel": {"branches": []}}}])
    with pytest.raises(Unsupported, match="retry"):
        run([{"t": {"try": {"steps": []}, "retry": {"predicate": "x"}, "except": {"as": "e", "steps": []}}}])
    with pytest.raises(Unsupported, match="leaves its steps list"):
        run([{"a": {"next": "nowhere"}}])
    with pytest.raises(Unsupported, match="50"):
        run([{"a": {"assign": [{f"v{i}": i} for i in range(51)]}}])
    functions = standard_library(lambda: 0.0, {})
    with pytest.raises(Unsupported, match=r"json\.encode"):  # found without running the step
        Interpreter(
            {
                "main": {
                    "steps": [
                        {"a": {"switch": [{"condition": True, "steps": [{"b": {"return": "${json.encode(x)}"}}]}]}}
                    ]
                }
            },
            None,
            functions,
        ).check()


def test_variables_are_limited_to_the_services_512_kb():
    big = "x" * 1000
    definition = {
        "main": {
            "steps": [
                {"init": {"assign": [{"rows": []}]}},
                {
                    "grow": {
                        "for": {
                            "value": "i",
                            "range": [1, 600],
                            "steps": [{"add": {"assign": [{"rows": '${list.concat(rows, "' + big + '")}'}]}}],
                        }
                    }
                },
            ]
        }
    }
    with pytest.raises(WorkflowError, match="allows 524288"):
        run(definition)


def test_every_deployed_workflow_stays_inside_the_interpreted_subset(org_stacks):
    """Paths no scenario takes are still checked: keys, expressions and functions (nothing is run)."""
    from tests.helpers import resources

    checked = 0
    for stack in org_stacks.values():
        for workflow in resources(stack, "google_workflows_workflow").values():
            definition = yaml.safe_load(workflow["source_contents"].replace("$${", "${"))
            checked += Interpreter(definition, None, standard_library(lambda: 0.0, {})).check()
    assert checked > 100
