"""What a run needs at once, how large a local cluster is made for it, and whether it fits.

Xenna allocates ``int(CPU * cpuAllocationPercentage)`` CPUs of each node (it truncates) to
stage workers. Streaming runs every stage of a phase (see ``phases``) at once, so the
phase needs the fixed workers of all its stages at the same time (one for ``"auto"``:
Xenna's autoscaler starts there); batch runs one stage at a time. Phases run one after
another. Xenna itself checks a streaming phase only when that phase starts (after the
phases before it ran) and fails a batch stage that does not fit with a Rust panic, so
the driver checks every step of the run before the first one (:func:`check_fit`).

A local cluster started without ``localCpus`` gets enough logical CPUs for the largest
step (:func:`local_cpus`), and at least the machine's cores plus what a streaming run's
sources hold (see ``default_workers``). Logical CPUs are Ray's and Xenna's bookkeeping, not cores:
ten one-CPU workers on a two-core machine share its cores, as ten processes would.
No Ray needed here.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from .cluster import Unsatisfiable, stage_workers
from .default_workers import idle_source_cpus
from .phases import phases_of

EPSILON = 1e-9


@dataclass(frozen=True)
class Demand:
    """CPUs and GPUs one step of the run (a streaming phase, a batch stage) holds at once."""

    cpus: float
    gpus: float
    stages: list[str]


def workers_at_once(stage: dict[str, Any], node_count: int, cap: int | None) -> int:
    """How many workers of ``stage`` Xenna holds at once (its minimum for ``"auto"``)."""
    count, per_node = stage_workers(stage, node_count, cap)
    if count is not None:
        return int(count)
    if per_node is not None:
        return math.ceil(node_count * per_node)
    return 1


def demands(
    stages: list[dict[str, Any]], node_count: int, cap: int | None, streaming: bool
) -> list[Demand]:
    """What each step of the run holds at once: a phase in streaming mode, a stage in batch."""
    steps: list[list[int]] = []
    for phase in phases_of(stages):
        steps += [list(phase)] if streaming else [[index] for index in phase]
    out = []
    for step in steps:
        cpus = gpus = 0.0
        for index in step:
            workers = workers_at_once(stages[index], node_count, cap)
            cpus += workers * float(stages[index]["resources"]["cpus"])
            gpus += workers * float(stages[index]["resources"]["gpus"])
        out.append(Demand(cpus, gpus, [str(stages[index]["name"]) for index in step]))
    return out


def allocatable(cpus: float, pct: float) -> int:
    """The CPUs Xenna allocates of a node with ``cpus``: it truncates."""
    return int(cpus * pct)


def machine_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def local_cpus(stages: list[dict[str, Any]], run: dict[str, Any], machine: int) -> int:
    """Logical CPUs for a local cluster started without ``localCpus``: this machine's
    (``machine``), or more when that is too few for the largest step of the run: the
    fewest whose truncated share (``int(cpus * cpuAllocationPercentage)``) holds it."""
    pct = float(run["cpuAllocationPercentage"])
    streaming = run["executionMode"] == "streaming"
    steps = demands(stages, 1, run.get("maxWorkersPerStage"), streaming)
    need = math.ceil(max((step.cpus for step in steps), default=0.0) - EPSILON)
    cpus = max(1, math.ceil(need / pct))
    while allocatable(cpus, pct) < need:
        cpus += 1
    return max(cpus, machine + math.ceil(idle_source_cpus(stages, run)))


def check_fit(
    stages: list[dict[str, Any]], nodes: list[dict[str, Any]], run: dict[str, Any]
) -> None:
    """Fails with one line naming what to change when a step of the run cannot fit the
    CPUs or GPUs of ``nodes`` (the nodes the run may use)."""
    pct = float(run["cpuAllocationPercentage"])
    streaming = run["executionMode"] == "streaming"
    total = sum(float(node["Resources"].get("CPU", 0)) for node in nodes)
    offered = sum(allocatable(float(node["Resources"].get("CPU", 0)), pct) for node in nodes)
    gpus = sum(float(node["Resources"].get("GPU", 0)) for node in nodes)
    for step in demands(stages, len(nodes), run.get("maxWorkersPerStage"), streaming):
        if step.cpus > offered + EPSILON:
            where = _cluster_words(run, nodes, total, pct)
            raise Unsatisfiable(
                f"{_step_words(step)} need {step.cpus:g} CPUs at once, but {where} offers "
                f"{offered}: set {_remedies(step, run)}",
                step.stages[0],
            )
        if step.gpus > gpus + EPSILON:
            raise Unsatisfiable(
                f"{_step_words(step)} need {step.gpus:g} GPUs at once, but the cluster has "
                f"{gpus:g}: set {_remedies(step, None)}",
                step.stages[0],
            )


def _step_words(step: Demand) -> str:
    if len(step.stages) == 1:
        return f'the workers of stage "{step.stages[0]}"'
    return (
        f'in streaming mode the {len(step.stages)} stages "{step.stages[0]}" to '
        f'"{step.stages[-1]}" run together, and their workers'
    )


def _cluster_words(
    run: dict[str, Any], nodes: list[dict[str, Any]], total: float, pct: float
) -> str:
    share = "" if pct == 1 else f" at cpuAllocationPercentage {pct:g}"
    if run.get("rayAddress"):
        plural = "node" if len(nodes) == 1 else "nodes"
        head = ", head node left out" if run.get("ignoreHeadNode") else ""
        return f"the cluster ({total:g} CPUs on {len(nodes)} {plural}{head}{share})"
    if run.get("localCpus"):
        return f"the local cluster (localCpus {total:g}{share})"
    return f"the local cluster ({total:g} CPUs{share})"


def _remedies(step: Demand, run: dict[str, Any] | None) -> str:
    options = ['executionMode: "batch"'] if len(step.stages) > 1 else []
    if run is not None:
        options.append("a larger cluster" if run.get("rayAddress") else "a larger localCpus")
    options.append("fewer workers per stage (maxWorkersPerStage, numWorkers)")
    return ", ".join(options[:-1]) + (" or " if len(options) > 1 else "") + options[-1]
