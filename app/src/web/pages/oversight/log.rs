//! The event log in global order (`/audit`), with the hash chain's verification and filters: by
//! stream type, by one stream (which leads to its timeline), and by a JST time range.
//!
//! The filters are the audit use case's (`aggregate_type`, `from`, `until`, as the API's): the page
//! reads the JST `datetime-local` fields as instants and shows a page of what `service::audit`
//! answers; "次へ" goes on from the last position shown.

use axum::extract::{Query, State};
use axum::response::Response;
use grants_domain::FieldRefusal;
use maud::html;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{aggregate_label, short_hash, stream_path, summary, verification_box};
use crate::policy::Overseer;
use crate::service::audit::{self, AskedInstant, Audited};
use crate::web::form::{Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::encode;
use crate::web::view::{self, error_summary, page_with_status, Input};
use crate::web::Web;

/// Matching events shown per page.
const PAGE: usize = 100;

#[derive(Deserialize, Default)]
pub(super) struct Filter {
    after: Option<String>,
    aggregate_type: Option<String>,
    aggregate_id: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

impl Filter {
    fn value(field: &Option<String>) -> &str {
        field.as_deref().map(str::trim).unwrap_or("")
    }

    /// The filter as form values (to show it again) without the position.
    fn form_values(&self) -> FormData {
        let mut values = FormData::default();
        values.set("aggregate_type", Self::value(&self.aggregate_type));
        values.set("aggregate_id", Self::value(&self.aggregate_id));
        values.set("from", Self::value(&self.from));
        values.set("until", Self::value(&self.until));
        values
    }

    /// The query string of this filter from position `after`.
    fn query(&self, after: i64) -> String {
        let mut query = format!("?after={after}");
        for (name, field) in [
            ("aggregate_type", &self.aggregate_type),
            ("from", &self.from),
            ("until", &self.until),
        ] {
            let value = Self::value(field);
            if !value.is_empty() {
                query.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        query
    }
}

/// A `datetime-local` value ("2026-06-01T09:00", seconds optional) read as Japan Standard Time.
pub(super) fn jst_local(value: &str) -> Option<OffsetDateTime> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(value, &seconds)
        .or_else(|_| time::PrimitiveDateTime::parse(value, &minutes))
        .ok()
        .map(|local| local.assume_offset(grants_domain::JST))
}

const NOT_A_TIME: &str = "日時は「2026-06-01T09:00」の形で入力してください（日本時間）";

pub(super) async fn log(
    State(web): State<Web>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/audit");
    };
    let aggregate_type = Filter::value(&filter.aggregate_type);
    let aggregate_id = Filter::value(&filter.aggregate_id);
    let mut errors = Errors::default();
    if !aggregate_id.is_empty() {
        if aggregate_type.is_empty() {
            errors.add(
                Some("aggregate_type"),
                "IDで絞り込むときは、対象の種類も選んでください",
            );
        } else {
            return redirect(&stream_path(aggregate_type, aggregate_id));
        }
    }
    let instant = |name: &'static str, field: &Option<String>| -> AskedInstant {
        match Filter::value(field) {
            "" => Ok(None),
            value => jst_local(value).map(Some).ok_or_else(|| FieldRefusal {
                field: Some(name),
                code: "audit.invalid_instant",
                message_ja: NOT_A_TIME.into(),
                message_en: format!(
                    "{name} must be a date and time such as 2026-06-01T09:00 (JST)"
                ),
            }),
        }
    };
    // Every field's refusal at once: the stream type's, the instants' and the range's.
    let asked = match audit::filter(
        Some(aggregate_type),
        instant("from", &filter.from),
        instant("until", &filter.until),
    ) {
        Ok(asked) => Some(asked),
        Err(error) => {
            errors.problem(&Problem::from(error), &["aggregate_type", "from", "until"]);
            None
        }
    };
    let after = Filter::value(&filter.after)
        .parse::<i64>()
        .unwrap_or(0)
        .max(0);

    let overseer = match web
        .caller(token)
        .await
        .and_then(|actor| Ok(Overseer::admit(actor)?))
    {
        Ok(overseer) => overseer,
        Err(problem) => return read_failed(&visitor, &problem, "/audit"),
    };
    let state = &web.state;
    let verification = match audit::verification(state, &overseer).await {
        Ok(verification) => verification,
        Err(error) => return read_failed(&visitor, &Problem::from(error), "/audit"),
    };
    let mut shown: Vec<Audited> = Vec::new();
    // With an unreadable filter nothing is asked, and there is nothing to go on to.
    let mut at_end = true;
    let asked = asked.filter(|_| errors.is_empty());
    if let Some(asked) = &asked {
        match audit::events(state, &overseer, after, PAGE as i64, asked).await {
            Ok(page) => {
                at_end = page.len() < PAGE;
                shown = page.into_iter().map(Audited::of).collect();
            }
            Err(error) => return read_failed(&visitor, &Problem::from(error), "/audit"),
        }
    }
    let next = shown.last().map_or(after, |event| event.position);
    let state = FormState::new(filter.form_values()).with_errors(errors);
    let filtered = asked.as_ref().is_some_and(|asked| {
        asked.aggregate_type.is_some() || asked.from.is_some() || asked.until.is_some()
    });
    let body = html! {
        (verification_box(&verification))
        p { a href="/audit/as-of" { "ある時点の申請・交付の状態を見る" } }
        h2 { "絞り込み" }
        (error_summary(&state))
        form.filters method="get" action="/audit" {
            div.field.invalid[state.errors.field("aggregate_type").is_some()] {
                label for="f-aggregate_type" { "対象の種類" }
                @if let Some(error) = state.errors.field("aggregate_type") { p.error id="e-aggregate_type" { (error) } }
                select #f-aggregate_type name="aggregate_type" aria-describedby=[state.errors.field("aggregate_type").map(|_| "e-aggregate_type")] {
                    option value="" { "すべて" }
                    @for code in audit::STREAM_TYPES {
                        option value=(code) selected[code == aggregate_type] { (aggregate_label(code)) }
                    }
                }
            }
            (Input::text("aggregate_id", "対象のID（履歴を表示）").render(&state))
            (Input::text("from", "記録日時（から・日本時間）").kind("datetime-local").render(&state))
            (Input::text("until", "記録日時（まで・日本時間）").kind("datetime-local").render(&state))
            button type="submit" { "絞り込む" }
        }
        table #events {
            caption {
                "イベントログ（位置 " (after + 1) " から"
                @if filtered { "、条件に合うもの" }
                " " (shown.len()) "件）"
            }
            thead { tr {
                th.num scope="col" { "位置" } th scope="col" { "記録日時" } th scope="col" { "対象" }
                th scope="col" { "できごと" } th scope="col" { "操作者の役割" } th scope="col" { "ハッシュ" }
            } }
            tbody {
                @for event in &shown {
                    @let (kind, id) = (event.aggregate_type.as_str(), event.aggregate_id.as_str());
                    tr {
                        td.num { (event.position) }
                        td { (view::instant(event.recorded_at)) }
                        td { a href=(stream_path(kind, id)) title=(id) { (aggregate_label(kind)) " " code { "…" (short_id(id)) } } }
                        td { (summary(event)) }
                        td { (super::role_label(event.role)) }
                        td { code { (short_hash(event)) } }
                    }
                }
            }
        }
        p {
            @if after > 0 { a href={ "/audit" (filter.query(0)) } { "最初から" } " " }
            @if !at_end { a href={ "/audit" (filter.query(next)) } { "次へ（位置 " (next + 1) " から）" } }
        }
    };
    let status = state.status();
    page_with_status(status, &visitor, "監査：イベントログ", body)
}

/// The end of an id, which tells objects apart: ids are UUID v7, whose first digits are the time
/// they were made and so the same for most objects of a day (the full id is the link's title).
pub(super) fn short_id(id: &str) -> &str {
    let start = id.char_indices().rev().nth(7).map_or(0, |(index, _)| index);
    &id[start..]
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_told_apart_by_their_end() {
        assert_eq!(
            super::short_id("01a233ab-0000-7000-8000-0000a1b2c3d4"),
            "a1b2c3d4"
        );
        assert_eq!(super::short_id("abc"), "abc");
    }
}
