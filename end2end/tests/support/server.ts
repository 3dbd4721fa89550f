import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const cacheTarget = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache", "wardpay-target");
// The debug server the Rust tests build (make test); WARDPAY_BIN picks another.
const BIN = process.env.WARDPAY_BIN ?? path.join(cacheTarget, "debug", "wardpay");
const SITE_ROOT = process.env.LEPTOS_SITE_ROOT ?? path.join(cacheTarget, "site");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A real `wardpay` binary on a free port with its own temporary SQLite database, or the
 *  database given as DATABASE_URL in `extraEnv` (several servers may share a PostgreSQL one). */
export class WardPayServer {
  private proc?: ChildProcess;
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly extraEnv: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(extraEnv: Record<string, string> = {}): Promise<WardPayServer> {
    if (!fs.existsSync(BIN)) throw new Error(`wardpay binary not found at ${BIN}; run make build`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wardpay-e2e-"));
    const s = new WardPayServer(await freePort(), dir, extraEnv);
    await s.launch();
    return s;
  }

  async launch(): Promise<void> {
    this.proc = spawn(BIN, ["--demo"], {
      env: {
        ...process.env,
        DATABASE_URL: this.databaseUrl,
        WARDPAY_BIND: `127.0.0.1:${this.port}`,
        LEPTOS_SITE_ROOT: SITE_ROOT,
        WARDPAY_LOG: "info,tower_http=warn",
        ...this.extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 500) this.output.shift();
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`wardpay exited early:\n${this.output.join("")}`);
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`wardpay did not become ready:\n${this.output.join("")}`);
  }

  /** SIGTERM and wait: the graceful path. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    await exited;
  }

  /** SIGSTOP: the server is there but silent, as when a kiosk's cable is pulled (no socket closes). */
  freeze(): void {
    this.proc?.kill("SIGSTOP");
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.proc?.kill("SIGCONT");
  }

  /** SIGKILL: the crash path. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGKILL");
    await exited;
  }

  /** The database this server uses: its own SQLite file unless DATABASE_URL was given. */
  get databaseUrl(): string {
    return this.extraEnv.DATABASE_URL ?? `sqlite://${path.join(this.dir, "e2e.sqlite")}`;
  }

  /** Runs a `wardpay` subcommand against this server's database; returns its output. */
  cli(args: string[]): string {
    const r = spawnSync(BIN, args, {
      env: { ...process.env, DATABASE_URL: this.databaseUrl, WARDPAY_LOG: "warn" },
      encoding: "utf8",
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`wardpay ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** An underpaid SePay notification (half of `due`) for `code` through `wardpay simulate-bank`. */
  cliSepay(code: string, secret: string, due: number): string {
    return this.cliSepayScenario("underpaid", code, secret, due);
  }

  /** A signed SePay notification of `scenario` (`exact`, `underpaid`, `unknown-code`…) for `amount`. */
  cliSepayScenario(scenario: string, code: string, secret: string, amount: number): string {
    return this.cli([
      "simulate-bank", "--url", this.url, "--provider", "sepay", "--secret", secret,
      "--scenario", scenario, "--code", code, "--amount", String(amount), "--account", "113366668888",
    ]);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const POSTGRES = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A schema of its own in the test PostgreSQL, for servers that share it; drop() removes it. */
export class PostgresSchema {
  private constructor(readonly name: string) {}

  static create(): PostgresSchema {
    const name = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    psql(`CREATE SCHEMA ${name}`);
    return new PostgresSchema(name);
  }

  /** The URL a server uses: the test database with this schema first on its search path. */
  get url(): string {
    const sep = POSTGRES.includes("?") ? "&" : "?";
    return `${POSTGRES}${sep}options=-c%20search_path%3D${this.name}`;
  }

  drop(): void {
    psql(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
  }
}

function psql(sql: string): void {
  const r = spawnSync("psql", [POSTGRES, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`psql failed (is PostgreSQL at ${POSTGRES}?): ${r.stderr || r.error}`);
}
