"""DistributedDataParallel: two CPU processes (gloo) end a backward pass with the same, all-reduced gradients."""

from __future__ import annotations

import os
import socket
import time

import torch
import torch.multiprocessing as mp
from _model_fixtures import micro_config, synthetic_store

from lohovla.training import distributed as D
from lohovla.training.settings import TrainSettings
from lohovla.training.trainer import Trainer


def _grads(model) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters()]).clone()


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank)
    )
    torch.set_num_threads(1)
    info = D.init("cpu")
    settings = TrainSettings.from_dict(
        {"out": os.path.join(out, "run"), "batch_size": 8, "max_steps": 2, "progress": False, "threads": 1}
    )
    trainer = Trainer(settings, micro_config(), synthetic_store(24), info=info)
    batch, gen = trainer.step_inputs(0)
    with trainer.net.no_sync():  # this rank's own gradient
        trainer.loss(batch, gen)[0].backward()
    local = _grads(trainer.model)
    trainer.opt.zero_grad(set_to_none=True)
    batch, gen = trainer.step_inputs(0)
    trainer.loss(batch, gen)[0].backward()  # through DDP's all-reduce
    torch.save({"local": local, "synced": _grads(trainer.model)}, os.path.join(out, f"rank{rank}.pt"))
    trainer.train_step()  # a full optimizer step also runs under DDP
    D.shutdown(info)


def test_two_gloo_processes_agree(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # spawn, never fork: a fork of this many-threaded process (torch's thread pool, tqdm's monitor, zmq's
    # collector) can inherit a held lock and hang; CI once waited out its 90 minutes on such a child
    ctx = mp.start_processes(_worker, args=(2, port, str(tmp_path)), nprocs=2, join=False, start_method="spawn")
    deadline = time.monotonic() + 300
    try:
        while not ctx.join(timeout=5):  # raises if a rank failed
            assert time.monotonic() < deadline, "the two gloo ranks did not finish within 300 s"
    finally:
        for proc in ctx.processes:  # a stuck rank must not keep pytest from exiting
            if proc.is_alive():
                proc.kill()
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert not torch.allclose(r0["local"], r1["local"])  # the shards differ...
    assert torch.equal(r0["synced"], r1["synced"])  # ...the synchronised gradients do not
    assert torch.allclose(r0["synced"], (r0["local"] + r1["local"]) / 2, atol=1e-6)
