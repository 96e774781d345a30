// report.html in a real headless browser (Debian's chromium, driven by puppeteer-core): it opens
// with the study's conclusions, then the charts, then the folded tables and every cell; it loads
// without a console error; a screenshot is written under the test run folder to look at.
// `npm test` installs chromium (scripts/ensure.js); this spec skips, saying so in one line, only
// where it could not be installed.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { writeResults } from '../results';
import { writeReport } from './report';
import { haCell, killCell, run } from './test-fixtures';

jest.setTimeout(120_000);

/** CHROMIUM_BIN, else chromium (Debian), chromium-browser or google-chrome on PATH. */
function findChromium(): string | null {
  if (process.env.CHROMIUM_BIN && existsSync(process.env.CHROMIUM_BIN)) return process.env.CHROMIUM_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

const chromium = findChromium();
if (!chromium) console.warn('report.browser.spec: skipped, no chromium found (scripts/ensure.js installs it for `npm test`: apt-get install -y chromium)');
const describeIfChromium = chromium ? describe : describe.skip;

describeIfChromium('report.html in headless chromium', () => {
  const root = mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'report-browser-'));
  const runDir = join(root, 'results', 'figures');
  let html: string;

  beforeAll(async () => {
    mkdirSync(runDir, { recursive: true });
    const cells = [1, 2, 3].flatMap((round) => [haCell('single', round, 1000 + round * 20), haCell('mirrored-async', round, 880 + round * 15), haCell('mirrored-sync', round, 500 + round * 10)]);
    writeResults(runDir, run([...cells, killCell()], ['built by report.browser.spec.ts']));
    html = (await writeReport(runDir)).html;
  });

  it('opens with the answers, then charts, tables and every cell, without a console error', async () => {
    const browser = await puppeteer.launch({
      executablePath: chromium!,
      headless: true,
      // As root (CI, this lab) chromium refuses to start sandboxed.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      await page.setViewport({ width: 1280, height: 1400 });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      // Evaluated in the page (a string: this project compiles without the DOM types).
      const layout = (await page.evaluate(`({
        h2: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        answers: [...document.querySelectorAll('li.answer')].map((li) => li.querySelector('.verdict')?.textContent),
        charts: document.querySelectorAll('#charts svg').length,
        folded: [...document.querySelectorAll('details.table')].filter((d) => !d.open).length,
        answersTop: document.querySelector('#answers').getBoundingClientRect().top,
      })`)) as { h2: string[]; answers: string[]; charts: number; folded: number; answersTop: number };
      expect(layout.h2.slice(0, 4)).toEqual(['What this run answers', 'Charts', 'Tables', 'Every cell']);
      expect(layout.answers).toHaveLength(5);
      for (const v of layout.answers) expect(['holds', 'differs', 'not measured']).toContain(v);
      expect(layout.charts).toBeGreaterThanOrEqual(2);
      expect(layout.folded).toBeGreaterThanOrEqual(3);
      // The answers are on the first screen.
      expect(layout.answersTop).toBeLessThan(600);

      // What a reader sees first: the screenshot of the top of the page.
      const shot = join(root, 'report.png');
      await page.screenshot({ path: shot, fullPage: false });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.REPORT_SCREENSHOT_COPY) copyFileSync(shot, process.env.REPORT_SCREENSHOT_COPY);

      // A folded table opens on a click.
      await page.click('#ha summary');
      expect(await page.evaluate(`document.querySelector('#ha').open`)).toBe(true);

      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
