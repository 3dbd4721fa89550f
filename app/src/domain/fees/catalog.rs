//! The demo ward's fee catalog: example rows, shown as examples, that a new ward starts from.

use super::{FeeKind, FeeRule};
use serde::{Deserialize, Serialize};

/// One row of seed data for a ward's fee catalog.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CatalogSeed {
    /// A demo short code such as "DEMO-CT01", not a national TTHC code.
    pub procedure_code: String,
    pub procedure_name: String,
    /// The line's name on the receipt; for free procedures the procedure name.
    pub fee_name: String,
    pub kind: FeeKind,
    pub rule: FeeRule,
    pub legal_basis: String,
    /// True when the amount comes from a secondary source and must be checked
    /// by the ward's accountant against the legal text.
    pub basis_from_secondary_source: bool,
    /// A placeholder budget sub-item (tiểu mục) such as "DEMO-1001".
    pub budget_subitem: String,
    /// What the quantity counts ("bản", "trường hợp", "hợp đồng"); `None` when free.
    pub unit_label: Option<String>,
    /// Shown beside the line, e.g. "Miễn lệ phí".
    pub note: Option<String>,
}

/// The demo ward's catalog (example data, `docs/domain.md` §3), 14 rows.
///
/// Procedure codes (`DEMO-CT..` for chứng thực, `DEMO-HT..` for hộ tịch) are demo
/// short codes and must be shown as such: a real ward uses the national TTHC
/// codes from the national procedure database. Budget sub-items (`DEMO-1001`
/// phí chứng thực, `DEMO-1002` phí trích lục hộ tịch, `DEMO-2001` lệ phí hộ
/// tịch) are placeholders for the codes the ward's accountant sets.
pub fn demo_catalog() -> Vec<CatalogSeed> {
    const TT226: &str = "Thông tư 226/2016/TT-BTC";
    const TT281: &str = "Thông tư 281/2016/TT-BTC";
    const LUAT_HO_TICH: &str = "Luật Hộ tịch 2014, Điều 11";
    const NQ06: &str = "Nghị quyết 06/2020/NQ-HĐND TP Hà Nội";
    const FEE_HO_TICH: &str = "Lệ phí hộ tịch";

    struct Row {
        code: &'static str,
        procedure: &'static str,
        fee_name: Option<&'static str>,
        kind: FeeKind,
        rule: FeeRule,
        basis: &'static str,
        subitem: &'static str,
        unit: Option<&'static str>,
    }

    let flat = |amount| FeeRule::Flat { amount };
    let phi = |code, procedure, fee_name, rule, unit| Row {
        code,
        procedure,
        fee_name: Some(fee_name),
        kind: FeeKind::Phi,
        rule,
        basis: TT226,
        subitem: "DEMO-1001",
        unit: Some(unit),
    };
    let free = |code, procedure| Row {
        code,
        procedure,
        fee_name: None,
        kind: FeeKind::LePhi,
        rule: FeeRule::Free,
        basis: LUAT_HO_TICH,
        subitem: "DEMO-2001",
        unit: None,
    };
    let ho_tich = |code, procedure, amount| Row {
        code,
        procedure,
        fee_name: Some(FEE_HO_TICH),
        kind: FeeKind::LePhi,
        rule: FeeRule::Flat { amount },
        basis: NQ06,
        subitem: "DEMO-2001",
        unit: Some("trường hợp"),
    };

    let rows = [
        phi(
            "DEMO-CT01",
            "Chứng thực bản sao từ bản chính",
            "Phí chứng thực bản sao",
            FeeRule::TieredPerPage { first_pages: 2, first_page_price: 2_000, later_page_price: 1_000, cap_per_copy: 200_000 },
            "bản",
        ),
        phi("DEMO-CT02", "Chứng thực chữ ký", "Phí chứng thực chữ ký", flat(10_000), "trường hợp"),
        phi("DEMO-CT03", "Chứng thực hợp đồng, giao dịch", "Phí chứng thực hợp đồng, giao dịch", flat(50_000), "hợp đồng"),
        phi("DEMO-CT04", "Chứng thực việc sửa đổi, bổ sung hợp đồng", "Phí chứng thực sửa đổi, bổ sung", flat(30_000), "hợp đồng"),
        phi("DEMO-CT05", "Sửa lỗi sai sót trong hợp đồng đã chứng thực", "Phí sửa lỗi sai sót", flat(25_000), "hợp đồng"),
        Row {
            code: "DEMO-HT01",
            procedure: "Cấp bản sao trích lục hộ tịch",
            fee_name: Some("Phí cấp bản sao trích lục"),
            kind: FeeKind::Phi,
            rule: FeeRule::PerUnit { unit_price: 8_000, unit: "bản".to_string() },
            basis: TT281,
            subitem: "DEMO-1002",
            unit: Some("bản"),
        },
        free("DEMO-HT02", "Đăng ký khai sinh (đúng hạn)"),
        ho_tich("DEMO-HT03", "Đăng ký khai sinh quá hạn", 5_000),
        free("DEMO-HT04", "Đăng ký khai tử (đúng hạn)"),
        ho_tich("DEMO-HT05", "Đăng ký khai tử quá hạn", 5_000),
        free("DEMO-HT06", "Đăng ký kết hôn"),
        ho_tich("DEMO-HT07", "Xác nhận tình trạng hôn nhân", 3_000),
        ho_tich("DEMO-HT08", "Thay đổi, cải chính hộ tịch (người dưới 14 tuổi)", 5_000),
        ho_tich("DEMO-HT09", "Thay đổi, cải chính hộ tịch (từ đủ 14 tuổi)", 25_000),
    ];

    rows.into_iter()
        .map(|row| CatalogSeed {
            procedure_code: row.code.to_string(),
            procedure_name: row.procedure.to_string(),
            fee_name: row.fee_name.unwrap_or(row.procedure).to_string(),
            kind: row.kind,
            basis_from_secondary_source: row.basis == NQ06,
            note: (row.rule == FeeRule::Free).then(|| "Miễn lệ phí".to_string()),
            rule: row.rule,
            legal_basis: row.basis.to_string(),
            budget_subitem: row.subitem.to_string(),
            unit_label: row.unit.map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{compute, LineInput};
    use super::*;

    fn certified_copy() -> FeeRule {
        FeeRule::TieredPerPage { first_pages: 2, first_page_price: 2_000, later_page_price: 1_000, cap_per_copy: 200_000 }
    }

    #[test]
    fn demo_catalog_rows() {
        let catalog = demo_catalog();
        assert_eq!(catalog.len(), 14);
        let codes: std::collections::HashSet<_> = catalog.iter().map(|r| r.procedure_code.as_str()).collect();
        assert_eq!(codes.len(), 14);
        assert!(catalog.iter().all(|r| r.procedure_code.starts_with("DEMO-")));
        assert!(catalog.iter().all(|r| r.budget_subitem.starts_with("DEMO-")));

        let free: Vec<_> = catalog.iter().filter(|r| r.rule == FeeRule::Free).collect();
        assert_eq!(free.len(), 3);
        for row in free {
            assert_eq!(row.fee_name, row.procedure_name);
            assert_eq!(row.note.as_deref(), Some("Miễn lệ phí"));
            assert_eq!(row.kind, FeeKind::LePhi);
        }

        assert_eq!(catalog[0].rule, certified_copy());
        assert_eq!(compute(&catalog[0].rule, &LineInput::new(3, Some(5))), Ok(21_000));
        let amounts: Vec<i64> = catalog.iter().map(|r| compute(&r.rule, &LineInput::new(1, Some(1))).unwrap()).collect();
        assert_eq!(amounts, [2_000, 10_000, 50_000, 30_000, 25_000, 8_000, 0, 5_000, 0, 5_000, 0, 3_000, 5_000, 25_000]);
        let phi = catalog.iter().filter(|r| r.kind == FeeKind::Phi).count();
        assert_eq!(phi, 6);
        let secondary = catalog.iter().filter(|r| r.basis_from_secondary_source).count();
        assert_eq!(secondary, 5);
    }
}
