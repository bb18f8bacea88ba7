"""lohovla-serve: serve a policy to robot clients over ZeroMQ until interrupted (SIGINT or SIGTERM).

    lohovla-serve policy=oracle bind=tcp://127.0.0.1:5555
    lohovla-serve policy=lohovla-tiny bind=tcp://0.0.0.0:5555 \
        bridge.curve.server_secret=keys/server.key_secret bridge.curve.authorized_clients=keys/clients
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, UsageError, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="serve a policy to robot clients over ZeroMQ until interrupted (protocol: docs/bridge.md).",
    options=[
        ("policy=NAME|DIR", "oracle | peak (scripted, for bring-up) | lohovla-tiny | vanilla-tiny | a checkpoint dir"),
        ("policy_kwargs={k: v}", "e.g. {decoder: d2f}; or decoder=d2f"),
        ("bind=ENDPOINT", "default tcp://127.0.0.1:5555; off loopback needs bridge.curve keys or allow_insecure=true"),
        ("bridge.max_sessions=N", "concurrent robot clients; default 64"),
        ("bridge.session_idle_s=S", "a silent session is forgotten after S seconds; default 600"),
    ],
    examples=[
        "lohovla-serve policy=lohovla-tiny",
        "lohovla-serve policy=lohovla-tiny bind=tcp://0.0.0.0:5555 bridge.curve.server_secret=keys/server.key_secret "
        "bridge.curve.authorized_clients=keys/clients",
    ],
    lists=("policies",),
)


def build_policy(spec: str, kwargs: dict[str, Any]) -> Any:
    """ "peak" is the bridge's scripted bring-up policy; anything else goes to lohovla.load_policy."""
    if spec == "peak":
        from lohovla.bridge.testing import PeakPolicy

        return PeakPolicy(**kwargs)
    return checks.load_policy(spec, kwargs)


def server_keys(curve: DictConfig) -> Any:
    from lohovla.bridge.curve import ServerKeys

    if not curve.server_secret and not curve.authorized_clients:
        return None
    if not (curve.server_secret and curve.authorized_clients):
        raise UsageError("CurveZMQ needs both bridge.curve.server_secret and bridge.curve.authorized_clients")
    return ServerKeys(str(curve.server_secret), str(curve.authorized_clients))


@command("lohovla-serve", "serve", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-serve: one policy server."""
    from lohovla.bridge.server import PolicyServer
    from lohovla.bridge.service import ServiceConfig
    from lohovla.bridge.wire import Limits

    logging.basicConfig(level=cfg.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    policy = build_policy(str(cfg.policy), to_dict(cfg.policy_kwargs))
    config = ServiceConfig(
        limits=Limits(max_message_bytes=int(cfg.bridge.max_message_mb * (1 << 20))),
        max_sessions=int(cfg.bridge.max_sessions), session_idle_s=float(cfg.bridge.session_idle_s),
    )  # fmt: skip
    server = PolicyServer(
        policy, str(cfg.bind), config, keys=server_keys(cfg.bridge.curve), allow_insecure=bool(cfg.allow_insecure)
    )
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    print(f"serving {policy.name} on {server.endpoint}", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        print(f"stopped; requests served: {dict(server.service.stats)}", flush=True)


if __name__ == "__main__":
    main()
