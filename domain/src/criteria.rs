//! Review criteria (審査基準) and the scores given on them.
//!
//! A round fixes its criteria when it opens; a `Score` can only be made through the criterion it scores,
//! so a score outside its range cannot exist (rule 4, "each criterion score lies within its range").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, RefusalKind};

/// One criterion, such as 公益性 scored 0 to 10.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// The criterion's key, unique in the round, by which scores name it.
    pub key: String,
    /// The name shown to reviewers (公益性).
    pub label: String,
    /// The lowest points a reviewer may give on it.
    pub min: u32,
    /// The highest points a reviewer may give on it.
    pub max: u32,
}

/// A round's criteria: at least one, keys unique, each range non-empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Criterion>", into = "Vec<Criterion>")]
pub struct Criteria(Vec<Criterion>);

/// Points on one criterion, known to lie within its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Score(u32);

impl Score {
    /// The points given.
    pub fn points(self) -> u32 {
        self.0
    }
}

/// Why a round's criteria, or a score on them, are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriteriaError {
    /// The round has no criterion.
    #[error("a round needs at least one review criterion")]
    Empty,
    /// Two criteria share this key.
    #[error("the criterion key {0:?} appears twice")]
    DuplicateKey(String),
    /// The criterion (by key) lacks a key or a label, or its minimum is above its maximum.
    #[error("the criterion {0:?} needs a key, a label and a minimum not above its maximum")]
    BadCriterion(String),
    /// A score names a key the round's criteria do not have.
    #[error("there is no criterion {0:?} in this round")]
    UnknownCriterion(String),
    /// A score lies outside its criterion's range.
    #[error("the score {points} for {key:?} lies outside its range {min} to {max}")]
    OutOfRange {
        /// The criterion's key.
        key: String,
        /// The points given.
        points: u32,
        /// The criterion's lowest points.
        min: u32,
        /// The criterion's highest points.
        max: u32,
    },
    /// Sealing a sheet that has no score yet on this criterion (by key).
    #[error("the criterion {0:?} has no score yet")]
    Unscored(String),
}

impl Refusal for CriteriaError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "criteria.empty",
            Self::DuplicateKey(_) => "criteria.duplicate_key",
            Self::BadCriterion(_) => "criteria.bad_criterion",
            Self::UnknownCriterion(_) => "criteria.unknown_criterion",
            Self::OutOfRange { .. } => "criteria.score_out_of_range",
            Self::Unscored(_) => "criteria.unscored",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::Empty => "審査基準を1つ以上設定してください".into(),
            Self::DuplicateKey(key) => format!("審査基準のキー「{key}」が重複しています"),
            Self::BadCriterion(key) => {
                format!("審査基準「{key}」にはキー・名称と、最高点以下の最低点が必要です")
            }
            Self::UnknownCriterion(key) => format!("審査基準「{key}」はこの募集回にありません"),
            Self::OutOfRange {
                key,
                points,
                min,
                max,
            } => format!("「{key}」の点数{points}点は範囲（{min}〜{max}点）外です"),
            Self::Unscored(key) => format!("審査基準「{key}」が未採点です"),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::Unscored(_) => RefusalKind::Rule,
            _ => RefusalKind::Invalid,
        }
    }

    /// The round's `criteria` when the criteria themselves are wrong; a scoresheet's `scores` when
    /// a score is.
    fn field(&self) -> Option<&'static str> {
        match self {
            Self::Empty | Self::DuplicateKey(_) | Self::BadCriterion(_) => Some("criteria"),
            Self::UnknownCriterion(_) | Self::OutOfRange { .. } | Self::Unscored(_) => {
                Some("scores")
            }
        }
    }
}

impl Criteria {
    /// Criteria that are not empty, with unique keys and each a key, a label and `min <= max`.
    pub fn new(criteria: Vec<Criterion>) -> Result<Self, CriteriaError> {
        if criteria.is_empty() {
            return Err(CriteriaError::Empty);
        }
        let mut seen = std::collections::BTreeSet::new();
        for criterion in &criteria {
            if criterion.key.trim().is_empty()
                || criterion.label.trim().is_empty()
                || criterion.min > criterion.max
            {
                return Err(CriteriaError::BadCriterion(criterion.key.clone()));
            }
            if !seen.insert(criterion.key.as_str()) {
                return Err(CriteriaError::DuplicateKey(criterion.key.clone()));
            }
        }
        Ok(Criteria(criteria))
    }

    /// The criteria, in the round's order.
    pub fn iter(&self) -> impl Iterator<Item = &Criterion> {
        self.0.iter()
    }

    /// The highest total one reviewer can give.
    pub fn max_total(&self) -> u32 {
        self.0.iter().map(|criterion| criterion.max).sum()
    }

    /// Checks one criterion's points against its range.
    pub fn score(&self, key: &str, points: u32) -> Result<Score, CriteriaError> {
        let criterion = self
            .0
            .iter()
            .find(|criterion| criterion.key == key)
            .ok_or_else(|| CriteriaError::UnknownCriterion(key.to_owned()))?;
        if !(criterion.min..=criterion.max).contains(&points) {
            return Err(CriteriaError::OutOfRange {
                key: key.to_owned(),
                points,
                min: criterion.min,
                max: criterion.max,
            });
        }
        Ok(Score(points))
    }

    /// Checks every given score (a partial sheet may be saved as a draft).
    pub fn check_scores(
        &self,
        points: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<String, Score>, CriteriaError> {
        points
            .iter()
            .map(|(key, &points)| Ok((key.clone(), self.score(key, points)?)))
            .collect()
    }

    /// The total of a complete sheet: every criterion scored.
    pub fn total(&self, scores: &BTreeMap<String, Score>) -> Result<u32, CriteriaError> {
        self.0
            .iter()
            .map(|criterion| {
                scores
                    .get(&criterion.key)
                    .map(|score| score.points())
                    .ok_or_else(|| CriteriaError::Unscored(criterion.key.clone()))
            })
            .sum()
    }
}

impl TryFrom<Vec<Criterion>> for Criteria {
    type Error = CriteriaError;
    fn try_from(criteria: Vec<Criterion>) -> Result<Self, Self::Error> {
        Criteria::new(criteria)
    }
}

impl From<Criteria> for Vec<Criterion> {
    fn from(criteria: Criteria) -> Self {
        criteria.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn five_criteria() -> Criteria {
        let keys = [
            ("public_benefit", "公益性"),
            ("civic", "市民性"),
            ("growth", "発展性"),
            ("feasibility", "実現性"),
            ("independence", "自立性"),
        ];
        Criteria::new(
            keys.iter()
                .map(|(key, label)| Criterion {
                    key: (*key).into(),
                    label: (*label).into(),
                    min: 0,
                    max: 10,
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn scores_must_lie_within_their_range() {
        let criteria = five_criteria();
        assert_eq!(criteria.max_total(), 50);
        assert_eq!(criteria.score("civic", 10).unwrap().points(), 10);
        assert!(matches!(
            criteria.score("civic", 11),
            Err(CriteriaError::OutOfRange { .. })
        ));
        assert!(matches!(
            criteria.score("beauty", 5),
            Err(CriteriaError::UnknownCriterion(_))
        ));
    }

    #[test]
    fn a_total_needs_every_criterion() {
        let criteria = five_criteria();
        let mut points: BTreeMap<String, u32> = criteria
            .iter()
            .map(|criterion| (criterion.key.clone(), 8))
            .collect();
        let scores = criteria.check_scores(&points).unwrap();
        assert_eq!(criteria.total(&scores), Ok(40));
        points.remove("growth");
        let partial = criteria.check_scores(&points).unwrap();
        assert_eq!(
            criteria.total(&partial),
            Err(CriteriaError::Unscored("growth".into()))
        );
    }

    #[test]
    fn refuses_empty_duplicate_and_inverted_criteria() {
        assert_eq!(Criteria::new(vec![]), Err(CriteriaError::Empty));
        let criterion = Criterion {
            key: "a".into(),
            label: "A".into(),
            min: 0,
            max: 5,
        };
        assert!(matches!(
            Criteria::new(vec![criterion.clone(), criterion.clone()]),
            Err(CriteriaError::DuplicateKey(_))
        ));
        let inverted = Criterion {
            min: 6,
            ..criterion
        };
        assert!(matches!(
            Criteria::new(vec![inverted]),
            Err(CriteriaError::BadCriterion(_))
        ));
    }
}
