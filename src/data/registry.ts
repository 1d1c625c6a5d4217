// Dataset registry: config.dataset.name → loader (tests sweep it).
import type { Config } from '../config/schema.js';
import { loadAvmnist } from './avmnist.js';
import { loadAvmnistMini } from './avmnist-mini.js';
import { loadFolder } from './folder.js';
import { generateSynthetic } from './synthetic.js';
import type { Dataset } from './types.js';

type DatasetConfig = Config['dataset'];
type Entry<K extends DatasetConfig['name']> = { describe: string; embedded: boolean; load: (cfg: Extract<DatasetConfig, { name: K }>) => Dataset };

export const DATASETS: { [K in DatasetConfig['name']]: Entry<K> } = {
  synthetic: {
    describe: 'seeded Gaussian benchmark: per-modality predictive and noise latents through a random projection',
    embedded: true,
    load: (cfg) => generateSynthetic(cfg),
  },
  'avmnist-mini': {
    describe: '10,000 real MNIST digits paired with spoken digits (espeak-ng voices, log-mel), embedded',
    embedded: true,
    load: loadAvmnistMini,
  },
  avmnist: {
    describe: "MultiBench's avMNIST from its published .npy files (dataset.path; not shipped)",
    embedded: false,
    load: loadAvmnist,
  },
  folder: {
    describe: 'your own data: a folder with manifest.yaml and .npy arrays (dataset.path)',
    embedded: false,
    load: loadFolder,
  },
};

export function loadDataset(cfg: DatasetConfig): Dataset {
  return (DATASETS[cfg.name].load as (c: DatasetConfig) => Dataset)(cfg);
}
