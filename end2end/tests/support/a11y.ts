import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { artifacts } from "./pages";

// Accessibility checks with axe-core, injected from node_modules (nothing is downloaded at
// test time). The pages send a strict Content-Security-Policy (script-src with a nonce), so
// axe is not added as a <script> tag — the browser would refuse it — but evaluated through
// the DevTools protocol, which the page's policy does not govern.

/** WCAG 2.2 AA: every rule tagged with one of these runs. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const;

/** Impacts that fail a screen. */
const BLOCKING = new Set(["serious", "critical"]);

/** How many offending elements each rule lists in a failure message. */
const MAX_NODES = 5;

let axeSource: string | undefined;
function axeScript(): string {
  axeSource ??= fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  return axeSource;
}

export interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
  any: { id: string; message: string; data?: unknown }[];
  all: { id: string; message: string; data?: unknown }[];
  none: { id: string; message: string; data?: unknown }[];
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  description: string;
  tags: string[];
  nodes: AxeNode[];
}

/** What axe found in a document: rules broken, and checks it could not decide (e.g. text over a gradient). */
export interface AxeFindings {
  violations: AxeViolation[];
  incomplete: AxeViolation[];
}

/** Runs axe over the whole document of `page` with the WCAG 2.2 AA tags. */
export async function runAxeFull(page: Page): Promise<AxeFindings> {
  const present = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!present) await page.evaluate(axeScript());
  return page.evaluate(async (tags) => {
    type Axe = { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[]; incomplete: unknown[] }> };
    const axe = (window as unknown as { axe: Axe }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"] });
    // Plain data only: the check data (colours, ratios) is what a fix needs.
    return JSON.parse(JSON.stringify({ violations: result.violations, incomplete: result.incomplete }));
  }, [...WCAG_TAGS]) as Promise<AxeFindings>;
}

/** Every violation (any impact) of the WCAG 2.2 AA rules on the page as it is now. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  return (await runAxeFull(page)).violations;
}

/** The serious and critical violations only. */
export function blocking(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact !== null && BLOCKING.has(v.impact));
}

function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** What a check found out about a node, when it says something a fix needs (contrast ratios above all). */
function detail(node: AxeNode): string {
  const checks = [...node.any, ...node.all, ...node.none];
  const contrast = checks.find((c) => c.id === "color-contrast" || c.id === "color-contrast-enhanced");
  const d = contrast?.data as
    | { fgColor?: string; bgColor?: string; contrastRatio?: number; expectedContrastRatio?: string; fontSize?: string; fontWeight?: string }
    | undefined;
  if (d && d.contrastRatio !== undefined) {
    return `contrast ${d.contrastRatio} (needs ${d.expectedContrastRatio}): fg ${d.fgColor} on bg ${d.bgColor}, ${d.fontSize} ${d.fontWeight}`;
  }
  return oneLine(node.failureSummary ?? "", 400);
}

/** A readable account of `violations` on the screen called `name`. */
export function describeViolations(name: string, violations: AxeViolation[]): string {
  const lines = [`${name}: ${violations.length} serious/critical axe violation(s)`];
  for (const v of violations) {
    lines.push(`  • ${v.id} [${v.impact}] ${v.help} (${v.nodes.length} element(s)) ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, MAX_NODES)) {
      lines.push(`      ${n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : String(t))).join(" | ")}`);
      lines.push(`        ${oneLine(n.html)}`);
      const why = detail(n);
      if (why) lines.push(`        ${why}`);
    }
    if (v.nodes.length > MAX_NODES) lines.push(`      … and ${v.nodes.length - MAX_NODES} more`);
  }
  return lines.join("\n");
}

/**
 * Fails unless the screen `name` now shown in `page` has no serious or critical axe violation
 * under WCAG 2.2 AA. With `{ soft: true }` the failure is recorded and the test goes on, so
 * one run reports every screen. The full axe findings are attached to the test report.
 */
export async function expectAccessible(page: Page, name: string, opts: { soft?: boolean } = {}): Promise<void> {
  await test.step(`axe: ${name}`, async () => {
    const all = await runAxeFull(page);
    const found = blocking(all.violations);
    const message = describeViolations(name, found);
    // A11Y_REPORT=<file>: one JSON line per screen checked (clean ones too, with every impact
    // and the checks axe could not decide), for a summary across the run.
    if (process.env.A11Y_REPORT) {
      fs.appendFileSync(process.env.A11Y_REPORT, JSON.stringify({ name, url: page.url(), ...all }) + "\n");
    }
    if (found.length > 0) {
      await test.info().attach(`axe-${slug(name)}.json`, { body: JSON.stringify(found, null, 2), contentType: "application/json" });
      console.log(message);
    }
    const assert = opts.soft ? expect.soft : expect;
    assert(found.map((v) => `${v.id} [${v.impact}]`), message).toEqual([]);
  });
}

export function slug(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/gi, "d")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Saves a screenshot of `page` as `<artifacts>/<name>.png` (the folder the other tests use); returns its path. */
export async function saveScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const file = path.join(artifacts, `${slug(name)}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}
