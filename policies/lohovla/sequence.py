"""Token layout of one batch: [image][goal][BOS][sub-task ... EOS][readout], with block ids and text targets.

Block size 1 is plain AR: the sub-task is fed clean and the shifted next-token loss applies (the position before
each token predicts it). Block size > 1 is D2F: per block a share of the sub-task tokens becomes [MASK], shares rise
from block to block, and each masked token is predicted in place with weight 1 / (its block's masked share).
Only block-size-1 samples see their sub-task clean, so only they feed the action losses.

`pad_blocks`: a D2F sample's sub-task is padded with EOS to the end of its last block. Without it the last block
is short, and its number of [MASK]s tells the model where the sub-task ends; decoding appends full blocks, so the
drafts stretch the sentence to fill them ("... the gray bowl block block ." where AR writes "... the gray bowl .").
D2F samples feed no action loss, so what the readout sees after the padding trains nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lohovla.kernels.masks import block_ids_for_training


@dataclass
class Layout:
    ids: torch.Tensor  # (B, Lt) text ids (readout slot holds pad)
    block_ids: torch.Tensor  # (B, N + Lt)
    positions: torch.Tensor  # (B, N + Lt)
    readout: torch.Tensor  # (B,) index of the readout token in the full sequence
    clean: torch.Tensor  # (B,) bool: sub-task fed unmasked (block size 1 or no sub-task)
    rows: torch.Tensor  # (T,) sample of each text target
    cols: torch.Tensor  # (T,) position (full sequence) whose logits predict it
    targets: torch.Tensor  # (T,) token id
    weights: torch.Tensor  # (T,) per-token weight; a sample's weights sum to its loss normaliser
    has_text: torch.Tensor  # (B,) bool
    sub_pos: torch.Tensor  # (T,) sub-task position of each target token (0 = the token after BOS)


def mask_ratios(n_blocks: int, first: tuple[float, float], gen: torch.Generator) -> list[float]:
    """Masked share per block: the first uniform in `first`, then equal non-negative increments up to <= 1."""
    r1 = first[0] + (first[1] - first[0]) * float(torch.rand((), generator=gen))
    if n_blocks == 1:
        return [r1]
    u = float(torch.rand((), generator=gen))
    return [r1 + (1 - r1) * u * j / (n_blocks - 1) for j in range(n_blocks)]


def build_layout(
    goals: list[list[int]],
    subs: list[list[int] | None],
    block_sizes: list[int],
    n_image: int,
    bos: int,
    eos: int,
    mask: int,
    pad: int,
    first_ratio: tuple[float, float],
    gen: torch.Generator,
    pad_blocks: bool = False,
) -> Layout:
    """Batch layout; `subs[i]` None means no sub-task (vanilla VLA), [] an empty one (EOS only)."""
    b = len(goals)
    texts, prompt_lens, sub_lens = [], [], []
    rows, cols, targets, weights, sub_pos = [], [], [], [], []
    clean = []
    for i in range(b):
        goal, sub, bs = goals[i], subs[i], block_sizes[i]
        prompt = n_image + len(goal) + 1
        seq = [*goal, bos]
        if sub is None:
            prompt_lens.append(prompt)
            sub_lens.append(0)
            texts.append([*seq, pad])
            clean.append(True)
            continue
        full = [*sub, eos]
        if pad_blocks and bs > 1:
            full += [eos] * (-len(full) % bs)
        n = len(full)
        fed = list(full)
        if bs == 1:  # shifted AR targets: position prompt-1+k predicts full[k]
            for k, tok in enumerate(full):
                rows.append(i), cols.append(prompt - 1 + k), targets.append(tok), weights.append(1.0 / n)
                sub_pos.append(k)
        else:
            n_blocks = (n + bs - 1) // bs
            for j, r in enumerate(mask_ratios(n_blocks, first_ratio, gen)):
                lo, hi = j * bs, min(n, (j + 1) * bs)
                k = max(1, min(hi - lo, round(r * (hi - lo))))
                chosen = (torch.randperm(hi - lo, generator=gen)[:k] + lo).tolist()
                for p in chosen:
                    fed[p] = mask
                    rows.append(i), cols.append(prompt + p), targets.append(full[p])
                    weights.append((hi - lo) / k / n), sub_pos.append(p)
        clean.append(bs == 1)
        prompt_lens.append(prompt)
        sub_lens.append(n)
        texts.append([*seq, *fed, pad])
    lt = max(len(t) for t in texts)
    ids = torch.full((b, lt), pad, dtype=torch.long)
    for i, t in enumerate(texts):
        ids[i, : len(t)] = torch.tensor(t)
    total = n_image + lt
    block_ids = block_ids_for_training(
        torch.tensor(prompt_lens), torch.tensor(sub_lens), torch.tensor(block_sizes), 1, total_len=total
    )
    readout = torch.tensor(prompt_lens) + torch.tensor(sub_lens)
    positions = torch.arange(total).expand(b, total).clone()
    has_text = torch.zeros(b, dtype=torch.bool)
    has_text[torch.tensor(rows, dtype=torch.long).unique()] = True
    return Layout(
        ids,
        block_ids,
        positions,
        readout,
        torch.tensor(clean),
        torch.tensor(rows, dtype=torch.long),
        torch.tensor(cols, dtype=torch.long),
        torch.tensor(targets, dtype=torch.long),
        torch.tensor(weights),
        has_text,
        torch.tensor(sub_pos, dtype=torch.long),
    )
