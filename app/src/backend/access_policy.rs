//! Who may call what: one rule per route, checked by the server's access layer before a
//! handler runs and again by each server function (which also runs inside page renders,
//! where no route check happens). A route without a rule is refused.
//!
//! The rules say which roles; the handlers then check the ward (and, for a kiosk, the
//! counter) of what is asked for.

use super::auth::Principal;
use crate::model::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Anyone. The handler may still ask for a token (a receipt link, a kiosk's secret).
    Public,
    /// No session: the request proves itself by signature (bank notifications, DVC portal).
    Signed,
    /// A screen for these roles: the signed-out are sent to the sign-in page.
    Page(&'static [Role]),
    /// Data or an action for these roles and, when `kiosk`, for a paired kiosk.
    Api { roles: &'static [Role], kiosk: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Nobody is signed in (401, or the sign-in page for a screen).
    SignIn,
    /// Signed in, but not for this (403).
    Forbidden,
}

use Role::{Accountant, Admin, Officer, Supervisor, Support};

const STAFF: &[Role] = &[Officer, Support, Supervisor];
const DESK: &[Role] = &[Officer, Support];
/// Who reads the ward's money: the accountant, and the supervisor.
const MONEY: &[Role] = &[Accountant, Supervisor];

const fn api(roles: &'static [Role]) -> Rule {
    Rule::Api { roles, kiosk: false }
}

/// `(method, path, rule)`; the path as the router matched it (`{param}` for parameters),
/// the method `*` for any. Server functions are `POST /api/<endpoint>`.
pub const RULES: &[(&str, &str, Rule)] = &[
    // Operations and signed machine-to-machine APIs.
    ("GET", "/healthz", Rule::Public),
    ("GET", "/readyz", Rule::Public),
    ("POST", "/api/bank/{provider}", Rule::Signed),
    ("GET", "/api/dvc/v1/openapi.json", Rule::Public),
    ("POST", "/api/dvc/v1/payment-requests", Rule::Signed),
    ("GET", "/api/dvc/v1/payment-requests/{dossier_code}", Rule::Signed),
    ("POST", "/api/dvc/v1/payment-requests/{dossier_code}/cancel", Rule::Signed),
    ("*", "/api/dvc/v1/{*rest}", Rule::Signed),
    // Screens.
    ("GET", "/login", Rule::Public),
    ("GET", "/", Rule::Page(DESK)),
    ("GET", "/stats", Rule::Page(&[Supervisor])),
    ("GET", "/audit", Rule::Page(&[Supervisor, Admin])),
    ("GET", "/reconciliation", Rule::Page(MONEY)),
    // The reconciliation as a file (CSV), for the accountant's spreadsheet.
    ("GET", "/reports/reconciliation.csv", Rule::Page(MONEY)),
    ("GET", "/reports/reconciliation.xlsx", Rule::Page(MONEY)),
    // What stands behind a report row: raw notifications, statement lines, audit entries.
    ("GET", "/reports/evidence", Rule::Page(MONEY)),
    // A bank statement can pay dossiers: only the accountant imports one.
    ("POST", "/statements/import", api(&[Accountant])),
    ("GET", "/admin", Rule::Page(&[Admin, Accountant])),
    // The accountant's books: receipts register, tax summaries, refunds, treasury deposits.
    ("GET", "/accounting/receipts", Rule::Page(MONEY)),
    ("GET", "/accounting/tax", Rule::Page(MONEY)),
    ("GET", "/accounting/refunds", Rule::Page(MONEY)),
    ("GET", "/accounting/treasury", Rule::Page(MONEY)),
    ("GET", "/reports/receipts.csv", Rule::Page(MONEY)),
    ("GET", "/reports/receipts.xlsx", Rule::Page(MONEY)),
    ("GET", "/reports/treasury.csv", Rule::Page(MONEY)),
    ("GET", "/reports/treasury.xlsx", Rule::Page(MONEY)),
    ("GET", "/reports/refunds.csv", Rule::Page(MONEY)),
    ("GET", "/reports/refunds.xlsx", Rule::Page(MONEY)),
    ("GET", "/reports/tax-summary.xml", Rule::Page(MONEY)),
    // The kiosk page shows a pairing code until it is paired; its data call checks the device.
    ("GET", "/kiosk/{counter}", Rule::Public),
    // A receipt opens with its link token for anyone, or without it for the ward's staff.
    ("GET", "/receipts/{id}", Rule::Public),
    // The token or the staff member's ward is checked by the handler, as for the page.
    ("GET", "/receipts/{id}/pdf", Rule::Public),
    // Anyone checks a receipt and reads the published keys (the check is rate-limited).
    ("GET", "/verify", Rule::Public),
    ("POST", "/api/verify_receipt", Rule::Public),
    ("POST", "/api/get_public_keys", Rule::Public),
    ("POST", "/api/get_receipt_link_qr", Rule::Public),
    // Live push.
    ("GET", "/ws/counter/{id}", Rule::Api { roles: STAFF, kiosk: true }),
    ("GET", "/ws/ward/{id}", api(&[Supervisor])),
    // Sign-in and the kiosk's pairing.
    ("POST", "/api/login", Rule::Public),
    ("POST", "/api/logout", Rule::Public),
    ("POST", "/api/get_me", Rule::Public),
    ("POST", "/api/kiosk_pairing_start", Rule::Public),
    ("POST", "/api/kiosk_pairing_status", Rule::Public),
    // Counter work.
    ("POST", "/api/get_counter_snapshot", Rule::Api { roles: STAFF, kiosk: true }),
    ("POST", "/api/get_ward_snapshot", api(STAFF)),
    ("POST", "/api/get_catalog", api(STAFF)),
    ("POST", "/api/get_queue", api(STAFF)),
    ("POST", "/api/get_dvc_pending", api(DESK)),
    ("POST", "/api/set_counter_status", api(&[Officer])),
    ("POST", "/api/create_dossier", api(&[Officer])),
    ("POST", "/api/cancel_payment", api(&[Officer])),
    ("POST", "/api/reissue_payment", api(&[Officer])),
    ("POST", "/api/confirm_dvc", api(&[Officer])),
    ("POST", "/api/simulate_payment", api(&[Officer])),
    // Cash and assisted payments: the officer, or support staff helping a citizen.
    ("POST", "/api/pay_manually", api(DESK)),
    ("POST", "/api/get_receipt", Rule::Public),
    // Supervision.
    ("POST", "/api/get_exceptions", api(MONEY)),
    ("POST", "/api/get_reconciliation", api(MONEY)),
    ("POST", "/api/get_statements", api(MONEY)),
    ("POST", "/api/resolve_exception", api(&[Supervisor])),
    ("POST", "/api/get_intake_log", api(&[Supervisor])),
    ("POST", "/api/get_pollers", api(&[Supervisor])),
    ("POST", "/api/get_trends", api(&[Supervisor])),
    ("POST", "/api/get_login_attempts", api(&[Supervisor, Admin])),
    ("POST", "/api/close_day", api(&[Supervisor])),
    // Accounting: the accountant books; the supervisor reads, and approves refunds.
    ("POST", "/api/notify_receipt", api(&[Accountant])),
    // A replacement receipt: the accountant proposes, a second person (another accountant
    // or the supervisor) approves; the proposer never decides their own.
    ("POST", "/api/propose_replacement", api(&[Accountant])),
    ("POST", "/api/decide_replacement", api(MONEY)),
    ("POST", "/api/get_receipt_register", api(MONEY)),
    ("POST", "/api/get_tax_summaries", api(MONEY)),
    ("POST", "/api/prepare_tax_summary", api(&[Accountant])),
    ("POST", "/api/set_tax_summary_status", api(&[Accountant])),
    ("POST", "/api/get_budget_codes", api(&[Accountant, Supervisor, Admin])),
    ("POST", "/api/set_treasury_profile", api(&[Accountant])),
    ("POST", "/api/add_holiday", api(&[Accountant])),
    ("POST", "/api/remove_holiday", api(&[Accountant])),
    ("POST", "/api/set_fee_code", api(&[Accountant])),
    ("POST", "/api/get_refunds", api(MONEY)),
    ("POST", "/api/request_refund", api(MONEY)),
    ("POST", "/api/act_on_refund", api(MONEY)),
    ("POST", "/api/get_treasury", api(MONEY)),
    ("POST", "/api/get_treasury_slip", api(MONEY)),
    ("POST", "/api/record_deposit", api(&[Accountant])),
    ("POST", "/api/get_day_closes", api(&[Supervisor])),
    ("POST", "/api/get_audit", api(&[Supervisor, Admin])),
    ("POST", "/api/verify_audit", api(&[Supervisor, Admin])),
    // Ward set-up.
    ("POST", "/api/admin_setup", api(&[Admin])),
    ("POST", "/api/admin_save_ward", api(&[Admin])),
    ("POST", "/api/admin_add_counter", api(&[Admin])),
    ("POST", "/api/admin_fee_items", api(&[Admin])),
    ("POST", "/api/admin_update_fee_item", api(&[Admin])),
    ("POST", "/api/admin_import_catalog", api(&[Admin])),
    ("POST", "/api/admin_create_account", api(&[Admin])),
    ("POST", "/api/admin_set_account_active", api(&[Admin])),
    ("POST", "/api/admin_reset_password", api(&[Admin])),
    ("POST", "/api/admin_pair_kiosk", api(&[Admin])),
    ("POST", "/api/admin_revoke_kiosk", api(&[Admin])),
];

/// The rule for a matched route, if there is one. `HEAD` is `GET` without the body (load
/// balancers ask it), so it follows the `GET` rule.
pub fn rule_for(method: &str, path: &str) -> Option<Rule> {
    let method = if method.eq_ignore_ascii_case("HEAD") { "GET" } else { method };
    RULES.iter().find(|(m, p, _)| (*m == "*" || m.eq_ignore_ascii_case(method)) && *p == path).map(|(_, _, r)| *r)
}

/// What `rule` says about `who`.
pub fn decide(rule: Rule, who: &Principal) -> Decision {
    let roles = match rule {
        Rule::Public | Rule::Signed => return Decision::Allow,
        Rule::Page(roles) => roles,
        Rule::Api { roles, kiosk } => {
            if kiosk && matches!(who, Principal::Kiosk(_)) {
                return Decision::Allow;
            }
            roles
        }
    };
    match who {
        Principal::Staff(s) if roles.contains(&s.role) => Decision::Allow,
        Principal::Staff(_) => Decision::Forbidden,
        // A kiosk is not a person: pages and staff data send it to sign in like anyone else.
        Principal::Anonymous | Principal::Kiosk(_) => Decision::SignIn,
    }
}

/// May `who` open the screen at `path`? (Used to pick where to go after signing in.)
pub fn may_open(role: Role, path: &str) -> bool {
    matches!(rule_for("GET", path), Some(Rule::Page(roles)) if roles.contains(&role)) || matches!(rule_for("GET", path), Some(Rule::Public))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::auth::{KioskUser, StaffUser};

    fn staff(role: Role) -> Principal {
        Principal::Staff(StaffUser {
            account_id: 1,
            username: "x".into(),
            display_name: "X".into(),
            role,
            ward_id: Some(1),
            session_id: String::new(),
        })
    }

    #[test]
    fn routes_have_one_rule_each() {
        for (i, (m, p, _)) in RULES.iter().enumerate() {
            assert!(RULES.iter().skip(i + 1).all(|(m2, p2, _)| !(m2 == m && p2 == p)), "{m} {p} has two rules");
        }
    }

    #[test]
    fn unknown_routes_have_no_rule() {
        assert_eq!(rule_for("POST", "/api/not_a_function"), None);
        assert_eq!(rule_for("DELETE", "/"), None);
    }

    #[test]
    fn a_kiosk_reads_its_counter_and_nothing_of_the_desk() {
        let k = Principal::Kiosk(KioskUser { device_id: 1, ward_id: 1, counter_id: 1 });
        let rule = |p| rule_for("POST", p).expect("rule");
        assert_eq!(decide(rule("/api/get_counter_snapshot"), &k), Decision::Allow);
        assert_eq!(decide(rule("/api/get_queue"), &k), Decision::SignIn);
        assert_eq!(decide(rule_for("GET", "/").expect("rule"), &k), Decision::SignIn);
    }

    #[test]
    fn roles_see_their_screens() {
        assert!(may_open(Role::Officer, "/"));
        assert!(!may_open(Role::Officer, "/stats"));
        assert!(may_open(Role::Supervisor, "/stats"));
        assert!(!may_open(Role::Supervisor, "/admin"));
        assert!(may_open(Role::Admin, "/admin"));
        assert_eq!(decide(rule_for("POST", "/api/resolve_exception").expect("rule"), &staff(Role::Officer)), Decision::Forbidden);
        assert_eq!(decide(rule_for("POST", "/api/pay_manually").expect("rule"), &staff(Role::Support)), Decision::Allow);
    }
}
