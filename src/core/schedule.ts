// Learning rate at a given step: none (constant), cosine (to min_lr over the run), or step decay.
export interface ScheduleConfig {
  type: 'none' | 'cosine' | 'step';
  step_size: number;
  gamma: number;
  min_lr: number;
}

export function learningRate(base: number, s: ScheduleConfig, epoch: number, step: number, totalSteps: number): number {
  if (s.type === 'cosine') {
    const t = Math.min(1, step / Math.max(1, totalSteps));
    return s.min_lr + (base - s.min_lr) * 0.5 * (1 + Math.cos(Math.PI * t));
  }
  if (s.type === 'step') return base * s.gamma ** Math.floor(epoch / s.step_size);
  return base;
}
