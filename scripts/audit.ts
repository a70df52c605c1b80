// `npm run audit`: `npm audit --omit=dev` at high severity. Fails on any high or critical advisory
// that `audit-exceptions.json` does not list with the reason it does not apply to us. When the
// registry cannot answer audits (some mirrors refuse the bulk endpoint), says so and passes: an
// audit that cannot run is reported, not faked.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

interface Exception {
  advisory: string;
  package: string;
  reason: string;
}

const exceptions: Exception[] = fs.existsSync('audit-exceptions.json') ? (JSON.parse(fs.readFileSync('audit-exceptions.json', 'utf8')) as Exception[]) : [];
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report: { vulnerabilities?: Record<string, { severity: string; via: ({ url?: string; title?: string } | string)[] }>; error?: { summary?: string }; message?: string };
try {
  report = JSON.parse(run.stdout || '{}');
} catch {
  report = { error: { summary: (run.stderr || 'no output').split('\n')[0] } };
}
if (report.error || !report.vulnerabilities) {
  console.log(`audit: the registry did not answer the audit (${report.message ?? report.error?.summary ?? 'no report'}); nothing was checked`);
  process.exit(0);
}
const failing: string[] = [];
for (const [pkg, v] of Object.entries(report.vulnerabilities)) {
  if (v.severity !== 'high' && v.severity !== 'critical') continue;
  const urls = v.via.filter((x): x is { url?: string; title?: string } => typeof x === 'object').map((x) => x.url ?? x.title ?? pkg);
  const open = urls.filter((u) => !exceptions.some((e) => e.package === pkg && e.advisory === u));
  if (open.length || urls.length === 0) failing.push(`${pkg} (${v.severity}): ${open.join(', ') || 'via a dependency'}`);
}
if (failing.length) {
  console.error(`audit: ${failing.length} high or critical advisories without a documented exception:\n  ${failing.join('\n  ')}`);
  process.exit(1);
}
console.log(`audit: no high or critical advisory in production dependencies (${exceptions.length} documented exceptions)`);
