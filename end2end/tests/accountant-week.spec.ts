import { expect, test, type Page } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, ready, signIn, USERS } from "./support/pages";
import { readXlsx } from "./support/xlsx";

// The accountant's week: receipts issued at the counter, one corrected by a notice and one
// by a replacement (proposed by the accountant, approved by the supervisor), a refund requested by the accountant and approved by the supervisor,
// the day closed, the tax summaries prepared, a fee line coded, and the week's deposit slip
// produced, read back as XLSX and recorded. The register keeps continuous numbers.

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start();
  // Three weeks of earlier counter work, every past day closed and none deposited.
  server.cli(["seed-history", "--payments", "120", "--wards", "1", "--days", "20", "--seed", "14"]);
});

test.afterAll(async () => {
  await server?.dispose();
});

const vn = () => new Date(Date.now() + 7 * 3600_000);
const today = () => vn().toISOString().slice(0, 10);
/** Monday of this ISO week, Vietnam time. */
const monday = () => {
  const d = vn();
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
};
const amount = async (page: Page, testId: string) => Number((await page.getByTestId(testId).first().textContent())?.replace(/\D/g, ""));

test("the accountant's week: corrections, a four-eyes refund, tax summaries, the weekly treasury deposit", async ({ browser }) => {
  test.setTimeout(180_000);
  // The counter: three certifications paid by QR.
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await officerCtx.newPage();
  await officer.goto(`${server.url}/`);
  await ready(officer);
  for (const name of ["Trần Văn Bình", "Lê Thị Cúc", "Ngô Văn Dũng"]) {
    await officer.getByTestId("applicant").fill(name);
    await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
    await officer.getByTestId("procedure-search").press("Enter");
    await officer.getByTestId("create-qr").click();
    await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
    await officer.getByTestId("simulate-payment").click();
    await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  }
  await officerCtx.close();

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  await signIn(ctx, server.url, USERS.accountant);
  const acc = await ctx.newPage();
  // Today's register: three receipts under the 2026 symbols.
  await acc.goto(`${server.url}/accounting/receipts?from=${today()}&to=${today()}`);
  await ready(acc, { live: false });
  const rows = acc.getByTestId("register-rows").locator("tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.first().locator("td").first()).toHaveText(/^EBL01 \d\dTAA \d{7}$/);
  const links = await rows.locator("a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));

  // A wrong name: a notice (04/SS-CTĐT), nothing re-issued.
  await acc.goto(`${server.url}${links[0]}`);
  await ready(acc, { live: false });
  await acc.getByTestId("wrong-name").check();
  await acc.getByTestId("correct-name").fill("Trần Văn Bính");
  await acc.getByTestId("correct-reason").fill("Ghi sai dấu tên người nộp");
  await acc.getByTestId("issue-notice").click();
  await expect(acc.getByTestId("receipt-notices")).toContainText("04/SS-CTĐT số 1/");
  await expect(acc.getByTestId("receipt-status")).toHaveAttribute("data-status", "notified");
  // The page reloaded itself on the notice: wait until it is live again.
  await ready(acc, { live: false });
  // A notice cannot change an amount: the screen says to replace instead.
  await acc.getByTestId("wrong-amount").check();
  await acc.getByTestId("correct-reason").fill("Sai số tiền");
  await acc.getByTestId("issue-notice").click();
  await expect(acc.getByTestId("correction-error")).toContainText("biên lai thay thế");

  // A wrong amount: a replacement receipt that names the one it replaces. The accountant
  // proposes it; nothing is issued until a second person approves.
  await acc.goto(`${server.url}${links[1]}`);
  await ready(acc, { live: false });
  await acc.getByTestId("wrong-amount").check();
  await acc.getByTestId("correct-line-amount").fill("8000");
  await acc.getByTestId("correct-reason").fill("Thu nhầm số bản");
  await acc.getByTestId("issue-replacement").click();
  await expect(acc.getByTestId("pending-replacement")).toBeVisible();
  await expect(acc.getByTestId("replacement-total")).toHaveText(/8\.000/);
  await expect(acc.getByTestId("replacement-waiting")).toBeVisible();
  await expect(acc.getByTestId("approve-replacement")).toHaveCount(0);
  await expect(acc.getByTestId("receipt-status")).toHaveAttribute("data-status", "valid");

  const supCtx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await signIn(supCtx, server.url, USERS.supervisor);
  const sup = await supCtx.newPage();
  // The supervisor finds it waiting in the register and approves it: it is issued now.
  await sup.goto(`${server.url}/accounting/receipts?from=${today()}&to=${today()}`);
  await ready(sup, { live: false });
  await sup.getByTestId("register-pending-replacements").locator("a").first().click();
  await ready(sup, { live: false });
  await sup.getByTestId("pending-replacement").screenshot({ path: `${artifacts}/replacement-pending.png` });
  await sup.getByTestId("approve-replacement").click();
  await expect(sup.getByTestId("receipt-replaces")).toContainText("Lý do: Thu nhầm số bản");
  await expect(sup.getByTestId("receipt-total")).toHaveText(/8\.000/);
  await expect(sup.getByTestId("receipt-words")).toHaveText("Tám nghìn đồng");
  await sup.screenshot({ path: `${artifacts}/receipt-replacement.png`, fullPage: true });
  await acc.goto(sup.url());
  await ready(acc, { live: false });
  await expect(acc.getByTestId("receipt-replaces")).toBeVisible();

  // The 2.000đ taken too much goes back: requested here, approved by someone else.
  await acc.getByTestId("receipt-refund").click();
  await ready(acc, { live: false });
  await acc.getByTestId("refund-amount").fill("2000");
  await acc.getByTestId("refund-reason").fill("Hoàn phần thu thừa theo biên lai thay thế");
  await acc.getByTestId("refund-submit").click();
  const refundRow = acc.getByTestId("refund-rows").locator("tbody tr").first();
  await expect(refundRow).toHaveAttribute("data-state", "requested");
  await expect(refundRow.getByTestId("refund-waiting")).toBeVisible();

  await sup.goto(`${server.url}/accounting/refunds`);
  await ready(sup, { live: false });
  await sup.getByTestId("refund-rows").locator("tbody tr").first().getByTestId("refund-approve").click();
  await expect(sup.getByTestId("refund-rows").locator("tbody tr").first()).toHaveAttribute("data-state", "approved");

  await acc.reload();
  await ready(acc, { live: false });
  await acc.getByTestId("refund-reference").fill("FT26REFUND0001");
  await acc.getByTestId("refund-paid").click();
  await expect(acc.getByTestId("refund-rows").locator("tbody tr").first()).toHaveAttribute("data-state", "paid");

  // The supervisor sees the older weeks' money waiting past its due date, and closes today.
  await sup.goto(`${server.url}/stats`);
  await ready(sup);
  await expect(sup.getByTestId("deposit-overdue")).toBeVisible();
  await sup.getByTestId("close-day").click();
  await expect(sup.getByTestId("day-close-table")).toContainText(today());

  // Today's summary for the tax authority was prepared at the close, on time; a day of the
  // history (closed before summaries existed) gets one now, late, and says so.
  await acc.goto(`${server.url}/accounting/tax`);
  await ready(acc, { live: false });
  const todayRow = acc.getByTestId("tax-rows").locator(`tr[data-day="${today()}"]`);
  await expect(todayRow).toHaveAttribute("data-status", "prepared");
  await expect(todayRow.getByTestId("tax-late")).toHaveCount(0);
  await expect(todayRow.getByTestId("tax-receipts")).toHaveText("4");
  const [xmlDownload] = await Promise.all([acc.waitForEvent("download"), todayRow.getByTestId("tax-download").click()]);
  const fs = await import("node:fs");
  const xml = fs.readFileSync((await xmlDownload.path()) ?? "", "utf8");
  expect(xml).toContain("<MSo>01/TH-BLĐT</MSo>");
  expect(xml).toContain("<TThai>3</TThai>");
  await todayRow.getByTestId("tax-status-select").selectOption("sent");
  await todayRow.getByTestId("tax-status-save").click();
  await expect(acc.getByTestId("tax-rows").locator(`tr[data-day="${today()}"]`)).toHaveAttribute("data-status", "sent");
  const missing = acc.getByTestId("tax-missing").locator("li").first();
  const lateDay = await missing.getAttribute("data-day");
  await missing.locator("input").fill("Mất kết nối ngày đó");
  await missing.getByTestId("tax-prepare").click();
  await expect(acc.getByTestId("tax-rows").locator(`tr[data-day="${lateDay}"]`).getByTestId("tax-late")).toBeVisible();

  // The week's phí slip: the extract-copy fee has no budget code yet, so it cannot be deposited.
  const slipUrl = `${server.url}/accounting/treasury?kind=phi&from=${monday()}&to=${today()}`;
  await acc.goto(slipUrl);
  await ready(acc, { live: false });
  await expect(acc.getByTestId("deposit-overdue")).toBeVisible();
  await expect(acc.getByTestId("slip")).toBeVisible();
  await expect(acc.getByTestId("slip-refunds")).toHaveText(/2\.000/);
  if ((await acc.getByTestId("slip-uncoded").count()) > 0) {
    await expect(acc.getByTestId("deposit-form")).toHaveCount(0);
    // The accountant codes it on /admin, from the start of the year.
    await acc.goto(`${server.url}/admin`);
    await ready(acc, { live: false });
    const row = acc.getByTestId("fee-code-row").filter({ has: acc.getByTestId("fee-code-missing") }).first();
    await row.locator('input[type="date"]').fill("2026-01-01");
    await row.getByTestId("fee-code-ndkt").fill("3075");
    await row.getByTestId("fee-code-save").click();
    await expect(acc.getByTestId("fee-code-missing")).toHaveCount(0);
    await acc.getByTestId("budget-codes").screenshot({ path: `${artifacts}/budget-codes.png` });
    await acc.goto(slipUrl);
    await ready(acc, { live: false });
  }
  await expect(acc.getByTestId("slip-uncoded")).toHaveCount(0);
  const pageTotal = await amount(acc, "slip-total");
  expect(pageTotal).toBeGreaterThan(0);
  await expect(acc.getByTestId("slip-words")).toHaveText(/đồng$/);
  // The XLSX read back agrees with the page.
  const [download] = await Promise.all([acc.waitForEvent("download"), acc.getByTestId("slip-xlsx").click()]);
  const sheet = readXlsx(fs.readFileSync((await download.path()) ?? ""));
  expect(sheet[0][0]).toContain("C1-02/NS");
  const total = sheet.find((r) => r[0] === "Tổng cộng");
  expect(Number(total?.[8])).toBe(pageTotal);
  await acc.screenshot({ path: `${artifacts}/treasury-slip.png`, fullPage: true });
  // Recorded as deposited: the days are taken, the money no longer waits.
  await acc.getByTestId("deposit-date").fill(today());
  await acc.getByTestId("deposit-ref").fill("KB-2026-E2E-001");
  await acc.getByTestId("deposit-record").click();
  await expect(acc.getByTestId("slip-deposited")).toContainText("KB-2026-E2E-001");
  await expect(acc.getByTestId("deposit-rows")).toContainText("KB-2026-E2E-001");
  // The same days again: refused, said so.
  await acc.goto(`${server.url}/accounting/treasury?kind=phi&from=${today()}&to=${today()}`);
  await ready(acc, { live: false });
  await expect(acc.getByTestId("slip-deposited-days")).toContainText(today());
  await expect(acc.getByTestId("deposit-form")).toHaveCount(0);

  // The register over the week: continuous numbers, the replaced and notified receipts marked.
  await acc.goto(`${server.url}/accounting/receipts?from=${monday()}&to=${today()}`);
  await ready(acc, { live: false });
  await expect(acc.getByTestId("register-continuous")).toBeVisible();
  await expect(acc.getByTestId("register-gaps")).toHaveCount(0);
  await expect(acc.getByTestId("register-replaced")).toHaveText("1");
  await expect(acc.getByTestId("register-notified")).toHaveText("1");
  const numbers = await acc.getByTestId("register-rows").locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-number"))));
  for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1] + 1);
  await acc.screenshot({ path: `${artifacts}/receipts-register.png`, fullPage: false });
  await supCtx.close();
  await ctx.close();
});

test("a holiday the accountant lists on /admin moves a deposit due that day to the next working day", async ({ browser }) => {
  const ctx = await browser.newContext();
  await signIn(ctx, server.url, USERS.accountant);
  const acc = await ctx.newPage();
  const firstRow = async () => {
    await acc.goto(`${server.url}/accounting/treasury`);
    await ready(acc, { live: false });
    const row = acc.getByTestId("outstanding-row").first();
    return { kind: await row.getAttribute("data-kind"), from: await row.getAttribute("data-from"), due: (await row.getAttribute("data-due")) ?? "" };
  };
  const before = await firstRow();
  expect(before.due).toMatch(/^\d{4}-\d{2}-\d{2}$/);

  await acc.goto(`${server.url}/admin`);
  await ready(acc, { live: false });
  await acc.getByTestId("holiday-day").fill(before.due);
  await acc.getByTestId("holiday-name").fill("Nghỉ bù");
  await acc.getByTestId("holiday-add").click();
  const listed = acc.getByTestId("holiday-row").and(acc.locator(`[data-day="${before.due}"]`));
  await expect(listed).toContainText("Nghỉ bù");
  await expect(acc.getByTestId("holiday-name")).toHaveValue("");
  // The same day again is refused, and says why.
  await acc.getByTestId("holiday-day").fill(before.due);
  await acc.getByTestId("holiday-name").fill("Nghỉ bù");
  await acc.getByTestId("holiday-add").click();
  await expect(acc.getByTestId("holiday-error")).toContainText("đã có trong danh sách");
  await expect(acc.getByTestId("holiday-row")).toHaveCount(1);

  const after = await firstRow();
  expect([after.kind, after.from]).toEqual([before.kind, before.from]);
  expect(after.due > before.due).toBe(true);

  // Taken off the list, the due date is what it was.
  await acc.goto(`${server.url}/admin`);
  await ready(acc, { live: false });
  await listed.getByTestId("holiday-remove").click();
  await expect(acc.getByTestId("holiday-row")).toHaveCount(0);
  expect((await firstRow()).due).toBe(before.due);
  await ctx.close();
});
