#!/usr/bin/env python3
"""PyTorch peer of rat4j's layer benchmark: the same single-layer math, timed with the same protocol.

Each layer is written the way rat4j writes it (spec sections 1-3): RMSNorm, one input projection with the
reference row order, RoPE (token positions; InterRoPE by chunk index for RAT), a Hillis-Steele scan for the
gated recurrence (chunked for RAT, whole-sequence for the RNN and RAT+), dense softmax attention with an additive
mask for attention, SWA and RAT+, RAT's inter-chunk attention over the chunk summaries plus the token's own state,
the output gate, the output projection and the residual.

Modes (spec 6.1): ``train`` = forward + backward of ``out.mean()`` (gradients of every parameter),
``prefill`` = no-grad forward that also fills the decode cache, ``gen`` = one decode step at position T-1 on a
cache filled with random keys and values. Warm-up runs, then timed runs (median, min, max).

Usage: ``peer_layers.py --cases raw/peer-cases.json --out raw/peer.json`` (the Java side writes the cases), or
``peer_layers.py --quick`` for a stand-alone smoke run. Only Debian's python3-torch is needed (no pip).
"""
import argparse
import ctypes
import gc
import json
import math
import os
import platform
import resource
import sys
import time

import torch

GIB = 1 << 30


# ----------------------------------------------------------------------------- math shared by the layers

def rms_norm(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_tables(positions, d, base=10000.0):
    """cos, sin of shape [len(positions), d], half-split convention (spec 1.4)."""
    inv = base ** (-torch.arange(0, d // 2, dtype=torch.float64) * 2.0 / d)
    theta = positions.to(torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([theta.cos(), theta.cos()], dim=-1).float()
    sin = torch.cat([theta.sin(), theta.sin()], dim=-1).float()
    return cos, sin


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


SEQUENTIAL_MAX = 128  # as rat4j's ChunkedRecurrence.SEQUENTIAL_MAX


def scan(f, u):
    """h_l = f_l * h_{l-1} + (1 - f_l) * u_l along dim 1, h_{-1} = 0, as rat4j's ChunkedRecurrence: step by step
    for chunks up to SEQUENTIAL_MAX, Hillis-Steele beyond."""
    length = f.shape[1]
    b = (1 - f) * u
    if length <= SEQUENTIAL_MAX:
        gates = f.unbind(1)
        inputs = b.unbind(1)
        h = [inputs[0]]
        for l in range(1, length):
            h.append(gates[l] * h[-1] + inputs[l])
        return torch.stack(h, dim=1)
    a = f
    s = 1
    while s < length:
        b_next = torch.cat([b[:, :s], a[:, s:] * b[:, :length - s] + b[:, s:]], dim=1)
        if 2 * s < length:
            a = torch.cat([a[:, :s], a[:, s:] * a[:, :length - s]], dim=1)
        b = b_next
        s *= 2
    return b


def heads(x, seq, h, d):
    """[B*T, H*d] or [B, T, H*d] -> [B, H, T, d]."""
    return x.reshape(-1, seq, h, d).permute(0, 2, 1, 3)


def from_heads(y):
    b, h, t, d = y.shape
    return y.permute(0, 2, 1, 3).reshape(b * t, h * d)


MASKED = -1e9


def mask_from(rule, t, s):
    q = torch.arange(t)[:, None]
    k = torch.arange(s)[None, :]
    return torch.where(rule(q, k), torch.zeros(()), torch.full((), MASKED))


def parse_mixer(label):
    if label == "attention":
        return {"type": "attention"}
    if label == "rnn":
        return {"type": "rnn"}
    if label.startswith("ratplus"):
        dl, w, p = label[len("ratplus"):].split("-")
        return {"type": "ratplus", "dilation": -1 if dl == "n" else int(dl), "local": int(w), "initial": int(p)}
    if label.startswith("swa"):
        return {"type": "swa", "window": int(label[3:])}
    if label.startswith("rat"):
        return {"type": "rat", "chunk": int(label[3:]), "groups": 2}
    raise ValueError("unknown mixer " + label)


# ----------------------------------------------------------------------------- the layer

class Layer:
    """One mixer block with rat4j's parameter shapes and row orders; float32 on the CPU."""

    def __init__(self, mixer, d, h, seq, seed):
        self.m = parse_mixer(mixer)
        self.d, self.h, self.hd, self.seq = d, h, d // h, seq
        g = torch.Generator().manual_seed(seed)
        t = self.m["type"]
        if t == "rat":
            rows = 3 * d + 2 * self.m["groups"] * self.hd
        elif t == "ratplus":
            rows = 5 * d
        else:
            rows = 3 * d
        self.norm = torch.ones(d)
        self.w_in = torch.randn(rows, d, generator=g) * 0.02
        self.w_out = torch.randn(d, d, generator=g) * 0.02
        self.params = [self.norm, self.w_in, self.w_out]
        if t in ("rat", "rnn"):
            upper = self.m["chunk"] - 1 if t == "rat" else seq - 1
            self.gate_bias = torch.log(1 + torch.rand(d, generator=g) * max(upper - 1, 0))
            self.params.append(self.gate_bias)
        self.cos, self.sin = rope_tables(torch.arange(seq), self.hd)
        if t == "attention":
            self.mask = mask_from(lambda q, k: k <= q, seq, seq)
        elif t == "swa":
            w = self.m["window"]
            self.mask = mask_from(lambda q, k: (k <= q) & (q - k <= w), seq, seq)
        elif t == "ratplus":
            dl, w, p = self.m["dilation"], self.m["local"], self.m["initial"]
            dil = (lambda q, k: torch.zeros_like(q - k, dtype=torch.bool)) if dl == -1 else (lambda q, k: (k + 1) % dl == 0)
            self.mask = mask_from(lambda q, k: (k <= q) & ((q - k <= w) | (k < p) | dil(q, k)), seq, seq)
        elif t == "rat":
            L = self.m["chunk"]
            C = seq // L
            self.chunks = C
            self.mask = mask_from(lambda q, c: c < q // L, seq, C)
            self.cos_t, self.sin_t = rope_tables(torch.arange(seq) // L, self.hd)
            self.cos_c, self.sin_c = rope_tables(torch.arange(C), self.hd)

    def requires_grad(self, flag):
        for p in self.params:
            p.requires_grad_(flag)

    # parallel forward ---------------------------------------------------------
    def forward(self, x):
        """x [B, T, D] -> (out [B, T, D], taps for the cache)."""
        B, T, D = x.shape
        h, hd = self.h, self.hd
        u = rms_norm(x, self.norm).reshape(-1, D) @ self.w_in.t()
        t = self.m["type"]
        if t in ("attention", "swa"):
            v, q, k = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            qh = apply_rope(heads(q, T, h, hd), self.cos, self.sin)
            kh = apply_rope(heads(k, T, h, hd), self.cos, self.sin)
            y = self._attend(qh, kh, heads(v, T, h, hd))
            return x + (from_heads(y) @ self.w_out.t()).reshape(B, T, D), {"k": kh, "v": v.reshape(B, T, D)}
        if t == "rnn":
            z, v, g = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            f = torch.sigmoid(g + self.gate_bias)
            hs = scan(f.reshape(B, T, D), v.reshape(B, T, D)).reshape(-1, D)
            return x + ((torch.sigmoid(z) * hs) @ self.w_out.t()).reshape(B, T, D), {"h": hs.reshape(B, T, D)}
        if t == "rat":
            L, G = self.m["chunk"], self.m["groups"]
            gw = G * hd
            z, v, g = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            q = u[:, 3 * D:3 * D + gw].repeat(1, h // G)
            k = u[:, 3 * D + gw:3 * D + 2 * gw].repeat(1, h // G)
            f = torch.sigmoid(g + self.gate_bias)
            gates = torch.cat([f, f], dim=1).reshape(-1, L, 2 * D)
            inputs = torch.cat([v, k], dim=1).reshape(-1, L, 2 * D)
            states = scan(gates, inputs).reshape(-1, 2 * D)
            vt, kt = states[:, :D], states[:, D:]
            y = self._inter_chunk(heads(q, T, h, hd), heads(kt, T, h, hd), heads(vt, T, h, hd))
            return x + ((torch.sigmoid(z) * from_heads(y)) @ self.w_out.t()).reshape(B, T, D), {"k": kt.reshape(B, T, D), "v": vt.reshape(B, T, D)}
        # ratplus
        o, q, k, v, g = (u[:, i * D:(i + 1) * D] for i in range(5))
        f = torch.sigmoid(g)
        states = scan(torch.cat([f, f], dim=1).reshape(B, T, 2 * D), torch.cat([k, v], dim=1).reshape(B, T, 2 * D))
        states = states.reshape(-1, 2 * D)
        kt, vt = states[:, :D], states[:, D:]
        qh = apply_rope(heads(q, T, h, hd), self.cos, self.sin)
        kh = apply_rope(heads(kt, T, h, hd), self.cos, self.sin)
        y = self._attend(qh, kh, heads(vt, T, h, hd))
        return x + ((from_heads(y) * torch.sigmoid(o)) @ self.w_out.t()).reshape(B, T, D), {"k": kh, "v": vt.reshape(B, T, D)}

    def _attend(self, q, k, v):
        # Scale and mask in place: matmul's backward does not need its output, so autograd allows it, and the
        # peer then holds one [B, H, T, T] score tensor fewer (its best set-up, not a straw man).
        scores = (q @ k.transpose(-1, -2)).mul_(1.0 / math.sqrt(self.hd)).add_(self.mask)
        return torch.softmax(scores, dim=-1) @ v

    def _inter_chunk(self, q, kt, vt):
        L, C, hd = self.m["chunk"], self.chunks, self.hd
        B, H, T, _ = q.shape
        kbar = kt.reshape(B, H, C, L, hd)[:, :, :, L - 1]
        vbar = vt.reshape(B, H, C, L, hd)[:, :, :, L - 1]
        scale = 1.0 / math.sqrt(hd)
        inter = (apply_rope(q, self.cos_t, self.sin_t) @ apply_rope(kbar, self.cos_c, self.sin_c).transpose(-1, -2))
        inter = inter.mul_(scale).add_(self.mask)
        self_s = (q * kt).sum(-1, keepdim=True) * scale
        p = torch.softmax(torch.cat([inter, self_s], dim=-1), dim=-1)
        return p[..., :C] @ vbar + p[..., C:] * vt

    # decode cache -------------------------------------------------------------
    def new_cache(self, batch, capacity):
        t = self.m["type"]
        D, H, hd = self.d, self.h, self.hd
        c = {"len": 0}
        if t in ("attention", "swa", "ratplus"):
            slots = capacity if t != "swa" else min(capacity, self.m["window"] + 1)
            c["k"] = torch.zeros(batch, H, slots, hd)
            c["v"] = torch.zeros(batch, H, slots, hd)
        if t == "rat":
            C = (capacity + self.m["chunk"] - 1) // self.m["chunk"]
            c["k"] = torch.zeros(batch, H, C, hd)
            c["v"] = torch.zeros(batch, H, C, hd)
            c["ks"] = torch.zeros(batch, D)
            c["vs"] = torch.zeros(batch, D)
        if t in ("rnn", "ratplus"):
            c["hs"] = torch.zeros(batch, D) if t == "rnn" else None
            c["ks"] = torch.zeros(batch, D)
            c["vs"] = torch.zeros(batch, D)
        return c

    def prefill(self, cache, taps, n):
        """Fills the cache as after tokens 0..n-1 (every sequence of the batch has length n)."""
        t = self.m["type"]
        B = next(iter(taps.values())).shape[0]
        H, hd, D = self.h, self.hd, self.d
        if t in ("attention", "ratplus"):
            k = taps["k"]
            if k.dim() == 3:  # raw [B, T, D] (gen's random fill): rotate like the cache does
                k = apply_rope(heads(k, k.shape[1], H, hd), self.cos[:k.shape[1]], self.sin[:k.shape[1]])
            cache["k"][:, :, :n] = k[:, :, :n]
            cache["v"][:, :, :n] = heads(taps["v"], taps["v"].shape[1], H, hd)[:, :, :n]
            if t == "ratplus":  # running state at n-1 (the value row stands in for the key: same cost)
                cache["ks"].copy_(taps["v"][:, n - 1])
                cache["vs"].copy_(taps["v"][:, n - 1])
        elif t == "swa":
            w1 = cache["k"].shape[2]
            first = max(0, n - w1)
            k = taps["k"]
            if k.dim() == 3:
                k = apply_rope(heads(k, k.shape[1], H, hd), self.cos[:k.shape[1]], self.sin[:k.shape[1]])
            v = heads(taps["v"], taps["v"].shape[1], H, hd)
            for p in range(first, n):
                cache["k"][:, :, p % w1] = k[:, :, p]
                cache["v"][:, :, p % w1] = v[:, :, p]
        elif t == "rnn":
            cache["hs"].copy_(taps["h"].reshape(B, -1, D)[:, n - 1])
        elif t == "rat":
            L = self.m["chunk"]
            kt = taps["k"].reshape(B, -1, D)
            vt = taps["v"].reshape(B, -1, D)
            cache["ks"].copy_(kt[:, n - 1])
            cache["vs"].copy_(vt[:, n - 1])
            chunks = (n - 1) // L + 1
            rows = torch.tensor([min((c + 1) * L - 1, n - 1) for c in range(chunks)])
            cos, sin = rope_tables(torch.arange(chunks), hd)
            cache["k"][:, :, :chunks] = apply_rope(heads(kt[:, rows], chunks, H, hd), cos, sin)
            cache["v"][:, :, :chunks] = heads(vt[:, rows], chunks, H, hd)
        cache["len"] = n

    def step(self, cache, x, pos):
        """One token per sequence at position pos: x [B, D] -> [B, D]."""
        t = self.m["type"]
        B, D = x.shape
        H, hd = self.h, self.hd
        u = rms_norm(x, self.norm) @ self.w_in.t()
        scale = 1.0 / math.sqrt(hd)
        if t in ("attention", "swa"):
            v, q, k = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            cos, sin = rope_tables(torch.tensor([pos]), hd)
            q = apply_rope(q.reshape(B, H, 1, hd), cos, sin)
            k = apply_rope(k.reshape(B, H, 1, hd), cos, sin)
            slot = pos if t == "attention" else pos % cache["k"].shape[2]
            cache["k"][:, :, slot] = k[:, :, 0]
            cache["v"][:, :, slot] = v.reshape(B, H, hd)
            used = min(pos + 1, cache["k"].shape[2])
            y = self._step_attend(q, cache["k"][:, :, :used], cache["v"][:, :, :used], scale)
            return x + y.reshape(B, D) @ self.w_out.t()
        if t == "rnn":
            z, v, g = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            f = torch.sigmoid(g + self.gate_bias)
            hs = cache["hs"]
            hs.mul_(f).add_((1 - f) * v)
            return x + (torch.sigmoid(z) * hs) @ self.w_out.t()
        if t == "rat":
            L, G = self.m["chunk"], self.m["groups"]
            gw = G * hd
            z, v, g = u[:, :D], u[:, D:2 * D], u[:, 2 * D:3 * D]
            q = u[:, 3 * D:3 * D + gw].repeat(1, H // G)
            k = u[:, 3 * D + gw:3 * D + 2 * gw].repeat(1, H // G)
            f = torch.sigmoid(g + self.gate_bias)
            if pos % L == 0:
                cache["ks"].zero_()
                cache["vs"].zero_()
            keep = 1 - f
            cache["ks"].mul_(f).add_(keep * k)
            cache["vs"].mul_(f).add_(keep * v)
            c = pos // L
            cos, sin = rope_tables(torch.tensor([c]), hd)
            cache["k"][:, :, c] = apply_rope(cache["ks"].reshape(B, H, 1, hd), cos, sin)[:, :, 0]
            cache["v"][:, :, c] = cache["vs"].reshape(B, H, hd)
            qr = apply_rope(q.reshape(B, H, 1, hd), cos, sin)
            y = self._step_attend(qr, cache["k"][:, :, :c + 1], cache["v"][:, :, :c + 1], scale)
            return x + (torch.sigmoid(z) * y.reshape(B, D)) @ self.w_out.t()
        # ratplus: the slots hold exactly the pattern's keys (see rat4j's RatPlusCache); timing uses all filled slots
        o, q, k, v, g = (u[:, i * D:(i + 1) * D] for i in range(5))
        f = torch.sigmoid(g)
        keep = 1 - f
        cache["ks"].mul_(f).add_(keep * k)
        cache["vs"].mul_(f).add_(keep * v)
        cos, sin = rope_tables(torch.tensor([pos]), hd)
        qr = apply_rope(q.reshape(B, H, 1, hd), cos, sin)
        used = cache["used"]
        cache["k"][:, :, used - 1] = apply_rope(cache["ks"].reshape(B, H, 1, hd), cos, sin)[:, :, 0]
        cache["v"][:, :, used - 1] = cache["vs"].reshape(B, H, hd)
        y = self._step_attend(qr, cache["k"][:, :, :used], cache["v"][:, :, :used], scale)
        return x + (y.reshape(B, D) * torch.sigmoid(o)) @ self.w_out.t()

    @staticmethod
    def _step_attend(q, k, v, scale):
        s = (q @ k.transpose(-1, -2)) * scale               # [B, H, 1, S]
        return torch.softmax(s, dim=-1) @ v                # [B, H, 1, d]


# ----------------------------------------------------------------------------- FLOPs and memory (as FlopCount)

def keys(m, t):
    ty = m["type"]
    if ty == "attention":
        return t + 1
    if ty == "swa":
        return min(t, m["window"]) + 1
    if ty == "rnn":
        return 0
    if ty == "rat":
        return t // m["chunk"] + 1
    w, p, dl = m["local"], m["initial"], m["dilation"]
    local = min(t, w) + 1
    before = t - w
    if before <= 0:
        return local
    dil = before // dl - p // dl if dl != -1 and before > p else 0
    return local + min(p, before) + dil


def executed_keys(m, seq):
    ty = m["type"]
    if ty == "rnn":
        return 0
    if ty == "rat":
        return seq // m["chunk"] + 1
    return seq


def flops_executed(mode, m, d, h, b, t):
    """As FlopCount.executed: the dense graphs' FLOPs (used to predict a case's time from the previous T)."""
    proj = {"attention": 8, "swa": 8, "rnn": 8, "ratplus": 12}.get(m["type"], 8) * d * d
    if m["type"] == "rat":
        proj = 8 * d * d + 4 * m["groups"] * (d // h) * d
    if mode in ("gen", "gen-batch"):
        return b * (proj + 4 * d * keys(m, t - 1))
    f = b * t * (proj + 4 * d * executed_keys(m, t))
    return 3 * f if mode == "train" else f


def memory_estimate(mode, m, d, h, b, t):
    act = 4.0 * b * t * d
    scores = 4.0 * b * h * t * executed_keys(m, t)
    steps = 0
    if m["type"] == "rat":
        steps = math.log2(m["chunk"])
    elif m["type"] in ("rnn", "ratplus"):
        steps = math.log2(t)
    mask = 8.0 * t * executed_keys(m, t)
    base = 0.6 * GIB
    if mode == "train":
        return base + act * (30 + 12 * steps) + 5 * scores + mask
    if mode == "prefill":
        return base + act * (12 + 4 * steps) + 2.5 * scores + mask
    cache = 8.0 * b * d * (keys(m, t - 1) + 1)
    return base + act + cache + mask


# ----------------------------------------------------------------------------- timing

def timed(fn, warmup, repeats, seconds, between=None, max_warmup=0, tolerance=0.0):
    """Runs fn: at least `warmup` untimed runs, more (up to `max_warmup`) until a run is within `tolerance` of the
    one before it (that run is the first timed one), then up to `repeats` timed runs or `seconds` of them. The same
    protocol as rat4j's LayerBenchmark.Repeater."""
    out = []
    total = 0.0
    warmed = 0
    last = None
    while len(out) < repeats and not (out and total >= seconds * 1000):
        if between is not None and (warmed or out):
            between()
        s = time.perf_counter()
        fn()
        ms = (time.perf_counter() - s) * 1000
        if not out:
            unsettled = tolerance > 0 and last is not None and abs(ms - last) > tolerance * min(ms, last)
            if warmed < warmup or (unsettled and warmed < max_warmup):
                warmed += 1
                last = ms
                continue
        out.append(ms)
        total += ms
    return out


def run_case(c, task):
    m = parse_mixer(c["mixer"])
    d, h, b, t = c["d"], c["heads"], c["batch"], c["seqLen"]
    mode = c["mode"]
    layer = Layer(c["mixer"], d, h, t, task.get("seed", 1005))
    torch.manual_seed(task.get("seed", 1005) + 1)
    if mode == "train":
        x = torch.randn(b, t, d) * 0.02
        layer.requires_grad(True)

        def fn():
            out, _ = layer.forward(x)
            out.mean().backward()
            for p in layer.params:
                p.grad = None
        return timed(fn, task["warmup"], task["repeats"], task["caseSeconds"], gc.collect,
                     task.get("maxWarmup", 0), task.get("settleTolerance", 0.0)), None
    if mode == "prefill":
        x = torch.randn(b, t, d) * 0.02
        parts = []

        def fn():
            with torch.no_grad():
                s = time.perf_counter()
                _, taps = layer.forward(x)
                mid = time.perf_counter()
                cache = layer.new_cache(b, t)
                layer.prefill(cache, taps, t)
                parts.append(((mid - s) * 1000, (time.perf_counter() - mid) * 1000))
        ms = timed(fn, task["warmup"], task["repeats"], task["caseSeconds"], gc.collect,
                   task.get("maxWarmup", 0), task.get("settleTolerance", 0.0))
        return ms, parts[-len(ms):]
    # gen: a cache as after T-1 tokens, filled from random taps
    with torch.no_grad():
        cache = layer.new_cache(b, t)
        tap = torch.randn(b, t, d) * 0.02
        taps = {"k": tap, "v": tap, "h": tap}
        layer.prefill(cache, taps, t - 1)
        if m["type"] == "ratplus":
            cache["used"] = min(t, sum(1 for k in range(t) if _ratplus_allows(m, t - 1, k)))
        del tap, taps
        x = torch.randn(b, d) * 0.02

        def fn():
            layer.step(cache, x, t - 1)
        return timed(fn, task["genWarmup"], task["genRepeats"], task["caseSeconds"]), None


def _ratplus_allows(m, q, k):
    dl, w, p = m["dilation"], m["local"], m["initial"]
    return k <= q and (q - k <= w or k < p or (dl != -1 and (k + 1) % dl == 0))


def is_oom(e):
    s = str(e).lower()
    return isinstance(e, MemoryError) or "can't allocate memory" in s or "out of memory" in s or "not enough memory" in s \
        or "cannot allocate" in s or "bad_alloc" in s


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def info():
    """Versions, threads, BLAS library and kernel, and the measured 2048^2 float32 GEMM rate."""
    blas = "unknown"
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                if "blas" in line and ".so" in line:
                    blas = os.path.realpath(line.split()[-1])
                    if "openblas" in blas:
                        break
    except OSError:
        pass
    core = "unknown"
    try:
        lib = ctypes.CDLL(blas)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        core = lib.openblas_get_corename().decode() + " (" + lib.openblas_get_config().decode().strip() + ")"
    except (OSError, AttributeError):
        pass
    a = torch.rand(2048, 2048)
    bm = torch.rand(2048, 2048)
    c = torch.empty(2048, 2048)
    ts = []
    for i in range(12):
        s = time.perf_counter()
        torch.mm(a, bm, out=c)
        if i >= 3:
            ts.append(time.perf_counter() - s)
    env = {k: os.environ.get(k, "(unset)") for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                                                      "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT",
                                                      "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")}
    return {
        "torch": torch.__version__,
        "python": platform.python_version() + " (" + sys.executable + ")",
        "threads": "torch intra-op %d, inter-op %d" % (torch.get_num_threads(), torch.get_num_interop_threads()),
        "blas library": blas,
        "OpenBLAS kernel": core,
        "GEMM rate, torch.mm 2048^2 float32": "%.1f GFLOP/s" % (2 * 2048 ** 3 / median(ts) / 1e9),
        "gemmGflops": 2 * 2048 ** 3 / median(ts) / 1e9,
        "environment": " ".join("%s=%s" % kv for kv in env.items()),
        "attention": "dense q k^T + additive [T,T] mask, softmax, p v (torch 1.13 has no fused SDPA)",
    }


def write(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", help="cases JSON written by the Java side (raw/peer-cases.json)")
    ap.add_argument("--out", required=True, help="results JSON")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("RAT4J_THREADS", "2")))
    ap.add_argument("--quick", action="store_true", help="a small stand-alone grid (D=256)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        task = {"cases": [{"mode": mo, "mixer": mx, "d": 256, "heads": 2, "batch": 1024 // t, "seqLen": t}
                          for mx in ("attention", "rat16", "rnn", "swa128") for mo in ("train", "prefill", "gen")
                          for t in (256, 512)],
                "warmup": 1, "repeats": 2, "genWarmup": 2, "genRepeats": 5, "caseSeconds": 3,
                "caseTimeoutSeconds": 30, "suiteSeconds": 120, "memoryBudget": 4 * GIB, "seed": 1005}
    else:
        with open(args.cases) as f:
            task = json.load(f)
    budget = task["memoryBudget"]
    try:  # allocation failures become Python errors (reported as OOM) before the watcher's RSS limit stops the peer
        soft = int(budget)
        resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass
    doc = {"info": info(), "results": []}
    write(args.out, doc)
    start = time.time()
    prev = {}
    for c in task["cases"]:
        m = parse_mixer(c["mixer"])
        r = dict(c)
        group = (c["mode"], c["mixer"])
        est = memory_estimate(c["mode"], m, c["d"], c["heads"], c["batch"], c["seqLen"])
        fl = flops_executed(c["mode"], m, c["d"], c["heads"], c["batch"], c["seqLen"])
        p = prev.get(group)
        predicted = p[0] * max(1.0, fl / p[1]) / 1000 if p else 0.0
        if est > budget:
            r.update(status="oom-predicted", note="needs about %.1f GiB, budget %.1f GiB" % (est / GIB, budget / GIB))
        elif predicted > task["caseTimeoutSeconds"]:
            r.update(status="skipped", note="predicted %.0f s per run exceeds the %.0f s case limit" % (predicted, task["caseTimeoutSeconds"]))
        elif time.time() + predicted * 2 - start > task["suiteSeconds"]:
            r.update(status="skipped", note="peer time budget used up")
        else:
            try:
                ms, parts = run_case(c, task)
                r.update(status="ok", runs=len(ms), medianMs=median(ms), minMs=min(ms), maxMs=max(ms))
                if parts:
                    r["forwardMs"] = median([a for a, _ in parts])
                    r["fillMs"] = median([b for _, b in parts])
                prev[group] = (r["medianMs"], fl)
            except Exception as e:  # noqa: BLE001 - every failure is reported, OOM or not
                r.update(status="oom" if is_oom(e) else "error", note=(type(e).__name__ + ": " + str(e))[:200])
        gc.collect()
        r["load1"] = os.getloadavg()[0]
        doc["results"].append(r)
        write(args.out, doc)
        print("%-7s %-14s T=%-6d B=%-4d %s" % (c["mode"], c["mixer"], c["seqLen"], c["batch"],
                                              "%.2f ms" % r["medianMs"] if r["status"] == "ok" else r["status"] + " " + r.get("note", "")),
              file=sys.stderr, flush=True)
    doc["info"]["wallSeconds"] = round(time.time() - start, 1)
    write(args.out, doc)


if __name__ == "__main__":
    main()
