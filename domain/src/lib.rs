//! The rules of a city's civic-benefit subsidy (市民公益活動事業費補助金), as cqrs-es aggregates.
//!
//! This crate is pure: no IO, no SQL, no HTTP, no clock. Commands carry the facts a rule needs (the
//! current instant, a snapshot of the round's terms) so every rule can be tested as a given/when/then.
//!
//! Map of the crate:
//! - value types: [`money`] (`Yen`, integer yen), [`ratio`] (`Ratio`), [`fiscal_year`] (`FiscalYear`,
//!   JST), [`ids`];
//! - shared rules: [`attachment`] (which files may be attached, and how many), [`budget`] (eligible
//!   expenses, rule 3's exclusions), [`amount`] (rule 3's formula and rule 9's finalisation),
//!   [`criteria`] (review criteria and the scores on them, rule 4), [`refusal`] (what every refused
//!   command says), [`text`] (which characters a free-text field may hold);
//! - aggregates, one folder each: [`account`], [`group`], [`round`], [`application`], [`review`],
//!   [`grant`];
//! - [`document`] (what each official notice and form says), [`work`] (who waits on whom) and
//!   [`reminder`] (which reminder is due on a day);
//! - [`upcasting`]: the upcasters that let old event shapes load.

pub mod account;
pub mod amount;
pub mod application;
pub mod attachment;
pub mod budget;
pub mod criteria;
pub mod document;
pub mod fiscal_year;
pub mod grant;
pub mod group;
pub mod ids;
pub mod money;
pub mod ratio;
pub mod refusal;
pub mod reminder;
pub mod review;
pub mod round;
#[cfg(feature = "openapi")]
mod schema;
pub mod text;
pub mod upcasting;
pub mod work;

pub use amount::{AmountTerms, RateSchedule};
pub use application::{
    Application, ApplicationCommand, ApplicationContent, ApplicationError, ApplicationEvent,
    ApplicationStatus, ApplicationWindow, DecisionOutcome, Period, ScreeningOutcome,
};
pub use budget::{Budget, ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
pub use criteria::{Criteria, Criterion, Score};
pub use fiscal_year::{FiscalYear, JST};
pub use grant::{Grant, GrantCommand, GrantError, GrantEvent, GrantStatus};
pub use group::{ContactDetails, Group, GroupCommand, GroupError, GroupEvent, GroupStanding};
pub use ids::{ApplicationId, AttachmentId, ChangeRequestId, GrantId, GroupId, RoundId, UserId};
pub use money::Yen;
pub use ratio::Ratio;
pub use refusal::{FieldRefusal, Refusal, RefusalKind};
pub use review::{Review, ReviewCommand, ReviewError, ReviewEvent};
pub use round::{
    AwardRequest, RankOutcome, RankRow, RankingEntry, Rejection, Round, RoundCommand, RoundError,
    RoundEvent, RoundSettings, SheetOutcome,
};
