#!/usr/bin/python3
"""Fixtures for `mmc diagnose` (docs/diagnose.md): small PyTorch models of known behaviour, exported to
ONNX, a folder dataset they read, and what PyTorch itself computes on it.

Writes (default --out test/fixtures/onnx):
  data/                 a folder dataset (docs/datasets.md): `image` [4, 4, 1] (16 values) and
                        `audio` [8]; 3 classes; 60 / 30 / 60 train / val / test samples. The first 3
                        values of both modalities hold the same class signal (one-hot × 2 + the same
                        noise), the rest is noise: either modality alone can classify.
  ignores_audio.onnx    MLP encoders, concat, head; audio's encoder weights are all zero, so the model
                        ignores audio by construction (Shapley 0, accuracy unchanged without it).
  equal.onnx            logits = image[:3] + audio[:3] through identical branches: equal reliance
                        (the two Shapley values are equal, each modality alone scores the same).
  conv.onnx             a conv encoder on image [N, 1, 4, 4] (NCHW, as PyTorch stores it) + MLP audio.
  audio_only.onnx       a model on audio alone (input `audio`), for --unimodal.
  expected.json         per model, on the test split with absence at the input (zeros, as
                        `mmc diagnose --absence zero`): accuracy with everything present, with each
                        modality zeroed, and the logits of the first 5 samples.

`--collapse DIR` instead trains a model to collapse (image strong, audio weak, both trained jointly
with weight decay so the image wins; COLLAPSE_SEED sets the initial weights) plus a unimodal audio model, exports both with a dataset, and prints PyTorch's own
accuracies for the conditions `mmc diagnose` reports (docs/diagnose.md shows the two side by side).

Every model: inputs `image`, `audio` (dynamic batch), outputs `logits` and `fused` (the fusion head's
hidden layer), opset 13. Needs python3 with torch and numpy (Debian: python3-torch); the pyenv python
on some machines lacks them, hence /usr/bin/python3.
"""
import argparse
import json
import os

import numpy as np
import torch
from torch import nn

C = 3


def write_folder(out, splits, shapes, name):
    """A folder dataset: manifest.yaml + float32 .npy arrays (labels int64)."""
    lines = [f"name: {name}", "task: multiclass", f"num_classes: {C}", "modalities:"]
    for m, s in shapes.items():
        lines.append(f"  - name: {m}")
        lines.append(f"    shape: [{', '.join(str(v) for v in s)}]")
    lines.append("splits:")
    for split, (xs, y) in splits.items():
        os.makedirs(os.path.join(out, split), exist_ok=True)
        np.save(os.path.join(out, split, "labels.npy"), y.astype(np.int64))
        for m, x in xs.items():
            np.save(os.path.join(out, split, f"{m}.npy"), x.astype(np.float32))
        xmap = ", ".join(f"{m}: {split}/{m}.npy" for m in xs)
        lines.append(f"  {split}: {{ labels: {split}/labels.npy, x: {{ {xmap} }} }}")
    with open(os.path.join(out, "manifest.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def shared_signal_data(rng, n):
    y = rng.integers(0, C, n)
    signal = np.eye(C)[y] * 2 + rng.normal(0, 0.8, (n, C))
    image = np.concatenate([signal, rng.normal(0, 1, (n, 13))], 1)
    audio = np.concatenate([signal, rng.normal(0, 1, (n, 5))], 1)
    return {"image": image.reshape(n, 4, 4, 1), "audio": audio}, y


class Mlp2(nn.Module):
    """MLP encoders, concat, one hidden fusion layer, linear classifier (mmc's concat model)."""

    def __init__(self, d_img=16, d_aud=8, conv=False):
        super().__init__()
        self.conv = conv
        if conv:
            self.img = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 8), nn.ReLU())
        else:
            self.img = nn.Sequential(nn.Linear(d_img, 8), nn.ReLU())
        self.aud = nn.Sequential(nn.Linear(d_aud, 8), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(16, 12), nn.ReLU())
        self.out = nn.Linear(12, C)

    def forward(self, image, audio):
        x = image if self.conv else image.reshape(image.shape[0], -1)
        fused = self.head(torch.cat([self.img(x), self.aud(audio)], 1))
        return self.out(fused), fused


class Equal(nn.Module):
    """logits = image[:, :3] + audio[:, :3]; fused = both signals side by side."""

    def forward(self, image, audio):
        a = image.reshape(image.shape[0], -1)[:, :C]
        b = audio[:, :C]
        return a + b, torch.cat([a, b], 1)


class AudioOnly(nn.Module):
    """A model on audio alone: encoder, one hidden layer, classifier."""

    def __init__(self):
        super().__init__()
        self.aud = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(8, 12), nn.ReLU())
        self.out = nn.Linear(12, C)

    def forward(self, audio):
        fused = self.head(self.aud(audio))
        return self.out(fused), fused


def train(model, xs, y, epochs, seed, frozen=(), weight_decay=0.0):
    torch.manual_seed(seed)
    opt = torch.optim.AdamW([p for n, p in model.named_parameters() if not any(n.startswith(f) for f in frozen)], lr=1e-2, weight_decay=weight_decay)
    tx = {m: torch.tensor(v, dtype=torch.float32) for m, v in xs.items()}
    ty = torch.tensor(y)
    for _ in range(epochs):
        opt.zero_grad()
        logits, _ = model(**tx)
        nn.functional.cross_entropy(logits, ty).backward()
        opt.step()
    return model


def run(model, xs, zero=()):
    """Logits with the modalities in `zero` replaced by zeros at the input (mmc diagnose --absence zero)."""
    with torch.no_grad():
        tx = {m: torch.zeros(v.shape) if m in zero else torch.tensor(v, dtype=torch.float32) for m, v in xs.items()}
        return model(**tx)[0].numpy()


def acc(logits, y):
    return float((logits.argmax(1) == y).mean())


def export(model, path, example):
    model.eval()
    torch.onnx.export(
        model, tuple(torch.tensor(example[m], dtype=torch.float32) for m in ("image", "audio")), path,
        input_names=["image", "audio"], output_names=["logits", "fused"], opset_version=13,
        dynamic_axes={"image": {0: "batch"}, "audio": {0: "batch"}, "logits": {0: "batch"}, "fused": {0: "batch"}},
    )


def export_single(model, path, audio):
    torch.onnx.export(model, (torch.tensor(audio, dtype=torch.float32),), path, input_names=["audio"], output_names=["logits", "fused"], opset_version=13, dynamic_axes={"audio": {0: "batch"}, "logits": {0: "batch"}, "fused": {0: "batch"}})


def as_model_input(xs, conv):
    """The model's own input layout: NCHW for the conv model, flat otherwise (the dataset stores HWC)."""
    img = xs["image"]
    return {"image": img.transpose(0, 3, 1, 2) if conv else img.reshape(len(img), -1), "audio": xs["audio"]}


def fixtures(out):
    rng = np.random.default_rng(19)
    data = {s: shared_signal_data(rng, n) for s, n in (("train", 60), ("val", 30), ("test", 60))}
    write_folder(os.path.join(out, "data"), data, {"image": [4, 4, 1], "audio": [8]}, "onnx_fixture")
    torch.set_num_threads(1)
    torch.manual_seed(19)  # initial weights: the files are the same on every run of this script
    expected = {}
    (tx, ty), (ex, ey) = data["train"], data["test"]

    ignores = Mlp2()
    with torch.no_grad():
        ignores.aud[0].weight.zero_()
        ignores.aud[0].bias.zero_()
    train(ignores, as_model_input(tx, False), ty, 150, 1, frozen=("aud.",))
    equal = Equal()
    conv = train(Mlp2(conv=True), as_model_input(tx, True), ty, 150, 2)
    for name, model, is_conv in (("ignores_audio", ignores, False), ("equal", equal, False), ("conv", conv, True)):
        xs = as_model_input(ex, is_conv)
        export(model, os.path.join(out, f"{name}.onnx"), xs)
        expected[name] = {
            "input_layout": {"image": list(xs["image"].shape[1:]), "audio": [8]},
            "accuracy": {"all_present": acc(run(model, xs), ey), **{f"without_{m}": acc(run(model, xs, (m,)), ey) for m in ("image", "audio")}},
            "logits_first5": run(model, xs)[:5].tolist(),
        }
    # A model on audio alone (for --unimodal): a linear classifier on the shared signal.
    audio_only = AudioOnly()
    train(audio_only, {"audio": tx["audio"]}, ty, 150, 5)
    audio_only.eval()
    export_single(audio_only, os.path.join(out, "audio_only.onnx"), ex["audio"])
    with torch.no_grad():
        expected["audio_only"] = {"accuracy": {"all_present": acc(audio_only(torch.tensor(ex["audio"], dtype=torch.float32))[0].numpy(), ey)}}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(json.dumps({k: v["accuracy"] for k, v in expected.items()}, indent=2))


SEED = int(os.environ.get("COLLAPSE_SEED", "7"))


def collapse(out):
    """Image strong, audio weak; joint training lets the image carry the prediction (modality collapse)."""
    rng = np.random.default_rng(7)

    def draw(n):
        y = rng.integers(0, C, n)
        onehot = np.eye(C)[y]
        image = np.concatenate([onehot * 4 + rng.normal(0, 0.3, (n, C)), rng.normal(0, 1, (n, 13))], 1)
        audio = np.concatenate([onehot * 1.0 + rng.normal(0, 0.8, (n, C)), rng.normal(0, 1, (n, 5))], 1)
        return {"image": image.reshape(n, 4, 4, 1), "audio": audio}, y

    data = {s: draw(n) for s, n in (("train", 2000), ("val", 500), ("test", 2000))}
    write_folder(os.path.join(out, "data"), data, {"image": [4, 4, 1], "audio": [8]}, "collapse_demo")
    torch.set_num_threads(1)
    torch.manual_seed(SEED)  # initial weights, as the data: the same numbers on every run
    (tx, ty), (ex, ey) = data["train"], data["test"]
    # Weight decay: once the image alone fits the training set, nothing pays for audio's weights.
    fusion = train(Mlp2(), as_model_input(tx, False), ty, 1000, 3, weight_decay=0.2)
    xs = as_model_input(ex, False)
    export(fusion, os.path.join(out, "fusion.onnx"), xs)

    torch.manual_seed(4)
    audio_only = train(AudioOnly(), {"audio": tx["audio"]}, ty, 300, 4)
    audio_only.eval()
    export_single(audio_only, os.path.join(out, "audio.onnx"), ex["audio"])
    with torch.no_grad():
        audio_alone = acc(audio_only(torch.tensor(ex["audio"], dtype=torch.float32))[0].numpy(), ey)
    result = {
        "all_present": acc(run(fusion, xs), ey),
        "without_image": acc(run(fusion, xs, ("image",)), ey),
        "without_audio": acc(run(fusion, xs, ("audio",)), ey),
        "none_present": acc(run(fusion, xs, ("image", "audio")), ey),
        "audio_unimodal_model": audio_alone,
    }
    with open(os.path.join(out, "pytorch.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="test/fixtures/onnx")
    p.add_argument("--collapse", metavar="DIR", help="train and export the collapse demonstration into DIR instead")
    a = p.parse_args()
    if a.collapse:
        os.makedirs(a.collapse, exist_ok=True)
        collapse(a.collapse)
    else:
        os.makedirs(a.out, exist_ok=True)
        fixtures(a.out)
