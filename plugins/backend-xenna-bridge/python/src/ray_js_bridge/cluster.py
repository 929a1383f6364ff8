"""Ray and cluster facts for the driver: connecting, which nodes may run workers, sizes.

``ray`` is imported lazily (after the environment Xenna needs is set).
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections.abc import MutableMapping
from typing import Any

WORKER_ENV = {
    # Xenna allocates GPUs itself. Ray reads it in each worker process, so a joined cluster
    # gets it through the run's runtime_env (env_vars) instead of at its start.
    "RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1",
}

API_LIMIT_ENV = {
    # Xenna lists actors through the dashboard with the limit this process's environment
    # names (Ray's default cap: 10000). The dashboard must allow it, so a higher one is
    # only used with a cluster started here; a joined cluster is asked with the default.
    "RAY_MAX_LIMIT_FROM_API_SERVER": "40000",
    "RAY_MAX_LIMIT_FROM_DATA_SOURCE": "40000",
}

RAY_ENV = {
    **WORKER_ENV,
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "0",
    # The dashboard starts about ten Python subprocesses; on a busy machine they can miss
    # Ray's defaults (30 s per module, 60 s in all) and ray.init fails. Upper bounds only.
    "RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT": "90",
    "RAY_DASHBOARD_STARTUP_TIMEOUT_S": "120",
}

LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Set to "0": Ray keeps a node address of 127.0.0.1 (its servers then bind to loopback only).

Otherwise Ray rewrites 127.0.0.1 to this machine's network address, and its gRPC servers,
agents and metrics ports listen on every interface. Ray reads it when it is imported.
"""

LOCAL_CLUSTER_ENV = {
    **API_LIMIT_ENV,
    LOOPBACK_ONLY: "0",
    # Every gRPC call and dashboard request (job submission included) must carry the token.
    "RAY_AUTH_MODE": "token",
}
"""What a cluster the driver starts gets on top of :data:`RAY_ENV`."""

TOKEN_ENV = "RAY_AUTH_TOKEN"
"""The token of a token-authenticated cluster (Ray reads it before any token file)."""


class Unsatisfiable(Exception):
    """A stage asks for more than any node of the cluster offers."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


def is_loopback(address: str) -> bool:
    """Whether ``address`` is a loopback IP (or ``localhost``)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def is_head(node: dict[str, Any]) -> bool:
    """Whether a ``ray.nodes()`` entry is the head node."""
    return "node:__internal_head__" in (node.get("Resources") or {})


def resolve_workers(
    stage: dict[str, Any], node_count: int, max_per_stage: int | None
) -> tuple[int | None, float | None]:
    """``(num_workers, num_workers_per_node)`` for Xenna's StageSpec.

    Without a count the bridge runs one worker per node (Xenna would otherwise fill
    the cluster, and every worker owns a Node process); ``"auto"`` leaves it to
    Xenna's autoscaler. ``max_per_stage`` caps fixed counts.
    """
    count = stage.get("numWorkers")
    per_node = stage.get("numWorkersPerNode")
    if count == "auto":
        return None, None
    if count is None and per_node is None:
        per_node = 1.0
    if max_per_stage is not None:
        total = count if count is not None else math.ceil(node_count * float(per_node or 0))
        if total > max_per_stage:
            return max_per_stage, None
    return count, per_node


def stage_workers(
    stage: dict[str, Any], node_count: int, max_per_stage: int | None
) -> tuple[int | None, float | None]:
    """:func:`resolve_workers`, except that a barrier gets one worker: it is called once,
    with every task of the run (see ``phases``)."""
    if stage.get("barrier"):
        return 1, None
    return resolve_workers(stage, node_count, max_per_stage)


def prepare_env(run: dict[str, Any], environ: MutableMapping[str, str] = os.environ) -> None:
    """Sets what Ray reads when it is imported: call it before anything imports Ray.

    A local cluster (no ``rayAddress``) is bound to loopback and gets a fresh token
    (256 random bits) in the driver's environment, which every process of the cluster
    inherits; it replaces any token of the user's. Joining a cluster leaves the
    authentication settings as the user's environment has them; only a loopback
    address is kept on loopback (a loopback-only cluster listens on nothing else).
    """
    address = run.get("rayAddress")
    if address:
        host = str(address).rsplit(":", 1)[0].strip("[]")
        if is_loopback(host):
            environ[LOOPBACK_ONLY] = "0"
        return
    environ.update(LOCAL_CLUSTER_ENV)
    environ[TOKEN_ENV] = secrets.token_hex(32)


def joined_runtime_env(run: dict[str, Any]) -> dict[str, Any]:
    """The ``runtime_env`` of a run joining a cluster: Xenna's worker settings and, for a
    run that ships itself, its packages (Ray uploads each folder unless the cluster has
    it: the program and Node.js as ``py_modules``, the bridge beside pyzmq and tqdm as the
    ``working_dir``, whose top level Ray puts on every worker's path)."""
    env: dict[str, Any] = {"env_vars": dict(WORKER_ENV)}
    ship = run.get("ship")
    if ship:
        env["py_modules"] = [str(ship["app"]), str(ship["node"])]
        env["working_dir"] = str(ship["bridge"])
    return env


def init_ray(run: dict[str, Any], local_cpus: int | None = None) -> bool:
    """Connects to ``rayAddress`` or starts a local cluster (of ``local_cpus`` logical
    CPUs, else ``localCpus``, else Ray's count of this machine's); True when we started it."""
    os.environ.update(RAY_ENV)
    import ray

    address = run.get("rayAddress")
    if address:
        ray.init(
            address=address,
            ignore_reinit_error=True,
            log_to_driver=True,
            runtime_env=joined_runtime_env(run),
        )
        _pin_address()
        return False
    node_ip = ray.util.get_node_ip_address()
    if not is_loopback(node_ip):
        raise RuntimeError(
            f"a local Ray cluster would listen on {node_ip}, not on loopback: "
            f"Ray was imported before prepare_env set {LOOPBACK_ONLY}"
        )
    options: dict[str, Any] = {
        "address": "local",
        "include_dashboard": True,
        "dashboard_host": "127.0.0.1",
        "_node_ip_address": "127.0.0.1",
        "ignore_reinit_error": True,
        "log_to_driver": True,
    }
    cpus = local_cpus or run.get("localCpus")
    if cpus:
        options["num_cpus"] = int(cpus)
    if run.get("objectStoreMemoryMb"):
        options["object_store_memory"] = int(run["objectStoreMemoryMb"]) * 1024 * 1024
    ray.init(**options)
    _pin_address()
    return True


def _pin_address() -> None:
    """Points Ray's state API (used by Xenna's monitor) at our cluster.

    Without an address it auto-detects, and fails when this machine runs
    other Ray clusters ("Found multiple active Ray instances").
    """
    import ray

    os.environ["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address


def check_resources(stages: list[dict[str, Any]], nodes: list[dict[str, Any]], pct: float) -> None:
    """Fails, naming the stage, when no node can hold one of its workers."""
    capacity = [
        (int(node["Resources"].get("CPU", 0) * pct), float(node["Resources"].get("GPU", 0)))
        for node in nodes
    ]
    best_cpu = max((cpu for cpu, _ in capacity), default=0)
    best_gpu = max((gpu for _, gpu in capacity), default=0.0)
    for stage in stages:
        cpus, gpus = float(stage["resources"]["cpus"]), float(stage["resources"]["gpus"])
        if not any(cpus <= cpu and gpus <= gpu for cpu, gpu in capacity):
            raise Unsatisfiable(
                f'stage "{stage["name"]}" asks for {cpus:g} cpus and {gpus:g} gpus per worker; '
                f"the largest node offers {best_cpu} cpus (at cpuAllocationPercentage {pct:g}) "
                f"and {best_gpu:g} gpus",
                stage["name"],
            )
