"""How a pipeline with barrier stages is cut into Xenna pipelines (no Ray needed).

A barrier (``barrier: true`` in ``submit``, core's ``isBarrier``: a ``batchSize`` of
2^31 or more) must get every task of the run in one call. Xenna hands a stage one
item per call and an upstream stage makes one item per call of its own, so inside
one Xenna pipeline a barrier would get its input in pieces, in arrival order. So
the driver runs one Xenna pipeline per *phase*: a phase starts at the first stage
or at a barrier and runs up to the next barrier. The outputs of a phase are
gathered in the driver and handed to the next phase as **one block**: its barrier
(one worker) gets them in one call, and the Node worker's stage adapter (core's
``BaseStageAdapter``) hands them to the stage in task-id order.
"""

from __future__ import annotations

from typing import Any

from .adapter import Block, Item, blocks_of


def phases_of(stages: list[dict[str, Any]]) -> list[range]:
    """Stage index ranges, one per Xenna pipeline: a new one starts at every barrier."""
    starts = [0] + [i for i, stage in enumerate(stages) if i > 0 and stage.get("barrier")]
    ends = [*starts[1:], len(stages)]
    return [range(start, end) for start, end in zip(starts, ends, strict=True)]


def phase_input(stages: list[dict[str, Any]], phase: range, items: list[Item]) -> list[Block]:
    """The input blocks of ``phase``: one block when it starts at a barrier, else batches."""
    first = stages[phase.start]
    if first.get("barrier"):
        return [Block(items)] if items else []
    return blocks_of(list(items), int(first["batchSize"]))


def next_batch_size(stages: list[dict[str, Any]], phase: range, index: int) -> int:
    """How stage ``index`` cuts its outputs: in the next stage's batches inside the phase;
    its last stage makes one block per call (the driver gathers them anyway)."""
    return int(stages[index + 1]["batchSize"]) if index + 1 < phase.stop else 0
