#!/usr/bin/env node
/**
 * Compiles the chart templates (templates/charts/*.vl.json with config.json) to Vega once, into dist/charts/*.vg.json,
 * so a run loads only the Vega runtime. Part of `npm run build`; needs the TypeScript compiled first (dist/pipeline).
 * Each file records the hash of what it was compiled from; render/svg.ts uses it only while that still matches.
 */
const { writeCompiledCharts, compiledChartsDir } = await import('../dist/pipeline/render/svg.js');
try {
  const written = await writeCompiledCharts();
  console.log(`charts: ${written.length} templates compiled to ${compiledChartsDir}`);
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.message : error}`);
  process.exitCode = 5;
}
