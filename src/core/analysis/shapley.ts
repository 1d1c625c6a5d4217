// Exact Shapley values of a set function over M ≤ 12 players (mmc uses it for modalities):
//   φ_i = Σ_{S ⊆ N∖{i}} |S|!(M−|S|−1)!/M! · (v(S ∪ {i}) − v(S))
// v is given on bitmasks (bit i set = player i present).

function factorials(n: number): number[] {
  const f = [1];
  for (let i = 1; i <= n; i++) f.push(f[i - 1] * i);
  return f;
}

export function shapleyValues(m: number, v: (mask: number) => number): number[] {
  if (m < 1 || m > 12) throw new Error(`Shapley values over ${m} players: supported for 1 to 12`);
  const f = factorials(m);
  const values = new Float64Array(1 << m);
  for (let mask = 0; mask < 1 << m; mask++) values[mask] = v(mask);
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let b = mask; b; b &= b - 1) size++;
      phi[i] += ((f[size] * f[m - size - 1]) / f[m]) * (values[mask | (1 << i)] - values[mask]);
    }
  }
  return phi;
}
