import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, counterScreens, pairKiosk, ready, signIn, USERS } from "./support/pages";
import { expectAccessible } from "./support/a11y";

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

test("officer and kiosk stay in step, and the kiosk survives a server restart", async ({ browser }) => {
  const { officerCtx, kioskCtx, officer, kiosk } = await counterScreens(browser, server.url);
  await expect(kiosk.locator("[data-kiosk-state]")).toHaveAttribute("data-kiosk-state", "idle");
  await expect(kiosk.getByRole("heading", { name: "Vui lòng chờ" })).toBeVisible();

  // A change on the officer's screen reaches the kiosk without reload.
  await officer.getByTestId("toggle-counter").click();
  await expect(officer.locator(".counter-status .badge")).toHaveAttribute("data-status", "paused");
  await expect(kiosk.locator("[data-kiosk-state]")).toHaveAttribute("data-kiosk-state", "paused");
  await expect(kiosk.getByRole("heading", { name: "Quầy tạm nghỉ" })).toBeVisible();
  await kiosk.screenshot({ path: `${artifacts}/kiosk-paused.png` });

  // The server goes away: the kiosk says so...
  await server.stop();
  await expect(kiosk.locator(".conn")).toHaveAttribute("data-conn", "reconnecting");
  // ...and comes back: the kiosk reconnects by itself, with no reload, and shows the state
  // as it is now (changed while the kiosk was away or just after), not what it had before.
  await server.launch();
  // Sessions and kiosk pairings are stored: both survive the restart.
  const r = await officerCtx.request.post(`${server.url}/api/set_counter_status`, {
    form: { counter_id: "1", status: "open" },
    headers: { Origin: server.url },
  });
  expect(r.status()).toBe(200);
  await expect(kiosk.locator(".conn")).toHaveAttribute("data-conn", "live", { timeout: 20_000 });
  await expect(kiosk.locator("[data-kiosk-state]")).toHaveAttribute("data-kiosk-state", "idle");
  await expect(officer.locator(".conn")).toHaveAttribute("data-conn", "live", { timeout: 20_000 });
  await expect(officer.locator(".counter-status .badge")).toHaveAttribute("data-status", "open");
  await kiosk.screenshot({ path: `${artifacts}/kiosk-idle.png` });
  await officer.screenshot({ path: `${artifacts}/officer.png` });

  await officerCtx.close();
  await kioskCtx.close();
});

test("the kiosk's first load is its own bundle, gzipped, at most 250 KB; the staff screens load the whole app", async ({ browser }) => {
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await pairKiosk(kioskCtx, server.url, 1);
  const kiosk = await kioskCtx.newPage();
  const loaded: { path: string; encoding: string; bytes: number }[] = [];
  kiosk.on("requestfinished", async (req) => {
    const path = new URL(req.url()).pathname;
    if (!path.startsWith("/pkg/")) return;
    const resp = await req.response();
    const sizes = await req.sizes();
    loaded.push({ path, encoding: (await resp?.allHeaders())?.["content-encoding"] ?? "", bytes: sizes.responseBodySize });
  });
  await kiosk.goto(`${server.url}/kiosk/1`);
  await ready(kiosk);
  await expect(kiosk.locator("[data-kiosk-state]")).toHaveAttribute("data-kiosk-state", "idle");
  const paths = loaded.map((l) => l.path);
  expect(paths).toContain("/pkg/wardpay-kiosk_bg.wasm");
  expect(paths).toContain("/pkg/wardpay-kiosk.js");
  expect(paths).not.toContain("/pkg/wardpay_bg.wasm");
  for (const l of loaded) expect(l.encoding, `${l.path} travels compressed`).toBe("gzip");
  // What the citizen's screen downloads to come alive: its wasm and the script that loads it,
  // as they travel (the same budget scripts/wasm-budget.sh checks on every build).
  const bundle = loaded.filter((l) => l.path === "/pkg/wardpay-kiosk_bg.wasm" || l.path === "/pkg/wardpay-kiosk.js");
  expect(bundle).toHaveLength(2);
  const firstLoad = bundle.reduce((sum, l) => sum + l.bytes, 0);
  expect(firstLoad).toBeGreaterThan(0);
  expect(firstLoad).toBeLessThanOrEqual(250_000);
  await kioskCtx.close();

  const officerCtx = await browser.newContext();
  await signIn(officerCtx, server.url, USERS.officer);
  const officer = await officerCtx.newPage();
  const officerLoads: string[] = [];
  officer.on("request", (req) => officerLoads.push(new URL(req.url()).pathname));
  await officer.goto(`${server.url}/`);
  await ready(officer);
  expect(officerLoads).toContain("/pkg/wardpay_bg.wasm");
  await officerCtx.close();
});

test("an unknown counter is a clear 404 page", async ({ page }) => {
  const resp = await page.goto(`${server.url}/kiosk/999`);
  expect(resp?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Quầy không tồn tại" })).toBeVisible();
});

test("the language switch turns the screens to English and is remembered", async ({ page, context }) => {
  await signIn(context, server.url, USERS.supervisor);
  await page.goto(`${server.url}/stats`);
  await ready(page);
  await expect(page.getByRole("heading", { name: "Thống kê phường" })).toBeVisible();
  await page.locator('.lang-switch button[data-lang="en"]').click();
  await expect(page.getByRole("heading", { name: "Ward statistics" })).toBeVisible();
  await page.reload();
  await ready(page);
  await expect(page.getByRole("heading", { name: "Ward statistics" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.screenshot({ path: `${artifacts}/stats-en.png` });
});

test("a kiosk whose network goes silent says so within 5 s and hides the code; a new build reloads it", async ({ browser }) => {
  const officerCtx = await browser.newContext();
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await signIn(officerCtx, server.url, USERS.officer);
  await pairKiosk(kioskCtx, server.url, 1);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${server.url}/`);
  await kiosk.goto(`${server.url}/kiosk/1`);
  await ready(officer);
  await ready(kiosk, { live: true });
  const state = kiosk.locator("[data-kiosk-state]");
  await officer.getByTestId("applicant").fill("Trần Văn Bình");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-qr")).toBeVisible();

  // The server stops answering but no socket closes (a pulled cable looks like this): within
  // 5 s the kiosk says it is offline, and the code is no longer on screen.
  server.freeze();
  try {
    await expect(state).toHaveAttribute("data-kiosk-state", "offline", { timeout: 5_000 });
    await expect(kiosk.getByTestId("kiosk-qr")).toHaveCount(0);
    await expect(kiosk.getByTestId("kiosk-offline")).toBeVisible();
    await kiosk.screenshot({ path: `${artifacts}/kiosk-offline.png` });
    // axe runs in the page itself: it needs nothing of the frozen server.
    await expectAccessible(kiosk, "kiosk: offline [vi]");
  } finally {
    server.thaw();
  }
  await expect(state).toHaveAttribute("data-kiosk-state", "qr", { timeout: 20_000 });

  // A new build is deployed: the open kiosk reloads itself and carries the new build.
  await kiosk.evaluate(() => ((window as unknown as { servedBefore: boolean }).servedBefore = true));
  server.extraEnv.WARDPAY_BUILD_ID = "e2e-next-build";
  await server.restart();
  await expect(kiosk.locator('meta[name="wardpay-build"]')).toHaveAttribute("content", "e2e-next-build", { timeout: 20_000 });
  expect(await kiosk.evaluate(() => (window as unknown as { servedBefore?: boolean }).servedBefore)).toBeUndefined();
  await expect(state).toHaveAttribute("data-kiosk-state", "qr", { timeout: 20_000 });
  delete server.extraEnv.WARDPAY_BUILD_ID;
  // Leave the counter free for the next test.
  await ready(officer);
  await officer.getByTestId("cancel-payment").click();
  await expect(state).toHaveAttribute("data-kiosk-state", "cancelled");

  await officerCtx.close();
  await kioskCtx.close();
});

test("the kiosk chimes when a payment succeeds, unless the admin turned the chime off", async ({ browser }) => {
  const officerCtx = await browser.newContext();
  const adminCtx = await browser.newContext();
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  // Count the tones the page starts (Web Audio, no file): the real AudioContext, observed.
  await kioskCtx.addInitScript(() => {
    const w = window as unknown as { chimes: number; AudioContext: typeof AudioContext };
    w.chimes = 0;
    const Real = w.AudioContext;
    w.AudioContext = class extends Real {
      createOscillator(): OscillatorNode {
        w.chimes += 1;
        return super.createOscillator();
      }
    };
  });
  await signIn(officerCtx, server.url, USERS.officer);
  await signIn(adminCtx, server.url, USERS.admin);
  await pairKiosk(kioskCtx, server.url, 1);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${server.url}/`);
  await kiosk.goto(`${server.url}/kiosk/1`);
  await ready(officer);
  await ready(kiosk, { live: true });
  const state = kiosk.locator("[data-kiosk-state]");
  const pay = async (name: string) => {
    await expect(state).toHaveAttribute("data-kiosk-state", "idle", { timeout: 30_000 });
    await officer.getByTestId("applicant").fill(name);
    await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
    await officer.getByTestId("procedure-search").press("Enter");
    await officer.getByTestId("create-qr").click();
    await expect(state).toHaveAttribute("data-kiosk-state", "qr");
    await officer.getByTestId("simulate-payment").click();
    await expect(state).toHaveAttribute("data-kiosk-state", "success");
  };
  const chimes = () => kiosk.evaluate(() => (window as unknown as { chimes: number }).chimes);
  expect(await chimes()).toBe(0);
  await pay("Phạm Thị Dung");
  await expect.poll(chimes).toBeGreaterThan(0);

  // The admin turns it off; the kiosk, opened again, stays quiet on the next success.
  const admin = await adminCtx.newPage();
  await admin.goto(`${server.url}/admin`);
  await ready(admin, { live: false });
  await admin.getByTestId("ward-kiosk-chime").uncheck();
  await admin.getByTestId("ward-save").click();
  await expect(admin.getByTestId("ward-ok")).toBeVisible();
  await kiosk.reload();
  await ready(kiosk, { live: true });
  await pay("Hoàng Văn Em");
  await kiosk.waitForTimeout(500);
  expect(await chimes()).toBe(0);
  await admin.getByTestId("ward-kiosk-chime").check();
  await admin.getByTestId("ward-save").click();
  await expect(admin.getByTestId("ward-ok")).toBeVisible();

  await officerCtx.close();
  await adminCtx.close();
  await kioskCtx.close();
});
