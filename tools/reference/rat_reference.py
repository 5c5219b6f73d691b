#!/usr/bin/env python3
"""Independent float64 NumPy reference of the RAT / RAT+ language models.

Written from the specification only (shared/spec/rat-spec.md, sections 1-3 and 8) and from the weights
document (docs/weights.md: config.json schema, tensor names, in_proj row orders, tying). It reads the model
directories that rat4j writes (config.json + model.safetensors) and computes the logits of one token sequence.
No rat4j Java source was read to write it.

Everything is float64 and written the plain way: per-time-step loops for recurrences, per-query loops for
attention, explicit masks. It is slow and meant for small models.

CLI:
    python3 rat_reference.py --model DIR --tokens 1,5,9 --out ref.npy [--compare rat4j.npy] [--tol 1e-4]
    python3 rat_reference.py --perturb SRC_DIR --out DST_DIR [--seed N] [--scale S]
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# ----------------------------------------------------------------------------------------------------------------
# safetensors I/O (minimal, own implementation)
# ----------------------------------------------------------------------------------------------------------------

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    """Reads a .safetensors file: u64 LE header length, JSON header, raw little-endian data. Returns {name: float64 array}."""
    with open(path, "rb") as fh:
        blob = fh.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        dt = info["dtype"]
        raw = data[start:end]
        if dt == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        elif dt in _DTYPES:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt])
        else:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name}: {arr.size} elements for shape {shape}")
        out[name] = arr.reshape(shape).astype(np.float64)
    return out


def write_safetensors(path, tensors, dtype="F32"):
    """Writes {name: array} as a .safetensors file (used only by --perturb)."""
    npdt = _DTYPES[dtype]
    header, chunks, off = {}, [], 0
    for name in sorted(tensors):
        b = np.ascontiguousarray(tensors[name], dtype=npdt).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hb)))
        fh.write(hb)
        for b in chunks:
            fh.write(b)


# ----------------------------------------------------------------------------------------------------------------
# model loading
# ----------------------------------------------------------------------------------------------------------------

def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as fh:
        cfg = json.load(fh)
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    return {"config": cfg, "weights": w}


def layer_cells(cfg):
    """For each layer i: (cell config, index of the layer among the layers that use that same cell)."""
    bb = cfg["backbone"]
    cell0 = bb["seq_cell"]
    cell1 = bb.get("seq_cell1")
    step = bb.get("interleave_step")
    out, counts = [], {0: 0, 1: 0}
    for i in range(cfg["n_layers"]):
        which = 1 if (cell1 is not None and i % step == 0) else 0
        out.append(((cell1 if which else cell0), counts[which]))
        counts[which] += 1
    return out


# ----------------------------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------------------------

def rmsnorm(x, gamma, eps):
    # x: [T, D]
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * gamma


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu_erf(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def rope_base(cell):
    """The RoPE base of a mixer, or None when its config turns positional encoding off (rope: none, NoPE)."""
    if cell.get("rope", "rope") == "none":
        return None
    return float(cell["rope_base"])


def rope(x, pos, base):
    """Half-split RoPE of one head vector x:[d] at (integer) position pos; the identity for base None (NoPE)."""
    if base is None:
        return x
    d = x.shape[-1]
    half = d // 2
    inv_freq = base ** (-(2.0 * np.arange(half, dtype=np.float64)) / d)
    theta = pos * inv_freq
    cos = np.concatenate([np.cos(theta), np.cos(theta)])
    sin = np.concatenate([np.sin(theta), np.sin(theta)])
    rotated = np.concatenate([-x[half:], x[:half]])
    return x * cos + rotated * sin


def softmax(s):
    m = np.max(s)
    e = np.exp(s - m)
    return e / np.sum(e)


def heads(x, H):
    """[T, D] -> [T, H, d]; head h = features h*d .. h*d+d-1."""
    T, D = x.shape
    return x.reshape(T, H, D // H)


def unheads(y):
    T, H, d = y.shape
    return y.reshape(T, H * d)


# ----------------------------------------------------------------------------------------------------------------
# mixers; each returns the layer output x + (mixer contribution)   (residual inside)
# ----------------------------------------------------------------------------------------------------------------

def mixer_rat(x, p, cell, cfg):
    """Spec §1.2: RAT, chunk length L, G query/key groups, InterRoPE at chunk index."""
    T, D = x.shape
    H = cfg["num_heads"]
    d = D // H
    L = int(cell["chunk_size"])
    G = int(cell["ngroups"])
    base = rope_base(cell)
    assert T % L == 0, "RAT needs T % L == 0 (the caller pads)"
    assert H % G == 0
    xn = rmsnorm(x, p["input_norm.weight"], cfg["norm_eps"])
    u = xn @ p["in_proj.weight"].T
    z_, v, g_ = u[:, 0:D], u[:, D:2 * D], u[:, 2 * D:3 * D]
    qG, kG = u[:, 3 * D:3 * D + G * d], u[:, 3 * D + G * d:3 * D + 2 * G * d]
    z = sigmoid(z_)
    f = sigmoid(g_ + p["gate_bias"])
    # tiling: [qG, qG, ...] H/G copies -> head h uses group h mod G
    q = np.concatenate([qG] * (H // G), axis=1)
    k = np.concatenate([kG] * (H // G), axis=1)
    assert q.shape == (T, D)
    # intra-chunk recurrence, restarting at each chunk
    kt = np.zeros((T, D))
    vt = np.zeros((T, D))
    for t in range(T):
        if t % L == 0:
            prev_k = np.zeros(D)
            prev_v = np.zeros(D)
        else:
            prev_k = kt[t - 1]
            prev_v = vt[t - 1]
        kt[t] = f[t] * prev_k + (1.0 - f[t]) * k[t]
        vt[t] = f[t] * prev_v + (1.0 - f[t]) * v[t]
    qh, kh, vh = heads(q, H), heads(kt, H), heads(vt, H)
    C = T // L
    y = np.zeros((T, H, d))
    scale = 1.0 / math.sqrt(d)
    for h in range(H):
        # chunk summaries: last state of each chunk; RoPE at chunk index on the key
        Kbar = [rope(kh[c * L + L - 1, h], c, base) for c in range(C)]
        Vbar = [vh[c * L + L - 1, h] for c in range(C)]
        for t in range(T):
            c = t // L
            qr = rope(qh[t, h], c, base)
            kself = rope(kh[t, h], c, base)
            scores = [qr @ Kbar[cp] * scale for cp in range(c)] + [qr @ kself * scale]
            vals = Vbar[:c] + [vh[t, h]]
            pr = softmax(np.array(scores))
            y[t, h] = sum(pr[i] * vals[i] for i in range(len(vals)))
    Y = unheads(y)
    return x + (z * Y) @ p["out_proj.weight"].T


def _causal_attention(q, k, v, allowed, scale):
    """q,k,v: [T, H, d]; allowed(qi, ki) -> bool. Returns [T, H, d]."""
    T, H, d = q.shape
    y = np.zeros((T, H, d))
    for h in range(H):
        for t in range(T):
            keys = [s for s in range(T) if allowed(t, s)]
            sc = np.array([q[t, h] @ k[s, h] * scale for s in keys])
            pr = softmax(sc)
            y[t, h] = sum(pr[i] * v[s, h] for i, s in enumerate(keys))
    return y


def mixer_attention(x, p, cell, cfg, window=None):
    """Spec §2.2 (window None) and §2.3 (SWA: k <= q and q - k <= window)."""
    T, D = x.shape
    H = cfg["num_heads"]
    d = D // H
    base = rope_base(cell)
    xn = rmsnorm(x, p["input_norm.weight"], cfg["norm_eps"])
    u = xn @ p["in_proj.weight"].T
    v, q, k = u[:, 0:D], u[:, D:2 * D], u[:, 2 * D:3 * D]
    qh, kh, vh = heads(q, H), heads(k, H), heads(v, H)
    qr = np.stack([[rope(qh[t, h], t, base) for h in range(H)] for t in range(T)])
    kr = np.stack([[rope(kh[t, h], t, base) for h in range(H)] for t in range(T)])
    if window is None:
        allowed = lambda qi, ki: ki <= qi
    else:
        allowed = lambda qi, ki: ki <= qi and qi - ki <= window
    y = _causal_attention(qr, kr, vh, allowed, 1.0 / math.sqrt(d))
    return x + unheads(y) @ p["out_proj.weight"].T


def mixer_rnn(x, p, cell, cfg):
    """Spec §2.1: gated linear RNN over the whole sequence, output gate sigmoid(z)."""
    T, D = x.shape
    xn = rmsnorm(x, p["input_norm.weight"], cfg["norm_eps"])
    u = xn @ p["in_proj.weight"].T
    z_, v, g_ = u[:, 0:D], u[:, D:2 * D], u[:, 2 * D:3 * D]
    f = sigmoid(g_ + p["gate_bias"])
    h = np.zeros((T, D))
    prev = np.zeros(D)
    for t in range(T):
        prev = f[t] * prev + (1.0 - f[t]) * v[t]
        h[t] = prev
    return x + (sigmoid(z_) * h) @ p["out_proj.weight"].T


def _per_layer(value, idx):
    if isinstance(value, list):
        return int(value[idx])
    return int(value)


def ratplus_allowed(qi, ki, Dl, W, P):
    """Spec §3.2 mask."""
    return ki <= qi and (qi - ki <= W or ki < P or (Dl != -1 and (ki + 1) % Dl == 0))


def mixer_ratplus(x, p, cell, cfg, idx):
    """Spec §3.1: RAT+ (rows o,q,k,v,g), full-sequence recurrence, token RoPE, sparse mask, output gate."""
    T, D = x.shape
    H = cfg["num_heads"]
    d = D // H
    base = rope_base(cell)
    apply_re = bool(cell.get("apply_re", True))
    if cell["type"] == "gated_attention":
        apply_re = False
    Dl = _per_layer(cell.get("dilation_size", 1), idx)
    W = _per_layer(cell.get("local_size", 0), idx)
    P = _per_layer(cell.get("initial_size", 0), idx)
    xn = rmsnorm(x, p["input_norm.weight"], cfg["norm_eps"])
    u = xn @ p["in_proj.weight"].T
    nblk = 5 if apply_re else 4
    assert u.shape[1] == nblk * D, f"in_proj has {u.shape[1]} rows, expected {nblk}*D"
    o, q, k, v = u[:, 0:D], u[:, D:2 * D], u[:, 2 * D:3 * D], u[:, 3 * D:4 * D]
    if apply_re:
        f = sigmoid(u[:, 4 * D:5 * D])
        kt = np.zeros((T, D))
        vt = np.zeros((T, D))
        pk = np.zeros(D)
        pv = np.zeros(D)
        for t in range(T):
            pk = f[t] * pk + (1.0 - f[t]) * k[t]
            pv = f[t] * pv + (1.0 - f[t]) * v[t]
            kt[t] = pk
            vt[t] = pv
    else:
        kt, vt = k, v
    qh, kh, vh = heads(q, H), heads(kt, H), heads(vt, H)
    qr = np.stack([[rope(qh[t, h], t, base) for h in range(H)] for t in range(T)])
    kr = np.stack([[rope(kh[t, h], t, base) for h in range(H)] for t in range(T)])
    y = _causal_attention(qr, kr, vh, lambda a, b: ratplus_allowed(a, b, Dl, W, P), 1.0 / math.sqrt(d))
    return x + (unheads(y) * sigmoid(o)) @ p["out_proj.weight"].T


def ffn(x, p, cfg):
    h = rmsnorm(x, p["ln.weight"], cfg["norm_eps"])
    return x + gelu_erf(h @ p["fc1.weight"].T) @ p["fc2.weight"].T


def apply_mixer(x, p, cell, idx, cfg):
    t = cell["type"]
    if t == "rat":
        return mixer_rat(x, p, cell, cfg)
    if t == "attention":
        return mixer_attention(x, p, cell, cfg)
    if t in ("swa", "local_attention"):
        return mixer_attention(x, p, cell, cfg, window=int(cell["window_size"]))
    if t == "rnn":
        return mixer_rnn(x, p, cell, cfg)
    if t in ("ratplus", "gated_attention"):
        return mixer_ratplus(x, p, cell, cfg, idx)
    raise ValueError(f"unknown mixer type {t!r}")


def _sub(w, prefix):
    return {k[len(prefix):]: v for k, v in w.items() if k.startswith(prefix)}


def logits(model, ids):
    """float64 logits [T, V] of one sequence of token ids."""
    cfg, w = model["config"], model["weights"]
    ids = [int(i) for i in ids]
    T = len(ids)
    cells = layer_cells(cfg)
    # RAT needs T % L == 0: pad with token 0 at the end (exact, as every mixer is causal) and drop those rows.
    mult = 1
    for cell, _ in cells:
        if cell["type"] == "rat":
            mult = math.lcm(mult, int(cell["chunk_size"]))
    Tp = -(-T // mult) * mult
    ids_p = ids + [0] * (Tp - T)
    wte = w["embedding.wte.weight"]
    x = wte[np.array(ids_p)]
    for i, (cell, idx) in enumerate(cells):
        x = apply_mixer(x, _sub(w, f"backbone.layers.{i}.seq_layer."), cell, idx, cfg)
        x = ffn(x, _sub(w, f"backbone.layers.{i}.hidden_layer."), cfg)
    h = rmsnorm(x, w["backbone.ln.weight"], cfg["norm_eps"])
    head = wte if cfg.get("tie_embedding", True) else w["head.lm_head.weight"]
    return (h @ head.T)[:T]


# ----------------------------------------------------------------------------------------------------------------
# helpers for cross-checks
# ----------------------------------------------------------------------------------------------------------------

def rel_error(test, ref):
    """max|test - ref| / max|ref|."""
    return float(np.max(np.abs(np.asarray(test, np.float64) - ref)) / np.max(np.abs(ref)))


def f32_ulps(test, ref):
    """max |test - ref| in units of the float32 spacing at |ref|. A float32 file holding a float64 computation
    rounded once to float32 is within 0.5 ulp (plus the float64 error, negligible)."""
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return float(np.max(np.abs(np.asarray(test, np.float64) - ref) / spacing))


def perturb_model(src, dst, seed=0, scale=5.0):
    """Copies a model dir with 'harder' weights: every weight matrix times `scale`, norm gains ~ U(0.5, 1.5),
    gate biases ~ N(0, 1). A freshly initialised model has unit gains and small weights, which would let some
    mistakes (a missing gamma, a wrong gate bias) go unnoticed. Written as F32 so that rat4j reads it as usual."""
    rng = np.random.default_rng(seed)
    m = load_model(src)
    out = {}
    for name, a in sorted(m["weights"].items()):
        if name.endswith("norm.weight") or name.endswith("ln.weight"):
            out[name] = rng.uniform(0.5, 1.5, size=a.shape)
        elif name.endswith("gate_bias"):
            out[name] = rng.normal(0.0, 1.0, size=a.shape)
        elif name == "head.lm_head.weight":
            continue
        elif name.startswith("embedding."):
            out[name] = a
        else:
            out[name] = a * scale
    if "head.lm_head.weight" in m["weights"]:
        out["head.lm_head.weight"] = out["embedding.wte.weight"] if m["config"].get("tie_embedding", True) \
            else m["weights"]["head.lm_head.weight"]
    os.makedirs(dst, exist_ok=True)
    write_safetensors(os.path.join(dst, "model.safetensors"), out, "F32")
    with open(os.path.join(dst, "config.json"), "w") as fh:
        json.dump(m["config"], fh, indent=2)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model directory (config.json + model.safetensors)")
    ap.add_argument("--tokens", help="comma-separated token ids")
    ap.add_argument("--out", help="output .npy (float64 logits [T, V]); with --perturb, the output model dir")
    ap.add_argument("--compare", help="a rat4j-written .npy [T, V] to compare with the reference")
    ap.add_argument("--tol", type=float, default=1e-4, help="max relative error allowed by --compare (1e-4)")
    ap.add_argument("--perturb", metavar="SRC_DIR", help="write a perturbed copy of SRC_DIR to --out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=5.0)
    a = ap.parse_args(argv)
    if a.perturb:
        if not a.out:
            ap.error("--perturb needs --out DIR")
        perturb_model(a.perturb, a.out, a.seed, a.scale)
        return 0
    if not a.model or not a.tokens:
        ap.error("--model and --tokens are required")
    ids = [int(s) for s in a.tokens.split(",") if s.strip()]
    ref = logits(load_model(a.model), ids)
    if a.out:
        np.save(a.out, ref)
    if a.compare:
        other = np.load(a.compare)
        if other.shape != ref.shape:
            print(f"shape mismatch: {a.compare} {other.shape} vs reference {ref.shape}")
            return 2
        err = rel_error(other, ref)
        ok = err <= a.tol
        print(f"max relative error {err:.3e} (tol {a.tol:.1e}) {'OK' if ok else 'FAIL'}"
              f"; max {f32_ulps(other, ref):.3g} float32 ulps")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
