/**
 * The direction of imports in pipeline/, checked by `npm run lint` and by test/quality/structure.test.ts.
 * Each folder has one rule (README, "Layout"); type-only imports are not dependencies at run time.
 */
const io = ['^(node:)?(fs|fs/promises|http|https|net|tls|dgram|child_process|worker_threads|dns)$', '^puppeteer', '^nodemailer', '^smtp-server'];
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles.', from: {}, to: { circular: true, dependencyTypesNot: ['type-only'] } },
    {
      name: 'pure-core-no-io',
      severity: 'error',
      comment: 'briefing/ and text/ are pure: values in, values out. No file system, network, browser or mail.',
      from: { path: '^pipeline/(briefing|text)/' },
      to: { path: io, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-core-no-effects',
      severity: 'error',
      comment: 'briefing/ and text/ import nothing with effects: not io/, store/, statbank/, render/ or a stage.',
      from: { path: '^pipeline/(briefing|text)/' },
      to: { path: '^pipeline/(io|store|statbank|render)/|^pipeline/[a-z-]+\\.ts$', pathNot: '^pipeline/errors\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'statbank-network-only',
      severity: 'error',
      comment: 'statbank/ talks to SSB and writes nothing: no file system, no store.',
      from: { path: '^pipeline/statbank/' },
      to: { path: ['^(node:)?(fs|fs/promises)$', '^pipeline/(store|render)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'io-knows-no-ssb',
      severity: 'error',
      comment: 'io/ is infrastructure with no SSB word in it: it imports nothing of the briefing.',
      from: { path: '^pipeline/io/' },
      to: { path: '^pipeline/(briefing|text|statbank|store|render)/|^pipeline/(?!errors\\.ts$)[a-z-]+\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'folders-import-no-stage',
      severity: 'error',
      comment: 'Folders never import a stage or an entry point (the top of pipeline/), errors.ts and config.ts types aside.',
      from: { path: '^pipeline/[a-z]+/' },
      to: { path: '^pipeline/[a-z-]+\\.ts$', pathNot: '^pipeline/errors\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'stages-not-cli',
      severity: 'error',
      comment: 'Stages never import cli.ts or commands.ts.',
      from: { path: '^pipeline/', pathNot: '^pipeline/(cli|commands)\\.ts$' },
      to: { path: '^pipeline/(cli|commands)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
