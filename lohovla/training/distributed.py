"""torchrun / DistributedDataParallel plumbing: one process per device (or per CPU slot with gloo).

`torchrun --nproc_per_node=N -m lohovla.cli.train ...` (or the `lohovla-train` script under torchrun) sets
RANK / WORLD_SIZE / LOCAL_RANK; without them everything here is a no-op single process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def init(device: str = "cpu") -> DistInfo:
    """Join the process group torchrun describes (gloo on CPU, nccl on CUDA); single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    if device.startswith("cuda"):
        torch.cuda.set_device(local)
    return DistInfo(rank, world, local)


def device_for(info: DistInfo, device: str) -> str:
    return f"cuda:{info.local_rank}" if device.startswith("cuda") and info.active else device


def wrap(model: torch.nn.Module, info: DistInfo) -> torch.nn.Module:
    """DDP around the model (every parameter takes part in every loss, so no unused-parameter search)."""
    if not info.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [info.local_rank] if next(model.parameters()).is_cuda else None
    return DistributedDataParallel(model, device_ids=ids)


def mean(values: dict[str, float], info: DistInfo) -> dict[str, float]:
    """Average logged scalars over ranks (for logging only)."""
    if not info.active:
        return values
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64)
    dist.all_reduce(t)
    return {k: float(v) / info.world for k, v in zip(keys, t)}


def barrier(info: DistInfo) -> None:
    if info.active:
        dist.barrier()


def shutdown(info: DistInfo) -> None:
    if info.active and dist.is_initialized():
        dist.destroy_process_group()
