// ebr.json: an EBR run's g-space similarities and the ranking the substitute protocol uses (mmc reallocate).
import { readRecord, type Shape } from './read.js';

export interface EbrJson {
  split: string;
  checkpoint?: 'best' | 'last'; // the checkpoint measured (train.select); absent in runs from before it existed: best
  form: string;
  extension_beyond_paper: { alignment: string; weight: number } | null;
  similarity: Record<string, number>; // mean cosine of g between modality pairs, "a~b"
  ranking: Record<string, string[]>; // for each modality, the others from most to least similar
  disc_acc: number;
  chance: number;
  l_md: number;
}

const EBR: Shape = { name: 'an EBR record', keys: { similarity: 'object', ranking: 'object', disc_acc: 'number' } };

export const readEbr = (file: string): EbrJson => readRecord<EbrJson>(file, EBR);
