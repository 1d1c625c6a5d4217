// EBR in a fit: the term added to the task loss in each step, and the fields added to each epoch's record.
import * as tf from '@tensorflow/tfjs';
import type { EbrConfig } from '../../config/schema.js';
import type { ExtraLoss } from '../fit.js';
import type { FusionModel } from '../model.js';
import type { TensorSplit } from '../tensors.js';
import { adversarialTerm } from './adversary.js';
import { alignmentTerms } from './alignment.js';
import { gSpaceReport } from './gspace.js';
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

/** The g-space report on the validation split, and whether the adversary was on and with which λ, for an epoch's record. */
export async function ebrEpochRecord(model: FusionModel, val: TensorSplit, e: EbrConfig, epoch: number) {
  const r = await gSpaceReport(model, val);
  return { l_md: r.l_md, disc_acc: r.disc_acc, g_cosine: r.g_cosine, adversary_on: adversaryActive(e.alternate_k, epoch), lambda: ebrLambda(e, epoch) };
}
