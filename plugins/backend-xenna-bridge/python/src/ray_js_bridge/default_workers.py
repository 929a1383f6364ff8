"""How many workers a stage without a count gets: a share of each node (no Ray needed).

Every Xenna worker is an actor with its own Node process, so a stage's worker count is
its parallelism. A stage that names none (no ``numWorkers``, ``numWorkersPerNode`` or
``numWorkers()``) gets:

- a source (the run's first fan-out; it gets the run's few initial tasks): one worker;
- a GPU stage: one worker per node (the node's GPUs bound it, not its CPUs);
- any other stage, in streaming mode: an equal share of each node's allocatable CPUs
  (``int(CPU * cpuAllocationPercentage)`` of the smallest node) left after the fixed
  workers of its phase, with the other stages that name no count (the stages of a phase
  run at once); in batch mode, where stages run one after another, the whole node.
  At least one worker per node.

A barrier keeps its one worker (``cluster.stage_workers``); ``"auto"`` stays with Xenna's
autoscaler; ``maxWorkersPerStage`` caps the result as it caps given counts.
"""

from __future__ import annotations

import math
from typing import Any

from .cluster import stage_workers
from .phases import phases_of


def named_count(stage: dict[str, Any]) -> bool:
    """Whether the stage says how many workers it wants (or leaves it to the autoscaler)."""
    return stage.get("numWorkers") is not None or stage.get("numWorkersPerNode") is not None


def with_default_workers(
    stages: list[dict[str, Any]], node_cpus: list[float], run: dict[str, Any]
) -> list[dict[str, Any]]:
    """``stages`` with a count filled in where they name none (see the module comment);
    ``node_cpus``: the logical CPUs of each node the run may use."""
    pct = float(run["cpuAllocationPercentage"])
    node = min((int(cpus * pct) for cpus in node_cpus), default=1)
    streaming = run["executionMode"] == "streaming"
    out = [dict(stage) for stage in stages]
    for phase in phases_of(stages):
        shared: list[int] = []
        for i in phase:
            if named_count(stages[i]) or stages[i].get("barrier"):
                continue
            if stages[i].get("isSource"):
                out[i]["numWorkers"] = 1
            elif float(stages[i]["resources"]["gpus"]) > 0:
                out[i]["numWorkersPerNode"] = 1.0
            else:
                shared.append(i)
        held = sum(_cpus_per_node(out[i], len(node_cpus), run) for i in phase if i not in shared)
        free = node - held if streaming else node
        for i in shared:
            cpus = float(stages[i]["resources"]["cpus"])
            share = (free / len(shared) if streaming else node) / cpus if cpus > 0 else 1
            out[i]["numWorkersPerNode"] = float(max(1, math.floor(share)))
    return out


def idle_source_cpus(stages: list[dict[str, Any]], run: dict[str, Any]) -> float:
    """CPUs the default source workers of a streaming run hold while the other stages
    work: a local cluster gets them on top of the machine's cores (a source mostly waits
    once it has fanned out; Ray's CPUs are bookkeeping, not cores)."""
    if run["executionMode"] != "streaming":
        return 0.0
    return sum(
        float(stage["resources"]["cpus"])
        for stage in stages
        if stage.get("isSource") and not named_count(stage) and not stage.get("barrier")
    )


def _cpus_per_node(stage: dict[str, Any], nodes: int, run: dict[str, Any]) -> float:
    count, per_node = stage_workers(stage, max(nodes, 1), run.get("maxWorkersPerStage"))
    workers = per_node if per_node is not None else (count or 1) / max(nodes, 1)
    return math.ceil(workers) * float(stage["resources"]["cpus"])
