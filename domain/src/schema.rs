//! The OpenAPI schemas of the value types whose JSON is not their Rust shape (with the `openapi`
//! feature, which the app turns on). Types whose JSON is their shape derive `utoipa::ToSchema`
//! where they are declared; these three serialise as a scalar, so their schema is written here.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::fiscal_year::FiscalYear;
use crate::money::Yen;
use crate::ratio::Ratio;

impl PartialSchema for Yen {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0))
                .maximum(Some(1_000_000_000_000_i64))
                .description(Some(
                    "Whole yen as a JSON integer, never negative, at most one trillion.",
                ))
                .examples([serde_json::json!(500000)])
                .build(),
        ))
    }
}

impl ToSchema for Yen {}

impl PartialSchema for Ratio {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^\s*[0-9]+\s*(/\s*[0-9]+\s*)?$"))
                .description(Some(
                    "An exact fraction as a string, such as \"3/4\"; a bare whole number such as \"1\" means 1/1.",
                ))
                .examples([serde_json::json!("3/4")])
                .build(),
        ))
    }
}

impl ToSchema for Ratio {}

impl PartialSchema for FiscalYear {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(2000))
                .maximum(Some(2100))
                .description(Some(
                    "A fiscal year (年度, 1 April to 31 March), named by the calendar year in which it starts.",
                ))
                .examples([serde_json::json!(2026)])
                .build(),
        ))
    }
}

impl ToSchema for FiscalYear {}
