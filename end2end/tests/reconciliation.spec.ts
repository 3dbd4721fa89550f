import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { WardPayServer } from "./support/server";
import { artifacts, ready, signIn, USERS } from "./support/pages";

// The accountant's day: payments made at the counter and by transfer, one underpaid, then
// the reconciliation page, its totals by state and the CSV it downloads.

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_SEPAY_KEYS: "e2e-sepay-secret" });
});

test.afterAll(async () => {
  await server?.dispose();
});

test("the accountant reconciles the day: states, totals, differences and the CSV agree", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await officerCtx.newPage();
  await officer.goto(`${server.url}/`);
  await ready(officer);
  const newDossier = async (name: string) => {
    await officer.getByTestId("applicant").fill(name);
    await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
    await officer.getByTestId("procedure-search").press("Enter");
    await officer.getByTestId("create-qr").click();
    await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  };
  // One paid through the bank (the demo's signed notification), one underpaid.
  await newDossier("Nguyễn Văn An");
  await officer.getByTestId("simulate-payment").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await newDossier("Trần Thị Bình");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  expect(server.cliSepay(code, "e2e-sepay-secret", 10000)).toContain("200");
  await officerCtx.close();

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  await signIn(ctx, server.url, USERS.accountant);
  const page = await ctx.newPage();
  // Yesterday and today in Vietnam (UTC+7), so a run across midnight or a month's end still
  // sees the day's rows.
  const vnDay = (offsetDays: number) => new Date(Date.now() + 7 * 3600_000 - offsetDays * 86_400_000).toISOString().slice(0, 10);
  await page.goto(`${server.url}/reconciliation?from=${vnDay(1)}&to=${vnDay(0)}`);
  await ready(page, { live: false });
  const totals = page.getByTestId("recon-totals");
  await expect(totals.locator('tr[data-state="matched"] [data-testid="recon-count"]')).toHaveText("1");
  await expect(totals.locator('tr[data-state="under"] [data-testid="recon-received"]')).toHaveText("5.000 đ");
  await expect(page.getByTestId("recon-rows").locator('tr[data-state="under"]')).toHaveClass(/diff/);
  await expect(page.getByTestId("recon-total-received")).toHaveText("15.000 đ");
  await page.screenshot({ path: `${artifacts}/reconciliation.png`, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("recon-csv").click()]);
  const csv = fs.readFileSync((await download.path()) ?? "", "utf8");
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  const lines = csv.trim().split("\r\n");
  const rows = lines.slice(1).filter((l) => !l.startsWith('"Tổng"'));
  const received = rows.map((l) => Number(l.split(",")[9])).reduce((a, b) => a + b, 0);
  expect(received).toBe(15000);

  // A range that ends before it starts is refused on screen.
  await page.getByTestId("recon-from").fill("2026-11-30");
  await page.getByTestId("recon-to").fill("2026-11-01");
  await page.getByTestId("recon-show").click();
  await expect(page.getByTestId("recon-error")).toContainText("ngày cuối trước ngày đầu");
  await ctx.close();
});
