//! The budget of a project (収支予算書) and of its settlement (収支決算書): expense lines by category and
//! income lines by kind, and the subsidy base they give.
//!
//! Rule 3's exclusions live here and only here: food and drink at members' meetings, entertainment,
//! members' personnel costs, the group's running costs and gift vouchers never count as eligible
//! expenses. Own funds do not reduce the subsidy base; project income and other subsidies do.

use serde::{Deserialize, Serialize};

use crate::money::Yen;

/// Expense categories (費目), with the codes of the HTTP contract.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseCategory {
    /// 報償費: honoraria for lecturers and helpers.
    Honoraria,
    /// 旅費: travel.
    Travel,
    /// 消耗品費: consumables.
    Supplies,
    /// 印刷製本費: printing and binding.
    Printing,
    /// 燃料費: fuel.
    Fuel,
    /// 光熱水費: electricity, gas and water.
    Utilities,
    /// 通信運搬費: postage, telephone and carriage.
    Communication,
    /// 保険料: insurance premiums.
    Insurance,
    /// 委託料: work contracted out.
    Outsourcing,
    /// 使用料及び賃借料: hall fees and rentals.
    Rentals,
    /// 原材料費: raw materials.
    Materials,
    /// 備品購入費: equipment.
    Equipment,
    /// 手数料: fees and charges.
    Fees,
    /// 食糧費: food and drink at members' meetings; not eligible (rule 3).
    Food,
    /// 交際費: entertainment; not eligible (rule 3).
    Entertainment,
    /// 人件費: the members' own personnel costs; not eligible (rule 3).
    MemberPersonnel,
    /// 団体運営費: the group's running costs; not eligible (rule 3).
    RunningCosts,
    /// 金券: gift vouchers; not eligible (rule 3).
    Vouchers,
}

impl ExpenseCategory {
    /// Every category, in the order forms list them.
    pub const ALL: [ExpenseCategory; 18] = [
        Self::Honoraria,
        Self::Travel,
        Self::Supplies,
        Self::Printing,
        Self::Fuel,
        Self::Utilities,
        Self::Communication,
        Self::Insurance,
        Self::Outsourcing,
        Self::Rentals,
        Self::Materials,
        Self::Equipment,
        Self::Fees,
        Self::Food,
        Self::Entertainment,
        Self::MemberPersonnel,
        Self::RunningCosts,
        Self::Vouchers,
    ];

    /// Whether the category may count towards the subsidy (rule 3's exclusions).
    pub fn is_eligible(self) -> bool {
        !matches!(
            self,
            Self::Food
                | Self::Entertainment
                | Self::MemberPersonnel
                | Self::RunningCosts
                | Self::Vouchers
        )
    }

    /// The category's name on the city's forms (費目名).
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Honoraria => "報償費",
            Self::Travel => "旅費",
            Self::Supplies => "消耗品費",
            Self::Printing => "印刷製本費",
            Self::Fuel => "燃料費",
            Self::Utilities => "光熱水費",
            Self::Communication => "通信運搬費",
            Self::Insurance => "保険料",
            Self::Outsourcing => "委託料",
            Self::Rentals => "使用料及び賃借料",
            Self::Materials => "原材料費",
            Self::Equipment => "備品購入費",
            Self::Fees => "手数料",
            Self::Food => "食糧費",
            Self::Entertainment => "交際費",
            Self::MemberPersonnel => "人件費",
            Self::RunningCosts => "団体運営費",
            Self::Vouchers => "金券",
        }
    }
}

/// Income kinds (収入の種類).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    /// 自己資金: does not reduce the subsidy base.
    OwnFunds,
    /// 事業収入: participant fees, sales, donations; reduces the base.
    ProjectIncome,
    /// 他の補助金: reduces the base.
    OtherSubsidy,
}

impl IncomeKind {
    /// Whether income of this kind is deducted from the subsidy base (all but own funds).
    pub fn reduces_subsidy_base(self) -> bool {
        !matches!(self, Self::OwnFunds)
    }

    /// The kind's name on the city's forms.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::OwnFunds => "自己資金",
            Self::ProjectIncome => "事業収入",
            Self::OtherSubsidy => "他の補助金",
        }
    }
}

/// One planned or actual expense: `quantity x unit_price`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseLine {
    /// The category (費目) the expense belongs to, which decides whether it is eligible.
    pub category: ExpenseCategory,
    /// What is bought or paid for (品名・内容), one line.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// The price of one, in integer yen.
    pub unit_price: Yen,
}

impl ExpenseLine {
    /// `quantity x unit_price`, or `None` if that overflows.
    pub fn amount(&self) -> Option<Yen> {
        self.unit_price.checked_mul(self.quantity)
    }
}

/// One planned or actual income.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeLine {
    /// Where the income comes from.
    pub kind: IncomeKind,
    /// What it is (内容), one line.
    pub description: String,
    /// The amount, in integer yen.
    pub amount: Yen,
}

/// The amounts are too large to add up (more than one trillion yen).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the budget's amounts are too large to add up")]
pub struct BudgetOverflow;

/// A budget: income and expense lines.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The income lines (収入), in the group's order.
    #[serde(default)]
    pub income: Vec<IncomeLine>,
    /// The expense lines (支出), in the group's order.
    #[serde(default)]
    pub expenses: Vec<ExpenseLine>,
}

/// The sums a budget gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetTotals {
    /// Every expense, eligible or not (事業費総額).
    pub total_cost: Yen,
    /// Expenses in eligible categories (補助対象経費).
    pub eligible_expenses: Yen,
    /// Project income plus other subsidies.
    pub deductions: Yen,
    /// `eligible_expenses - deductions`, never below zero.
    pub subsidy_base: Yen,
}

impl Budget {
    /// The sums of every line: total cost, eligible expenses, deductions and the subsidy base.
    pub fn totals(&self) -> Result<BudgetTotals, BudgetOverflow> {
        Self::totals_of(self.expenses.iter(), self.income.iter())
    }

    /// Every income line added up (収入合計), whether or not it reduces the subsidy base.
    pub fn income_total(&self) -> Result<Yen, BudgetOverflow> {
        Yen::checked_sum(self.income.iter().map(|line| line.amount)).ok_or(BudgetOverflow)
    }

    /// Totals over any selection of lines (the settlement report drops receipts that do not count).
    pub fn totals_of<'a>(
        expenses: impl Iterator<Item = &'a ExpenseLine> + Clone,
        income: impl Iterator<Item = &'a IncomeLine>,
    ) -> Result<BudgetTotals, BudgetOverflow> {
        let amount = |line: &ExpenseLine| line.amount().ok_or(BudgetOverflow);
        let total_cost = Yen::checked_sum(
            expenses
                .clone()
                .map(amount)
                .collect::<Result<Vec<_>, _>>()?,
        )
        .ok_or(BudgetOverflow)?;
        let eligible = expenses
            .filter(|line| line.category.is_eligible())
            .map(amount)
            .collect::<Result<Vec<_>, _>>()?;
        let eligible_expenses = Yen::checked_sum(eligible).ok_or(BudgetOverflow)?;
        let deductions = Yen::checked_sum(
            income
                .filter(|line| line.kind.reduces_subsidy_base())
                .map(|line| line.amount),
        )
        .ok_or(BudgetOverflow)?;
        Ok(BudgetTotals {
            total_cost,
            eligible_expenses,
            deductions,
            subsidy_base: eligible_expenses.saturating_sub(deductions),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_income_total_adds_every_line_while_the_deductions_count_only_income_that_reduces_the_base(
    ) {
        // Worked example: ¥30,000 of participant fees and ¥20,000 of the group's own funds.
        let budget = Budget {
            income: vec![
                IncomeLine {
                    kind: IncomeKind::ProjectIncome,
                    description: "参加費".into(),
                    amount: Yen::new(30_000).unwrap(),
                },
                IncomeLine {
                    kind: IncomeKind::OwnFunds,
                    description: "自己資金".into(),
                    amount: Yen::new(20_000).unwrap(),
                },
            ],
            expenses: Vec::new(),
        };
        assert_eq!(budget.income_total(), Ok(Yen::new(50_000).unwrap()));
        assert_eq!(
            budget.totals().unwrap().deductions,
            Yen::new(30_000).unwrap()
        );
    }

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    fn expense(category: ExpenseCategory, amount: i64) -> ExpenseLine {
        ExpenseLine {
            category,
            item: "item".into(),
            quantity: 1,
            unit_price: yen(amount),
        }
    }

    #[test]
    fn ineligible_categories_never_count() {
        for category in ExpenseCategory::ALL {
            let budget = Budget {
                income: vec![],
                expenses: vec![expense(category, 10_000)],
            };
            let totals = budget.totals().unwrap();
            assert_eq!(totals.total_cost, yen(10_000));
            let expected = if category.is_eligible() { 10_000 } else { 0 };
            assert_eq!(totals.eligible_expenses, yen(expected), "{category:?}");
        }
        assert!(!ExpenseCategory::Food.is_eligible());
        assert!(!ExpenseCategory::Vouchers.is_eligible());
        assert!(ExpenseCategory::Printing.is_eligible());
    }

    #[test]
    fn own_funds_do_not_reduce_the_base_but_income_and_subsidies_do() {
        let budget = Budget {
            income: vec![
                IncomeLine {
                    kind: IncomeKind::OwnFunds,
                    description: "会費".into(),
                    amount: yen(50_000),
                },
                IncomeLine {
                    kind: IncomeKind::ProjectIncome,
                    description: "参加費".into(),
                    amount: yen(30_000),
                },
                IncomeLine {
                    kind: IncomeKind::OtherSubsidy,
                    description: "県の助成".into(),
                    amount: yen(20_000),
                },
            ],
            expenses: vec![
                ExpenseLine {
                    category: ExpenseCategory::Printing,
                    item: "チラシ".into(),
                    quantity: 1_000,
                    unit_price: yen(100),
                },
                expense(ExpenseCategory::Food, 8_000),
            ],
        };
        let totals = budget.totals().unwrap();
        assert_eq!(totals.total_cost, yen(108_000));
        assert_eq!(totals.eligible_expenses, yen(100_000));
        assert_eq!(totals.deductions, yen(50_000));
        assert_eq!(totals.subsidy_base, yen(50_000));
    }

    #[test]
    fn the_base_never_goes_below_zero() {
        let budget = Budget {
            income: vec![IncomeLine {
                kind: IncomeKind::ProjectIncome,
                description: "売上".into(),
                amount: yen(90_000),
            }],
            expenses: vec![expense(ExpenseCategory::Supplies, 10_000)],
        };
        assert_eq!(budget.totals().unwrap().subsidy_base, Yen::ZERO);
    }

    #[test]
    fn refuses_unknown_fields() {
        let json = r#"{"category":"supplies","item":"x","quantity":1,"unit_price":5,"extra":1}"#;
        assert!(serde_json::from_str::<ExpenseLine>(json).is_err());
    }
}
