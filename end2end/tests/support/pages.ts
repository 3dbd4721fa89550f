import { expect, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";

/** Waits until the page is hydrated (clicks on dead server HTML would be lost) and live. */
export async function ready(page: Page, opts: { live?: boolean } = {}): Promise<void> {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  if (opts.live ?? true) await expect(page.locator(".conn").first()).toHaveAttribute("data-conn", "live");
}

export const artifacts = process.env.E2E_ARTIFACTS ?? "test-results/screens";

export const DEMO_PASSWORD = "wardpay-demo";

/** Demo accounts (see app::backend::auth::DEMO_ACCOUNTS). */
export const USERS = { admin: "admin", officer: "canbo", supervisor: "truongbp", support: "hotro", accountant: "ketoan" } as const;

/** Signs `ctx` in as `username` through the sign-in endpoint (the cookie lands in the context). */
export async function signIn(ctx: BrowserContext | APIRequestContext, url: string, username: string): Promise<void> {
  const req = "request" in ctx ? ctx.request : ctx;
  const r = await req.post(`${url}/api/login`, {
    form: { username, password: DEMO_PASSWORD },
    headers: { Origin: url },
  });
  expect(r.status(), `sign in as ${username}`).toBe(200);
}

/**
 * Pairs the kiosk browser `ctx` with `counter` the way a ward does it: the kiosk asks for a
 * code, an admin enters it. Returns the code.
 */
export async function pairKiosk(ctx: BrowserContext, url: string, counter = 1): Promise<string> {
  const r = await ctx.request.post(`${url}/api/kiosk_pairing_start`, {
    form: { counter_id: String(counter) },
    headers: { Origin: url },
  });
  expect(r.status()).toBe(200);
  const code = (await r.json()).Pairing.code as string;
  const admin = await request.newContext();
  await signIn(admin, url, USERS.admin);
  const p = await admin.post(`${url}/api/admin_pair_kiosk`, {
    form: { code, label: `Kiosk ${counter}` },
    headers: { Origin: url },
  });
  expect(p.status(), await p.text()).toBe(200);
  await admin.dispose();
  return code;
}

/** The two screens of a counter, each in its own browser: the officer signed in on `/`, a
 *  paired kiosk (1920×1080) on `/kiosk/<counter>`, both hydrated and live. The officer's
 *  window keeps Playwright's default size unless `officerViewport` is given. */
export async function counterScreens(
  browser: Browser,
  url: string,
  opts: { counter?: number; officerViewport?: { width: number; height: number } } = {},
): Promise<{ officerCtx: BrowserContext; kioskCtx: BrowserContext; officer: Page; kiosk: Page }> {
  const counter = opts.counter ?? 1;
  const officerCtx = await browser.newContext(opts.officerViewport ? { viewport: opts.officerViewport } : {});
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await signIn(officerCtx, url, USERS.officer);
  await pairKiosk(kioskCtx, url, counter);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${url}/`);
  await kiosk.goto(`${url}/kiosk/${counter}`);
  await ready(officer);
  await ready(kiosk);
  return { officerCtx, kioskCtx, officer, kiosk };
}
