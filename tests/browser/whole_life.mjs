// The whole life of one grant in a real browser (Debian's Chromium, driven by playwright-core),
// every step through the pages and none through the API: staff open a round and appoint the
// committee; a citizen registers, registers a group, applies; staff screen it; each reviewer
// declares no conflict, scores and seals; staff close scoring, fix the ranking and decide the
// award; the group downloads its 交付決定通知書 (PDF), requests an advance, staff pay it, the group files its settlement report
// with a receipt attached to its expense line; staff
// accept it (額の確定) and pay the remainder; an anonymous visitor sees the award with its finalised
// amount. Each person has their own browser context (cookie jar). Every page type visited is
// checked with axe-core (no serious or critical violation) and no page may trip its
// Content-Security-Policy; screenshots go to target/screenshots/life-*.png.
//
//   node tests/browser/whole_life.mjs http://127.0.0.1:PORT '{"password":…,"staff":…,"reviewers":[{"email":…,"id":…}]}'
//
// The staff and reviewer accounts are given (they cannot register themselves); tests/tests/browser.rs
// opens them and runs this script against a fresh service. The amounts are domain.md's worked
// example: rate 3/4, eligible expenses 412,345, income 30,000 → ¥286,000; advance at the 4/5 cap
// ¥228,800; actual expenses 350,000 → finalised ¥240,000, ¥11,200 remains payable.

import { readFile } from "node:fs/promises";
import { harness } from "./harness.mjs";

const h = await harness("whole_life.mjs", "life-", { withArgument: true });
const cast = h.argument;
const { check, person, accessible, shot, visit } = h;
const checkedTypes = new Set();

/** A page type seen for the first time: Japanese, accessible, and a screenshot. */
async function newType(page, name) {
  check((await page.getAttribute("html", "lang")) === "ja", `${name}: lang="ja"`);
  if (!checkedTypes.has(name)) {
    checkedTypes.add(name);
    await accessible(page, name);
  }
  await shot(page, name);
}

/** The notice (p.flash) after a form succeeded. */
const flashed = (page, text) => page.locator("p.flash", { hasText: text }).first().isVisible();
const pathOf = (page) => new URL(page.url()).pathname;
const textOf = async (locator) => ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();

/** Reloads until the locator shows: the lists read projections that follow the log a moment later. */
async function until(page, locator, what, seconds = 15) {
  for (let n = 0; n < seconds * 4; n++) {
    if ((await locator.count()) > 0 && (await locator.first().isVisible())) return true;
    await page.waitForTimeout(250);
    await page.reload();
  }
  check(false, `${what} (waited ${seconds} s)`);
  throw new Error(`gave up waiting: ${what}`);
}

const signIn = (page, email) => h.signIn(page, email, cast.password);

/** Japan time: an instant as datetime-local ("2026-11-25T15:04"), a day as 2026-11-25 and 2026年11月25日. */
const jst = (ms) => new Date(ms + 9 * 3600 * 1000).toISOString();
// Read when used: a run may cross midnight in Japan.
const today = () => jst(Date.now()).slice(0, 10);
const dateJa = (day) => {
  const [y, m, d] = day.split("-").map(Number);
  return `${y}年${m}月${d}日`;
};
// The fiscal year (April to March) the round belongs to; the project ends with it.
const fiscalYear = Number(today().slice(0, 4)) - (Number(today().slice(5, 7)) < 4 ? 1 : 0);
const fiscalYearEnd = `${fiscalYear + 1}-03-31`;

const title = "こども自然教室";
const groupName = "みどりの会";
const roundTitle = `${fiscalYear}年度 ステップアップ補助金（通し試験）`;

const staff = await person("staff");
const citizen = await person("citizen");
let closesAt = 0;

await h.run(async () => {
  // 1. Staff open a round whose window closes at the first whole minute at least 45 s away (the
  // form takes minutes): time enough to apply, and little to wait before scoring closes.
  let page = staff.page;
  await signIn(page, cast.staff);
  check(pathOf(page) === "/staff", "staff sign in to /staff");
  await newType(page, "staff-dashboard");
  await visit(page, "/staff/rounds/new");
  await newType(page, "new-round");
  // The form's datetime-local takes whole minutes (its default step is 60 s), so the test waits
  // up to a minute more than it needs to after the reviewers seal.
  closesAt = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
  await page.getByLabel("募集の名称").fill(roundTitle);
  await page.getByLabel("募集の説明").fill("地域の課題に取り組む市民活動団体の事業を支援します。");
  await page.getByLabel("受付締切（日本時間）").fill(jst(closesAt).slice(0, 16));
  await page.getByLabel("予算額（円）").fill("1000000");
  await page.getByLabel("補助率（交付を受けた回数の順）").fill("3/4, 1/2");
  await page.getByRole("button", { name: "募集回を開設する" }).click();
  check(/^\/staff\/rounds\/[0-9a-f-]{36}$/.test(pathOf(page)), "the round opens on its own page");
  const roundPath = pathOf(page);
  check(await flashed(page, "募集回を開設しました。"), "the round's opening is confirmed");
  check((await textOf(page.locator("#remaining-budget strong"))) === "¥1,000,000", "the whole budget remains");
  check(await page.getByText("3/4 → 1/2").first().isVisible(), "the rate schedule is shown as fractions");
  check(await page.getByText("募集中").first().isVisible(), "the round is open for applications");
  await newType(page, "round");

  await visit(page, `${roundPath}/committee`);
  await newType(page, "committee");
  for (const reviewer of cast.reviewers) {
    // Staff choose the reviewer by name from the reviewer accounts (the option's value is its id).
    await page.getByRole("combobox", { name: /審査委員/ }).selectOption(reviewer.id);
    await page.getByRole("button", { name: "審査委員に任命する" }).click();
    check(await flashed(page, "審査委員を任命しました。"), `reviewer ${reviewer.email} is appointed`);
  }
  check((await page.locator("#committee li").count()) === cast.reviewers.length, "the committee lists the reviewers");
  check(await page.getByRole("heading", { name: `審査委員（${cast.reviewers.length}人）` }).isVisible(), "the committee counts them");
  await shot(page, "committee-appointed");

  // 2. A citizen registers, registers a group and applies.
  page = citizen.page;
  await visit(page, "/register");
  await newType(page, "register");
  await page.getByLabel("お名前").fill("緑川 花子");
  await page.getByLabel("メールアドレス").fill("hanako@example.jp");
  await page.getByLabel("パスワード").fill("correct horse battery staple");
  await page.getByRole("button", { name: "登録する" }).click();
  check(pathOf(page) === "/my", "registering signs in and leads to the dashboard");
  await newType(page, "my");
  await page.getByRole("link", { name: "団体を登録する" }).click();
  await newType(page, "group-form");
  await page.getByLabel("団体名").fill(groupName);
  await page.getByLabel("市民活動団体の登録番号").fill("市民活動-0042");
  await page.getByLabel("代表者氏名").fill("緑川 花子");
  await page.getByLabel("所在地").fill("市内本町1-2-3");
  await page.getByLabel("電話番号").fill("0564-00-0000");
  await page.getByLabel("団体の連絡先メールアドレス").fill("midori@example.jp");
  await page.getByLabel("設立日").fill("2019-05-01");
  await page.locator("#f-member_count").fill("12");
  await page.locator("#f-resident_member_count").fill("8");
  await page.getByLabel("活動目的").fill("公園の緑化と子どもの自然体験");
  await page.getByRole("button", { name: "団体を登録する" }).click();
  check(pathOf(page) === "/my", "the group is registered");
  check(await page.getByText(groupName).first().isVisible(), "the dashboard lists the group");
  check(await page.getByText(roundTitle).first().isVisible(), "the dashboard offers the open round");

  await page.getByRole("link", { name: "申請書を作成する" }).first().click();
  await newType(page, "application-form");
  await page.getByLabel("事業名").fill(title);
  await page.getByLabel("事業概要").fill("市内の公園で月1回の自然観察会を開く。");
  await page.getByLabel("事業の目的・内容").fill("子どもが身近な自然に親しむ機会をつくる。");
  await page.getByLabel("対象者・受益者").fill("市内の小学生とその保護者");
  await page.getByLabel("事業期間（開始日）").fill(today());
  await page.getByLabel("事業期間（終了日）").fill(fiscalYearEnd);
  await page.getByLabel("費目（1行目）").selectOption("rentals");
  await page.getByLabel("内容（1行目）", { exact: true }).first().fill("会場使用料");
  await page.getByLabel("数量（1行目）").fill("1");
  await page.getByLabel("単価（円）（1行目）").fill("412345");
  await page.getByLabel("種類（1行目）").selectOption("project_income");
  await page.locator("#id-0").fill("参加費");
  await page.getByLabel("金額（円）（1行目）").fill("30000");
  await page.getByLabel("補助金申請額（円）").fill("286000");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  check(await flashed(page, "保存しました"), "the draft is saved");
  // Rule 3: 3/4 × (412,345 − 30,000) = 286,758.75, down to the 1,000 yen → ¥286,000.
  check((await textOf(page.locator("#max-amount"))).includes("¥286,000"), "the maximum is ¥286,000 (3/4 of 382,345, down to 1,000 yen)");
  await shot(page, "application-form");
  await page.getByRole("button", { name: "保存して提出" }).click();
  check(Date.now() < closesAt, "the application is sent inside the window");
  check(await flashed(page, "申請書を提出しました"), "the application is submitted");
  check(await page.getByText("提出済み").first().isVisible(), "its status says submitted");
  await newType(page, "application");

  // 3. Staff screen it eligible.
  page = staff.page;
  await visit(page, `${roundPath}/screening`);
  await until(page, page.getByRole("link", { name: title }), "the application waits for screening");
  await newType(page, "screening");
  await page.getByRole("link", { name: title }).first().click();
  const applicationPath = pathOf(page);
  check(/^\/staff\/applications\/[0-9a-f-]{36}$/.test(applicationPath), "the application has its staff page");
  check(await page.getByText(title).first().isVisible(), "the staff page shows the project");
  check(await page.getByText("¥286,000").first().isVisible(), "the staff page shows the requested ¥286,000");
  await newType(page, "staff-application");
  await page.getByLabel("構成員数（5人以上）を会員名簿で確認した").check();
  await page.getByLabel("市内在住の構成員（1人以上）を確認した").check();
  await page.getByLabel("団体の規約（公益的な目的）を確認した").check();
  await page.getByRole("button", { name: "受理する（審査へ進める）" }).click();
  check(await flashed(page, "形式審査の結果を登録しました。"), "the screening is recorded");

  // 4. Each reviewer declares no conflict, scores each criterion and seals.
  const sheets = [
    [8, 9, 8, 7, 8],
    [7, 8, 8, 7, 8],
  ];
  for (const [n, reviewer] of cast.reviewers.entries()) {
    const who = await person(`reviewer${n}`);
    page = who.page;
    await signIn(page, reviewer.email);
    await visit(page, "/review");
    await until(page, page.getByRole("link", { name: title }), `reviewer ${n + 1} is given the application`);
    if (n === 0) await newType(page, "review-list");
    await page.getByRole("link", { name: title }).first().click();
    check(await page.getByText("¥286,000").first().isVisible(), `reviewer ${n + 1} sees the requested ¥286,000`);
    if (n === 0) await newType(page, "review-declaration");
    await page.getByLabel("利害関係はありません").check();
    await page.getByRole("button", { name: "申告する" }).click();
    for (const [c, label] of ["公益性", "市民性", "発展性", "実現性", "自立性"].entries()) {
      await page.getByLabel(new RegExp(`^${label}（0〜10点）`)).fill(String(sheets[n][c]));
    }
    await page.getByLabel("講評").fill("地域の子どもに開かれた、継続性のある事業です。");
    if (n === 0) await newType(page, "review-sheet");
    await page.getByRole("button", { name: "採点を確定する" }).click();
    const total = sheets[n].reduce((a, b) => a + b, 0);
    check(await page.getByText(`採点を確定しました（合計 ${total} 点）`).isVisible(), `reviewer ${n + 1} seals ${total} points`);
    if (n === 0) await shot(page, "review-sealed");
    await who.context.close();
  }

  // 5. Staff close scoring once the window has closed, fix the ranking and decide the award.
  page = staff.page;
  const wait = closesAt + 1000 - Date.now();
  console.log(`     waiting ${Math.max(0, Math.round(wait / 1000))} s for the window to close`);
  if (wait > 0) await page.waitForTimeout(wait);
  await visit(page, roundPath);
  check(await page.getByText("募集締切・審査中").first().isVisible(), "the round says its window has closed");
  await visit(page, `${roundPath}/committee`);
  await page.getByRole("button", { name: "採点を締め切る" }).click();
  check(await flashed(page, "採点を締め切りました。"), "scoring is closed");
  await visit(page, `${roundPath}/ranking`);
  await until(page, page.locator("#ranking tbody tr"), "the ranking lists the application");
  const row = page.locator("#ranking tbody tr").first();
  check((await textOf(row)).includes("78点"), `the ranking sums both reviewers: 40 + 38 = 78 (${await textOf(row)})`);
  check((await textOf(row)).includes("合格"), "78 of 100 passes the 7/10 line");
  check(await page.getByText("暫定").first().isVisible(), "the ranking is provisional until fixed");
  await newType(page, "ranking");
  await page.getByRole("button", { name: "順位を確定する" }).click();
  check(await flashed(page, "順位を確定しました。"), "the ranking is fixed");
  await page.getByRole("link", { name: "交付決定へ進む" }).click();
  check(pathOf(page) === `${roundPath}/decisions`, "the ranking leads to the decisions");
  check((await textOf(page.locator("#remaining-budget strong"))) === "¥1,000,000", "before the decision the whole budget remains");
  await newType(page, "decisions");
  await page.getByRole("link", { name: "決定する" }).first().click();
  check(await page.getByText("78点").first().isVisible(), "the decision page shows the total");
  check((await textOf(page.locator("#remaining-budget strong"))) === "¥1,000,000", "the decision page shows the remaining budget");
  check((await textOf(page.locator("dl.facts"))).includes("¥286,000"), "the decision page shows the requested and maximum ¥286,000");
  await newType(page, "decision");
  await page.getByLabel("交付決定額（円）").fill("286000");
  await page.getByLabel("交付の条件").fill("事業完了後30日以内に実績報告を提出すること。");
  await page.getByLabel("事業の完了期限").fill(fiscalYearEnd);
  await page.getByRole("button", { name: "交付を決定する" }).click();
  const decidedOn = dateJa(today());
  check(await flashed(page, "交付を決定しました。"), "the award is decided");
  check((await textOf(page.locator("#budget"))).includes("交付決定額の合計：¥286,000"), "the decided total is ¥286,000");
  check((await textOf(page.locator("#remaining-budget strong"))) === "¥714,000", "¥714,000 of the budget remains");
  await shot(page, "decided");
  await page.getByRole("link", { name: "交付の記録" }).first().click();
  const staffGrantPath = pathOf(page);
  const grantId = staffGrantPath.split("/").pop();
  check((await textOf(page.locator("#decided-amount"))) === "¥286,000", "the staff grant page shows ¥286,000");
  check(await page.getByText(`（${decidedOn} 決定）`).isVisible(), `the decision is dated ${decidedOn}`);
  await newType(page, "staff-grant");

  // 6. The group sees its grant, requests an advance.
  page = citizen.page;
  await visit(page, "/my");
  await until(page, page.locator("section[aria-labelledby=my-grants] table a"), "the dashboard lists the grant");
  // Issue 15: what the group must do next, by when: the settlement report, with its due date.
  check(
    await page.locator("#next-steps", { hasText: "実績報告書を期限までに提出してください" }).isVisible(),
    "the group's next step is its settlement report",
  );
  check(/\d+年\d+月\d+日/.test(await textOf(page.locator("#next-steps tbody td").nth(2))), "the report's due date is shown");
  await newType(page, "my-next-steps");
  await h.onPhone(page, "my-next-steps");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator("section[aria-labelledby=my-grants] table a").first().click();
  check(pathOf(page) === `/grants/${grantId}`, "the group's grant page opens");
  check((await textOf(page.locator("#decided-amount"))) === "¥286,000", "the group sees ¥286,000 decided");
  check((await textOf(page.locator("#grant-status"))) === "交付決定", "the grant is decided");
  // Issue 17: the 交付決定通知書, issued from the log, is linked from the grant page as a PDF.
  const noticeLink = page.locator("#documents a", { hasText: "交付決定通知書" });
  await until(page, noticeLink, "the grant page links the 交付決定通知書");
  const [notice] = await Promise.all([page.waitForEvent("download"), noticeLink.click()]);
  const noticeBytes = await readFile(await notice.path());
  check(noticeBytes.subarray(0, 5).toString("latin1") === "%PDF-", "the 交付決定通知書 downloads as a PDF");
  await newType(page, "grant");
  await page.getByLabel("請求額（円）").fill("228800");
  await page.getByRole("button", { name: "概算払を請求する" }).click();
  check(await flashed(page, "概算払を請求しました。"), "the advance (4/5 of ¥286,000) is requested");

  // Staff see the request in their work queue, counted and linked (issue 15).
  page = staff.page;
  await visit(page, "/staff");
  const advanceRow = page.locator("#work-queue tr[data-kind=pay_advance]");
  await until(page, page.locator("#work-queue tr[data-kind=pay_advance] a"), "the queue counts the advance request");
  check((await textOf(advanceRow.locator("td.num"))) === "1件", "one advance request waits to be paid");
  check(
    (await page.locator("section[aria-labelledby=staff-grants] a").evaluateAll((links) => links.map((a) => a.getAttribute("href")))).includes(staffGrantPath),
    "the queue links to the grant",
  );
  await page.setViewportSize({ width: 1280, height: 900 });
  await newType(page, "staff-work-queue");
  await h.onPhone(page, "staff-work-queue");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Staff pay the advance.
  await visit(page, staffGrantPath);
  await page.getByLabel("支払額（円）").fill("228800");
  await page.getByLabel("支払日").fill(today());
  await page.getByLabel("概算払（事業完了前）").check();
  await page.getByRole("button", { name: "支払を記録する" }).click();
  check(await flashed(page, "支払を記録しました。"), "the advance payment is recorded");
  check((await textOf(page.locator("#paid-total"))) === "¥228,800", "¥228,800 is paid");

  // The group files the settlement report, pre-filled from the budget, and submits it.
  page = citizen.page;
  await visit(page, `/grants/${grantId}`);
  check((await textOf(page.locator("#paid-total"))) === "¥228,800", "the group sees ¥228,800 paid");
  await page.getByRole("link", { name: "実績報告を作成・提出する" }).click();
  check((await page.getByLabel("支出の内容（1行目）").inputValue()) === "会場使用料", "the report starts from the budget");
  await newType(page, "settlement-report");
  await page.getByLabel("単価（円）（1行目）").fill("350000");
  await page.getByLabel("領収日（1行目）").fill(today());
  await page.getByLabel("領収書番号（1行目）").fill("R-001");
  await page.getByLabel("事業の成果").fill("全10回の観察会に延べ250人が参加した。");
  await page.getByLabel("参加者数（延べ人数）").fill("250");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  check(await flashed(page, "保存しました。"), "the settlement report is saved");
  // Issue 17: the receipt itself, attached to the expense line it proves, shown beside it.
  await page.locator("#f-kind").selectOption({ label: "領収書" });
  await page.getByLabel("対応する支出（領収書のとき）").selectOption("R-001");
  await page.locator("#f-file").setInputFiles({
    name: "領収書R-001.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
  });
  await page.getByRole("button", { name: "添付する" }).click();
  check(await flashed(page, "ファイルを添付しました。"), "the receipt is attached");
  const lineReceipt = page.locator("#f-expenses tbody tr").first().locator("a.line-receipt");
  check((await textOf(lineReceipt)) === "領収書R-001.pdf", "the receipt is shown beside its expense line");
  check((await textOf(page.locator("table", { has: page.locator("caption", { hasText: "添付書類" }) }))).includes("領収書番号 R-001"), "the file list names the line it proves");
  const [receipt] = await Promise.all([page.waitForEvent("download"), lineReceipt.click()]);
  check((await readFile(await receipt.path())).subarray(0, 5).toString("latin1") === "%PDF-", "the receipt downloads, checked");
  await shot(page, "settlement-report");
  await page.getByRole("button", { name: "保存して提出" }).click();
  check(await flashed(page, "実績報告を提出しました。"), "the settlement report is submitted");
  check((await textOf(page.locator("#grant-status"))) === "実績報告提出済", "the grant waits for the review");

  // 7. Staff accept the report (額の確定) and pay the remainder.
  page = staff.page;
  await visit(page, staffGrantPath);
  check(await page.getByText("R-001").first().isVisible(), "staff see the report's receipt");
  await page.getByRole("button", { name: "承認して額を確定する" }).click();
  check(await flashed(page, "実績報告の審査結果を登録しました。"), "the report is accepted");
  // Rule 9: 3/4 × (350,000 − 30,000) = 240,000; 240,000 − 228,800 = 11,200 payable.
  check((await textOf(page.locator("#finalised-amount"))) === "¥240,000", "the amount is finalised at ¥240,000");
  check((await textOf(page.locator("#payable"))) === "¥11,200", "¥11,200 remains payable");
  await shot(page, "finalised");

  // The group sees what is still to come.
  page = citizen.page;
  await visit(page, `/grants/${grantId}`);
  check((await textOf(page.locator("#finalised-amount"))).includes("¥240,000"), "the group sees ¥240,000 finalised");
  check((await textOf(page.locator("#payable"))) === "¥11,200", "the group sees ¥11,200 still to be paid");
  await shot(page, "grant-finalised");

  page = staff.page;
  await page.getByLabel("支払額（円）").fill("11200");
  await page.getByLabel("支払日").fill(today());
  await page.getByLabel("精算払（額の確定後）").check();
  await page.getByRole("button", { name: "支払を記録する" }).click();
  check(await flashed(page, "支払を記録しました。"), "the final payment is recorded");
  check((await textOf(page.locator("#paid-total"))) === "¥240,000", "¥240,000 is paid in all");
  check((await textOf(page.locator("#payable"))) === "¥0", "nothing remains payable");
  check((await textOf(page.locator("#grant-status"))) === "完了", "the grant is closed");
  await shot(page, "closed");

  // The group sees the end of it.
  page = citizen.page;
  await visit(page, `/grants/${grantId}`);
  check((await textOf(page.locator("#finalised-amount"))).includes("¥240,000"), "the group sees ¥240,000 finalised");
  check((await textOf(page.locator("#grant-status"))) === "完了", "the group sees the grant closed");
  await shot(page, "grant-closed");

  // 8. An anonymous visitor sees the award with its finalised amount.
  const visitor = await person("visitor");
  page = visitor.page;
  await visit(page, "/awards");
  const listed = page.locator("tr", { has: page.getByRole("link", { name: title }) });
  await until(page, listed.filter({ hasText: "¥240,000" }), "the public list shows the finalised award");
  const listedText = await textOf(listed.first());
  check(listedText.includes(groupName), "the list names the group");
  check(listedText.includes("¥286,000"), "the list shows ¥286,000 decided");
  check(listedText.includes(decidedOn), `the list dates the decision ${decidedOn}`);
  check(listedText.includes(`${fiscalYear}年度`), `the list shows fiscal year ${fiscalYear}`);
  await newType(page, "awards");
  await page.getByRole("link", { name: title }).first().click();
  check(pathOf(page) === `/awards/${grantId}`, "the award has its public page");
  // dt and dd run together in the text: "交付決定額¥286,000".
  const facts = (await textOf(page.locator("dl.facts"))).replace(/\s/g, "");
  check(facts.includes("交付決定額¥286,000"), "the public page shows ¥286,000 decided");
  check(facts.includes("確定額¥240,000"), "the public page shows ¥240,000 finalised");
  check(facts.includes(`交付決定日${decidedOn}`), `the public page dates the decision ${decidedOn}`);
  check(facts.includes("状況完了"), "the public page says the grant is closed");
  check(facts.includes(groupName) && facts.includes("ステップアップ"), "the public page names the group and the course");
  // Rule 12: no person's name or contact, no reviewer's score.
  const whole = await textOf(page.locator("body"));
  for (const secret of ["緑川 花子", "hanako@example.jp", "midori@example.jp", "0564-00-0000", "市内本町", "78点"]) {
    check(!whole.includes(secret), `the public page does not show ${secret}`);
  }
  await newType(page, "award");
  await visitor.context.close();
});
