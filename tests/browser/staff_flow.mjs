// The staff pages in a real browser (Debian's Chromium, driven by playwright-core), on the demo
// data: the dashboard, a round's settings, screening, the committee, the ranking, the decisions,
// one decision's form, a grant, the new-account form, the new-round form and the year's figures (also
// on a phone), each checked with axe-core (no serious or
// critical violation) with no Content-Security-Policy violation; forms refused by the API are
// checked too (the message beside the field, the typed values kept). Screenshots of each page type
// go to target/screenshots/staff-*.png.
//
//   node tests/browser/staff_flow.mjs http://127.0.0.1:PORT
//
// Signs in as the demo's staff account (staff@demo.example.jp). Exits 0 when everything holds;
// tests/tests/browser.rs runs it against a freshly seeded service.

import { harness } from "./harness.mjs";

const h = await harness("staff_flow.mjs", "staff-");
const { check } = h;
const { page, context } = await h.person("staff");
const accessible = (name) => h.accessible(page, name);
const shot = (name) => h.shot(page, name);
const visit = (path) => h.visit(page, path);

/** A page type: visit, check it answers 200 in Japanese, run axe, take a screenshot. */
async function pageType(name, path) {
  const status = await visit(path);
  check(status === 200, `${name}: ${path} answers 200 (${status})`);
  check((await page.getAttribute("html", "lang")) === "ja", `${name}: lang="ja"`);
  await accessible(name);
  await shot(name);
}

await h.run(async () => {
  // Sign in as staff: the sign-in leads to the dashboard.
  await visit("/login");
  await page.getByLabel("メールアドレス").fill("staff@demo.example.jp");
  await page.getByLabel("パスワード").fill("demo-password-2026");
  await page.getByRole("button", { name: "ログイン" }).click();
  check(new URL(page.url()).pathname === "/staff", "staff land on /staff");
  await accessible("dashboard");
  await shot("dashboard");

  // The demo's rounds, newest first: the open call, then the finished round.
  const rounds = await page.$$eval("#rounds tbody tr td:first-child a", (links) =>
    links.map((a) => a.getAttribute("href")),
  );
  check(rounds.length >= 2, `the dashboard lists the rounds (${rounds.length})`);
  const [open, finished] = rounds;

  // The work queue counts each kind of work (issue 15), and the searchable lists filter.
  check((await page.locator("#work-queue tbody tr").count()) === 7, "the work queue lists every kind of work");
  await h.onPhone(page, "dashboard");
  await page.setViewportSize({ width: 1280, height: 900 });
  await pageType("applications", "/staff/applications");
  await page.getByLabel("状況").selectOption("awarded");
  await page.getByRole("button", { name: "絞り込む" }).click();
  check(new URL(page.url()).searchParams.get("status") === "awarded", "the application list filters by status");
  await h.onPhone(page, "applications");
  await page.setViewportSize({ width: 1280, height: 900 });
  await pageType("grants", "/staff/grants");
  check((await page.locator("#grant-list tbody tr").count()) >= 1, "the grant list shows the demo's grants");
  await h.onPhone(page, "grants");
  await page.setViewportSize({ width: 1280, height: 900 });

  await pageType("round", open);
  check(await page.getByText("審査基準").first().isVisible(), "a round shows its criteria");
  check(await page.locator("#remaining-budget").isVisible(), "a round shows its remaining budget");

  await pageType("screening", `${open}/screening`);
  const application = await page.locator("table a").first().getAttribute("href");
  await pageType("application", application);
  // Returning without a reason: the API's message beside the reason field.
  await page.getByRole("button", { name: "差し戻す（修正を依頼）" }).click();
  check(await page.locator("#e-reason").isVisible(), "a return without a reason is refused beside the field");
  await accessible("application refused");
  await shot("application-refused");

  await pageType("committee", `${open}/committee`);
  await pageType("ranking", `${finished}/ranking`);
  check(await page.locator("#ranking").isVisible(), "the finished round's ranking is shown");
  await pageType("decisions", `${finished}/decisions`);
  check(await page.locator("#remaining-budget").isVisible(), "the decisions show the remaining budget");
  const grant = await page.locator("#decisions a[href^='/staff/grants/']").first().getAttribute("href");
  await pageType("decision", `${open}/decisions/${application.split("/").pop()}`);
  check(await page.getByRole("button", { name: "交付を決定する" }).isVisible(), "the decision form is offered");
  await pageType("grant", grant);
  check((await page.locator("#grant-status").textContent()) === "完了", "the demo's finished grant is closed");
  // A payment on a closed grant: the API refuses it, the amount typed stays.
  await page.getByLabel("支払額（円）").fill("1000");
  await page.getByRole("button", { name: "支払を記録する" }).click();
  check((await page.getByLabel("支払額（円）").inputValue()) === "1000", "the amount typed is kept");
  check(await page.locator("div.errors").first().isVisible(), "the refusal is shown");
  await accessible("grant refused");
  await shot("grant-refused");

  // The session ends while a reason is typed: the page keeps it and asks for the password.
  await visit(application);
  await page.getByLabel(/^理由/).fill("収支予算書の内訳を追記してください");
  await context.clearCookies({ name: "grants_session" });
  await page.getByRole("button", { name: "差し戻す（修正を依頼）" }).click();
  check(await page.getByText("収支予算書の内訳を追記してください").isVisible(), "what was typed is kept after the session ended");
  check(await page.getByLabel("パスワード").isVisible(), "the page asks for the password again");
  await accessible("resubmit");
  await shot("resubmit");
  await page.getByLabel("メールアドレス").fill("staff@demo.example.jp");
  await page.getByLabel("パスワード").fill("demo-password-2026");
  await page.getByRole("button", { name: "送信する" }).click();
  check(new URL(page.url()).pathname.endsWith("/screening"), "signing in on the page sends the screening");

  await pageType("new-user", "/staff/users/new");
  await page.getByLabel("氏名").fill("審査 二郎");
  await page.getByLabel("メールアドレス").fill(`jiro-${Date.now()}@example.jp`);
  await page.getByLabel("初期パスワード").fill("browser-reviewer-password-2026");
  await page.getByRole("button", { name: "アカウントを作成する" }).click();
  check(/^[0-9a-f-]{36}$/.test(((await page.locator("#new-user-id").textContent()) ?? "").trim()), "the new account's id is shown");
  await accessible("new user opened");
  await shot("new-user-opened");

  await pageType("new-round", "/staff/rounds/new");
  await page.getByLabel("募集の名称").fill("ブラウザで開く募集回");
  await page.getByLabel("予算額（円）").fill("100000");
  await page.getByLabel("受付締切（日本時間）").fill("2099-03-31T17:00");
  await page.getByRole("button", { name: "募集回を開設する" }).click();
  check(await page.locator("#e-cap").isVisible(), "a cap above the budget is refused beside the cap");
  check((await page.getByLabel("募集の名称").inputValue()) === "ブラウザで開く募集回", "the title typed is kept");
  await accessible("new round refused");
  await shot("new-round-refused");

  // The year's figures (issue 16): the demo's rounds per fiscal year and course, from the menu, on
  // a desktop and on a phone.
  await page.getByRole("link", { name: "年度の実績" }).first().click();
  check(new URL(page.url()).pathname === "/staff/figures", "the menu leads to the year's figures");
  await pageType("figures", "/staff/figures");
  check(await page.locator("main table").first().isVisible(), "the figures are shown per course");
  check((await page.locator("a[href='/staff/figures.csv']").count()) === 1, "the CSV is offered");
  await h.onPhone(page, "figures");
});
