#!/usr/bin/env python3
"""One decode step of a Llama-3.1-8B-shaped model on one GPU, timed eagerly and replayed from a CUDA graph.

Run on one CUDA GPU with PyTorch:  python3 scripts/device/llama-decode.py OUT.json
The model is written out in plain PyTorch (random BF16 weights, the real shapes: 32 layers, hidden 4096, 32 query
heads over 8 KV heads of 128, SwiGLU 14336, vocabulary 128256), so every kernel of the step is known: per layer
RMSNorm, one QKV GEMM, rotary embedding, the KV-cache write, SDPA over the cache, the output projection and
residual, RMSNorm, one gate-and-up GEMM, SiLU x up, the down projection and residual; then the final norm, the LM
head and a greedy argmax. For each batch the step is timed eagerly (median of CUDA-event timings) and replayed
from one CUDA graph, and its kernels are counted with the profiler. `supernode predict --system hgx-h200 --model
llama-3.1-8b --phase decode --chips 1 --batch-per-chip B --context L` prices the same step.
--quick runs tiny shapes (on CPU too) to check the script.
"""
import json
import sys

import torch
import torch.nn.functional as F

from timing import capture, sync, timed

QUICK = "--quick" in sys.argv
OUT = ([a for a in sys.argv[1:] if not a.startswith("--")] or ["llama-decode.json"])[0]
DEV = "cuda" if torch.cuda.is_available() else "cpu"
if QUICK:
    C = dict(hidden=256, inter=512, layers=2, heads=4, kv=2, hd=64, vocab=1000)
    RUNS = [(1, 64), (4, 64)]
else:
    C = dict(hidden=4096, inter=14336, layers=32, heads=32, kv=8, hd=128, vocab=128256)
    RUNS = [(1, 2048), (8, 2048), (32, 2048), (64, 2048), (128, 2048), (32, 8192)]
BF = torch.bfloat16


def rand(*shape, scale=0.02):
    return (torch.randn(*shape, device=DEV, dtype=torch.float32) * scale).to(BF)


h, hd, nq, nkv = C["hidden"], C["hd"], C["heads"], C["kv"]
W = {
    "emb": rand(C["vocab"], h),
    "head": rand(h, C["vocab"]),
    "final": torch.ones(h, device=DEV, dtype=BF),
    "layers": [dict(n1=torch.ones(h, device=DEV, dtype=BF), qkv=rand(h, (nq + 2 * nkv) * hd), o=rand(nq * hd, h),
                    n2=torch.ones(h, device=DEV, dtype=BF), gu=rand(h, 2 * C["inter"]), d=rand(C["inter"], h))
               for _ in range(C["layers"])],
}


def rope_tables(pos):
    inv = 1.0 / (500000.0 ** (torch.arange(0, hd, 2, device=DEV, dtype=torch.float32) / hd))
    angle = pos * inv
    return torch.cat([angle.cos(), angle.cos()]).to(BF), torch.cat([angle.sin(), angle.sin()]).to(BF)


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


def make_step(batch, context):
    caches = [(torch.zeros(batch, nkv, context + 1, hd, device=DEV, dtype=BF),
               torch.zeros(batch, nkv, context + 1, hd, device=DEV, dtype=BF)) for _ in range(C["layers"])]
    for k, v in caches:  # a filled cache: random keys and values
        k.normal_()
        v.normal_()
    ids = torch.randint(0, C["vocab"], (batch,), device=DEV)
    cos, sin = rope_tables(context)
    out = torch.empty(batch, dtype=torch.long, device=DEV)

    def step():
        x = W["emb"][ids]
        for layer, (kc, vc) in zip(W["layers"], caches):
            a = F.rms_norm(x, (h,), layer["n1"], 1e-5)
            qkv = a @ layer["qkv"]
            q = qkv[:, : nq * hd].view(batch, nq, hd)
            k = qkv[:, nq * hd: (nq + nkv) * hd].view(batch, nkv, hd)
            v = qkv[:, (nq + nkv) * hd:].view(batch, nkv, hd)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            kc[:, :, context].copy_(k)
            vc[:, :, context].copy_(v)
            o = F.scaled_dot_product_attention(q.unsqueeze(2), kc, vc, enable_gqa=True)
            x = x + o.reshape(batch, nq * hd) @ layer["o"]
            a = F.rms_norm(x, (h,), layer["n2"], 1e-5)
            g, u = (a @ layer["gu"]).chunk(2, dim=-1)
            x = x + (F.silu(g) * u) @ layer["d"]
        x = F.rms_norm(x, (h,), W["final"], 1e-5)
        out.copy_((x @ W["head"]).argmax(-1))

    return step, caches


def count_kernels(fn):
    from torch.profiler import ProfilerActivity, profile
    activity = ProfilerActivity.CUDA if DEV == "cuda" else ProfilerActivity.CPU
    with profile(activities=[activity]) as prof:
        fn()
        sync()
    if DEV == "cuda":
        return sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
    return None


result = {"format": "supernode-decode/1", "description": __doc__.strip().splitlines()[0], "config": C,
          "device": torch.cuda.get_device_name(0) if DEV == "cuda" else "cpu (script check only)",
          "torch": torch.__version__, "rows": []}
weight_bytes = sum(t.numel() * 2 for t in [W["head"]] + [t for l in W["layers"] for t in l.values()])
result["weight_bytes"] = weight_bytes
for batch, context in RUNS:
    row = {"batch": batch, "context": context}
    try:
        step, caches = make_step(batch, context)
        row["eager_s"] = timed(step, 3, 10)
        row["kernels"] = count_kernels(step)
        if DEV == "cuda":
            g = capture(step)
            row["graph_s"] = timed(g.replay, 3, 20)
            del g
        row["kv_bytes"] = sum(k.numel() * 2 * 2 for k, _ in caches)
        del caches, step
        if DEV == "cuda":
            torch.cuda.empty_cache()
    except Exception as e:  # record and go on
        row["error"] = f"{type(e).__name__}: {e}"[:300]
    result["rows"].append(row)
    print(json.dumps(row), flush=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)

print("\nbatch context  eager ms  graph ms  kernels  GB/s (weights+KV over graph time)")
for r in result["rows"]:
    if "eager_s" in r:
        g = r.get("graph_s")
        bw = (weight_bytes + r["kv_bytes"]) / g / 1e9 if g else 0
        print(f"{r['batch']:5d} {r['context']:7d} {r['eager_s'] * 1e3:9.3f} {g * 1e3 if g else 0:9.3f} {r['kernels']}  {bw:.0f}")
    else:
        print(r)
print(f"wrote {OUT}")
