#!/usr/bin/env python3
"""mmc's numpy reference for `mmc bench --model mlp --reference`.

The same model and update as mmc's benchmark model, written out by hand in float32 numpy:
two ReLU MLP encoders (784->256->128 and 400->256->128), concatenation, fusion head
256->128->10, softmax cross-entropy, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), one fixed batch.
Prints one JSON line: {"impl", "batch", "steps", "ms_per_step", "samples_per_s", "numpy", "blas_threads"}.
Usage: reference_mlp.py [steps=200] [batch=128]. Run with OPENBLAS_NUM_THREADS=1 for one core
(mmc bench does), since mmc's wasm backend runs one thread.
"""
import json
import os
import sys
import time

import numpy as np

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 128
F32 = np.float32
rng = np.random.default_rng(1)

# (name, layer widths, ReLU on the last layer?)
NETS = [("enc_a", [784, 256, 128], True), ("enc_b", [400, 256, 128], True), ("head", [256, 128, 10], False)]
params = {}
for name, widths, _ in NETS:
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        params[(name, i, "w")] = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(F32)
        params[(name, i, "b")] = np.zeros(fan_out, F32)
first_moment = {k: np.zeros_like(v) for k, v in params.items()}
second_moment = {k: np.zeros_like(v) for k, v in params.items()}

inputs_a = rng.standard_normal((BATCH, 784)).astype(F32)
inputs_b = rng.standard_normal((BATCH, 400)).astype(F32)
labels = rng.integers(0, 10, BATCH)


def run_forward(name, widths, relu_last, x):
    layers = len(widths) - 1
    activations = [x]
    for i in range(layers):
        z = activations[-1] @ params[(name, i, "w")] + params[(name, i, "b")]
        if relu_last or i < layers - 1:
            np.maximum(z, 0, out=z)
        activations.append(z)
    return activations


def run_backward(name, widths, relu_last, activations, grad_out, grads, need_input_grad):
    layers = len(widths) - 1
    g = grad_out
    for i in reversed(range(layers)):
        if relu_last or i < layers - 1:
            g = g * (activations[i + 1] > 0)
        grads[(name, i, "w")] = activations[i].T @ g
        grads[(name, i, "b")] = g.sum(axis=0)
        if i > 0 or need_input_grad:
            g = g @ params[(name, i, "w")].T
    return g


step_count = 0


def train_step():
    global step_count
    step_count += 1
    acts_a = run_forward("enc_a", *NETS[0][1:], inputs_a)
    acts_b = run_forward("enc_b", *NETS[1][1:], inputs_b)
    fused = np.concatenate([acts_a[-1], acts_b[-1]], axis=1)
    acts_h = run_forward("head", *NETS[2][1:], fused)
    logits = acts_h[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    grad_logits = probs
    grad_logits[np.arange(BATCH), labels] -= 1
    grad_logits /= BATCH
    grads = {}
    grad_fused = run_backward("head", *NETS[2][1:], acts_h, grad_logits, grads, True)
    run_backward("enc_a", *NETS[0][1:], acts_a, grad_fused[:, :128], grads, False)
    run_backward("enc_b", *NETS[1][1:], acts_b, grad_fused[:, 128:], grads, False)
    c1 = 1 - 0.9 ** step_count
    c2 = 1 - 0.999 ** step_count
    for key, g in grads.items():
        m = first_moment[key] = 0.9 * first_moment[key] + 0.1 * g
        v = second_moment[key] = 0.999 * second_moment[key] + 0.001 * (g * g)
        params[key] -= (1e-3 / c1) * m / (np.sqrt(v / c2) + 1e-8)


for _ in range(10):
    train_step()
start = time.perf_counter()
for _ in range(STEPS):
    train_step()
seconds = (time.perf_counter() - start) / STEPS
print(json.dumps({
    "impl": "numpy-reference",
    "batch": BATCH,
    "steps": STEPS,
    "ms_per_step": round(seconds * 1000, 3),
    "samples_per_s": round(BATCH / seconds, 1),
    "numpy": np.__version__,
    "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
}))
