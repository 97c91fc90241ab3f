"""How an imported draft differs from a reviewed model of the same SOP.

Used to check an import against the hand-made model (the seeds in bpmn/), and by designers who
re-import a revised SOP document: the differences go into the import report, one line each.
"""
from __future__ import annotations

from lxml import etree

from engine.bpmn_model import BPMN_NS, NS, decision_flows, parse_model
from engine.sop_definition import SopDefinition


def model_outline(xml: bytes, filename: str) -> tuple[list[str], dict[str, str], dict[str, str | None]]:
    """A model's lanes, the lane of each step number, and each decision's Tidak target step."""
    parsed = parse_model(xml, filename)
    process = etree.fromstring(xml).find(f"bpmn:process[@id='{parsed.key}']", NS)
    step_of = {task.bpmn_id: task.step for task in parsed.tasks.values()}
    step_lanes = {task.step: task.lane for task in parsed.tasks.values() if task.step}
    decisions = {}
    for task in parsed.tasks.values():
        if task.is_decision:
            gateway = next(flow.get("targetRef") for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow")
                           if flow.get("sourceRef") == task.bpmn_id)
            decisions[task.step] = step_of.get(decision_flows(process, gateway).get("tidak"))
    return parsed.lanes, step_lanes, decisions


def differences(definition: SopDefinition, xml: bytes, filename: str) -> list[str]:
    lanes, step_lanes, decisions = model_outline(xml, filename)
    found = {step.number: step for step in definition.steps}
    out = []
    if definition.lanes != lanes:
        out.append(f"lanes: imported {definition.lanes}, model {lanes}")
    for step, lane in step_lanes.items():
        if step not in found:
            out.append(f"step {step}: in the model ({lane}), not imported")
        elif found[step].lane != lane:
            out.append(f"step {step}: imported in lane {found[step].lane!r}, model has {lane!r}")
    for step in sorted(set(found) - set(step_lanes)):
        out.append(f"step {step}: imported, not in the model")
    imported = {step.number: step.no_target for step in definition.steps if step.decision}
    for step in sorted(set(imported) | set(decisions)):
        if imported.get(step, "-") != decisions.get(step, "-"):
            out.append(f"decision at step {step}: imported Tidak -> {imported.get(step, 'no decision')}, "
                       f"model Tidak -> {decisions.get(step, 'no decision')}")
    return out
