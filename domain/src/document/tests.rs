use time::macros::date;
use uuid::Uuid;

use super::*;
use crate::fiscal_year::EraDate;

#[test]
fn later_notices_on_a_grant_branch_the_decisions_number() {
    assert_eq!(
        grant_notice_number("令和8年度市協第1号", 1),
        "令和8年度市協第1号"
    );
    assert_eq!(
        grant_notice_number("令和8年度市協第1号", 2),
        "令和8年度市協第1号の2"
    );
}

#[test]
fn an_applications_notice_is_numbered_by_its_receipt_number() {
    let id =
        ApplicationId::from_uuid(Uuid::parse_str("01924f5e-7c1a-7d2e-8c3f-0a129b7e4d51").unwrap());
    let year = FiscalYear::new(2026).unwrap();
    assert_eq!(
        application_notice_number(year, "市協", id, 1),
        "令和8年度市協第0A12-9B7E-4D51号"
    );
    assert_eq!(
        application_notice_number(year, "市協", id, 2),
        "令和8年度市協第0A12-9B7E-4D51号の2"
    );
}

#[test]
fn every_kind_has_a_key_that_reads_back_and_an_ascii_file_name() {
    for kind in DocumentKind::ALL {
        assert_eq!(DocumentKind::parse(kind.as_str()), Some(kind));
        assert!(kind.file_name().is_ascii());
    }
    assert_eq!(DocumentKind::parse("nonsense"), None);
    assert_eq!(EraDate(date!(2026 - 04 - 01)).to_string(), "令和8年4月1日");
}
