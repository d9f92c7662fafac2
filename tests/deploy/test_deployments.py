"""prefect.yaml's deployments: each entrypoint is a flow of the deployment's name (read from the
source, no import), and the `assign-matter` form asks for what `duban assign` asks for."""

from __future__ import annotations

import ast

import pytest
import yaml

from tests import ROOT

pytestmark = pytest.mark.unit
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def _flow_name(entrypoint: str) -> str | None:
    path, func = entrypoint.split(":")
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == func:
            for d in node.decorator_list:
                if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "flow":
                    return next((k.value.value for k in d.keywords if k.arg == "name"), func)  # type: ignore[attr-defined]
    return None


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_each_deployment_runs_a_flow_of_its_name(deployment):
    assert _flow_name(deployment["entrypoint"]) == deployment["name"]
    assert deployment.get("description") and deployment["work_pool"]["name"] == "duban"


def test_the_assign_matter_form():
    from prefect.flows import load_flow_from_entrypoint

    [d] = [d for d in DEPLOYMENTS if d["name"] == "assign-matter"]
    schema = load_flow_from_entrypoint(d["entrypoint"]).parameters.model_dump()
    props = schema["properties"]
    assert schema["required"] == ["units", "title", "due", "by"]
    assert props["units"]["type"] == "array" and props["units"]["items"] == {"type": "string"}
    assert props["due"]["format"] == "date"
    assert {"instruction", "source", "responsible"} <= set(props)
