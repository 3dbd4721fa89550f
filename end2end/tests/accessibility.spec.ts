import * as fs from "fs";
import { expect, request, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { ready, signIn, USERS } from "./support/pages";
import { expectAccessible, saveScreenshot } from "./support/a11y";

// Every screen against axe-core's WCAG 2.2 AA rules (wcag2a, wcag2aa, wcag21a, wcag21aa,
// wcag22aa): no serious or critical violation, in Vietnamese and in English. The checks are
// soft, so one run reports every screen; each test sets up what it needs by itself (a failed
// test restarts the worker, and with it the server of beforeAll).

let server: WardPayServer;
const opened: BrowserContext[] = [];

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_QR_TTL_SECS: "900", WARDPAY_SEPAY_KEYS: "e2e-sepay-secret" });
  // A few days of counter work in the empty demo ward, so the tables have rows.
  server.cli(["seed-history", "--payments", "60", "--wards", "1", "--days", "5", "--seed", "3"]);
});

test.afterEach(async () => {
  for (const ctx of opened.splice(0)) await ctx.close();
});

test.afterAll(async () => {
  await server?.dispose();
});

const today = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);

type Live = { live?: boolean };

async function context(browser: Browser, width = 1366, height = 768): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  opened.push(ctx);
  return ctx;
}

async function open(ctx: BrowserContext, path: string, opts: Live = {}): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${server.url}${path}`);
  await ready(page, { live: opts.live ?? false });
  return page;
}

/** Switches the page's language with its VI/EN switch, or (pages without one) by the cookie and a reload. */
async function setLang(page: Page, lang: "vi" | "en", opts: Live = {}): Promise<void> {
  const button = page.locator(`.lang-switch button[data-lang="${lang}"]`).first();
  if (await button.isVisible()) {
    await button.click();
  } else {
    await page.context().addCookies([{ name: "wardpay_lang", value: lang, url: server.url }]);
    await page.reload();
    await ready(page, { live: opts.live ?? false });
  }
  await expect(page.locator("#app")).toHaveAttribute("data-lang", lang);
}

/** Checks the screen in Vietnamese, then in English, and leaves it in Vietnamese. */
async function inBothLanguages(page: Page, name: string, opts: Live = {}): Promise<void> {
  await expectAccessible(page, `${name} [vi]`, { soft: true });
  await setLang(page, "en", opts);
  await expectAccessible(page, `${name} [en]`, { soft: true });
  await setLang(page, "vi", opts);
}

/** The officer's dossier form, from the keyboard (procedure chosen with Enter). */
async function enterDossier(officer: Page, applicant: string): Promise<void> {
  await officer.getByTestId("applicant").fill(applicant);
  await officer.getByTestId("procedure-search").fill("chung thuc ban sao");
  await expect(officer.getByTestId("procedure-results")).toBeVisible();
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("line-quantity").fill("2");
}

/** One dossier paid by the demo bank at counter 1; the officer's page is left open on it. */
async function payOnce(browser: Browser, applicant: string): Promise<Page> {
  const ctx = await context(browser);
  await signIn(ctx, server.url, USERS.officer);
  const officer = await open(ctx, "/", { live: true });
  await enterDossier(officer, applicant);
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  await officer.getByTestId("simulate-payment").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  return officer;
}

test("sign-in page", async ({ browser }) => {
  const ctx = await context(browser);
  const page = await open(ctx, "/login");
  await inBothLanguages(page, "login");
  await page.locator('input[name="username"]').fill(USERS.officer);
  await page.locator('input[name="password"]').fill("wrong password!");
  await page.locator('input[name="password"]').press("Enter");
  await expect(page.getByTestId("login-error")).toBeVisible();
  await expectAccessible(page, "login with an error [vi]", { soft: true });
});

test("the counter: officer dashboard and kiosk in every state, receipts", async ({ browser }) => {
  test.setTimeout(180_000);
  // The kiosk, not paired yet: its one-time code.
  const kioskCtx = await context(browser, 1920, 1080);
  const kiosk = await open(kioskCtx, "/kiosk/1");
  const state = kiosk.locator(".kiosk-body");
  await expect(state).toHaveAttribute("data-kiosk-state", "pairing");
  await inBothLanguages(kiosk, "kiosk: pairing code");

  // An admin enters that code; the kiosk turns into counter 1's screen by itself.
  const code = (await kiosk.getByTestId("pairing-code").getAttribute("data-code")) ?? "";
  const admin = await request.newContext();
  await signIn(admin, server.url, USERS.admin);
  const paired = await admin.post(`${server.url}/api/admin_pair_kiosk`, {
    form: { code, label: "Kiosk 1" },
    headers: { Origin: server.url },
  });
  expect(paired.status(), await paired.text()).toBe(200);
  await admin.dispose();
  await expect(state).toHaveAttribute("data-kiosk-state", "idle", { timeout: 15_000 });
  await ready(kiosk);
  await inBothLanguages(kiosk, "kiosk: idle", { live: true });
  await saveScreenshot(kiosk, "a11y kiosk idle 1920x1080");

  // The officer's dashboard: idle, a form error, the procedure search open.
  const officerCtx = await context(browser);
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await open(officerCtx, "/", { live: true });
  await inBothLanguages(officer, "officer dashboard: idle", { live: true });
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("form-error")).toBeVisible();
  await expectAccessible(officer, "officer dashboard: form error [vi]", { soft: true });
  await officer.getByTestId("applicant").fill("Nguyễn Văn An");
  await officer.getByTestId("procedure-search").fill("chung thuc");
  await expect(officer.getByTestId("procedure-results")).toBeVisible();
  await expectAccessible(officer, "officer dashboard: procedure search results [vi]", { soft: true });
  await officer.getByTestId("procedure-search").fill("chung thuc ban sao");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("line-quantity").fill("3");
  await officer.getByTestId("line-pages").fill("5");
  await officer.getByTestId("line-exempt").check();
  await expect(officer.getByTestId("line-exempt-reason")).toBeVisible();
  await expectAccessible(officer, "officer dashboard: dossier filled in, a line exempt [vi]", { soft: true });
  await officer.getByTestId("line-exempt").uncheck();

  // A QR issued: on the officer's PC and on the kiosk.
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  await expect(state).toHaveAttribute("data-kiosk-state", "qr");
  await inBothLanguages(officer, "officer dashboard: QR issued", { live: true });
  await inBothLanguages(kiosk, "kiosk: QR shown (1920x1080)", { live: true });
  await saveScreenshot(kiosk, "a11y kiosk qr 1920x1080");
  for (const [width, height] of [[800, 1280], [1280, 800]]) {
    await kiosk.setViewportSize({ width, height });
    await expect(kiosk.getByTestId("kiosk-qr").locator("svg")).toBeVisible();
    await saveScreenshot(kiosk, `a11y kiosk qr ${width}x${height}`);
    await expectAccessible(kiosk, `kiosk: QR shown (${width}x${height}) [vi]`, { soft: true });
  }
  await kiosk.setViewportSize({ width: 1920, height: 1080 });

  // Paid (the demo bank): the kiosk's success screen lasts 20 seconds, so it goes first.
  await officer.getByTestId("simulate-payment").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "success");
  const publicLink = kiosk.locator(".kiosk-message.success a");
  const publicHref = (await publicLink.count()) > 0 ? await publicLink.first().getAttribute("href") : null;
  await inBothLanguages(kiosk, "kiosk: payment success", { live: true });
  await saveScreenshot(kiosk, "a11y kiosk success 1920x1080");
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await inBothLanguages(officer, "officer dashboard: receipt issued", { live: true });

  // The receipt: the staff view (the officer's link) and the public link of the kiosk.
  const href = (await officer.getByTestId("officer-receipt").getAttribute("href")) ?? "";
  expect(href).toMatch(/^\/receipts\/\d+/);
  const staffReceipt = await open(officerCtx, href);
  await expect(staffReceipt.getByTestId("receipt")).toBeVisible();
  await inBothLanguages(staffReceipt, "receipt: staff view (officer)");
  expect(publicHref, "the kiosk's success screen links the receipt").toBeTruthy();
  if (publicHref) {
    const citizenCtx = await context(browser, 390, 844);
    const publicReceipt = await open(citizenCtx, publicHref);
    await expect(publicReceipt.getByTestId("receipt")).toBeVisible();
    await inBothLanguages(publicReceipt, "receipt: public link from the kiosk");
    // The PDF from the phone: a real PDF file, kept with the test's artifacts.
    const [download] = await Promise.all([publicReceipt.waitForEvent("download"), publicReceipt.getByTestId("receipt-pdf").click()]);
    expect(download.suggestedFilename()).toMatch(/^bien-lai-26TAA-\d{7}\.pdf$/);
    const saved = test.info().outputPath("receipt.pdf");
    await download.saveAs(saved);
    expect(fs.readFileSync(saved).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  }

  // A code cancelled, then the counter paused: the kiosk says so.
  await expect(state).toHaveAttribute("data-kiosk-state", "idle", { timeout: 30_000 });
  await officer.getByTestId("applicant").fill("Lê Thị Cúc");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "qr");
  // Half of it arrives: both screens say what came and what is missing, the kiosk asks for the rest.
  // (The officer's card follows the push, a moment after the command's answer.)
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  const partCode = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  const due = Number(((await officer.locator(".current-amount").textContent()) ?? "").replace(/\D/g, ""));
  expect(server.cliSepay(partCode, "e2e-sepay-secret", due)).toContain("200");
  await expect(kiosk.getByTestId("kiosk-partial")).toBeVisible();
  await expect(officer.getByTestId("officer-partial")).toBeVisible();
  await inBothLanguages(kiosk, "kiosk: partly paid, code for the rest", { live: true });
  await inBothLanguages(officer, "officer dashboard: partly paid", { live: true });
  await saveScreenshot(kiosk, "a11y kiosk partly paid 1920x1080");
  // Cancelled: the part received goes to refunds.
  await officer.getByTestId("cancel-refund").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "cancelled");
  await expectAccessible(kiosk, "kiosk: code cancelled [vi]", { soft: true });
  await expectAccessible(officer, "officer dashboard: code cancelled [vi]", { soft: true });
  await officer.getByTestId("toggle-counter").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "paused", { timeout: 30_000 });
  await inBothLanguages(kiosk, "kiosk: counter paused", { live: true });
  await expectAccessible(officer, "officer dashboard: counter paused [vi]", { soft: true });
  await officer.getByTestId("toggle-counter").click();
  await expect(state).not.toHaveAttribute("data-kiosk-state", "paused");
});

test("supervisor: statistics and the audit log", async ({ browser }) => {
  const ctx = await context(browser);
  await signIn(ctx, server.url, USERS.supervisor);
  const stats = await open(ctx, "/stats", { live: true });
  await expect(stats.getByTestId("day-stats")).toBeVisible();
  await inBothLanguages(stats, "supervisor: /stats", { live: true });
  await stats.goto(`${server.url}/stats?from=${today().slice(0, 8)}01&to=${today()}&bucket=day&by=counter`);
  await ready(stats);
  await expectAccessible(stats, "supervisor: /stats with trends by counter [vi]", { soft: true });

  const audit = await open(ctx, "/audit");
  await expect(audit.getByTestId("audit-table").locator("tbody tr").first()).toBeVisible();
  await inBothLanguages(audit, "supervisor: /audit");
  await audit.getByTestId("audit-verify").click();
  await expect(audit.getByTestId("audit-verdict")).toBeVisible();
  await expectAccessible(audit, "supervisor: /audit after verifying the chain [vi]", { soft: true });
});

test("set-up: /admin as admin and as accountant", async ({ browser }) => {
  const adminCtx = await context(browser);
  await signIn(adminCtx, server.url, USERS.admin);
  const admin = await open(adminCtx, "/admin");
  await expect(admin.getByTestId("pair-code")).toBeVisible();
  await inBothLanguages(admin, "admin: /admin");
  const audit = await open(adminCtx, "/audit");
  await expectAccessible(audit, "admin: /audit [vi]", { soft: true });

  const accCtx = await context(browser);
  await signIn(accCtx, server.url, USERS.accountant);
  const acc = await open(accCtx, "/admin");
  await expect(acc.getByTestId("budget-codes")).toBeVisible();
  await inBothLanguages(acc, "accountant: /admin (budget codes)");
});

test("the accountant's books: reconciliation, receipts, a receipt, tax, refunds, treasury", async ({ browser }) => {
  test.setTimeout(180_000);
  await payOnce(browser, "Trần Văn Bình");

  const ctx = await context(browser, 1366, 900);
  await signIn(ctx, server.url, USERS.accountant);
  const recon = await open(ctx, "/reconciliation");
  await inBothLanguages(recon, "accountant: /reconciliation");

  const register = await open(ctx, `/accounting/receipts?from=${today()}&to=${today()}`);
  const rows = register.getByTestId("register-rows").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  await inBothLanguages(register, "accountant: /accounting/receipts");

  // A receipt as the accountant sees it: with the corrections panel.
  const link = (await rows.first().locator("a").first().getAttribute("href")) ?? "";
  const receipt = await open(ctx, link);
  await expect(receipt.getByTestId("receipt")).toBeVisible();
  await inBothLanguages(receipt, "receipt: staff view (accountant, corrections)");

  const tax = await open(ctx, "/accounting/tax");
  await inBothLanguages(tax, "accountant: /accounting/tax");

  // Refunds: the request form (from the receipt), then a request waiting for approval.
  await receipt.getByTestId("receipt-refund").click();
  await ready(receipt, { live: false });
  await expect(receipt.getByTestId("refund-request")).toBeVisible();
  await inBothLanguages(receipt, "accountant: /accounting/refunds (request form)");
  await receipt.getByTestId("refund-amount").fill("1000");
  await receipt.getByTestId("refund-reason").fill("Thu thừa");
  await receipt.getByTestId("refund-submit").click();
  await expect(receipt.getByTestId("refund-rows").locator("tbody tr").first()).toHaveAttribute("data-state", "requested");
  await expectAccessible(receipt, "accountant: /accounting/refunds (a request waiting) [vi]", { soft: true });

  const supCtx = await context(browser, 1366, 900);
  await signIn(supCtx, server.url, USERS.supervisor);
  const supRefunds = await open(supCtx, "/accounting/refunds");
  await expect(supRefunds.getByTestId("refund-approve").first()).toBeVisible();
  await expectAccessible(supRefunds, "supervisor: /accounting/refunds (approve) [vi]", { soft: true });

  // Today's phí slip, the day still open.
  const slipPath = `/accounting/treasury?kind=phi&from=${today()}&to=${today()}`;
  const treasury = await open(ctx, slipPath);
  await expect(treasury.getByTestId("slip")).toBeVisible();
  await inBothLanguages(treasury, "accountant: /accounting/treasury slip (day open)");
  const plain = await open(ctx, "/accounting/treasury");
  await expectAccessible(plain, "accountant: /accounting/treasury (no slip) [vi]", { soft: true });

  // The supervisor closes today; the slip then offers the deposit form.
  const stats = await open(supCtx, "/stats", { live: true });
  await stats.getByTestId("close-day").click();
  await expect(stats.getByTestId("day-close-table")).toContainText(today());
  await expectAccessible(stats, "supervisor: /stats after closing the day [vi]", { soft: true });
  await treasury.reload();
  await ready(treasury, { live: false });
  await expect(treasury.getByTestId("slip")).toBeVisible();
  const depositForm = await treasury.getByTestId("deposit-form").count();
  test.info().annotations.push({ type: "treasury", description: depositForm > 0 ? "deposit form shown" : "no deposit form (uncoded lines or days)" });
  await expectAccessible(treasury, "accountant: /accounting/treasury slip (day closed) [vi]", { soft: true });
  // Today's tax summary, prepared at the close (its status select and download).
  await tax.reload();
  await ready(tax, { live: false });
  await expect(tax.getByTestId("tax-rows").locator(`tr[data-day="${today()}"]`)).toBeVisible();
  await expectAccessible(tax, "accountant: /accounting/tax after the close [vi]", { soft: true });
  // The reconciliation over the seeded days, with rows.
  const from = new Date(Date.now() + 7 * 3600_000 - 6 * 86_400_000).toISOString().slice(0, 10);
  await recon.goto(`${server.url}/reconciliation?from=${from}&to=${today()}`);
  await ready(recon, { live: false });
  await expect(recon.getByTestId("recon-rows").locator("tr").first()).toBeVisible();
  await expectAccessible(recon, "accountant: /reconciliation over six days [vi]", { soft: true });
});

test("not found and forbidden", async ({ browser }) => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  const resp = await page.goto(`${server.url}/khong-co-trang-nay`);
  expect(resp?.status()).toBe(404);
  await ready(page, { live: false });
  await inBothLanguages(page, "not found");

  const officerCtx = await context(browser);
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await officerCtx.newPage();
  const forbidden = await officer.goto(`${server.url}/stats`);
  expect(forbidden?.status()).toBe(403);
  // A plain server page (no app, nothing to hydrate).
  await expect(officer.locator("h1")).toBeVisible();
  await expectAccessible(officer, "forbidden (officer on /stats) [vi]", { soft: true });
});
