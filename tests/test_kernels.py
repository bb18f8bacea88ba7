"""Block-causal attention: mask rule, reference, Triton kernel, transformers hook and KV-cache decoding."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from lohovla.kernels.dispatch import block_causal_attention, register_attention, select_backend
from lohovla.kernels.masks import additive_mask, block_causal_mask, block_ids_for_decoding, block_ids_for_training
from lohovla.kernels.reference import block_causal_attention_reference

HAS_TRITON = importlib.util.find_spec("triton") is not None


# ---------------------------------------------------------------- masks


def test_training_ids_hand_checked() -> None:
    ids = block_ids_for_training(prompt_len=3, subtask_len=5, block_size=2, readout_len=1, total_len=12)
    assert ids.tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 4, -1, -1, -1]
    # An empty sub-task still gives the readout its own block after the prompt.
    assert block_ids_for_training(2, 0, 4, 1).tolist() == [0, 0, 1]


def test_training_mask_hand_checked() -> None:
    ids = torch.tensor([0, 0, 1, 1, 2, -1])  # prompt 2, one block of 2, one readout, one pad
    expected = [
        [1, 1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],  # bidirectional inside block 1
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0],  # readout sees everything before it, never the pad
        [0, 0, 0, 0, 0, 0],  # padding query sees nothing
    ]
    mask = block_causal_mask(ids, ids)
    assert mask.shape == (1, 1, 6, 6)
    assert mask[0, 0].int().tolist() == expected


def test_batched_training_ids_match_single() -> None:
    prompt, sub, bs, readout = torch.tensor([3, 5, 1]), torch.tensor([7, 4, 0]), torch.tensor([4, 1, 8]), 2
    ids = block_ids_for_training(prompt, sub, bs, readout, total_len=16)
    assert ids.shape == (3, 16)
    for b in range(3):
        one = block_ids_for_training(int(prompt[b]), int(sub[b]), int(bs[b]), readout)
        assert ids[b, : len(one)].tolist() == one.tolist()
        assert (ids[b, len(one) :] == -1).all()
    with pytest.raises(ValueError):
        block_ids_for_training(3, 7, 4, 2, total_len=5)


def test_block_size_one_is_causal_over_subtask() -> None:
    p, s = 4, 6
    ids = block_ids_for_training(p, s, 1, 0)
    mask = block_causal_mask(ids, ids)[0, 0]
    assert torch.equal(mask[p:, p:], torch.ones(s, s, dtype=torch.bool).tril())
    assert mask[:, :p].all()  # everything sees the whole prompt
    assert not mask[:p, p:].any()  # the prompt never sees the sub-task


def test_additive_mask() -> None:
    mask = torch.tensor([[True, False]])
    add = additive_mask(mask, torch.bfloat16)
    assert add.dtype == torch.bfloat16
    assert add[0, 0] == 0 and add[0, 1] == torch.finfo(torch.bfloat16).min


def test_decoding_ids_are_the_training_mask_rows() -> None:
    train = block_ids_for_training(3, 6, 2, 0)  # [0 0 0 1 1 2 2 3 3]
    q, k = block_ids_for_decoding(train[:5], train[5:])  # cache = prompt + block 1, active = blocks 2, 3
    assert q.tolist() == [[2, 2, 3, 3]] and torch.equal(k[0], train)
    full = block_causal_mask(train, train)
    assert torch.equal(block_causal_mask(q, k), full[:, :, 5:])
    q2, k2 = block_ids_for_decoding(train[None, :5].expand(2, -1), train[5:])  # batch-1 side broadcasts
    assert q2.shape == (2, 4) and k2.shape == (2, 9)


# ---------------------------------------------------------------- reference


def _naive(q, k, v, qb, kb, scale):
    b, hq, lq, _ = q.shape
    groups = hq // k.shape[1]
    out = torch.zeros_like(q)
    for bi in range(b):
        for h in range(hq):
            for i in range(lq):
                keys = [j for j in range(k.shape[2]) if 0 <= kb[bi, j] <= qb[bi, i]]
                if not keys:
                    continue
                kk, vv = k[bi, h // groups, keys], v[bi, h // groups, keys]
                w = torch.softmax(kk @ q[bi, h, i] * scale, dim=0)
                out[bi, h, i] = w @ vv
    return out


def _random_case(b, hq, hkv, lq, lk, d, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, hq, lq, d, generator=g, dtype=dtype)
    k = torch.randn(b, hkv, lk, d, generator=g, dtype=dtype)
    v = torch.randn(b, hkv, lk, d, generator=g, dtype=dtype)
    prompt = torch.randint(1, 4, (b,), generator=g)
    sub = torch.randint(0, lk - 4, (b,), generator=g)
    bs = torch.randint(1, 4, (b,), generator=g)
    kb = block_ids_for_training(prompt, sub, bs, 1, lk)
    return q, k, v, kb[:, lk - lq :], kb


@pytest.mark.parametrize("hq,hkv", [(2, 2), (4, 2), (6, 1)])
def test_reference_matches_naive_loop(hq: int, hkv: int) -> None:
    q, k, v, qb, kb = _random_case(2, hq, hkv, 9, 13, 8)
    qb[1, -1] = -1  # a padding query inside the active rows
    got = block_causal_attention_reference(q, k, v, qb, kb, scale=0.3)
    assert torch.allclose(got, _naive(q, k, v, qb, kb, 0.3), atol=1e-10)
    assert (got[1, :, -1] == 0).all()


def test_reference_padding_rows_have_finite_grads() -> None:
    q, k, v, qb, kb = _random_case(2, 4, 2, 10, 10, 8, dtype=torch.float32)
    qb[:, -3:], kb[:, -3:] = -1, -1
    q, k, v = (t.requires_grad_() for t in (q, k, v))
    block_causal_attention_reference(q, k, v, qb, kb).sum().backward()
    assert all(torch.isfinite(t.grad).all() for t in (q, k, v))
    assert (q.grad[:, :, -3:] == 0).all()


def test_auto_backend_uses_reference_on_cpu() -> None:
    q, k, v, qb, kb = _random_case(1, 2, 1, 4, 6, 8, dtype=torch.float32)
    assert select_backend(q, k, v) == "torch"
    assert torch.equal(block_causal_attention(q, k, v, qb, kb), block_causal_attention_reference(q, k, v, qb, kb))
    if os.environ.get("TRITON_INTERPRET") != "1":
        with pytest.raises(RuntimeError):
            block_causal_attention(q, k, v, qb, kb, backend="triton")


# ---------------------------------------------------------------- triton (interpreter, in a subprocess)

# TRITON_INTERPRET must be set before triton.jit runs, i.e. before the kernel module is imported, so the
# comparison runs in a fresh interpreter process.
_TRITON_CHECK = """
import torch
from lohovla.kernels.dispatch import block_causal_attention
from lohovla.kernels.masks import block_ids_for_training
from lohovla.kernels.reference import block_causal_attention_reference

torch.manual_seed(0)
cases = [  # b, hq, hkv, lq, lk, d, dtype
    (1, 2, 2, 1, 1, 16, torch.float32),
    (2, 4, 2, 37, 37, 16, torch.float32),  # training-like, Lq not a tile multiple
    (3, 8, 2, 5, 70, 64, torch.float32),  # decode: few active rows against a cache
    (2, 6, 3, 19, 83, 24, torch.float32),  # head dim not a power of two
    (2, 4, 1, 33, 33, 32, torch.float16),
    (2, 2, 2, 17, 40, 32, torch.bfloat16),
    (1, 1, 1, 130, 130, 16, torch.float32),  # long enough that whole key tiles get skipped
]
for i, (b, hq, hkv, lq, lk, d, dt) in enumerate(cases):
    q, k, v = (torch.randn(b, h, n, d).to(dt) for h, n in ((hq, lq), (hkv, lk), (hkv, lk)))
    prompt = [min(lk, int(torch.randint(1, 5, ()))) for _ in range(b)]
    sub = [int(torch.randint(0, lk - p + 1, ())) for p in prompt]
    kb = block_ids_for_training(torch.tensor(prompt), torch.tensor(sub), torch.randint(1, 5, (b,)), 0, lk)
    qb = kb[:, lk - lq:].clone()
    if b > 1:
        qb[-1, -1] = -1  # padding query
        kb[0, 0] = -1  # padding key inside the prompt
    if i == 1:
        q = q.transpose(2, 3).contiguous().transpose(2, 3)  # strided input, as transformers passes it
    got = block_causal_attention(q, k, v, qb, kb, scale=0.2, backend="triton")
    ref = block_causal_attention_reference(q.double(), k.double(), v.double(), qb, kb, scale=0.2)
    tol = 1e-5 if dt == torch.float32 else 3e-2
    err = (got.double() - ref).abs().max().item()
    assert got.dtype == dt and got.shape == ref.shape, (i, got.dtype, got.shape)
    assert err < tol, (i, err)
    if b > 1:
        assert (got[-1, :, -1] == 0).all(), i
print("ok")
"""


@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed (pip install 'lohovla[triton]')")
def test_triton_matches_reference_under_interpreter() -> None:
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_TRITON_CHECK)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-3000:]


@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed (pip install 'lohovla[triton]')")
def test_triton_kernel_compiles_for_cuda_without_a_gpu() -> None:
    """The interpreter accepts code the GPU compiler rejects; compile to a sm_80 cubin (bundled ptxas) to be sure."""
    from lohovla.kernels.triton_attention import _block_causal_fwd

    try:
        import triton
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource
    except ImportError as e:  # the ahead-of-time API moved
        pytest.skip(f"triton ahead-of-time API unavailable: {e}")
    if not hasattr(_block_causal_fwd, "arg_names") or os.environ.get("TRITON_INTERPRET") == "1":
        pytest.skip("kernel was built for the interpreter")
    names = list(_block_causal_fwd.arg_names)
    const = {"GROUPS": 4, "BLOCK_M": 32, "BLOCK_N": 64, "BLOCK_D": 64, "PRECISION": None, "UPCAST": False}
    sig = {n: ("*bf16" if n in "QKVO" else "*i64") for n in names[:6]}
    sig |= {n: "i32" for n in names[6:] if n not in const} | {"qk_scale": "fp32"} | dict.fromkeys(const, "constexpr")
    src = ASTSource(_block_causal_fwd, sig, constexprs={(names.index(c),): v for c, v in const.items()})
    compiled = triton.compile(src, target=GPUTarget("cuda", 80, 32), options={"num_warps": 4, "enable_fp_fusion": True})
    assert "cubin" in compiled.asm


# ---------------------------------------------------------------- transformers integration


def _tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=97,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
    )
    return LlamaForCausalLM(cfg).eval()


def test_registered_attention_matches_sdpa_and_eager_with_4d_mask() -> None:
    model = _tiny_llama()
    ids = block_ids_for_training(torch.tensor([5, 3]), torch.tensor([8, 6]), torch.tensor([4, 1]), 1, 16)
    tokens = torch.randint(0, 97, ids.shape)
    valid = ids >= 0
    mask4d = additive_mask(block_causal_mask(ids, ids), torch.float32)
    with torch.no_grad():
        outs = {}
        for impl in ("sdpa", "eager"):
            model.set_attn_implementation(impl)
            outs[impl] = model(tokens, attention_mask=mask4d).logits
        model.set_attn_implementation(register_attention())
        got = model(tokens, q_block_ids=ids, k_block_ids=ids).logits
        only_q = model(tokens, q_block_ids=ids).logits  # keys default to the query ids without a cache
    for impl, want in outs.items():
        assert torch.allclose(got[valid], want[valid], atol=1e-5), impl
    assert torch.equal(got, only_q)
    assert torch.isfinite(got).all()


def test_registered_attention_without_ids_is_plain_sdpa() -> None:
    model = _tiny_llama()
    tokens = torch.randint(0, 97, (2, 7))
    pad = torch.ones(2, 7, dtype=torch.long)
    pad[1, 5:] = 0
    with torch.no_grad():
        model.set_attn_implementation("sdpa")
        want = model(tokens, attention_mask=pad).logits
        model.set_attn_implementation(register_attention())
        got = model(tokens, attention_mask=pad).logits
    assert torch.allclose(got, want, atol=1e-6)


def test_kv_cache_decoding_matches_full_training_forward() -> None:
    """The KEY property: D2F steps over [cache | active blocks] reproduce the one-pass training-mask logits.

    Batch of two prompts of different lengths (the shorter one's cache holds -1 padding slots), sub-task of three
    blocks of 3. Steps: prefill the prompt; run blocks 1-2 as active; drop them from the cache; commit block 1;
    run blocks 2-3 against the cache.
    """
    from transformers import DynamicCache

    from lohovla.policies.lohovla.backbone import cache_keyword

    model = _tiny_llama()
    model.set_attn_implementation(register_attention())
    prompt_lens, bsz, n_sub, width = [6, 4], 3, 9, 6
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(0, 97, (n,), generator=g) for n in prompt_lens]
    sub = torch.randint(0, 97, (2, n_sub), generator=g)

    with torch.no_grad():
        full = []
        for b, p in enumerate(prompts):  # reference: one unpadded training-mask pass per sample
            ids = block_ids_for_training(len(p), n_sub, bsz, 0)
            full.append(model(torch.cat([p, sub[b]])[None], q_block_ids=ids[None]).logits[0])

        prompt_tokens = torch.zeros(2, width, dtype=torch.long)
        cache_ids = torch.full((2, width), -1)
        for b, p in enumerate(prompts):
            prompt_tokens[b, : len(p)], cache_ids[b, : len(p)] = p, 0
        cache = DynamicCache(config=model.config)
        kw = {cache_keyword(): cache}
        pre = model(prompt_tokens, use_cache=True, q_block_ids=cache_ids, **kw).logits
        for b, n in enumerate(prompt_lens):
            assert torch.allclose(pre[b, :n], full[b][:n], atol=1e-5)

        def step(start: int, stop: int, cached: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            active = block_ids_for_training(0, n_sub, bsz, 0)[start:stop].expand(2, -1)
            q_ids, k_ids = block_ids_for_decoding(cached, active)
            pos = torch.tensor(prompt_lens)[:, None] + torch.arange(start, stop)
            out = model(sub[:, start:stop], use_cache=True, position_ids=pos,
                        q_block_ids=q_ids, k_block_ids=k_ids, **kw).logits  # fmt: skip
            for b, n in enumerate(prompt_lens):
                assert torch.allclose(out[b], full[b][n + start : n + stop], atol=1e-5), (start, stop, b)
            return out, k_ids

        step(0, 6, cache_ids)  # blocks 1 and 2 active
        cache.crop(-6)  # active KV is not committed
        assert cache.get_seq_length() == width
        _, cache_ids = step(0, 3, cache_ids)  # block 1 complete: its KV goes into the cache
        assert cache.get_seq_length() == width + 3
        step(3, 9, cache_ids)  # blocks 2 and 3 active against [prompt | block 1]


_TRITON_LLAMA_CHECK = """
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from lohovla.kernels.dispatch import register_attention
from lohovla.kernels.masks import block_ids_for_training

torch.manual_seed(0)
cfg = LlamaConfig(vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2)
model = LlamaForCausalLM(cfg).eval()
ids = block_ids_for_training(torch.tensor([5, 3]), torch.tensor([8, 6]), torch.tensor([4, 1]), 1, 16)
tokens = torch.randint(0, 97, ids.shape)
with torch.no_grad():
    model.set_attn_implementation(register_attention("bc_torch", backend="torch"))
    want = model(tokens, q_block_ids=ids).logits
    model.set_attn_implementation(register_attention("bc_triton", backend="triton"))
    got = model(tokens, q_block_ids=ids).logits
valid = ids >= 0
assert torch.allclose(got[valid], want[valid], atol=1e-4), (got - want)[valid].abs().max()
print("ok")
"""


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed (pip install 'lohovla[triton]')")
def test_triton_backend_inside_llama_under_interpreter() -> None:
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_TRITON_LLAMA_CHECK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-3000:]


def test_scale_default_is_inverse_sqrt_head_dim() -> None:
    q, k, v, qb, kb = _random_case(1, 2, 2, 5, 5, 16)
    a = block_causal_attention_reference(q, k, v, qb, kb)
    b = block_causal_attention_reference(q, k, v, qb, kb, scale=1 / math.sqrt(16))
    assert torch.equal(a, b)
