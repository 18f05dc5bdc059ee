//! The public exports of the awards list (`GET /api/v1/public/awards.csv` and
//! `GET /api/v1/public/awards.360giving.json`), as pure functions of the [`Award`] rows.
//!
//! Both carry only what an [`Award`] holds, which rule 12 already limits to public data (group name and
//! registration number, project title, summary and period, course, fiscal year, amounts, dates and
//! status): no person's name, address, phone or e-mail, no score.
//!
//! - [`awards_csv`]: UTF-8 with a byte order mark (so that spreadsheet programs read Japanese),
//!   Japanese headers, RFC 4180 quoting and CRLF line ends. Cells are written as they are: a text that
//!   starts with `=` is not escaped for spreadsheets.
//! - [`three_sixty_giving`]: a 360Giving Data Standard 1.4.3 package. Grant ids are
//!   `360G-<prefix>-<grant_id>`; the funder is the city ([`Publisher`]); a recipient's id is scoped by
//!   the city's identifier and the group's registration number under the city's ordinance.

use serde_json::{json, Map, Value};
use time::Date;

use crate::awards::Award;

/// The byte order mark that starts the CSV.
pub const BOM: &str = "\u{feff}";

/// The CSV's header row, in column order.
pub const CSV_HEADERS: [&str; 12] = [
    "助成ID",
    "年度",
    "コース",
    "団体名",
    "団体登録番号",
    "事業名",
    "事業概要",
    "交付決定額",
    "交付決定日",
    "確定額",
    "状態",
    "状態コード",
];

/// The awards as CSV: the BOM, [`CSV_HEADERS`], then one line per award in the given order. Amounts are
/// plain yen without separators, dates `YYYY-MM-DD`, the status in Japanese ([`status_ja`]) and as its
/// api.md code.
pub fn awards_csv(rows: &[Award]) -> Vec<u8> {
    let mut out = String::from(BOM);
    write_record(&mut out, CSV_HEADERS.iter().map(|h| (*h).to_owned()));
    for award in rows {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let number = |value: Option<i64>| value.map(|n| n.to_string()).unwrap_or_default();
        let record = [
            award.grant_id.clone(),
            number(award.fiscal_year.map(i64::from)),
            text(&award.course),
            text(&award.group_name),
            text(&award.registration_number),
            text(&award.title),
            text(&award.summary),
            award.amount_awarded.to_string(),
            award.award_date.map(iso_date).unwrap_or_default(),
            number(award.amount_finalised),
            status_ja(&award.status).to_owned(),
            award.status.clone(),
        ];
        write_record(&mut out, record.into_iter());
    }
    out.into_bytes()
}

/// One CSV line: fields joined by commas, each quoted when it holds a comma, a quote, CR or LF
/// (quotes doubled), ended by CRLF.
fn write_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// A grant status as the city's staff name it (the grant aggregate's labels); an unknown code is
/// shown as it is.
pub fn status_ja(status: &str) -> &str {
    match status {
        "decided" => "交付決定",
        "withdrawn" => "取下げ",
        "in_progress" => "事業実施中",
        "report_submitted" => "実績報告提出済",
        "report_returned" => "実績報告差戻し",
        "finalised" => "額の確定済",
        "refund_due" => "返還待ち",
        "closed" => "完了",
        "cancelled" => "取消",
        other => other,
    }
}

/// A placeholder organisation identifier for the city, for use until the city has its own: `JP-LAC`
/// is not a list registered at org-id.guide, and `000000` is no local government code. Replace it with
/// the city's registered identifier (for example a list code and its local government code) before
/// publishing to the 360Giving registry.
pub const PLACEHOLDER_FUNDER_ID: &str = "JP-LAC-000000";

/// A placeholder 360Giving publisher prefix (grant ids are `360G-<prefix>-<grant id>`); 360Giving
/// assigns the real one when the city registers as a publisher.
pub const PLACEHOLDER_PREFIX: &str = "jp-city";

/// Who publishes the 360Giving package and funds the grants: the city.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// The city's name, e.g. 岡崎市.
    pub name: String,
    /// The city's organisation identifier ([`PLACEHOLDER_FUNDER_ID`] until it has one); also the scope
    /// of the recipients' identifiers.
    pub org_id: String,
    /// The 360Giving publisher prefix ([`PLACEHOLDER_PREFIX`] until 360Giving assigns one).
    pub prefix: String,
    /// The city's website, if it should be named.
    pub website: Option<String>,
    /// The licence of the data, as a URI (e.g. CC BY 4.0).
    pub license: String,
    /// The day the package is issued (the caller's clock: this module reads none).
    pub issued: Date,
}

impl Publisher {
    /// A publisher with the placeholder identifiers and the CC BY 4.0 licence.
    pub fn placeholder(name: impl Into<String>, issued: Date) -> Self {
        Publisher {
            name: name.into(),
            org_id: PLACEHOLDER_FUNDER_ID.to_owned(),
            prefix: PLACEHOLDER_PREFIX.to_owned(),
            website: None,
            license: "https://creativecommons.org/licenses/by/4.0/".to_owned(),
            issued,
        }
    }

    /// The 360Giving id of a grant: `360G-<prefix>-<grant id>`.
    pub fn grant_id(&self, grant_id: &str) -> String {
        format!("360G-{}-{grant_id}", self.prefix)
    }

    /// The id of a recipient group: `<city id>-<registration number>` (spaces removed), or, for a group
    /// whose number the log does not hold, `<city id>-GRANT-<grant id>`.
    pub fn recipient_id(&self, award: &Award) -> String {
        match award.registration_number.as_deref().map(str::trim) {
            Some(number) if !number.is_empty() => {
                let number: String = number.split_whitespace().collect();
                format!("{}-{number}", self.org_id)
            }
            _ => format!("{}-GRANT-{}", self.org_id, award.grant_id),
        }
    }
}

/// The awards as a 360Giving 1.4.3 package: `grants` plus the package metadata (version, title,
/// issued, publisher, license). An award without an award date cannot be a 360Giving grant and is
/// left out; a package with no grants is not valid 360Giving (`grants` needs one item), so a caller
/// with no awards should answer with nothing rather than this.
pub fn three_sixty_giving(rows: &[Award], publisher: &Publisher) -> Value {
    let grants: Vec<Value> = rows
        .iter()
        .filter_map(|award| grant(award, publisher))
        .collect();
    let mut package = Map::new();
    package.insert("version".into(), json!("1.4"));
    package.insert(
        "title".into(),
        json!(format!("{} 市民活動助成 交付決定一覧", publisher.name)),
    );
    package.insert("issued".into(), json!(iso_date(publisher.issued)));
    let mut about = Map::new();
    about.insert("identifier".into(), json!(publisher.org_id));
    about.insert("name".into(), json!(publisher.name));
    if let Some(website) = &publisher.website {
        about.insert("website".into(), json!(website));
    }
    package.insert("publisher".into(), Value::Object(about));
    package.insert("license".into(), json!(publisher.license));
    package.insert("grants".into(), Value::Array(grants));
    Value::Object(package)
}

/// One award as a 360Giving grant, or none without an award date.
fn grant(award: &Award, publisher: &Publisher) -> Option<Value> {
    let award_date = award.award_date?;
    let mut grant = Map::new();
    grant.insert("id".into(), json!(publisher.grant_id(&award.grant_id)));
    grant.insert(
        "title".into(),
        json!(award.title.clone().unwrap_or_default()),
    );
    grant.insert(
        "description".into(),
        json!(award.summary.clone().unwrap_or_default()),
    );
    grant.insert("currency".into(), json!("JPY"));
    grant.insert("amountAwarded".into(), json!(award.amount_awarded));
    grant.insert("awardDate".into(), json!(iso_date(award_date)));
    if let (Some(start), Some(end)) = (award.planned_start, award.planned_end) {
        grant.insert(
            "plannedDates".into(),
            json!([{"startDate": iso_date(start), "endDate": iso_date(end)}]),
        );
    }
    grant.insert(
        "recipientOrganization".into(),
        json!([{
            "id": publisher.recipient_id(award),
            "name": award.group_name.clone().unwrap_or_default(),
        }]),
    );
    grant.insert(
        "fundingOrganization".into(),
        json!([{"id": publisher.org_id, "name": publisher.name}]),
    );
    if let Some(course) = &award.course {
        let title = match award.fiscal_year {
            Some(year) => format!("{year}年度 {course}"),
            None => course.clone(),
        };
        grant.insert("grantProgramme".into(), json!([{"title": title}]));
    }
    grant.insert("locationScope".into(), json!("GLS050"));
    Some(Value::Object(grant))
}

fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let mut out = String::new();
        write_record(
            &mut out,
            ["a", "b,c", "say \"hi\"", "line\nbreak", "花"]
                .iter()
                .map(|s| (*s).to_owned()),
        );
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",花\r\n");
    }

    #[test]
    fn dates_are_iso() {
        let date = Date::from_calendar_date(2025, time::Month::June, 1).expect("a date");
        assert_eq!(iso_date(date), "2025-06-01");
    }
}
