// EBR in a fit: the term added to the task loss in each step, ψ's own learning rate, the stand-in
// order while training, and the fields added to each epoch's record.
import * as tf from '@tensorflow/tfjs';
import type { EbrConfig } from '../../config/schema.js';
import type { ExtraLoss } from '../fit.js';
import type { FusionModel } from '../model.js';
import type { TensorSplit } from '../tensors.js';
import { adversarialTerm } from './adversary.js';
import { alignmentTerms } from './alignment.js';
import { gSpaceReport, similarityRanking } from './gspace.js';
import { adversaryActive, ebrLambda } from './schedule.js';

/** The adversarial term in its active epochs (λ by schedule), plus the alignment extension when on; L_md counts what the samples have. */
export function ebrLoss(model: FusionModel, e: EbrConfig): ExtraLoss {
  return (out, _idx, epoch, observed) => {
    const terms: tf.Scalar[] = [];
    if (adversaryActive(e.alternate_k, epoch)) terms.push(adversarialTerm(model, out.g!, e.form, ebrLambda(e, epoch), observed));
    if (e.alignment.type !== 'none') terms.push(...alignmentTerms(out.g!, model.modalityNames, e.alignment, observed));
    return terms.length ? (tf.addN(terms) as tf.Scalar) : null;
  };
}

/**
 * ebr.psi_lr as Adam's factor on ψ's parameters (psi_lr / train.optimizer.lr, so the lr schedule
 * scales ψ's rate in proportion); undefined when ψ learns at the shared rate (psi_lr null).
 */
export function psiLrScale(model: FusionModel, e: Pick<EbrConfig, 'psi_lr'>, lr: number): Record<string, number> | undefined {
  const psiLr = e.psi_lr;
  if (psiLr === null) return undefined;
  return Object.fromEntries([...model.params.keys()].filter((n) => model.paramGroup(n) === 'psi').map((n) => [n, psiLr / lr]));
}

/** The similarity ranking of the model's g-space on a split (what ebr.json stores, and substitution follows). */
export async function rankingOn(model: FusionModel, split: TensorSplit): Promise<Record<string, string[]>> {
  return similarityRanking(model.modalityNames, (await gSpaceReport(model, split)).g_cosine);
}

/** The g-space report on the validation split, and whether the adversary was on and with which λ, for an epoch's record. */
export async function ebrEpochRecord(model: FusionModel, val: TensorSplit, e: EbrConfig, epoch: number) {
  const r = await gSpaceReport(model, val);
  return { l_md: r.l_md, disc_acc: r.disc_acc, g_cosine: r.g_cosine, adversary_on: adversaryActive(e.alternate_k, epoch), lambda: ebrLambda(e, epoch) };
}
