#!/usr/bin/env python3
"""Independent float64 reference values for src/stats (numpy only; scipy is not installed).

Nothing here imports or mirrors mmc's code paths: the Wilcoxon p-values come from brute-force
enumeration of all 2^n sign flips of the midranks, or from the textbook tie-corrected normal
formula; the bootstrap re-implements the published xoshiro128**/splitmix32 generator and uses
numpy.quantile. Prints one labelled value per line, repr() so the numbers can be pasted as is.
Usage: python3 scripts/oracle/stats_ref.py
"""
import itertools
import math

import numpy as np


def midranks(a):
    """Rank = (#smaller) + (#equal + 1)/2: the definition of a midrank, O(n^2) on purpose."""
    a = np.asarray(a, dtype=np.float64)
    return np.array([np.sum(a < v) + (np.sum(a == v) + 1) / 2 for v in a])


def brute_signed_rank(d, zero_method="wilcox"):
    """V and exact p-values (two-sided, greater, less) by enumerating every sign pattern."""
    d = np.asarray(d, dtype=np.float64)
    if zero_method == "wilcox":
        d = d[d != 0]
        r = midranks(np.abs(d))
    else:  # pratt: rank with the zeros, then drop them
        r = midranks(np.abs(d))[d != 0]
        d = d[d != 0]
    v_obs = r[d > 0].sum()
    centre = r.sum() / 2
    n = len(r)
    ge = le = far = 0
    for signs in itertools.product((0, 1), repeat=n):
        v = float(np.dot(signs, r))
        ge += v >= v_obs - 1e-9
        le += v <= v_obs + 1e-9
        # Two-sided as "at least as far from the null centre", not as doubled tail.
        far += abs(v - centre) >= abs(v_obs - centre) - 1e-9
    total = 2**n
    return n, v_obs, far / total, ge / total, le / total


def normal_signed_rank(d):
    """Textbook large-sample test (zeros dropped): Var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48,
    continuity correction 1/2 towards the mean; returns V, two-sided p and 'greater' p."""
    d = np.asarray(d, dtype=np.float64)
    d = d[d != 0]
    n = len(d)
    r = midranks(np.abs(d))
    v = r[d > 0].sum()
    _, counts = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - np.sum(counts**3 - counts) / 48
    mu = n * (n + 1) / 4
    phi_upper = lambda z: 0.5 * math.erfc(z / math.sqrt(2))  # P(Z > z)
    z2 = (v - mu - math.copysign(0.5, v - mu)) / math.sqrt(var)
    zg = (v - mu - 0.5) / math.sqrt(var)
    return n, v, 2 * phi_upper(abs(z2)), phi_upper(zg)


# --- xoshiro128** seeded by splitmix32 (Blackman & Vigna), written from the published algorithm.
M32 = 0xFFFFFFFF


class Xoshiro:
    def __init__(self, seed):
        s = seed & M32

        def sm():
            nonlocal s
            s = (s + 0x9E3779B9) & M32
            z = s
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.s = [sm() for _ in range(4)]

    def u32(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (32 - k))) & M32
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def uniform(self):  # 53 bits: 27 high + 26 low
        hi = self.u32() >> 5
        lo = self.u32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n):
        return math.floor(self.uniform() * n)


def bootstrap_mean_ci(xs, seed, resamples, level):
    g = Xoshiro(seed)
    xs = np.asarray(xs, dtype=np.float64)
    n = len(xs)
    stats = np.array([xs[[g.int(n) for _ in range(n)]].mean() for _ in range(resamples)])
    a = 1 - level
    return np.quantile(stats, a / 2, method="linear"), np.quantile(stats, 1 - a / 2, method="linear")


if __name__ == "__main__":
    # The generator agrees with the values pinned in src/core/rng.test.ts.
    g = Xoshiro(42)
    assert [g.u32() for _ in range(5)] == [2837322924, 544945897, 479756282, 3500138142, 339756180]

    # Sanity: R's ?wilcox.test example (Hollander & Wolfe 1973, p. 29): V = 40, p(greater) = 0.01953.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    n, v, p2, pg, pl = brute_signed_rank(np.subtract(x, y))
    assert (n, v) == (9, 40.0) and abs(pg - 0.01953125) < 1e-15, (n, v, pg)

    # Tied example with two zero differences (|d| = 2 three times, 3 three times).
    d_ties = [2, 1, 0, 3, -2, 3, 3, -2, 5, 0]
    for zm in ("wilcox", "pratt"):
        n, v, p2, pg, pl = brute_signed_rank(d_ties, zm)
        print(f"ties[{zm}] n={n} V={float(v)!r} two_sided={float(p2)!r} greater={float(pg)!r} less={float(pl)!r}")

    # Large-sample case (n = 29 after one zero), integer differences with many ties.
    d_big = [1, 2, -1, 3, 2, 4, -2, 5, 1, 3, 0, 2, 6, -3, 4, 2, 1, -1, 3, 5, 2, -4, 1, 3, 2, 7, -2, 4, 1, 3]
    n, v, p2, pg = normal_signed_rank(d_big)
    print(f"normal n={n} V={float(v)!r} two_sided={p2!r} greater={pg!r}")

    # Percentile bootstrap of the mean, seed 7, 2000 resamples, 95 %, numpy's linear quantile.
    xs = [0.71, 0.74, 0.69, 0.78, 0.73, 0.70, 0.76]
    lo, hi = bootstrap_mean_ci(xs, seed=7, resamples=2000, level=0.95)
    print(f"bootstrap seed=7 resamples=2000 lo={float(lo)!r} hi={float(hi)!r}")
