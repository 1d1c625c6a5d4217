#!/usr/bin/env python3
"""Independent float64 numpy reference for src/data/audio/logmel.ts (numpy only; no scipy).

Builds the deterministic test signal that src/data/audio/logmel.test.ts also builds, runs the same
pipeline (numpy's rfft rather than mmc's own FFT) and writes the expected values to
test/fixtures/audio/logmel_ref.json. Usage: python3 scripts/oracle/logmel_ref.py [out.json]
Pipeline (see logmel.ts): periodic Hann, 512-sample frames every 220 samples without centre padding,
|rfft|^2, HTK-mel triangular filters (peak 1), trim frames more than 40 dB below the loudest frame's
total mel power, area-average the kept frames' mel power to 32 columns, 10*log10(max(p, 1e-10)).
"""
import json
import os
import sys

import numpy as np

P = dict(sampleRate=22050, nFft=512, winLength=512, hop=220, nMels=32, fMin=50.0, fMax=8000.0,
         frames=32, trimDb=40.0, amin=1e-10)


def test_signal(sr):
    """At 22050 Hz: 0.1 s silence; 0.55 s of a 200->4000 Hz linear chirp (0.5) plus a 1 kHz tone (0.25);
    0.05 s of a quiet 3 kHz tone (60 dB down, so it must be trimmed); silence to 0.8 s."""
    # Sample counts are written out (not round(0.65 * sr)): Python and JS round halves differently.
    n, a, b, c = 17640, 2205, 14332, 15435
    x = np.zeros(n)
    t = np.arange(b - a) / sr
    dur = (b - a) / sr
    x[a:b] = 0.5 * np.sin(2 * np.pi * (200 * t + (4000 - 200) / (2 * dur) * t * t)) + 0.25 * np.sin(2 * np.pi * 1000 * t)
    t2 = np.arange(c - b) / sr
    x[b:c] = 0.0005 * np.sin(2 * np.pi * 3000 * t2)
    return x


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank(p):
    freqs = np.arange(p["nFft"] // 2 + 1) * p["sampleRate"] / p["nFft"]
    edges = mel_to_hz(np.linspace(hz_to_mel(p["fMin"]), hz_to_mel(p["fMax"]), p["nMels"] + 2))
    lo, c, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0.0, np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c))), edges[1:-1]


def power_spectrogram(x, p):
    win, hop, nfft = p["winLength"], p["hop"], p["nFft"]
    if len(x) < win:
        x = np.pad(x, (0, win - len(x)))
    frames = 1 + (len(x) - win) // hop
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    idx = np.arange(frames)[:, None] * hop + np.arange(win)[None, :]
    return np.abs(np.fft.rfft(x[idx] * w, n=nfft, axis=1)) ** 2  # [frames, bins]


def log_mel(x, p):
    power = power_spectrogram(x, p)
    fb, centres = mel_filterbank(p)
    mel = fb @ power.T  # [mels, T]
    energy_db = 10 * np.log10(mel.sum(axis=0) + p["amin"])
    active = np.nonzero(energy_db >= energy_db.max() - p["trimDb"])[0]
    s, e = int(active[0]), int(active[-1])
    kept = mel[:, s:e + 1]
    L, F = kept.shape[1], p["frames"]
    out = np.zeros((p["nMels"], F))
    for j in range(F):
        a, b = j * L / F, (j + 1) * L / F
        for i in range(int(np.floor(a)), int(np.ceil(b))):
            out[:, j] += kept[:, i] * (min(b, i + 1) - max(a, i))
        out[:, j] /= (b - a)
    db = 10 * np.log10(np.maximum(out, p["amin"]))
    return dict(power=power, fb=fb, centres=centres, mel=mel, trim=(s, e), db=db)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../test/fixtures/audio/logmel_ref.json")
    x = test_signal(P["sampleRate"])
    r = log_mel(x, P)
    probe = 20  # an STFT frame inside the chirp
    doc = {
        "about": "expected values from scripts/oracle/logmel_ref.py (numpy float64) for the test signal it defines",
        "numpy": np.__version__,
        "params": P,
        "samples": len(x),
        "stftFrames": int(r["power"].shape[0]),
        "trimStart": r["trim"][0],
        "trimEnd": r["trim"][1],
        "probeFrame": probe,
        "probePower": [float(f"{v:.10e}") for v in r["power"][probe]],
        "probeMel": [float(f"{v:.10e}") for v in r["mel"][:, probe]],
        "melCentresHz": [round(float(v), 6) for v in r["centres"]],
        "melRowSums": [round(float(v), 9) for v in r["fb"].sum(axis=1)],
        "db": [round(float(v), 5) for v in r["db"].ravel()],
    }
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}: trim {r['trim']} of {r['power'].shape[0]} frames, dB range {r['db'].min():.2f}..{r['db'].max():.2f}")


if __name__ == "__main__":
    main()
