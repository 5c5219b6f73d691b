#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures of `rat4j import` (rat-samediff/src/test/resources/torch/).

Run with Debian's PyTorch (bookworm: torch 1.13.1) and EasyDict:
    apt-get install -y python3-torch python3-easydict
    /usr/bin/python3 tools/torch-fixtures/make_fixtures.py [OUT_DIR]

Each tiny model (vocab 64, d_model 16, 2 layers, 2 heads) is an nn.Module tree whose attribute names are the
reference repositories' (`embedding.wte`, `backbone.layers.{i}.seq_layer.in_proj`, ...), so `state_dict()` yields the
reference names, the `_metadata` attribute and, with tied embeddings, `head.lm_head.weight` sharing the storage of
`embedding.wte.weight`, as the reference `LMTask` does. The wrappers `_orig_mod` (what torch.compile's
OptimizedModule holds) and `module` (DistributedDataParallel) add the prefixes those produce.

For every checkpoint the script also writes its safetensors "twin": the same values under rat4j's names (prefixes
stripped, RAT+'s legacy fgate_proj rows appended to in_proj as wimh966/rat-plus src/utils/convert_load_ckpt.py does),
as float32. A bf16 or f16 checkpoint's twin holds the rounded values, so an import must reproduce it exactly.
The safetensors format (8-byte little-endian header length, JSON header, raw bytes) is written by hand here.

Files:
  rat-f32.pth          {'task': ..., 'config': EasyDict, 'step', 'optimizer', 'lr_scheduler', 'resume_kwargs'}
                       as the reference trainers save, keys under '_orig_mod.'
  rat-bf16.pth         a bare bf16 state dict, keys under 'module.'
  attention-f32.pth    {'model': ...}, untied head, one transposed (non-contiguous) weight and one tensor that is
                       a view at an offset into a larger storage
  ratplus-legacy-f32.pth, ratplus-legacy-f16.pth
                       {'task': ...} in the legacy RAT+ layout: in_proj [4D, D] (o, q, k, v) + fgate_proj [D, D]
  malicious.pth        a torch.save zip whose pickle would call os.system (GLOBAL posix.system) when torch.load'ed
                       without weights_only; rat4j must refuse it
  {rat,attention,ratplus}.yaml     the rat4j model configs
  *.safetensors        the twins
"""
import collections
import json
import os
import struct
import sys

import torch
from easydict import EasyDict

VOCAB, D, LAYERS, HEADS, SEQ_LEN, FFN_MULT = 64, 16, 2, 2, 32, 4
HEAD_DIM = D // HEADS
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "rat-samediff", "src", "test", "resources", "torch")

# Sharp weights (std 0.3, not the 0.02 init) so that a wrong row order or a misread tensor moves the logits visibly.
STD = 0.3


class Norm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(D))


class Mixer(torch.nn.Module):
    """A mixer's parameters: input_norm, in_proj (rows given), optional gate_bias and legacy fgate_proj, out_proj."""

    def __init__(self, in_rows, gate_bias, fgate):
        super().__init__()
        self.input_norm = Norm()
        self.in_proj = torch.nn.Linear(D, in_rows, bias=False)
        if gate_bias:
            self.gate_bias = torch.nn.Parameter(torch.empty(D))
        if fgate:
            self.fgate_proj = torch.nn.Linear(D, D, bias=False)
        self.out_proj = torch.nn.Linear(D, D, bias=False)


class Ffn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = Norm()
        self.fc1 = torch.nn.Linear(D, FFN_MULT * D, bias=False)
        self.fc2 = torch.nn.Linear(FFN_MULT * D, D, bias=False)


class Block(torch.nn.Module):
    def __init__(self, mixer):
        super().__init__()
        self.seq_layer = mixer
        self.hidden_layer = Ffn()


class Backbone(torch.nn.Module):
    def __init__(self, mixers):
        super().__init__()
        self.layers = torch.nn.ModuleList([Block(m) for m in mixers])
        self.ln = Norm()


class Embedding(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(VOCAB, D)


class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lm_head = torch.nn.Linear(D, VOCAB, bias=False)


class Task(torch.nn.Module):
    def __init__(self, mixer, tied):
        super().__init__()
        self.embedding = Embedding()
        self.backbone = Backbone([mixer() for _ in range(LAYERS)])
        self.head = Head()
        if tied:
            self.head.lm_head.weight = self.embedding.wte.weight


class Wrapper(torch.nn.Module):
    """Holds the task under one attribute name, as torch.compile ('_orig_mod') or DDP ('module') do."""

    def __init__(self, name, task):
        super().__init__()
        setattr(self, name, task)


def fill(task, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in task.named_parameters():
            if name.endswith("norm.weight") or name.endswith("ln.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g))
    return task


def rat_model(seed):
    return fill(Task(lambda: Mixer(3 * D + 2 * 2 * HEAD_DIM, gate_bias=True, fgate=False), tied=True), seed)


def attention_model(seed):
    return fill(Task(lambda: Mixer(3 * D, gate_bias=False, fgate=False), tied=False), seed)


def ratplus_legacy_model(seed):
    return fill(Task(lambda: Mixer(4 * D, gate_bias=False, fgate=True), tied=True), seed)


def rat4j_names(task):
    """The state dict under rat4j's names, fgate_proj rows appended to in_proj (o, q, k, v then g), float32."""
    sd = task.state_dict()
    out = collections.OrderedDict()
    for k, v in sd.items():
        if k.endswith("fgate_proj.weight"):
            continue
        fgate = k.replace("in_proj.weight", "fgate_proj.weight")
        if k.endswith("in_proj.weight") and fgate in sd:
            v = torch.cat([v, sd[fgate]], dim=0)
        out[k] = v.float().contiguous()
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_yaml(path, comment, cell, tied):
    lines = ["# " + comment, "model:", f"  vocab_size: {VOCAB}", f"  d_model: {D}", f"  n_layers: {LAYERS}",
             f"  num_heads: {HEADS}", f"  seq_len: {SEQ_LEN}", f"  tie_embedding: {'true' if tied else 'false'}",
             "  backbone:", "    seq_cell:"] + ["      " + c for c in cell]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def trainer_checkpoint(task, wrapper):
    """The dict the reference trainers torch.save: weights under 'task' (from the wrapper, so with its prefix),
    EasyDict config, AdamW state after one step, scheduler state. The step changes the weights, so take the twin
    after this."""
    opt = torch.optim.AdamW(task.parameters(), lr=8e-4, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-6)
    sum((p * p).sum() for p in task.parameters()).backward()
    opt.step()
    sched.step()
    state_dict = wrapper.state_dict()
    config = EasyDict({"model": {"backbone": {"seq_cell": {"_name_": "rat", "chunk_size": 4, "ngroups": 2}},
                                 "d_model": D, "n_layers": LAYERS},
                       "optim": {"optimizer": {"lr": 8e-4, "betas": [0.9, 0.95]}}, "seed": 1005})
    return {"task": state_dict, "config": config, "step": 9, "optimizer": opt.state_dict(),
            "lr_scheduler": sched.state_dict(), "resume_kwargs": {"resume_step": 9}}


class Evil:
    """Pickles to GLOBAL posix.system + REDUCE: unpickling it with pickle (torch.load without weights_only) runs a
    shell command. Never unpickle malicious.pth in Python."""

    def __reduce__(self):
        return os.system, ("echo rat4j-fixture-code-ran > /tmp/rat4j-malicious-fixture-ran",)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # RAT (L=4, G=2), tied, saved as the reference trainer does with torch.compile's '_orig_mod.' prefix.
    rat = rat_model(1)
    torch.save(trainer_checkpoint(rat, Wrapper("_orig_mod", rat)), os.path.join(OUT, "rat-f32.pth"))
    write_safetensors(os.path.join(OUT, "rat-f32.safetensors"), rat4j_names(rat))
    write_yaml(os.path.join(OUT, "rat.yaml"), "tiny RAT(L=4, G=2) of the .pth import fixtures",
               ["type: rat", "chunk_size: 4", "ngroups: 2"], tied=True)

    # The same RAT in bfloat16, a bare state dict under DDP's 'module.' prefix.
    rat_bf16 = rat_model(2).to(torch.bfloat16)
    torch.save(Wrapper("module", rat_bf16).state_dict(), os.path.join(OUT, "rat-bf16.pth"))
    write_safetensors(os.path.join(OUT, "rat-bf16.safetensors"), rat4j_names(rat_bf16))

    # Attention with an untied head under 'model'; fc1 of layer 1 stored transposed (strides (1, 16)) and the final
    # norm a view at storage offset 3 of a longer storage: the importer must honour offsets and strides.
    att = attention_model(3)
    sd = att.state_dict()
    sd["backbone.layers.1.hidden_layer.fc1.weight"] = sd["backbone.layers.1.hidden_layer.fc1.weight"].t().contiguous().t()
    padded = torch.randn(D + 7)
    padded[3:3 + D] = sd["backbone.ln.weight"]
    sd["backbone.ln.weight"] = padded[3:3 + D]
    assert not sd["backbone.layers.1.hidden_layer.fc1.weight"].is_contiguous()
    torch.save({"model": sd, "epoch": 1}, os.path.join(OUT, "attention-f32.pth"))
    write_safetensors(os.path.join(OUT, "attention-f32.safetensors"), rat4j_names(att))
    write_yaml(os.path.join(OUT, "attention.yaml"), "tiny attention, untied head, of the .pth import fixtures",
               ["type: attention"], tied=False)

    # RAT+ in the legacy layout (in_proj o, q, k, v + a separate fgate_proj), under 'task' with '_orig_mod.'.
    rp = ratplus_legacy_model(4)
    torch.save({"task": Wrapper("_orig_mod", rp).state_dict(), "step": 474},
               os.path.join(OUT, "ratplus-legacy-f32.pth"))
    write_safetensors(os.path.join(OUT, "ratplus-legacy-f32.safetensors"), rat4j_names(rp))
    rp16 = ratplus_legacy_model(5).half()
    torch.save({"task": rp16.state_dict()}, os.path.join(OUT, "ratplus-legacy-f16.pth"))
    write_safetensors(os.path.join(OUT, "ratplus-legacy-f16.safetensors"), rat4j_names(rp16))
    write_yaml(os.path.join(OUT, "ratplus.yaml"), "tiny RAT+ (D=4, W=2, P=1) of the .pth import fixtures",
               ["type: ratplus", "dilation_size: 4", "local_size: 2", "initial_size: 1", "apply_re: true",
                "joint_train: false"], tied=True)

    # A checkpoint that runs a shell command in Python's pickle: the payload comes before the weights.
    torch.save({"payload": Evil(), "task": {"embedding.wte.weight": torch.zeros(2, 2)}}, os.path.join(OUT, "malicious.pth"))

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.abspath(OUT)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
