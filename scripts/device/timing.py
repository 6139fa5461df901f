"""Timing shared by the device scripts: medians of CUDA-event timings, and CUDA-graph capture."""
import statistics
import time

import torch

CUDA = torch.cuda.is_available()


def sync():
    if CUDA:
        torch.cuda.synchronize()


def timed(fn, warmup=3, iters=15):
    """Median seconds of one call of fn, after `warmup` calls (CUDA events on a GPU, the host clock elsewhere)."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(iters):
        if CUDA:
            a = torch.cuda.Event(enable_timing=True)
            b = torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b) / 1e3)
        else:
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def capture(fn, calls=1):
    """One CUDA graph of `calls` calls of fn, captured after three warm-up calls on a side stream."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(calls):
            fn()
    return g
