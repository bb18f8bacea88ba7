"""Fused block-causal attention forward in Triton (flash-attention style), for D2F decoding on GPU.

One program owns a tile of query rows for one (batch, kv head). The rows of all query heads that share that kv
head are packed together (GQA packing), so a decode step with few active tokens still fills a tile and each K/V
tile is read once per group instead of once per query head. Keys are streamed in tiles with an online softmax;
the mask is rebuilt per tile from the block ids, and a tile no row can see is skipped. Forward only: training
needs gradients and goes through the torch reference (see ``dispatch``).
"""

from __future__ import annotations

import os

import torch

from .reference import check_shapes

try:
    import triton
    import triton.language as tl
except ImportError:  # triton is an optional extra; CPU installs import this module without it
    triton = None
    tl = None


def available() -> bool:
    """True when triton imports; running still needs a CUDA tensor or TRITON_INTERPRET=1."""
    return triton is not None


def can_run(x: torch.Tensor) -> bool:
    """True when the kernel can execute on ``x``'s device (CUDA, or CPU under the Triton interpreter)."""
    return available() and (x.is_cuda or os.environ.get("TRITON_INTERPRET") == "1")


if triton is not None:

    @triton.jit
    def _block_causal_fwd(
        Q, K, V, O, QB, KB,
        qk_scale,
        s_qb, s_qh, s_qm, s_qd,
        s_kb, s_kh, s_kn, s_kd,
        s_vb, s_vh, s_vn, s_vd,
        s_ob, s_oh, s_om, s_od,
        s_qbb, s_qbm, s_kbb, s_kbn,
        HKV, LQ, LK, D,
        GROUPS: tl.constexpr,
        BLOCK_M: tl.constexpr,
        BLOCK_N: tl.constexpr,
        BLOCK_D: tl.constexpr,
        PRECISION: tl.constexpr,
        UPCAST: tl.constexpr,
    ):  # fmt: skip
        pid_r = tl.program_id(0)
        pid_bh = tl.program_id(1)
        b = pid_bh // HKV
        hk = pid_bh % HKV

        # Packed rows r = g * LQ + m: query head hk * GROUPS + g, query position m.
        rows = pid_r * BLOCK_M + tl.arange(0, BLOCK_M)
        row_ok = rows < GROUPS * LQ
        head = hk * GROUPS + rows // LQ
        pos = rows % LQ
        offs_d = tl.arange(0, BLOCK_D)
        d_ok = offs_d < D

        q_ptrs = Q + b * s_qb + head[:, None] * s_qh + pos[:, None] * s_qm + offs_d[None, :] * s_qd
        q = tl.load(q_ptrs, mask=row_ok[:, None] & d_ok[None, :], other=0.0)
        if UPCAST:
            q = q.to(tl.float32)
        qb = tl.load(QB + b * s_qbb + pos * s_qbm, mask=row_ok, other=-1)
        qb_max = tl.max(qb, axis=0)

        m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)
        l_i = tl.zeros([BLOCK_M], tl.float32)
        acc = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)
        k_base = K + b * s_kb + hk * s_kh
        v_base = V + b * s_vb + hk * s_vh

        for start in range(0, LK, BLOCK_N):
            cols = start + tl.arange(0, BLOCK_N)
            col_ok = cols < LK
            kb = tl.load(KB + b * s_kbb + cols * s_kbn, mask=col_ok, other=-1)
            kb_min = tl.min(tl.where(kb >= 0, kb, 2147483647), axis=0)
            if kb_min <= qb_max:  # some row of this tile may see some key of this tile
                k = tl.load(
                    k_base + cols[None, :] * s_kn + offs_d[:, None] * s_kd,
                    mask=col_ok[None, :] & d_ok[:, None],
                    other=0.0,
                )
                if UPCAST:
                    k = k.to(tl.float32)
                s = tl.dot(q, k, input_precision=PRECISION) * qk_scale  # log2 domain: exp2 below
                allowed = (kb[None, :] >= 0) & (kb[None, :] <= qb[:, None])
                s = tl.where(allowed, s, float("-inf"))
                m_new = tl.maximum(m_i, tl.max(s, axis=1))
                # A row that has seen no key yet keeps max -inf; shift by 0 so exp2 gives 0, not NaN.
                m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
                p = tl.exp2(s - m_safe[:, None])
                alpha = tl.exp2(m_i - m_safe)
                l_i = l_i * alpha + tl.sum(p, axis=1)
                v = tl.load(
                    v_base + cols[:, None] * s_vn + offs_d[None, :] * s_vd,
                    mask=col_ok[:, None] & d_ok[None, :],
                    other=0.0,
                )
                if UPCAST:
                    v = v.to(tl.float32)
                acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=PRECISION)
                m_i = m_new

        # Rows that saw no key (padding queries) have l == 0 and acc == 0: they store zeros.
        out = acc / tl.where(l_i == 0.0, 1.0, l_i)[:, None]
        o_ptrs = O + b * s_ob + head[:, None] * s_oh + pos[:, None] * s_om + offs_d[None, :] * s_od
        tl.store(o_ptrs, out.to(O.dtype.element_ty), mask=row_ok[:, None] & d_ok[None, :])


_LOG2E = 1.4426950408889634


def _tiles(rows: int, head_dim: int) -> tuple[int, int]:
    """Row/key tile sizes: small row tiles for decode steps, key tiles that keep K and V tiles in registers."""
    block_m = 16 if rows <= 16 else 32 if rows <= 32 else 64
    block_n = 64 if head_dim <= 64 else 32
    return block_m, block_n


def block_causal_attention_triton(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    q_block: torch.Tensor,
    k_block: torch.Tensor,
    scale: float | None = None,
    block_m: int | None = None,
    block_n: int | None = None,
    num_warps: int = 4,
) -> torch.Tensor:
    """Same contract as ``block_causal_attention_reference`` (forward only); returns (B, Hq, Lq, D).

    The result is a transposed view of a (B, Lq, Hq, D) buffer, so transformers' ``transpose(1, 2).contiguous()``
    is free. fp32 inputs use IEEE fp32 dots (no TF32) so results match the reference closely.
    """
    if triton is None:
        raise RuntimeError("triton is not installed; use the torch reference backend")
    q_block, k_block = check_shapes(q, k, v, q_block, k_block)
    b, hq, lq, d = q.shape
    hkv, lk = k.shape[1], k.shape[2]
    groups = hq // hkv
    out = torch.empty((b, lq, hq, d), dtype=q.dtype, device=q.device).transpose(1, 2)
    if lq == 0 or b == 0:
        return out
    if lk == 0:
        return out.zero_()
    q_block, k_block = q_block.to(q.device), k_block.to(q.device)
    tm, tn = _tiles(groups * lq, d)
    block_m, block_n = block_m or tm, block_n or tn
    block_d = max(16, triton.next_power_of_2(d))
    scale = d**-0.5 if scale is None else scale
    precision = "ieee" if q.dtype == torch.float32 else None  # None: the backend default for 16-bit dots
    # The Triton interpreter multiplies bf16 operands as raw uint16 bits; upcast there (CPU tests only).
    upcast = q.dtype == torch.bfloat16 and not q.is_cuda
    grid = (triton.cdiv(groups * lq, block_m), b * hkv)
    _block_causal_fwd[grid](
        q, k, v, out, q_block, k_block,
        scale * _LOG2E,
        *q.stride(), *k.stride(), *v.stride(), *out.stride(),
        *q_block.stride(), *k_block.stride(),
        hkv, lq, lk, d,
        GROUPS=groups, BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_D=block_d,
        PRECISION=precision, UPCAST=upcast, num_warps=num_warps,
    )  # fmt: skip
    return out
