"""What the driver sets for Ray before importing it: loopback and a token for a local cluster,
the user's settings for a joined one (no cluster started)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ray_js_bridge import cluster
from ray_js_bridge.cluster import LOCAL_CLUSTER_ENV, LOOPBACK_ONLY, TOKEN_ENV, prepare_env

USER_AUTH = {"RAY_AUTH_MODE": "token", TOKEN_ENV: "the-users-token", "HOME": "/home/u"}


def test_a_local_cluster_gets_loopback_token_auth_and_a_fresh_token_of_its_own() -> None:
    first = dict(USER_AUTH)
    prepare_env({}, first)
    second: dict[str, str] = {}
    prepare_env({"rayAddress": None}, second)
    for environ in (first, second):
        assert {k: environ[k] for k in LOCAL_CLUSTER_ENV} == {
            LOOPBACK_ONLY: "0",
            "RAY_AUTH_MODE": "token",
            "RAY_MAX_LIMIT_FROM_API_SERVER": "40000",
            "RAY_MAX_LIMIT_FROM_DATA_SOURCE": "40000",
        }
        assert len(environ[TOKEN_ENV]) == 64
        int(environ[TOKEN_ENV], 16)
    assert first[TOKEN_ENV] != USER_AUTH[TOKEN_ENV]
    assert first[TOKEN_ENV] != second[TOKEN_ENV]


def test_joining_a_cluster_leaves_the_users_auth_settings_alone() -> None:
    environ = dict(USER_AUTH)
    prepare_env({"rayAddress": "10.0.0.5:6379"}, environ)
    assert environ == USER_AUTH


@pytest.mark.parametrize("address", ["127.0.0.1:6379", "localhost:6379", "[::1]:6379"])
def test_joining_on_loopback_keeps_the_address_on_loopback(address: str) -> None:
    environ = dict(USER_AUTH)
    prepare_env({"rayAddress": address}, environ)
    assert environ == {**USER_AUTH, LOOPBACK_ONLY: "0"}


def test_no_local_cluster_starts_when_ray_would_put_it_on_a_network_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ray

    started: list[Any] = []
    monkeypatch.setattr(ray.util, "get_node_ip_address", lambda: "192.0.2.7")
    monkeypatch.setattr(ray, "init", lambda **options: started.append(options))
    monkeypatch.setattr(cluster, "RAY_ENV", {})
    with pytest.raises(RuntimeError, match=r"would listen on 192\.0\.2\.7, not on loopback"):
        cluster.init_ray({})
    assert started == []


def test_xenna_does_not_raise_the_state_api_limit_of_a_joined_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Xenna's own connect sets the limit to 40000; a joined cluster's dashboard refuses it."""
    import ray
    from cosmos_xenna.ray_utils import cluster as xenna_cluster

    from ray_js_bridge.hooks import xenna_hooks

    monkeypatch.delenv("RAY_MAX_LIMIT_FROM_API_SERVER", raising=False)
    monkeypatch.setattr(ray, "get_runtime_context", lambda: "connected")
    with xenna_hooks(lambda _events: None, ["A"]):
        assert xenna_cluster.init_or_connect_to_cluster() == "connected"
    assert "RAY_MAX_LIMIT_FROM_API_SERVER" not in os.environ


def test_a_run_that_ships_itself_hands_its_folders_to_ray() -> None:
    ship = {"app": "/s/app/curator_app", "node": "/s/node/curator_node", "bridge": "/s/bridge"}
    env = cluster.joined_runtime_env({"rayAddress": "10.0.0.5:6379", "ship": ship})
    assert env == {
        "env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1"},
        "py_modules": ["/s/app/curator_app", "/s/node/curator_node"],
        "working_dir": "/s/bridge",
    }
    assert cluster.joined_runtime_env({"rayAddress": "10.0.0.5:6379"}) == {
        "env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1"}
    }
