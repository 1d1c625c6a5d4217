#!/usr/bin/env python3
"""mmc against an independent PyTorch implementation of the same model and training (docs/parity.md).

What it does, in one run:
1. Writes a folder dataset (docs/datasets.md) that both read: two 64-d modalities, `image` (strong)
   and `audio` (weak), 10 classes, 6,000 / 1,000 / 3,000 train / val / test samples, generated with
   numpy from a fixed seed and z-scored per feature with the training split's statistics (so mmc
   reads it with `standardize: none` and both see identical float32 arrays).
2. Trains mmc (`node bin/mmc train`, then `mmc eval --checkpoint last`) and the PyTorch model for each
   seed, each setting and each mmc `model.init` asked for:
     audio    — unimodal model of the weak modality (`modalities: [audio]`), test accuracy;
     dropout  — concat fusion trained with modality dropout 0.3, test accuracy with the image missing;
     vanilla  — concat fusion, test accuracy with both modalities present (and, as a side column in
                the JSON, with the image missing).
   Model: MLP encoders 64 → 64 → 32 (ReLU on every layer, as mmc's encoder output is ReLU features),
   concatenation, fusion head 32 (ReLU), linear classifier; softmax cross-entropy; Adam lr 1e-3
   (betas 0.9/0.999, eps 1e-8, no weight decay); batch 128, a new shuffle each epoch, the last partial
   batch kept; 30 epochs; the last weights.
3. Prints a table: per seed and mean ± std over seeds, mmc per init and PyTorch.

The PyTorch side shares nothing with mmc but the data files: PyTorch's own default initialisation
(nn.Linear: kaiming_uniform(a=√5) weights, U(±1/√fan_in) biases), its own generator for shuffles
and dropout masks (torch.manual_seed(seed)), float32, one thread. Modality dropout and the zero
protocol are written as mmc documents them (docs/cli.md, src/core/train-masks.ts, src/core/absence.ts):
in training each sample loses each modality with probability p independently, a sample that lost all
keeps one chosen uniformly, and a lost modality's encoder output is multiplied by 0 (no rescaling);
at evaluation a missing modality's encoder output is zero.

Usage (scripts/parity.sh wraps it): torch_parity.py [--out DIR] [--seeds N] [--epochs E]
        [--inits he,torch] [--settings audio,dropout,vanilla] [--no-mmc] [--no-torch]
        torch_parity.py --table DIR/results.json   (print an earlier run's table again)
Needs: node and a built mmc (dist/), python3 with torch and numpy (Debian: python3-torch).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
C = 10
DIM = 64
SIZES = {"train": 6000, "val": 1000, "test": 3000}
DATA_SEED = 20250713
SETTINGS = ("audio", "dropout", "vanilla")
DROPOUT = 0.3


# ---------------------------------------------------------------- data
def make_modality(rng, y, latent, beta, noise):
    """x = tanh(z A) + noise·ε: z = class mean (β·N(0, I)) + N(0, I) in `latent` dims, A a random map to 64 dims."""
    means = rng.standard_normal((C, latent)) * beta
    z = means[y] + rng.standard_normal((len(y), latent))
    a = rng.standard_normal((latent, DIM)) / np.sqrt(latent) * 1.5
    return np.tanh(z @ a) + noise * rng.standard_normal((len(y), DIM))


def make_data(folder):
    """Writes folder/manifest.yaml and the .npy arrays; the same bytes on every call."""
    rng = np.random.default_rng(DATA_SEED)
    n = sum(SIZES.values())
    y = rng.permutation(np.arange(n) % C)  # balanced classes
    xs = {"image": make_modality(rng, y, 16, 1.2, 0.5), "audio": make_modality(rng, y, 16, 0.85, 0.5)}
    cut = {"train": (0, SIZES["train"]), "val": (SIZES["train"], SIZES["train"] + SIZES["val"]), "test": (SIZES["train"] + SIZES["val"], n)}
    lo, hi = cut["train"]
    for m, x in xs.items():
        mu = x[lo:hi].mean(0)
        sd = x[lo:hi].std(0)
        xs[m] = ((x - mu) / sd).astype(np.float32)
    for split, (lo, hi) in cut.items():
        os.makedirs(os.path.join(folder, split), exist_ok=True)
        np.save(os.path.join(folder, split, "labels.npy"), y[lo:hi].astype(np.int64))
        for m, x in xs.items():
            np.save(os.path.join(folder, split, f"{m}.npy"), x[lo:hi])
    split_lines = "".join(f"  {s}: {{ labels: {s}/labels.npy, x: {{ image: {s}/image.npy, audio: {s}/audio.npy }} }}\n" for s in cut)
    with open(os.path.join(folder, "manifest.yaml"), "w") as f:
        f.write(
            "name: parity\n"
            "description: scripts/oracle/torch_parity.py, two 64-d modalities (image strong, audio weak), z-scored with train statistics\n"
            "source: scripts/oracle/torch_parity.py\n"
            "license: MIT\n"
            "task: multiclass\n"
            f"num_classes: {C}\n"
            "modalities:\n  - name: image\n    shape: [64]\n  - name: audio\n    shape: [64]\n"
            "splits:\n" + split_lines
        )


def load_data(folder):
    out = {}
    for s in SIZES:
        out[s] = {
            "y": torch.from_numpy(np.load(os.path.join(folder, s, "labels.npy"))),
            "image": torch.from_numpy(np.load(os.path.join(folder, s, "image.npy"))),
            "audio": torch.from_numpy(np.load(os.path.join(folder, s, "audio.npy"))),
        }
    return out


# ---------------------------------------------------------------- PyTorch
def encoder():
    return nn.Sequential(nn.Linear(DIM, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())


class Fusion(nn.Module):
    def __init__(self, names):
        super().__init__()
        self.names = names
        self.enc = nn.ModuleDict({m: encoder() for m in names})  # built in `names` order, like mmc
        self.head = nn.Sequential(nn.Linear(32 * len(names), 32), nn.ReLU())
        self.out = nn.Linear(32, C)

    def forward(self, xs, presence=None):
        feats = []
        for m in self.names:
            f = self.enc[m](xs[m])
            if presence is not None and m in presence:
                f = f * presence[m].unsqueeze(1)
            feats.append(f)
        return self.out(self.head(torch.cat(feats, 1)))


def dropout_masks(gen, n, names, p):
    """Per sample and modality dropped with probability p; a sample that lost all keeps one at random."""
    drop = torch.rand(n, len(names), generator=gen) < p
    all_gone = drop.all(1)
    keep = torch.randint(len(names), (n,), generator=gen)
    drop[all_gone, keep[all_gone]] = False
    return {m: (~drop[:, i]).float() for i, m in enumerate(names)}


def torch_run(data, setting, seed, epochs):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1_000_003)
    names = ["audio"] if setting == "audio" else ["image", "audio"]
    model = Fusion(names)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    tr = data["train"]
    n = len(tr["y"])
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, 128):
            idx = perm[s : s + 128]
            xs = {m: tr[m][idx] for m in names}
            presence = dropout_masks(gen, len(idx), names, DROPOUT) if setting == "dropout" else None
            loss = nn.functional.cross_entropy(model(xs, presence), tr["y"][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    te = data["test"]
    with torch.no_grad():
        xs = {m: te[m] for m in names}
        acc = lambda logits: float((logits.argmax(1) == te["y"]).float().mean())
        res = {"all_present": acc(model(xs))}
        if len(names) == 2:
            res["image_missing"] = acc(model(xs, {"image": torch.zeros(len(te["y"]))}))
    return res


# ---------------------------------------------------------------- mmc
def mmc_config(path, data_dir, setting, epochs):
    lines = [
        f"name: parity-{setting}",
        "dataset:",
        "  name: folder",
        f"  path: {json.dumps(data_dir)}",
        "  standardize: none  # the files are z-scored already",
    ]
    if setting == "audio":
        lines.append("modalities: [audio]")
    lines += [
        "model:",
        "  encoder: {type: mlp, hidden: [64], out_dim: 32}",
        "  fusion: {type: concat, hidden: [32]}",
        "train:",
        f"  epochs: {epochs}",
        "  batch_size: 128",
        "  optimizer: {lr: 0.001, weight_decay: 0}",
        f"  modality_dropout: {DROPOUT if setting == 'dropout' else 0}",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def mmc(*args):
    r = subprocess.run(["node", os.path.join(REPO, "bin", "mmc"), *args], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"mmc {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout)


def mmc_run(out, setting, seed, init, epochs):
    cfg = os.path.join(out, "configs", f"{setting}.yaml")
    runs = os.path.join(out, "runs")
    t = mmc("train", "--config", cfg, "--seed", str(seed), "--set", f"model.init={init}", "--name", f"parity-{setting}-{init}-s{seed}", "--runs-dir", runs, "--json", "-q", "--no-progress")
    ev = ["eval", "--run", t["run"], "--checkpoint", "last", "--split", "test", "--protocol", "zero", "--json", "-q"]
    if setting != "audio":
        ev += ["--missing-modality", "image"]
    e = mmc(*ev)
    res = {"all_present": e["all_present"]["accuracy"]}
    if setting != "audio":
        res["image_missing"] = e["metrics"]["accuracy"]
    return res


# ---------------------------------------------------------------- table
# (setting, result key, title): the three comparisons, then vanilla fusion's collapse measure (seed-noisy).
BLOCKS = [
    ("audio", "all_present", "audio only (unimodal)"),
    ("dropout", "image_missing", "fusion + modality dropout 0.3, image missing"),
    ("vanilla", "all_present", "vanilla fusion, all present"),
    ("vanilla", "image_missing", "vanilla fusion, image missing (the collapse itself; not one of the three comparisons)"),
]


def mean_std(v):
    v = np.asarray(v, dtype=np.float64) * 100
    return f"{v.mean():5.1f} ± {v.std(ddof=1) if len(v) > 1 else 0:.1f}"


def table(results, seeds, impls):
    lines = []
    for setting, key, title in BLOCKS:
        if setting not in results:
            continue
        lines.append(f"\n{title} — test accuracy % (last weights)\n")
        lines.append("| seed | " + " | ".join(impls) + " |")
        lines.append("|---" * (len(impls) + 1) + "|")
        for i, s in enumerate(seeds):
            lines.append(f"| {s} | " + " | ".join(f"{100 * results[setting][im][i][key]:.1f}" for im in impls) + " |")
        lines.append("| mean ± std | " + " | ".join(mean_std([r[key] for r in results[setting][im]]) for im in impls) + " |")
        if "PyTorch" in impls and len(impls) > 1:
            # Unpaired: seed s is a different random stream in each implementation.
            py = np.array([r[key] for r in results[setting]["PyTorch"]]) * 100
            lines.append("")
            for im in impls:
                if im != "PyTorch":
                    v = np.array([r[key] for r in results[setting][im]]) * 100
                    se = np.sqrt(v.var(ddof=1) / len(v) + py.var(ddof=1) / len(py)) if len(v) > 1 and len(py) > 1 else float("nan")
                    lines.append(f"- {im} − PyTorch: {v.mean() - py.mean():+.1f} ± {se:.1f} points (difference of means ± its standard error)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "runs", "parity"))
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--inits", default="he,torch")
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--no-mmc", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--table", metavar="RESULTS_JSON", help="only print the table of an earlier run's results.json")
    a = ap.parse_args()
    if a.table:
        with open(a.table) as f:
            r = json.load(f)
        impls = list(next(iter(r["results"].values())).keys())
        print(table(r["results"], r["seeds"], impls))
        return
    torch.set_num_threads(1)
    out = os.path.abspath(a.out)
    data_dir = os.path.join(out, "data")
    os.makedirs(os.path.join(out, "configs"), exist_ok=True)
    make_data(data_dir)
    data = load_data(data_dir)
    seeds = list(range(a.seeds))
    settings = [s for s in a.settings.split(",") if s]
    inits = [] if a.no_mmc else [i for i in a.inits.split(",") if i]
    impls = [f"mmc-{i}" for i in inits] + ([] if a.no_torch else ["PyTorch"])
    results = {s: {im: [] for im in impls} for s in settings}
    seconds = {im: 0.0 for im in impls}
    for setting in settings:
        mmc_config(os.path.join(out, "configs", f"{setting}.yaml"), data_dir, setting, a.epochs)
        for seed in seeds:
            for init in inits:
                t0 = time.time()
                results[setting][f"mmc-{init}"].append(mmc_run(out, setting, seed, init, a.epochs))
                seconds[f"mmc-{init}"] += time.time() - t0
            if not a.no_torch:
                t0 = time.time()
                results[setting]["PyTorch"].append(torch_run(data, setting, seed, a.epochs))
                seconds["PyTorch"] += time.time() - t0
            print(f"{setting} seed {seed}: " + ", ".join(f"{im} {json.dumps(results[setting][im][-1])}" for im in impls), file=sys.stderr, flush=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"seeds": seeds, "epochs": a.epochs, "results": results, "seconds": seconds, "torch": torch.__version__, "numpy": np.__version__}, f, indent=1)
    print(table(results, seeds, impls))
    print("\nseconds: " + ", ".join(f"{im} {s:.0f}" for im, s in seconds.items()) + f"; results in {os.path.join(out, 'results.json')}")


if __name__ == "__main__":
    main()
