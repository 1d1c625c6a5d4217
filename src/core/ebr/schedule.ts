// When EBR's adversarial term is on, and with what weight: the paper alternates blocks of K epochs
// of L_sem only with K epochs of L_sem + L_md (appendix C.1); λ is constant or ramps up.
import type { EbrConfig } from '../../config/schema.js';

/** Whether the adversarial term is on in a (0-based) epoch: blocks of K epochs off, K on, …; K = 0: always. */
export function adversaryActive(k: number, epoch: number): boolean {
  return k === 0 || Math.floor(epoch / k) % 2 === 1;
}

/** λ in a (0-based) epoch: constant, or a ramp λ·min(1, (epoch + 1) / schedule.epochs). */
export function ebrLambda(c: Pick<EbrConfig, 'lambda' | 'schedule'>, epoch: number): number {
  return c.schedule.type === 'ramp' ? c.lambda * Math.min(1, (epoch + 1) / c.schedule.epochs) : c.lambda;
}
