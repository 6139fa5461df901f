#!/usr/bin/env python3
"""Kernel timings for the H200 calibration profile (the kernels h200-pytorch-microbench does not cover).

Run on one NVIDIA Hopper GPU with PyTorch:  python3 scripts/device/h200-kernels.py OUT.json
Sections (each on its own: one that fails records its error and the rest still run):
  ceilings       device-to-device copy and a large BF16 GEMM, against the datasheet figures
  launch         one tiny kernel launched eagerly back to back, and the same kernels replayed from a CUDA graph
  elementwise    a BF16 add (3 tensors) and RMSNorm over [tokens, 7168], replayed from a graph
  prefill_attention  causal attention over a 16,384-token batch of sequences of 512 to 16,384 tokens: GQA shape
                 (32 heads of 128) and DeepSeek MLA's prefill shape (128 heads, 192 for queries and keys, 128 for
                 values), for each SDPA backend that accepts it
  fp8_gemm       torch._scaled_mm at DeepSeek-V3's dense shapes (DeepGEMM's table), per-tensor and per-row scales
  grouped_gemm   torch._grouped_mm (BF16) and torch._scaled_grouped_mm (FP8, per-row scales) over 8 experts at
                 DeepSeek-V3's expert shapes, tokens per expert 16 to 8,192
  gemm_graph     the shipped microbenchmark's GEMM shapes, eager and replayed from a CUDA graph
Times are medians of CUDA-event timings after warm-up, on random data. fp8_gemm and grouped_gemm time one eager
call between events, so below about 50 us they measure the host's launch, not the kernel; no fit uses them.
--quick runs a small subset (on CPU too) to check the script.
"""
import json
import sys
import time
import traceback

import torch
import torch.nn.functional as F

from timing import capture, timed

QUICK = "--quick" in sys.argv
OUT = [a for a in sys.argv[1:] if not a.startswith("--")]
OUT = OUT[0] if OUT else "h200-kernels.json"
DEV = "cuda" if torch.cuda.is_available() else "cpu"
result = {
    "format": "supernode-kernels/1",
    "description": "Kernel timings on one device through PyTorch (scripts/device/h200-kernels.py): medians of "
                   "CUDA-event timings after warm-up, random data.",
    "device": {},
    "sections": {},
}


def graphed(fn, calls):
    """Median seconds of one fn call, replayed `calls` times from one CUDA graph (no launch gaps)."""
    if DEV != "cuda":
        return timed(lambda: [fn() for _ in range(calls)], 1, 3) / calls
    return timed(capture(fn, calls).replay, 3, 10) / calls


def section(name):
    def wrap(body):
        t0 = time.time()
        try:
            result["sections"][name] = body()
        except Exception as e:  # record and go on: one unsupported kernel must not lose the rest
            result["sections"][name] = {"error": f"{type(e).__name__}: {e}"[:500]}
            traceback.print_exc()
        print(f"[{name}] {time.time() - t0:.1f} s", flush=True)
        save()
        return body
    return wrap


def save():
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)


if DEV == "cuda":
    p = torch.cuda.get_device_properties(0)
    result["device"] = {"name": p.name, "sms": p.multi_processor_count, "mem_gib": p.total_memory / 2**30,
                        "torch": torch.__version__, "cuda": torch.version.cuda,
                        "cudnn": torch.backends.cudnn.version()}
else:
    result["device"] = {"name": "cpu (script check only)", "torch": torch.__version__}
save()


def rand(*shape, dtype=torch.bfloat16):
    return torch.randn(*shape, device=DEV, dtype=torch.float32).to(dtype)


@section("ceilings")
def _():
    n = (64 if QUICK else 1024) * 2**20 // 2
    x = rand(n)
    y = torch.empty_like(x)
    copy = timed(lambda: y.copy_(x))
    d = 512 if QUICK else 8192
    a, b = rand(d, d), rand(d, d)
    gemm = timed(lambda: a @ b, 2, 10)
    return {"copy": {"bytes": 2 * n * 2, "s": copy, "GBps_rw": 2 * n * 2 / copy / 1e9},
            "gemm_bf16": {"M": d, "K": d, "N": d, "s": gemm, "TFLOPs": 2 * d**3 / gemm / 1e12}}


@section("launch")
def _():
    x = torch.zeros(1, device=DEV)
    n = 100 if QUICK else 2000
    eager = timed(lambda: [x.add_(1) for _ in range(n)], 1, 5) / n
    graph = graphed(lambda: x.add_(1), n)
    return {"note": "one 1-element add: eager launches back to back, and replays from one CUDA graph",
            "eager_s": eager, "graph_s": graph}


@section("elementwise")
def _():
    hidden = 7168
    rows = []
    for t in ([1, 64] if QUICK else [1, 8, 64, 512, 4096, 16384]):
        a, b = rand(t, hidden), rand(t, hidden)
        c = torch.empty_like(a)
        w = rand(hidden)
        calls = 20
        add = graphed(lambda: torch.add(a, b, out=c), calls)
        norm = graphed(lambda: F.rms_norm(a, (hidden,), w, 1e-6), calls)
        rows.append({"tokens": t, "hidden": hidden, "add_s": add, "add_bytes": 3 * t * hidden * 2,
                     "rms_norm_s": norm, "rms_norm_bytes": 2 * t * hidden * 2 + hidden * 2})
    return {"note": "BF16; times per call from graph replays of 20 calls; bytes: each tensor read or written once",
            "rows": rows}


def attention_rows(heads, dqk, dv, total, lengths):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    backends = {"cudnn": SDPBackend.CUDNN_ATTENTION, "flash": SDPBackend.FLASH_ATTENTION,
                "efficient": SDPBackend.EFFICIENT_ATTENTION}
    if DEV != "cuda":
        backends = {"math": SDPBackend.MATH}
    rows = []
    for s in lengths:
        b = max(1, total // s)
        q, k, v = rand(b, heads, s, dqk), rand(b, heads, s, dqk), rand(b, heads, s, dv)
        flops = b * heads * s * s * (dqk + dv)  # causal: half of 2·S²·(dqk + dv) per head
        row = {"sequences": b, "tokens": s, "causal_flops": flops}
        for name, backend in backends.items():
            try:
                with sdpa_kernel([backend]):
                    secs = timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), 2, 8)
                row[name] = {"s": secs, "TFLOPs": flops / secs / 1e12}
            except Exception as e:
                row[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]}
        rows.append(row)
        del q, k, v
    return rows


@section("prefill_attention")
def _():
    total = 1024 if QUICK else 16384
    lengths = [256, 512] if QUICK else [512, 1024, 2048, 4096, 8192, 16384]
    heads = 4 if QUICK else None
    return {"note": "causal forward, BF16, batch of total/tokens sequences; FLOPs = sequences·heads·tokens²·(dqk+dv)",
            "gqa_128": {"heads": heads or 32, "dqk": 128, "dv": 128,
                        "rows": attention_rows(heads or 32, 128, 128, total, lengths)},
            "mla_prefill": {"heads": heads or 128, "dqk": 192, "dv": 128,
                            "rows": attention_rows(heads or 128, 192, 128, total, lengths)}}


def fp8(x):
    return x.to(torch.float8_e4m3fn)


@section("fp8_gemm")
def _():
    if DEV != "cuda":
        return {"error": "needs a CUDA device"}
    shapes = [(2112, 7168), (24576, 1536), (32768, 512), (7168, 16384), (4096, 7168), (7168, 2048)]
    rows = []
    for m in [64, 128, 256, 1024, 4096]:
        for n, k in shapes:
            a = fp8(rand(m, k))
            b = fp8(rand(n, k)).t()  # column-major B, as cuBLAS's FP8 GEMM wants
            one = torch.ones((), device=DEV, dtype=torch.float32)
            row = {"M": m, "K": k, "N": n}
            try:
                s = timed(lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16))
                row["tensorwise_s"] = s
            except Exception as e:
                row["tensorwise_error"] = str(e)[:200]
            try:
                sa = torch.rand(m, 1, device=DEV, dtype=torch.float32) + 0.5
                sb = torch.rand(1, n, device=DEV, dtype=torch.float32) + 0.5
                s = timed(lambda: torch._scaled_mm(a, b, scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16))
                row["rowwise_s"] = s
            except Exception as e:
                row["rowwise_error"] = str(e)[:200]
            try:  # DeepSeek's fine-grained scales: 1x128 activation tiles, 128x128 weight blocks
                sa = (torch.rand(k // 128, m, device=DEV, dtype=torch.float32) + 0.5).t()
                kb = k // 128
                # 128x128 weight blocks: b.t()'s scales (N/128, K/128) inner-dim-major, rows 16-byte aligned
                sb = (torch.rand(-(-n // 128), -(-kb // 4) * 4, device=DEV, dtype=torch.float32) + 0.5)[:, :kb].t()
                s = timed(lambda: torch._scaled_mm(a, b, scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16))
                row["blockwise_s"] = s
            except Exception as e:
                row["blockwise_error"] = str(e)[:800]
            rows.append(row)
    return {"note": "torch._scaled_mm, FP8 E4M3 operands, BF16 output", "rows": rows}


@section("grouped_gemm")
def _():
    if DEV != "cuda":
        return {"error": "needs a CUDA device"}
    experts = 8
    shapes = {"gate_up": (7168, 4096), "down": (2048, 7168)}
    rows = []
    for m in [16, 64, 256, 1024, 4096, 8192]:
        for tag, (k, n) in shapes.items():
            a = rand(experts * m, k)
            b = rand(experts, n, k).transpose(-2, -1)  # [E, K, N], column-major per expert
            offs = torch.arange(m, experts * m + 1, m, device=DEV, dtype=torch.int32)
            row = {"tag": tag, "experts": experts, "m": m, "K": k, "N": n}
            try:
                row["bf16_s"] = timed(lambda: torch._grouped_mm(a, b, offs=offs, out_dtype=torch.bfloat16))
            except Exception as e:
                row["bf16_error"] = str(e)[:200]
                try:  # row-major experts, if the build wants them so
                    bc = b.contiguous()
                    row["bf16_s"] = timed(lambda: torch._grouped_mm(a, bc, offs=offs, out_dtype=torch.bfloat16))
                except Exception as e2:
                    row["bf16_error_row_major"] = str(e2)[:200]
            try:
                a8, b8 = fp8(a), fp8(b)
                sa = torch.rand(experts * m, device=DEV, dtype=torch.float32) + 0.5
                sb = torch.rand(experts, n, device=DEV, dtype=torch.float32) + 0.5
                row["fp8_rowwise_s"] = timed(lambda: torch._scaled_grouped_mm(
                    a8, b8, sa, sb, offs=offs, out_dtype=torch.bfloat16))
            except Exception as e:
                row["fp8_error"] = str(e)[:200]
            rows.append(row)
            del a, b
    return {"note": "8 experts of m tokens each; gate_up: [m,7168]x[7168,4096], down: [m,2048]x[2048,7168]",
            "rows": rows}


@section("gemm_graph")
def _():
    """The shipped microbenchmark's GEMM shapes, eager (one launch after another, as that set was timed) and
    replayed from a CUDA graph (how serving stacks run decode): the difference is the eager launch cost."""
    path = "Sources/CostModel/Presets/measurements/h200-pytorch-microbench.json"
    shapes = json.load(open(path))
    rows = []
    bf16 = [(r["tag"], r["M"], r["K"], r["N"]) for r in shapes["gemm_bf16"]]
    for tag, m, k, n in (bf16[:4] if QUICK else bf16):
        if QUICK:
            m, k, n = min(m, 64), min(k, 256), min(n, 256)
        a, b = rand(m, k), rand(k, n)
        eager = timed(lambda: [a @ b for _ in range(20)], 2, 7) / 20
        graph = graphed(lambda: a @ b, 20)
        rows.append({"tag": tag, "M": m, "K": k, "N": n, "eager_s": eager, "graph_s": graph})
    fp8_rows = []
    if DEV == "cuda":
        for r in shapes["gemm_fp8_vs_bf16"]:
            m, k, n = r["M"], r["K"], r["N"]
            a, b = fp8(rand(m, k)), fp8(rand(n, k)).t()
            one = torch.ones((), device=DEV, dtype=torch.float32)
            f = lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
            fp8_rows.append({"tag": r["tag"], "M": m, "K": k, "N": n,
                             "eager_s": timed(lambda: [f() for _ in range(20)], 2, 7) / 20, "graph_s": graphed(f, 20)})
    return {"note": "seconds per GEMM: 20 back-to-back eager calls, and 20 calls replayed from one CUDA graph",
            "bf16": rows, "fp8": fp8_rows}


def summary():
    s = result["sections"]
    print("\n== summary ==")
    c = s.get("ceilings", {})
    if "copy" in c:
        print(f"copy {c['copy']['GBps_rw']:.0f} GB/s rw; bf16 gemm {c['gemm_bf16']['TFLOPs']:.0f} TFLOP/s")
    l = s.get("launch", {})
    if "eager_s" in l:
        print(f"launch eager {l['eager_s'] * 1e6:.2f} us, graph {l['graph_s'] * 1e6:.2f} us")
    for r in s.get("elementwise", {}).get("rows", []):
        print(f"elementwise T={r['tokens']}: add {r['add_s'] * 1e6:.1f} us ({r['add_bytes'] / r['add_s'] / 1e9:.0f} GB/s)"
              f" rmsnorm {r['rms_norm_s'] * 1e6:.1f} us ({r['rms_norm_bytes'] / r['rms_norm_s'] / 1e9:.0f} GB/s)")
    pa = s.get("prefill_attention", {})
    for shape in ("gqa_128", "mla_prefill"):
        for r in pa.get(shape, {}).get("rows", []):
            cells = " ".join(f"{k}={v['TFLOPs']:.0f}" if "TFLOPs" in v else f"{k}=x"
                             for k, v in r.items() if isinstance(v, dict))
            print(f"{shape} S={r['tokens']}: {cells}")
    for r in s.get("fp8_gemm", {}).get("rows", []):
        f = 2 * r["M"] * r["K"] * r["N"]
        cells = " ".join(f"{k[:-2]}={f / r[k] / 1e12:.0f}" for k in ("tensorwise_s", "rowwise_s", "blockwise_s") if k in r)
        print(f"fp8 M={r['M']} N={r['N']} K={r['K']}: {cells}")
    for r in s.get("grouped_gemm", {}).get("rows", []):
        f = 2 * r["experts"] * r["m"] * r["K"] * r["N"]
        cells = " ".join(f"{k[:-2]}={f / r[k] / 1e12:.0f}" for k in ("bf16_s", "fp8_rowwise_s") if k in r)
        print(f"grouped {r['tag']} m={r['m']}: {cells}")
    g = s.get("gemm_graph", {})
    for key in ("bf16", "fp8"):
        rows = g.get(key, [])
        if rows:
            d = sorted(r["eager_s"] - r["graph_s"] for r in rows)
            small = [r for r in rows if r["M"] <= 16]
            print(f"gemm {key} x{len(rows)}: eager-graph median {d[len(d) // 2] * 1e6:.1f} us; M<=16 graph median "
                  f"{sorted(r['graph_s'] for r in small)[len(small) // 2] * 1e6 if small else 0:.1f} us")
    for name, body in s.items():
        if isinstance(body, dict) and "error" in body:
            print(f"{name}: {body['error'][:150]}")


summary()
print(f"wrote {OUT}")
