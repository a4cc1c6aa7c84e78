import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Briefing, Sentence } from '../../pipeline/briefing/content.js';
import type { Dataset, Definition } from '../../pipeline/briefing/model.js';
import { defaultDataRoot } from '../../pipeline/io/paths.js';
import { parseDataset } from '../../pipeline/store/dataset.js';
import { parseDefinition } from '../../pipeline/store/definition.js';
import { plain } from '../../pipeline/text/rich.js';

/** A briefing folder as the pipeline reads it. */
export function loadFolder(dir: string): { definition: Definition; dataset: Dataset; text: string } {
  const definition = parseDefinition(readFileSync(join(dir, 'briefing.json'), 'utf8'), join(dir, 'briefing.json'));
  const text = readFileSync(join(dir, 'dataset.json'), 'utf8');
  return { definition, dataset: parseDataset(text, join(dir, 'dataset.json'), definition), text };
}

/** One of the committed briefings. */
export function committed(name: 'sosiale-medium' | 'kunstig-intelligens') {
  return loadFolder(join(defaultDataRoot, name));
}

const s = (sentence: Sentence) => plain(sentence.text);
const withNotes = (sentence: Sentence) => sentence.text.map((x) => (typeof x === 'string' ? x : 'note' in x ? `[${x.note}]` : x.text)).join('');

/**
 * The briefing as a person reads it, every word and number in order, footnote marks as [n]: what the golden files
 * hold, so a change to any sentence shows in review.
 */
export function briefingText(b: Briefing): string {
  const lines = [
    `${b.kicker}`,
    `# ${s(b.headline)}`,
    b.lede.map(withNotes).join(' '),
    `(${s(b.editionLine)})`,
    '',
    ...b.keyFigures.map((k) => `* ${s(k.value)} ${s(k.label)}${k.change ? ` — ${s(k.change)}` : ''}`),
  ];
  for (const section of b.sections) {
    lines.push('', `## ${s(section.heading)}`);
    for (const p of section.paragraphs) lines.push(p.map(withNotes).join(' '));
    for (const id of section.charts) {
      const c = b.charts.find((x) => x.id === id);
      if (!c) continue;
      lines.push(
        `[${c.title}. ${c.subtitle}]`,
        ...c.table.map((row) => `  | ${row.join(' | ')} |`),
        ...c.notes.map((n) => `  ${n}`),
        ...c.tableNotes.map((n) => `  ${n}`),
        `  ${b.chartSources[c.id]}`,
      );
    }
    if (section.sources.length) lines.push(`${b.ui.source}, ${section.sources.map((x) => x.text).join('; ')}`);
  }
  if (b.notes.length) {
    lines.push('', `## ${b.ui.notes}`);
    for (const n of b.notes) lines.push(`${n.number}. ${s(n.sentence)}`);
  }
  lines.push('', `## ${b.ui.about}`, s(b.about.coverage), b.about.definition);
  if (b.about.nextRelease) lines.push(s(b.about.nextRelease));
  for (const source of b.about.sources)
    lines.push(`- ${source.text}${source.url ? ` <${source.url}>` : ''}${source.notes.map((n) => ` (${b.ui.tableNotes}: ${s(n)})`).join('')}`);
  return `${lines.join('\n')}\n`;
}
