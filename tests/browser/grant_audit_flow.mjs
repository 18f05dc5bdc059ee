// The grant and audit pages in a real browser (Debian's Chromium, driven by playwright-core): a
// group with a decided grant requests an advance (first above the cap, then within it), saves its
// settlement report pre-filled from the budget and opens the change form; an auditor filters the
// log, reads a timeline and the state as of an instant. Every page type visited is checked with
// axe-core (no serious or critical violation) and no page may trip its Content-Security-Policy; a
// screenshot of each goes to target/screenshots/.
//
//   node tests/browser/grant_audit_flow.mjs http://127.0.0.1:PORT
//
// The service must hold a decided grant of 286,000 yen for grant-member@example.jp and an auditor
// auditor@example.jp (password "correct horse battery staple"); tests/tests/browser.rs seeds them.

import { harness, today } from "./harness.mjs";

const h = await harness("grant_audit_flow.mjs", "");
const { check } = h;
const { page } = await h.person("member");
const accessible = (name) => h.accessible(page, name);
const shot = (name) => h.shot(page, name);
const visit = (path) => h.visit(page, path);
const signIn = (email) => h.signIn(page, email);

await h.run(async () => {
  // The group's grant.
  await signIn("grant-member@example.jp");
  check(new URL(page.url()).pathname === "/my", "the member signs in to the dashboard");
  check(await page.getByRole("heading", { name: "交付決定" }).isVisible(), "the dashboard lists the grants");
  await page.locator("section[aria-labelledby=my-grants] table a").first().click();
  check(/^\/grants\/[0-9a-f-]+$/.test(new URL(page.url()).pathname), "the grant has its own page");
  const grantPath = new URL(page.url()).pathname;
  check((await page.locator("#decided-amount").textContent()) === "¥286,000", "the decided amount is shown in yen");
  await accessible("grant");
  await shot("grant");

  // Rule 7: above the cap, then within it.
  await page.getByLabel("請求額（円）").fill("228801");
  await page.getByRole("button", { name: "概算払を請求する" }).click();
  check(await page.locator("#e-amount").isVisible(), "the advance cap is shown beside the amount");
  check((await page.getByLabel("請求額（円）").inputValue()) === "228801", "the typed amount is kept");
  await accessible("grant with errors");
  await shot("grant-advance-refused");
  await page.getByLabel("請求額（円）").fill("228800");
  await page.getByRole("button", { name: "概算払を請求する" }).click();
  check(await page.getByText("概算払を請求しました").isVisible(), "the advance is requested");

  // The settlement report, pre-filled from the budget.
  await page.getByRole("link", { name: "実績報告を作成・提出する" }).click();
  check((await page.getByLabel("支出の内容（1行目）").inputValue()) === "会場使用料", "the report starts from the budget");
  await accessible("settlement report");
  await page.getByLabel("単価（円）（1行目）").fill("350000");
  await page.getByLabel("領収日（1行目）").fill(today());
  await page.getByLabel("領収書番号（1行目）").fill("R-001");
  await page.getByLabel("事業の成果").fill("全10回の観察会に延べ250人が参加した。");
  await page.getByLabel("参加者数（延べ人数）").fill("250");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  check(await page.getByText("保存しました").isVisible(), "the report is saved");
  check((await page.getByLabel("単価（円）（1行目）").inputValue()) === "350000", "the saved report shows the actual amount");
  await accessible("saved settlement report");
  await shot("settlement-report");

  // The change request form.
  await visit(`${grantPath}/change`);
  check(await page.getByLabel("変更の理由").isVisible(), "the change form asks for a reason");
  await accessible("change request");
  await shot("change-request");
  await page.getByRole("button", { name: "ログアウト" }).click();

  // The auditor.
  await signIn("auditor@example.jp");
  check(new URL(page.url()).pathname === "/audit", "the auditor signs in to the log");
  check(await page.getByText("改ざんは検出されませんでした").isVisible(), "the chain's verification is shown");
  await accessible("audit log");
  await shot("audit-log");
  await page.getByLabel("対象の種類").selectOption("grant");
  await page.getByRole("button", { name: "絞り込む" }).click();
  check(await page.getByText("概算払の請求").first().isVisible(), "the grant events are listed");
  await accessible("filtered audit log");
  await page.locator("#events tbody a").first().click();
  check(/\/audit\/streams\/grant\//.test(page.url()), "a grant's timeline opens");
  check(await page.locator("#timeline li").first().isVisible(), "the timeline lists the events");
  await accessible("timeline");
  await shot("audit-timeline");
  // A minute ahead: the datetime-local value drops the seconds, and the application may be younger.
  const now = new Date(Date.now() + 9 * 3600 * 1000 + 60 * 1000).toISOString().slice(0, 16);
  await page.getByLabel("日時（日本時間）").fill(now);
  await page.getByRole("button", { name: "この時点の状態を表示" }).click();
  check(await page.locator("#as-of").isVisible(), "the state as of the instant is shown");
  await accessible("as of");
  await shot("audit-as-of");
});
