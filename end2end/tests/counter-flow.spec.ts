import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, counterScreens, ready } from "./support/pages";

// The six steps in two browser contexts: the officer at a 1366×768 PC, the citizen at a
// 1920×1080 kiosk. Each test gets its own server and database.

let server: WardPayServer;
const opened: BrowserContext[] = [];

test.beforeEach(async () => {
  server = await WardPayServer.start({ WARDPAY_QR_TTL_SECS: process.env.E2E_QR_TTL ?? "900" });
});

test.afterEach(async () => {
  for (const ctx of opened.splice(0)) await ctx.close();
  await server?.dispose();
});

async function screens(browser: Browser): Promise<{ officer: Page; kiosk: Page }> {
  const { officerCtx, kioskCtx, officer, kiosk } = await counterScreens(browser, server.url, { officerViewport: { width: 1366, height: 768 } });
  opened.push(officerCtx, kioskCtx);
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "idle");
  // Between citizens the kiosk explains how to pay by QR and where to go without an account.
  await expect(kiosk.getByTestId("kiosk-support-help")).toContainText("cán bộ hỗ trợ");
  return { officer, kiosk };
}

/** Steps 1–3 from the keyboard: name, procedure search without diacritics, quantity, pages. */
async function enterDossier(officer: Page, query: string, quantity: string, pages?: string): Promise<void> {
  await officer.getByTestId("applicant").fill("Nguyễn Văn An");
  await officer.getByTestId("procedure-search").fill(query);
  await expect(officer.getByTestId("procedure-results")).toBeVisible();
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("line-quantity").fill(quantity);
  if (pages) await officer.getByTestId("line-pages").fill(pages);
}

test("the six steps: dossier, QR on both screens, simulated bank payment, receipt", async ({ browser }) => {
  const { officer, kiosk } = await screens(browser);
  await kiosk.screenshot({ path: `${artifacts}/kiosk-1-idle.png` });

  await enterDossier(officer, "chung thuc ban sao", "3", "5");
  // docs/domain.md §3: 3 copies × 5 pages = 21.000đ, computed live before anything is sent.
  await expect(officer.getByTestId("form-total")).toHaveText("21.000 đ");
  await officer.getByTestId("create-qr").click();

  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-amount")).toHaveText("21.000 đ");
  await expect(kiosk.getByText("Hai mươi mốt nghìn đồng")).toBeVisible();
  await expect(kiosk.getByTestId("kiosk-qr").locator("svg")).toBeVisible();
  const payload = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");
  expect(payload).toMatch(/^000201010212/);
  expect(payload).toContain("5405" + "21000");
  // Step 4 on both screens: the officer's PC shows the same scannable symbol, from the same payload.
  const officerQr = officer.getByTestId("officer-qr");
  await expect(officerQr.locator("svg")).toBeVisible();
  expect(await officerQr.getAttribute("data-payload")).toEqual(payload);
  const box = await officerQr.locator("svg").boundingBox();
  expect(box?.width ?? 0).toBeGreaterThanOrEqual(180);
  expect(await officerQr.locator("svg").innerHTML()).toEqual(await kiosk.getByTestId("kiosk-qr").locator("svg").innerHTML());
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^WP[0-9A-Z]{9}$/);
  await expect(kiosk.getByTestId("kiosk-purpose")).toContainText(code);
  await kiosk.screenshot({ path: `${artifacts}/kiosk-2-qr.png` });
  await officer.screenshot({ path: `${artifacts}/officer-qr.png` });

  // Step 5 without a bank: the demo control goes through the signed SePay intake.
  await officer.getByTestId("simulate-payment").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "success");
  await expect(kiosk.getByRole("heading", { name: "Thanh toán thành công" })).toBeVisible();
  await expect(kiosk.getByTestId("kiosk-receipt")).toHaveText(/^\d\dTAA 0000001$/);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await kiosk.screenshot({ path: `${artifacts}/kiosk-3-success.png` });

  // The receipt, linked from the officer's screen, says what the law asks.
  const href = await officer.getByTestId("officer-receipt").getAttribute("href");
  const receipt = await officer.context().newPage();
  await receipt.goto(`${server.url}${href}`);
  await expect(receipt.getByTestId("receipt-number")).toHaveText("0000001");
  await expect(receipt.getByTestId("receipt-total")).toHaveText("21.000 đ");
  await expect(receipt.getByTestId("receipt-words")).toHaveText("Hai mươi mốt nghìn đồng");
  await expect(receipt.getByTestId("receipt-payer")).toHaveText("Nguyễn Văn An");
  await expect(receipt.locator("[data-signature-valid]")).toHaveAttribute("data-signature-valid", "true");
  await receipt.screenshot({ path: `${artifacts}/receipt.png`, fullPage: true });

  // The queue shows the dossier as receipted.
  await expect(officer.getByTestId("queue").locator("tbody tr")).toHaveCount(1);
  await expect(officer.getByTestId("queue").locator(".badge").first()).toHaveAttribute("data-status", "receipt_issued");
});

test("cancel and re-issue: the kiosk never shows a stale code", async ({ browser }) => {
  const { officer, kiosk } = await screens(browser);
  await enterDossier(officer, "CHỨNG THỰC CHỮ KÝ", "1");
  await officer.getByTestId("create-qr").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  const first = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");

  await officer.getByTestId("cancel-payment").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "cancelled");
  await kiosk.screenshot({ path: `${artifacts}/kiosk-4-cancelled.png` });
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "cancelled");

  await officer.getByTestId("reissue-payment").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  const second = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");
  expect(second).not.toEqual(first);

  // Reloading the kiosk mid-flow shows the current code at once.
  await kiosk.reload();
  await ready(kiosk);
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  expect(await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload")).toEqual(second);
});

test("bad input gets clear messages, and a double click issues one code", async ({ browser }) => {
  const { officer, kiosk } = await screens(browser);
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("form-error")).toContainText("họ tên");
  await officer.getByTestId("applicant").fill("Trần Thị Bình");
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("form-error")).toContainText("thủ tục");
  await officer.getByTestId("procedure-search").fill("khong co thu tuc nay");
  await expect(officer.getByTestId("procedure-results")).toContainText("Không tìm thấy");
  await officer.getByTestId("procedure-search").fill("chung thuc hop dong");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("line-quantity").fill("0");
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("form-error")).toContainText("số lượng");
  await officer.getByTestId("line-quantity").fill("1");
  await officer.getByTestId("create-qr").dblclick();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(officer.getByTestId("queue").locator("tbody tr")).toHaveCount(1);
});

test("a free procedure is recorded without a QR and the kiosk stays idle", async ({ browser }) => {
  const { officer, kiosk } = await screens(browser);
  await enterDossier(officer, "ket hon", "1");
  await expect(officer.getByTestId("form-total")).toHaveText("0 đ");
  await expect(officer.getByTestId("create-qr")).toHaveText("Ghi nhận (miễn phí)");
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("form-notice")).toBeVisible();
  await expect(officer.getByTestId("queue").locator(".badge").first()).toHaveAttribute("data-status", "free");
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "idle");
});
