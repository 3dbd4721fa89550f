import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { WardPayServer } from "./support/server";
import { artifacts, ready, signIn, USERS } from "./support/pages";

// The accountant's day: payments made at the counter and by transfer, one partly paid, then
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
  // One paid through the bank (the demo's signed notification), one partly paid (half came).
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

test("the accountant imports the bank statement: a lost webhook's money pays its dossier, and both-way differences are flagged", async ({ browser }) => {
  // A dossier whose payment WardPay never heard of: only the statement will show it.
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await officerCtx.newPage();
  await officer.goto(`${server.url}/`);
  await ready(officer);
  // The first test left a partly paid dossier on this counter: the officer cancels it,
  // which asks for the part received to be refunded.
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "partially_paid");
  const leftover = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  await officer.getByTestId("cancel-refund").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "cancelled");
  await officer.getByTestId("applicant").fill("Lê Văn Cường");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^WP/);
  expect(code).not.toBe(leftover);

  // SePay's export of today: that transfer, and a fee the bank took (a debit, left out).
  const vn = new Date(Date.now() + 7 * 3600_000);
  const day = `${String(vn.getUTCDate()).padStart(2, "0")}/${String(vn.getUTCMonth() + 1).padStart(2, "0")}/${vn.getUTCFullYear()}`;
  const time = vn.toISOString().slice(11, 19);
  const statement = [
    "ID,Ngày giao dịch,Số tài khoản,Tiền vào,Tiền ra,Nội dung,Mã tham chiếu",
    `77001,${day} ${time},113366668888,"10.000",0,${code} NOP PHI,FTE2E00001`,
    `77002,${day} ${time},113366668888,0,"2.200",PHI DICH VU SMS,FTE2E00002`,
  ].join("\r\n");
  const file = { name: "sepay-saoke.csv", mimeType: "text/csv", buffer: Buffer.from("\ufeff" + statement + "\r\n", "utf8") };

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(ctx, server.url, USERS.accountant);
  const page = await ctx.newPage();
  await page.goto(`${server.url}/reconciliation`);
  await ready(page, { live: false });
  await page.getByTestId("import-format").selectOption("sepay");
  await page.getByTestId("import-file").setInputFiles(file);
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-done")).toBeVisible();
  await expect(page.getByTestId("import-statement-only")).toHaveText("1");
  // The report of the statement's day: the lost webhook's money, and the notifications the
  // statement does not show (the first test's payments), each flagged.
  const totals = page.getByTestId("recon-totals");
  await expect(totals.locator('tr[data-state="statement_only"] [data-testid="recon-count"]')).toHaveText("1");
  await expect(totals.locator('tr[data-state="wardpay_only"]')).toHaveClass(/diff/);
  const lost = page.getByTestId("recon-rows").locator("tr", { hasText: code });
  await expect(lost).toHaveAttribute("data-state", "statement_only");
  await expect(page.getByTestId("recon-statements")).toContainText(day.split("/").reverse().join("-"));
  await page.screenshot({ path: `${artifacts}/statement-import.png`, fullPage: true });

  // The officer's screen shows the dossier paid: the statement's money went through the
  // usual matching and push.
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await officerCtx.close();

  // The same file again changes nothing, and says so.
  await page.getByTestId("import-format").selectOption("sepay");
  await page.getByTestId("import-file").setInputFiles(file);
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-done")).toContainText("đã được nhập trước đó");

  // A bad line refuses the file, naming the line, on screen.
  const bad = statement + `\r\n77003,${day} ${time},113366668888,"năm chục",0,X,FTE2E00003`;
  await page.getByTestId("import-format").selectOption("sepay");
  await page.getByTestId("import-file").setInputFiles({ ...file, name: "bad.csv", buffer: Buffer.from(bad, "utf8") });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-error")).toContainText("dòng 4");
  await ctx.close();
});
