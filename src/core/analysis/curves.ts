// Robustness curves and the area under them (trapezoid rule over x scaled to [0, 1]).

export interface Curve {
  x: number[];
  y: number[];
  auc: number; // mean height: ∫ y d(x/x_max)
}

export function areaUnder(x: number[], y: number[]): number {
  if (x.length < 2) return y[0] ?? NaN;
  const span = x[x.length - 1] - x[0];
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a / span;
}

export function curve(x: number[], y: number[]): Curve {
  return { x, y, auc: areaUnder(x, y) };
}
