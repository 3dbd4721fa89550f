import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, ready, signIn, USERS } from "./support/pages";
import { readXlsx } from "./support/xlsx";

// The accountant's month end: weeks of history, today's counter work, a bank statement that
// disagrees with WardPay both ways, the day closed, and the month's report downloaded as
// XLSX and read back against the page. Then the supervisor's statistics over the same days.

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start();
  // Forty days of a ward's counter work, every past day closed (into the empty demo ward).
  server.cli(["seed-history", "--payments", "1500", "--wards", "1", "--days", "40", "--seed", "11"]);
});

test.afterAll(async () => {
  await server?.dispose();
});

const vn = () => new Date(Date.now() + 7 * 3600_000);
const isoDay = (offsetDays: number) => new Date(vn().getTime() - offsetDays * 86_400_000).toISOString().slice(0, 10);

test("month end: history, a statement that disagrees both ways, a closed day, the XLSX read back", async ({ browser }) => {
  test.setTimeout(120_000);
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
    return (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  };
  // Y: paid, its notification arrived — but the statement will not show it.
  await newDossier("Phạm Thị Yến");
  await officer.getByTestId("simulate-payment").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  // X: paid at the bank, but no notification ever reached WardPay.
  const codeX = await newDossier("Đỗ Văn Xuân");

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  await signIn(ctx, server.url, USERS.accountant);
  const page = await ctx.newPage();
  await page.goto(`${server.url}/reconciliation`);
  await ready(page, { live: false });
  // The ward's own bank file, through the mapping the ward saves once.
  const d = vn();
  const day = `${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${d.getUTCFullYear()}`;
  const csv = [
    "SAO KÊ TÀI KHOẢN 113366668888",
    "Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản",
    `${day},"10.000 đ",${codeX} NOP PHI,FTMONTHEND01,113366668888`,
  ].join("\r\n");
  await page.getByTestId("import-format").selectOption("csv");
  await page.getByTestId("import-map").fill("date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản");
  await page.getByTestId("import-file").setInputFiles({ name: "saoke.csv", mimeType: "text/csv", buffer: Buffer.from("\ufeff" + csv, "utf8") });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-statement-only")).toHaveText("1");
  const rows = page.getByTestId("recon-rows");
  await expect(rows.locator("tr", { hasText: codeX })).toHaveAttribute("data-state", "statement_only");
  await expect(rows.locator('tr[data-state="wardpay_only"]')).toHaveCount(1);
  // The statement's money paid X's dossier, on the officer's screen too.
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await officerCtx.close();

  // The supervisor closes the day.
  const supCtx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await signIn(supCtx, server.url, USERS.supervisor);
  const sup = await supCtx.newPage();
  await sup.goto(`${server.url}/stats`);
  await ready(sup);
  await sup.getByTestId("close-day").click();
  await expect(sup.getByTestId("day-close-table")).toContainText(isoDay(0));

  // The month: totals from the closed days, rows a page at a time, the workbook agrees.
  const from = isoDay(30);
  const to = isoDay(0);
  await page.goto(`${server.url}/reconciliation?from=${from}&to=${to}`);
  await ready(page, { live: false });
  await expect(page.getByTestId("recon-pager")).toBeVisible();
  const pageTotal = Number((await page.getByTestId("recon-total-received").textContent())?.replace(/\D/g, ""));
  expect(pageTotal).toBeGreaterThan(0);
  await page.screenshot({ path: `${artifacts}/month-end.png`, fullPage: false });
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("recon-xlsx").click()]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  const fs = await import("node:fs");
  const sheet = readXlsx(fs.readFileSync((await download.path()) ?? ""));
  expect(sheet[0][8]).toBe("Phải thu");
  const grand = sheet[sheet.length - 1];
  expect(grand[0]).toBe("Tổng cộng");
  expect(Number(grand[9])).toBe(pageTotal);
  const dataRows = sheet.slice(1).filter((r) => r[0] !== "Tổng" && r[0] !== "Tổng cộng");
  expect(dataRows.reduce((s, r) => s + Number(r[9] || 0), 0)).toBe(pageTotal);
  expect(dataRows.some((r) => r[2] === "statement_only" && r[7] === codeX)).toBe(true);
  expect(dataRows.some((r) => r[2] === "wardpay_only")).toBe(true);

  // The supervisor's statistics over the same days, by week.
  await sup.goto(`${server.url}/stats?from=${from}&to=${to}&bucket=week&by=counter`);
  await ready(sup);
  await expect(sup.getByTestId("trends-chart").locator("rect.bar").first()).toBeVisible();
  const dossiers = Number(await sup.getByTestId("trends-dossiers").textContent());
  expect(dossiers).toBeGreaterThan(1000);
  await expect(sup.getByTestId("trends-groups").locator("tbody tr")).toHaveCount(3);
  await sup.getByTestId("trends").screenshot({ path: `${artifacts}/statistics.png` });
  await supCtx.close();
  await ctx.close();
});
