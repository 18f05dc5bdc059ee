// What every browser script shares: Debian's Chromium through playwright-core, one browser
// context (cookie jar) per person, the checks printed as they run, axe-core (no serious or critical
// violation), no Content-Security-Policy violation and no script error on any page, screenshots in
// target/screenshots/ (or $GRANTS_SCREENSHOTS), and the exit code: 0 when every check held.
//
//   const h = await harness("staff_flow.mjs", "staff-");
//   const { page } = await h.person("staff");
//   await h.run(async () => { ...h.check(...), await h.accessible(page, "dashboard") ... });

import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The test accounts' password (tests/src/lib.rs TEST_PASSWORD). */
export const TEST_PASSWORD = "correct horse battery staple";

/** Japan's date today, 2026-11-25 (read when used: a run may cross midnight in Japan). */
export const today = () => new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);

/**
 * Starts Chromium for `script` (its name, for the usage line), whose screenshots are named
 * `${prefix}${name}.png`. Reads the base URL from argv[2] and, when `withArgument`, a JSON argument
 * from argv[3].
 */
export async function harness(script, prefix = "", { withArgument = false } = {}) {
  const base = process.argv[2];
  const argument = process.argv[3] ? JSON.parse(process.argv[3]) : null;
  if (!base || (withArgument && !argument)) {
    console.error(`usage: node ${script} <base-url>${withArgument ? " <json>" : ""}`);
    process.exit(2);
  }
  const shots = process.env.GRANTS_SCREENSHOTS || resolve(here, "../../target/screenshots");
  mkdirSync(shots, { recursive: true });
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: process.env.GRANTS_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const failures = [];
  const cspViolations = [];
  const people = [];

  function check(condition, what) {
    if (!condition) failures.push(what);
    console.log(`${condition ? "ok  " : "FAIL"} ${what}`);
  }

  /** One person: their own browser context (cookie jar) and page, watched for CSP and script errors. */
  async function person(name) {
    const context = await browser.newContext({
      locale: "ja-JP",
      timezoneId: "Asia/Tokyo",
      viewport: { width: 1200, height: 900 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${name}: ${message.text()}`);
    });
    page.on("pageerror", (error) => failures.push(`${name}: script error: ${error.message}`));
    page.on("dialog", (dialog) => dialog.accept());
    const who = { name, context, page };
    people.push(who);
    return who;
  }

  /** axe-core on the current page: no serious or critical violation. */
  async function accessible(page, name) {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const result = await axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      }));
    });
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of serious) console.log(`     ${name}: ${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(", ")}`);
    check(serious.length === 0, `${name}: no serious or critical accessibility violation (axe-core)`);
  }

  /**
   * The current page on a phone (390×844, issue 15 finding 6): nothing wider than the screen, and
   * axe-core still content. Leaves the viewport at phone size.
   */
  async function onPhone(page, name) {
    await page.setViewportSize({ width: 390, height: 844 });
    const { scroll, inner } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    check(scroll <= inner, `${name} at 390×844: no horizontal overflow (${scroll} px <= ${inner} px)`);
    await accessible(page, `${name} at 390×844`);
    await shot(page, `phone-${name}`);
  }

  async function shot(page, name) {
    await page.screenshot({ path: join(shots, `${prefix}${name}.png`), fullPage: true });
  }

  /** Opens `path` and answers its HTTP status. */
  async function visit(page, path) {
    const response = await page.goto(new URL(path, base).href);
    return response.status();
  }

  async function signIn(page, email, password = TEST_PASSWORD) {
    await visit(page, "/login");
    await page.getByLabel("メールアドレス").fill(email);
    await page.getByLabel("パスワード").fill(password);
    await page.getByRole("button", { name: "ログイン" }).click();
  }

  /** Runs the flow, then reports: a broken flow or any failed check exits 1. */
  async function run(flow) {
    try {
      await flow();
    } catch (error) {
      failures.push(`the flow broke: ${error.stack ?? error}`);
      for (const who of people) {
        try {
          await shot(who.page, `failure-${who.name}`);
        } catch {}
      }
    } finally {
      await browser.close();
    }
    for (const violation of cspViolations) failures.push(`CSP violation: ${violation}`);
    const seconds = Math.round((Date.now() - started) / 1000);
    if (failures.length) {
      console.error(`\n${failures.length} failure(s) after ${seconds} s:\n- ${failures.join("\n- ")}`);
      process.exit(1);
    }
    console.log(`\nall checks passed in ${seconds} s; screenshots in ${shots}`);
  }

  return { base, argument, check, person, accessible, onPhone, shot, visit, signIn, run };
}
