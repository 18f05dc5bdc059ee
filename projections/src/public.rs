//! The public exports of the awards list (`GET /api/v1/public/awards.csv` and
//! `GET /api/v1/public/awards.360giving.json`), as pure functions of the [`Award`] rows.
//!
//! Both carry only what an [`Award`] holds, which rule 12 already limits to public data (group name and
//! registration number, project title, summary and period, course, fiscal year, amounts, dates and
//! status): no person's name, address, phone or e-mail, no score.
//!
//! - [`awards_csv`]: UTF-8 with a byte order mark (so that spreadsheet programs read Japanese),
//!   Japanese headers, RFC 4180 quoting (the `csv` crate's writer) and CRLF line ends. Every text
//!   cell passes through [`spreadsheet_safe`] (OWASP's CSV injection advice): a text that a
//!   spreadsheet would run as a formula (`=`, `+`, `-`, `@`, TAB or CR first) gets a leading `'`.
//!   Numbers, dates, ids and status codes are written by this module from typed values and never start
//!   with one of those (amounts are never negative), so they are left as they are and stay numbers.
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
/// plain yen without separators, dates `YYYY-MM-DD`, the status in Japanese (`GrantStatus::label_ja`) and as its
/// api.md code. Text cells (course, group name, registration number, title, summary) are made
/// [`spreadsheet_safe`].
pub fn awards_csv(rows: &[Award]) -> Vec<u8> {
    let mut out = Vec::from(BOM.as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        write_record(&mut writer, CSV_HEADERS.iter().map(|h| (*h).to_owned()));
        for award in rows {
            let text = |value: &Option<String>| {
                spreadsheet_safe(value.as_deref().unwrap_or_default()).into_owned()
            };
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
                award.status.label_ja().to_owned(),
                award.status.as_str().to_owned(),
            ];
            write_record(&mut writer, record.into_iter());
        }
        // Writing to a `Vec` cannot fail; only an I/O error could make the flush fail.
        writer.flush().expect("writing CSV into memory");
    }
    out
}

/// One CSV line, quoted where RFC 4180 needs it (a comma, a quote, CR or LF; quotes doubled).
fn write_record<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    fields: impl Iterator<Item = String>,
) {
    writer
        .write_record(fields)
        .expect("writing CSV into memory");
}

/// A text made harmless for spreadsheet programs (OWASP, "CSV Injection"): a cell that starts with
/// `=`, `+`, `-`, `@`, TAB (0x09) or CR (0x0D) would be run as a formula (`=HYPERLINK(...)`,
/// `=cmd|' /C calc'!A0`, `@SUM(1)`, `-1+1`), so it gets a leading single quote, which spreadsheets
/// read as "this is text" and readers can still read past. Any other text is returned as it is.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
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

    fn one_line(fields: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut out);
            write_record(&mut writer, fields.iter().map(|s| (*s).to_owned()));
            writer.flush().expect("flushed");
        }
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(
            one_line(&["a", "b,c", "say \"hi\"", "line\nbreak", "花"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",花\r\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for (payload, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+SUM(1+1)", "'+SUM(1+1)"),
            ("-1+1", "'-1+1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\t=1+2", "'\t=1+2"),
            ("\r=1+2", "'\r=1+2"),
        ] {
            assert_eq!(spreadsheet_safe(payload), safe, "{payload:?}");
        }
    }

    #[test]
    fn other_text_and_numbers_are_left_as_they_are() {
        for text in [
            "",
            "花いっぱい運動",
            "a=b",
            "1-2",
            "286000",
            "2025-06-10",
            "'quoted",
        ] {
            assert_eq!(spreadsheet_safe(text), text);
        }
    }

    #[test]
    fn an_award_with_formula_text_comes_out_neutralised_and_its_numbers_untouched() {
        let award = Award {
            grant_id: "g-1".to_owned(),
            fiscal_year: Some(2025),
            course: Some("-コース".to_owned()),
            group_name: Some("=HYPERLINK(\"http://x\")".to_owned()),
            title: Some("@SUM(1)".to_owned()),
            summary: Some("+SUM(1), -1+1".to_owned()),
            amount_awarded: 286_000,
            award_date: None,
            amount_finalised: Some(240_000),
            status: grants_domain::grant::GrantStatus::Decided,
            registration_number: Some("=cmd|' /C calc'!A0".to_owned()),
            planned_start: None,
            planned_end: None,
        };
        let csv = String::from_utf8(awards_csv(&[award])).expect("UTF-8");
        let line = csv.lines().nth(1).expect("a data line");
        assert_eq!(
            line,
            "g-1,2025,'-コース,\"'=HYPERLINK(\"\"http://x\"\")\",'=cmd|' /C calc'!A0,'@SUM(1),\"'+SUM(1), -1+1\",286000,,240000,交付決定,decided"
        );
    }

    #[test]
    fn dates_are_iso() {
        let date = Date::from_calendar_date(2025, time::Month::June, 1).expect("a date");
        assert_eq!(iso_date(date), "2025-06-01");
    }
}
