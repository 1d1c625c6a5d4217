// Dataset registry: config.dataset.name → loader. Later datasets register here.
import type { Config } from '../config/schema.js';
import { generateSynthetic } from './synthetic.js';
import type { Dataset } from './types.js';

type Loader = (cfg: Config['dataset']) => Dataset;

export const DATASETS: Record<Config['dataset']['name'], { describe: string; load: Loader }> = {
  synthetic: {
    describe: 'seeded Gaussian benchmark: per-modality predictive and noise latents through a random projection',
    load: (cfg) => generateSynthetic(cfg),
  },
};

export function loadDataset(cfg: Config['dataset']): Dataset {
  return DATASETS[cfg.name].load(cfg);
}
