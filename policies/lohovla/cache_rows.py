"""Batch compaction for decoding: run passes only over the rows still decoding, then give their KV back.

In a batch, rows finish at different passes (short sub-tasks, confident drafts); padding them along costs a full
row of compute per pass. Once at most half of the working rows are live, they are copied into a smaller cache; at
the end their new columns are appended to the full cache (id -1 on the other rows), so the full cache again holds
[prompt | fed tokens] for every row and the readout pass can run over the whole batch.
"""

from __future__ import annotations

import torch

from lohovla.policies.lohovla.block_cache import BlockCache


def take_rows(cache: BlockCache, rows: list[int]) -> BlockCache:
    """A new BlockCache holding only `rows` of `cache` (same length, same positions)."""
    dev = cache.block_ids.device
    sub = BlockCache(cache.backbone, batch=len(rows), device=dev)
    idx = torch.tensor(rows, device=dev)
    for i, layer in enumerate(cache.cache.layers):
        sub.cache.update(layer.keys[idx], layer.values[idx], i)
    sub.block_ids, sub.length = cache.block_ids[idx].clone(), cache.length
    return sub


def put_rows(cache: BlockCache, sub: BlockCache, rows: list[int]) -> None:
    """Append the columns `sub` gained since it was taken to `cache`'s `rows` (padding with id -1 elsewhere)."""
    new = sub.length - cache.length
    if new <= 0:
        return
    dev = cache.block_ids.device
    idx = torch.tensor(rows, device=dev)
    b = cache.block_ids.shape[0]
    for i, (full, part) in enumerate(zip(cache.cache.layers, sub.cache.layers)):
        k = full.keys.new_zeros((b, *part.keys.shape[1:2], new, part.keys.shape[-1]))
        v = torch.zeros_like(k)
        k[idx], v[idx] = part.keys[..., -new:, :], part.values[..., -new:, :]
        cache.cache.update(k, v, i)
    ids = torch.full((b, new), -1, dtype=torch.long, device=dev)
    ids[idx] = sub.block_ids[:, -new:]
    cache.block_ids, cache.length = torch.cat([cache.block_ids, ids], 1), cache.length + new


class Compactor:
    """Hands a decoder the cache to run its next pass on, and which rows of the batch that cache holds."""

    def __init__(self, cache: BlockCache) -> None:
        self.full, self.work = cache, cache
        self.rows = list(range(cache.block_ids.shape[0]))

    def view(self, live: list[int]) -> tuple[BlockCache, list[int]]:
        """(cache, rows): compacts to `live` once they are at most half of the working rows."""
        if 0 < len(live) <= len(self.rows) // 2:
            self.finish()
            self.work, self.rows = take_rows(self.full, live), list(live)
        return self.work, self.rows

    def finish(self) -> BlockCache:
        """The full cache, with every row's committed columns."""
        if self.work is not self.full:
            put_rows(self.full, self.work, self.rows)
            self.work, self.rows = self.full, list(range(self.full.block_ids.shape[0]))
        return self.full


def drop_holes(cache: BlockCache) -> None:
    """Remove the slots with id -1 of a one-row cache (rejected drafts), so slot i is position i again.

    A single-row caller (the policy) may then read the number of fed tokens off the cache length and continue at
    the next slot, as after AR decoding.
    """
    if cache.block_ids.shape[0] != 1:
        raise ValueError("only a one-row cache can be squeezed (batched rows carry their own positions)")
    keep = (cache.block_ids[0] >= 0).nonzero()[:, 0]
    if len(keep) == cache.length:
        return
    for layer in cache.cache.layers:
        layer.keys, layer.values = layer.keys[:, :, keep], layer.values[:, :, keep]
    cache.block_ids, cache.length = cache.block_ids[:, keep], len(keep)
