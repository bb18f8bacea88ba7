"""Bridge overhead: what the ZeroMQ round trip costs on top of the policy, on loopback.

One act request carries a 320x160 RGB + height observation (~360 KB); the server runs a policy that
returns at once, and the policy's own time (server-measured) is subtracted, so what is left is
encoding, transport, decoding and the server loop. Then 8 client processes hammer one server to
measure throughput. Server and clients are separate processes, as they are in use.

    python -m benchmarks.bridge [--requests 2000] [--clients 8] [--seconds 5] [--out benchmarks/results/bridge.json]

Prints a table and writes the JSON. Target on the 2-core CPU machine: median overhead under 2 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import numpy as np

from benchmarks.common import print_table, stats_ms, write_json
from lohovla.envs.spec import IMAGE_SHAPE


class InstantPolicy:
    """Answers at once with a fixed action, so the server side costs only the bridge itself."""

    name = "instant"

    def __init__(self) -> None:
        from lohovla.policies.base import Action, Step

        pose = (np.array([0.5, 0.0, 0.02]), np.array([0.0, 0.0, 0.0, 1.0]))
        self.step = Step("pick up the red block and place it in the blue bowl.", Action(pose, pose), {})

    def reset(self, goal: str) -> None:
        pass

    def act(self, obs: dict, feedback: object) -> object:
        return self.step

    def fork(self) -> InstantPolicy:
        return self


def serve(endpoint_queue: mp.Queue, stop: mp.Event) -> None:
    from lohovla.bridge.server import PolicyServer

    server = PolicyServer(InstantPolicy(), "tcp://127.0.0.1:*")
    endpoint_queue.put(server.endpoint)
    server.serve(stop)
    server.close()


def echo(endpoint_queue: mp.Queue, stop: mp.Event) -> None:
    """Bare ZeroMQ, no bridge: a ROUTER that answers every message with a 2-byte reply (the transport floor)."""
    import zmq

    with zmq.Context() as ctx, ctx.socket(zmq.ROUTER) as sock:
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        endpoint_queue.put(f"tcp://127.0.0.1:{port}")
        while not stop.is_set():
            if sock.poll(100):
                frames = sock.recv_multipart(copy=False)
                sock.send_multipart([frames[0], b"", b"ok"])


def observation(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    color = rng.integers(0, 256, (*IMAGE_SHAPE, 3), dtype=np.uint8)
    height = rng.random(IMAGE_SHAPE, dtype=np.float32) * 0.3
    return color, height


def latency(endpoint: str, floor_endpoint: str, requests: int, warmup: int = 100) -> dict[str, dict[str, float]]:
    """Round trips of one client; overhead = round trip - the server's policy_ms.

    Each act alternates with the same bytes sent to the bare ZeroMQ echo, so both see the same load on
    the machine and the difference is what the bridge itself adds.
    """
    import zmq

    from lohovla.bridge.client import PolicyClient
    from lohovla.bridge.wire import encode

    color, height = observation()
    feedback = {"step": 0, "reward": 0.0, "done": False, "info": {}}
    raw = encode({"type": "act", "id": 1, "observation": {"color": color, "height": height}, "feedback": feedback})
    rtt, overhead, server, floor = [], [], [], []
    with PolicyClient(endpoint, "bench") as client, zmq.Context() as ctx, ctx.socket(zmq.DEALER) as bare:
        bare.connect(floor_endpoint)
        client.reset("benchmark")
        for i in range(warmup + requests):
            start = time.perf_counter()
            step = client.act(color, height, feedback)
            ms = (time.perf_counter() - start) * 1e3
            start = time.perf_counter()
            bare.send_multipart([b"", *raw], copy=False)
            bare.recv_multipart()
            bare_ms = (time.perf_counter() - start) * 1e3
            if i >= warmup:
                rtt.append(ms)
                overhead.append(ms - step.timings["policy_ms"])
                server.append(step.timings["server_ms"] - step.timings["policy_ms"])
                floor.append(bare_ms)
    return {
        "round_trip": stats_ms(rtt),
        "overhead": stats_ms(overhead),
        "server_side": stats_ms(server),
        "zeromq_floor": stats_ms(floor),
    }


def hammer(endpoint: str, seconds: float, ready: mp.Barrier, out: mp.Queue) -> None:
    """One of the concurrent clients: connect, wait for the others, then act as fast as answered."""
    from lohovla.bridge.client import PolicyClient

    color, height = observation()
    feedback = {"step": 0, "reward": 0.0, "done": False, "info": {}}
    rtt = []
    with PolicyClient(endpoint, f"bench-{os.getpid()}", deadline_s=10.0) as client:
        client.reset("benchmark")
        ready.wait()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            client.act(color, height, feedback)
            rtt.append((time.perf_counter() - start) * 1e3)
    out.put(rtt)


def throughput(ctx: mp.context.BaseContext, endpoint: str, clients: int, seconds: float) -> dict[str, float]:
    out, ready = ctx.Queue(), ctx.Barrier(clients)
    procs = [ctx.Process(target=hammer, args=(endpoint, seconds, ready, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    rtts = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    counts = [len(r) for r in rtts]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": sum(counts),
        "requests_per_s": sum(counts) / seconds,
        "per_client_min": min(counts),
        "per_client_max": max(counts),
        "rtt_median_ms": float(np.median(np.concatenate(rtts))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--out", default="benchmarks/results/bridge.json")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # other work on the machine inflates the tail: recorded with the figures
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    queues = {target: ctx.Queue() for target in (serve, echo)}
    servers = [ctx.Process(target=t, args=(q, stop), daemon=True) for t, q in queues.items()]
    for server in servers:
        server.start()
    endpoint, floor_endpoint = (q.get(timeout=60) for q in queues.values())
    try:
        single = latency(endpoint, floor_endpoint, args.requests)
        many = throughput(ctx, endpoint, args.clients, args.seconds)
    finally:
        stop.set()
        for server in servers:
            server.join(timeout=5)
    size = int(np.prod(IMAGE_SHAPE)) * 4 + int(np.prod(IMAGE_SHAPE)) * 3
    print(f"bridge round trip on loopback: 320x160 RGB + height ({size} B), load average {load_before:.1f}")
    rows = [
        {"what": name, **single[key]}
        for name, key in [
            ("round trip", "round_trip"),
            ("bridge overhead", "overhead"),
            ("server side of it", "server_side"),
            ("bare ZeroMQ, same bytes", "zeromq_floor"),
        ]
    ]
    print_table(rows, ["what", "median_ms", "p95_ms", "p99_ms", "n"])
    rate, rtt = many["requests_per_s"], many["rtt_median_ms"]
    print(f"{many['clients']} concurrent clients: {rate:.0f} act/s, round trip median {rtt:.2f} ms")
    write_json(
        {
            "load_average_1min": [load_before, os.getloadavg()[0]],
            "observation_bytes": size,
            "latency": single,
            "throughput": many,
            "target_overhead_median_ms": 2.0,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
