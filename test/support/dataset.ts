import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateDataset, type Dataset, type Observation } from '../../pipeline/store/dataset.js';
import { projectRoot } from '../../pipeline/io/paths.js';

/** The dataset committed in data/, as the pipeline reads it. */
export function committedDataset(): Dataset {
  const file = join(projectRoot, 'data', 'dataset.json');
  return validateDataset(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** A copy of the committed dataset with some observations changed or removed. */
export function datasetWith(change: (observations: Observation[]) => Observation[]): Dataset {
  const dataset = committedDataset();
  return { ...dataset, observations: change(structuredClone(dataset.observations)) };
}

/** Copy the committed data/ files (not a lock or anything a running process left there) into `dir`. */
export async function copyCommittedData(dir: string): Promise<string> {
  const { mkdir, copyFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  for (const name of ['dataset.json', 'tables.json', 'published-figures.csv']) {
    await copyFile(join(projectRoot, 'data', name), join(dir, name));
  }
  return dir;
}
