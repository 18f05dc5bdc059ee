//! The receipt number (受付番号) a group quotes when it asks about its application: read from the
//! application's id, so it exists from the draft on, never changes and needs no register.
//!
//! Format: `XXXX-XXXX-XXXX`, the last twelve hexadecimal digits of the id in capitals. Ids are UUID
//! v7, whose last 62 bits are random, so these 48 bits tell the city's applications apart (two
//! alike are about as likely as two alike among 16 million random draws at ten thousand
//! applications) and do not reveal when the draft was started.

use crate::ids::ApplicationId;

/// The application's receipt number, for example `8C3F-0A12-9B7E`.
pub fn receipt_number(application_id: ApplicationId) -> String {
    let hex = application_id.as_uuid().simple().to_string().to_uppercase();
    let tail = &hex[hex.len() - 12..];
    format!("{}-{}-{}", &tail[..4], &tail[4..8], &tail[8..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_number_is_the_ids_random_tail_in_three_groups() {
        // given an application id
        let id: ApplicationId = "01924f5e-7c1a-7d2e-8c3f-0a129b7e4d51".parse().unwrap();
        // when its receipt number is read, then it is the last twelve digits, grouped
        assert_eq!(receipt_number(id), "0A12-9B7E-4D51");
        // and it is the same however often it is read
        assert_eq!(receipt_number(id), receipt_number(id));
    }
}
