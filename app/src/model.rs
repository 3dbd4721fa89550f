//! Types shared by the server, the server functions and the browser.

mod accounting;
pub use accounting::*;

pub use crate::domain::payment::{PaymentMethod, PaymentState};
pub use crate::domain::reconciliation::RecState;
use serde::{Deserialize, Serialize};

/// Whether a counter is taking citizens. A paused counter's kiosk says so instead of
/// inviting the next person to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterStatus {
    Open,
    Paused,
}

impl CounterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CounterStatus::Open => "open",
            CounterStatus::Paused => "paused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(CounterStatus::Open),
            "paused" => Some(CounterStatus::Paused),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardInfo {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub bank_name: String,
    pub bank_account: String,
    pub bank_account_name: String,
    /// The kiosks chime when a payment succeeds (the admin may turn it off).
    #[serde(default = "yes")]
    pub kiosk_chime: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterInfo {
    pub id: i64,
    pub ward_id: i64,
    pub number: i32,
    pub name: String,
    pub status: CounterStatus,
    /// RFC 3339, UTC.
    pub status_changed_at: String,
}

/// Everything a kiosk or an officer screen needs to draw one counter. Sent whole on every
/// change so that a screen never has to merge deltas into state it may have missed.
/// It carries no personal data beyond the masked name the citizen at the counter sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSnapshot {
    pub ward: WardInfo,
    pub counter: CounterInfo,
    /// The payment the counter's screens show now, if any.
    pub current: Option<PaymentView>,
    /// The server runs in demo mode ("simulate payment" is available).
    pub demo: bool,
    /// Minutes without a bank notification while codes wait (see `backend::stats::bank_silence`).
    pub bank_silence_mins: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLineView {
    pub fee_name: String,
    pub kind: String,
    pub quantity: i32,
    pub pages: Option<i32>,
    pub amount: i64,
    pub exempt_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRef {
    pub id: i64,
    /// Series and number as printed, e.g. "26PDM 0000012".
    pub label: String,
    /// The public link's token: opens the receipt with the payer masked (see
    /// `backend::receipts::public_token`); staff of the ward see it whole without it.
    pub token: String,
}

impl ReceiptRef {
    pub fn href(&self) -> String {
        format!("/receipts/{}?k={}", self.id, self.token)
    }
}

/// What a receipt says; its canonical JSON is what the ward's key signs. Field order is the
/// serialisation order: never reorder fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptContent {
    pub title: String,
    pub form: String,
    pub series: String,
    pub number: String,
    pub unit_name: String,
    pub unit_address: String,
    pub unit_tax_code: String,
    pub unit_budget_code: String,
    pub payer_name: String,
    pub payer_id: Option<String>,
    pub dossier_code: String,
    pub procedure_name: String,
    pub lines: Vec<FeeLineView>,
    pub total: i64,
    pub total_words: String,
    pub method: PaymentMethod,
    pub bank_ref: Option<String>,
    pub payment_code: String,
    /// RFC 3339 UTC.
    pub issued_at: String,
    pub collector: String,
    /// Fields added later are appended and left out when empty, so the canonical JSON of a
    /// receipt issued before them is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_address: Option<String>,
    /// For a replacement receipt: the receipt it replaces and why (TT 91, Điều 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ReplacedReceipt>,
    /// The bank transfers that paid it, when there was more than one or they came to more
    /// than the amount (the surplus goes back to the payer and is not revenue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<ReceiptTransfer>,
}

/// One bank transfer a receipt lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTransfer {
    /// The bank's reference, or the provider's transaction id.
    pub reference: Option<String>,
    pub amount: i64,
    /// RFC 3339 UTC.
    pub received_at: String,
}

impl ReceiptTransfer {
    /// One line of the receipt's list, as the page and the PDF print it.
    pub fn line_vi(&self) -> String {
        let reference = self.reference.as_deref().map(|r| format!(" — mã giao dịch {r}")).unwrap_or_default();
        format!("{}{reference} — {}", crate::domain::words::format_vnd(self.amount), crate::time::format_vn_datetime(&self.received_at))
    }
}

/// The receipt a replacement names: form, series, number and date, as printed on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacedReceipt {
    pub form: String,
    pub series: String,
    pub number: String,
    /// RFC 3339 UTC.
    pub issued_at: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptDoc {
    pub id: i64,
    pub content: ReceiptContent,
    pub signature: String,
    pub signature_valid: bool,
    #[serde(default = "valid_status")]
    pub status: ReceiptStatus,
    /// The receipt that replaces this one (its page opens with the same kind of link).
    #[serde(default)]
    pub replaced_by: Option<ReceiptRef>,
    #[serde(default)]
    pub notices: Vec<NoticeView>,
    /// The signed-in viewer may issue a notice or a replacement (the ward's accountant).
    #[serde(default)]
    pub can_correct: bool,
    /// A replacement proposed for this receipt and waiting for a second person.
    #[serde(default)]
    pub pending_replacement: Option<crate::model::ReplacementView>,
    /// The viewer may approve or reject a waiting replacement (accountant or supervisor of
    /// the ward who did not propose it).
    #[serde(default)]
    pub can_decide: bool,
    /// `ed25519` (checkable by anyone with the key on /verify) or `hmac-sha256` (older).
    #[serde(default)]
    pub sig_alg: String,
    #[serde(default)]
    pub key_id: Option<String>,
    /// `/verify?…` for this receipt, and its QR code as SVG (absolute address) for print.
    #[serde(default)]
    pub verify_path: String,
    #[serde(default)]
    pub verify_qr_svg: Option<String>,
}

/// What a receipt's link opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptOpen {
    /// The receipt itself (for the public link, with the payer masked).
    Doc(Box<ReceiptDoc>),
    /// The public link of a receipt that was replaced no longer shows it (a citizen must not
    /// keep a receipt that no longer counts): it names it and points to its replacement.
    /// Staff of the ward still see the replaced receipt itself.
    Replaced { label: String, by: ReceiptRef },
}

/// What a citizen types on `/verify` (or the receipt's QR code carries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyQuery {
    pub form: String,
    pub series: String,
    pub number: String,
    pub amount: String,
    /// The collecting unit's tax code, when several units use the same series.
    pub tax_code: Option<String>,
}

/// What `/verify` tells anyone about a receipt: nothing of the payer beyond a masked name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResult {
    pub ward_name: String,
    pub unit_tax_code: String,
    pub form: String,
    pub series: String,
    pub number: String,
    /// RFC 3339 UTC.
    pub issued_at: String,
    pub total: i64,
    pub payer_masked: String,
    pub status: ReceiptStatus,
    pub replaced_by: Option<String>,
    pub notices: Vec<String>,
    pub signature_valid: bool,
    pub sig_alg: String,
    pub key_id: Option<String>,
}

/// A ward's published receipt-signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyView {
    pub ward_code: String,
    pub ward_name: String,
    /// The ward's tax code, as its receipts print it: a key vouches only for its own ward's.
    #[serde(default)]
    pub tax_code: String,
    pub key_id: String,
    pub algorithm: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

fn valid_status() -> ReceiptStatus {
    ReceiptStatus::Valid
}

/// One payment request as the counter's screens show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: i64,
    pub version: i32,
    pub dossier_id: i64,
    pub dossier_code: String,
    /// "Nguyễn V. A." style: enough for the citizen to recognise their own dossier.
    pub applicant_masked: String,
    pub procedure_name: String,
    pub lines: Vec<FeeLineView>,
    pub amount: i64,
    pub amount_words_vi: String,
    pub amount_words_en: String,
    /// Received so far by bank transfer (parts add up; 0 before the first).
    pub received: i64,
    /// What the code shown asks for now: the amount, or after a part the rest.
    pub to_pay: i64,
    pub to_pay_words_vi: String,
    pub to_pay_words_en: String,
    pub state: PaymentState,
    pub method: Option<PaymentMethod>,
    pub payment_code: String,
    pub purpose: String,
    /// The QR symbol as SVG, present while the code is payable.
    pub qr_svg: Option<String>,
    pub qr_payload: Option<String>,
    /// RFC 3339 UTC.
    pub expires_at: Option<String>,
    /// Seconds until expiry, computed when the snapshot was made (immune to client clock skew).
    pub seconds_left: Option<i64>,
    /// For a finished payment: how many more seconds the screens should show it.
    pub display_secs_left: Option<i64>,
    pub receipt: Option<ReceiptRef>,
    pub bank_ref: Option<String>,
    pub state_changed_at: String,
    pub bank_name: String,
    pub bank_account: String,
    pub bank_account_name: String,
}

/// A dossier in the officer's queue (full name: staff screens only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRow {
    pub id: i64,
    pub code: String,
    pub applicant_name: String,
    pub procedure_name: String,
    pub source: String,
    pub total: i64,
    pub outcome: String,
    pub created_at: String,
    pub payment: Option<PaymentView>,
}

/// A fee line as the officer enters it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    pub fee_item_id: i64,
    pub quantity: u32,
    pub pages: Option<u32>,
    pub exempt_reason: Option<String>,
}

/// A new dossier from the counter form or the DVC connector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDossier {
    pub counter_id: i64,
    pub applicant_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub lines: Vec<LineRequest>,
    /// A fresh id per form submission: a double click creates one dossier, not two.
    pub request_key: Option<String>,
}

/// A catalog entry for the procedure search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub id: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub fee_name: String,
    pub kind: String,
    pub rule: crate::domain::fees::FeeRule,
    pub rule_vi: String,
    pub rule_en: String,
    pub legal_basis: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardSnapshot {
    pub ward: WardInfo,
    pub counters: Vec<CounterInfo>,
    pub today: DayStats,
    pub bank_silence_mins: Option<i64>,
}

/// Today's figures for the ward (Vietnam calendar day).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    pub dossiers: i64,
    pub free: i64,
    pub awaiting: i64,
    pub paid_qr: i64,
    pub paid_assisted: i64,
    pub paid_cash: i64,
    pub collected: i64,
    pub expired: i64,
    pub cancelled: i64,
    pub open_exceptions: i64,
}

impl DayStats {
    /// Share of paid dossiers settled by the citizen's own transfer, in per mille (no floats).
    pub fn cashless_permille(&self) -> Option<i64> {
        let paid = self.paid_qr + self.paid_assisted + self.paid_cash;
        (paid > 0).then(|| self.paid_qr * 1000 / paid)
    }
}

/// What the server pushes over the WebSocket.
// Serialised as soon as it is made (one message per change): the variants' sizes never sit
// side by side in a collection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMsg {
    Counter(CounterSnapshot),
    Ward(WardSnapshot),
    /// The server dropped messages for this client; it must refetch (the socket closes after this).
    Resync,
    /// This kiosk's pairing was revoked: it must stop showing the counter (the socket closes after this).
    Revoked,
    /// Right after the snapshot and every few seconds: the server's clock (milliseconds since
    /// the epoch) and its build. A screen that hears nothing for a few seconds knows it is
    /// offline; countdowns run on the server's clock; a screen served by an older build
    /// reloads itself.
    Beat {
        at_ms: i64,
        build: String,
    },
}

/// A push topic. Counters and wards are separate so that a kiosk hears only its own counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    Counter(i64),
    Ward(i64),
    /// One paired kiosk device: told when it is revoked.
    Device(i64),
}

impl Topic {
    /// The WebSocket path a browser connects to for this topic.
    pub fn ws_path(self) -> String {
        match self {
            Topic::Counter(id) => format!("/ws/counter/{id}"),
            Topic::Ward(id) => format!("/ws/ward/{id}"),
            // Not a socket of its own: a kiosk's counter socket also listens to it.
            Topic::Device(_) => String::new(),
        }
    }
}

/// Connection state of the live channel, shown as a small indicator on every screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Live,
    Reconnecting,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Reconnecting => "reconnecting",
        }
    }
}

/// A bank notification that did not simply pay a code, waiting for a supervisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub id: i64,
    /// underpaid, overpaid, late, after_cancel, already_paid, unknown_code, wrong_account
    pub kind: String,
    pub amount: i64,
    pub status: String,
    pub created_at: String,
    pub provider: String,
    pub bank_reference: Option<String>,
    pub content: String,
    pub account_number: String,
    pub payment_code: Option<String>,
    pub dossier_code: Option<String>,
    pub amount_due: Option<i64>,
    pub resolution: Option<String>,
    pub note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

/// What a supervisor decides about an exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Resolution {
    /// The money pays this dossier's latest payment request.
    AssignToDossier { dossier_code: String },
    /// The money goes back to the payer; the note says how.
    Refund,
    /// Accept the money for the code it named, although it came late.
    AcceptLate,
}

impl Resolution {
    pub fn as_str(&self) -> &'static str {
        match self {
            Resolution::AssignToDossier { .. } => "assigned",
            Resolution::Refund => "refund",
            Resolution::AcceptLate => "accepted_late",
        }
    }
}

/// Bank notifications the intake refused (bad signature, malformed body…), counted per
/// provider, reason, ward and hour, for the supervisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeLogRow {
    pub id: i64,
    pub provider: String,
    /// The refusal's kind (`bad_signature`, `malformed_json`, `stale_timestamp`…).
    pub reason: String,
    /// The ward whose account the (unverified) body named; `None` when it named none.
    pub ward_id: Option<i64>,
    pub count: i64,
    /// RFC 3339 UTC.
    pub first_at: String,
    pub last_at: String,
    pub status: i32,
    /// The first refusal's message, as a sample.
    pub error: String,
}

/// Refused sign-ins of one name from one address, for the supervisor and the admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptRow {
    /// `account:<name>`, or `account:(unknown)` for names that do not exist.
    pub account: String,
    pub ip: String,
    /// Wrong passwords (or disabled or unknown accounts).
    pub failures: i64,
    /// Refusals by the throttle (reported at most once a minute each).
    pub throttled: i64,
    /// RFC 3339 UTC.
    pub last_at: String,
}

/// What a staff account may do (see `backend::access` for the route table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Ward set-up: accounts, counters, kiosk pairing.
    Admin,
    /// Runs the counters of one ward.
    Officer,
    /// Reads the whole ward; resolves exceptions, reads reports and the audit log, closes the day.
    Supervisor,
    /// Helps citizens without a bank account or phone; records assisted payments.
    Support,
    /// Kế toán: reads all of the ward's money (reconciliation, exceptions); books no dossier.
    Accountant,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Officer, Role::Supervisor, Role::Support, Role::Accountant];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Support => "support",
            Role::Accountant => "accountant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Admin => "/admin",
            Role::Officer | Role::Support => "/",
            Role::Supervisor => "/stats",
            Role::Accountant => "/reconciliation",
        }
    }
}

/// The signed-in person, as the screens see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub ward_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub ward_id: Option<i64>,
    pub active: bool,
    /// RFC 3339 UTC.
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub ward_id: Option<i64>,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskDeviceRow {
    pub id: i64,
    pub counter_id: i64,
    pub counter_name: String,
    pub label: String,
    pub paired_at: String,
    pub paired_by: String,
    pub revoked_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// What an unpaired kiosk shows while it waits for an admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub counter_id: i64,
    pub seconds_left: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingStatus {
    /// Still waiting for an admin to enter the code.
    Waiting,
    /// Paired: reload to show the counter.
    Paired,
    /// The code ran out; ask for a new one.
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub actor: String,
    pub ward_id: Option<i64>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub hash: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Entries whose action starts with this ("payment." for all payment changes).
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Vietnam calendar day, YYYY-MM-DD.
    pub day: Option<String>,
    /// Only entries older than this number (paging backwards).
    pub before_seq: Option<i64>,
}

/// The outcome of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdict {
    pub entries: i64,
    pub head_hash: String,
    /// `None` when intact; else the first entry found wrong and why.
    pub broken: Option<(i64, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCloseRow {
    pub day: String,
    pub closed_at: String,
    pub closed_by: String,
    pub paid: i64,
    pub paid_amount: i64,
}

/// A ward's set-up as the admin edits it (`id` `None` creates a ward).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardForm {
    pub id: Option<i64>,
    /// Agency code as the portal writes it, e.g. `000.00.01.H26`; prefixes dossier codes.
    pub code: String,
    pub name: String,
    pub address: String,
    pub tax_code: String,
    /// Budget relation code (mã QHNS, 7 digits).
    pub budget_code: String,
    pub bank_bin: String,
    pub bank_account: String,
    pub bank_account_name: String,
    pub receipt_form: String,
    pub receipt_series: String,
    /// The ward's kiosks chime when a payment succeeds.
    #[serde(default = "yes")]
    pub kiosk_chime: bool,
}

/// A bank of the NAPAS directory, for the collection-account picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankChoice {
    pub bin: String,
    pub short_name: String,
}

/// A fee item as the admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItemRow {
    pub id: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub fee_name: String,
    pub kind: String,
    /// The amount rule in words (amounts follow the law and are not edited here).
    pub rule_vi: String,
    pub legal_basis: String,
    pub budget_subitem: String,
    pub active: bool,
}

/// What the admin may change on a fee item: the national TTHC code, the budget sub-item
/// the ward's accountant uses, and whether the counter offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItemEdit {
    pub id: i64,
    pub procedure_code: String,
    pub budget_subitem: String,
    pub active: bool,
}

/// One row of the reconciliation report: a payment request (with the notification that paid
/// it and its receipt), or a bank notification that did not simply pay one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconRow {
    pub state: RecState,
    /// `payment_request`, `notification`, or `refund` (revenue given back, paid).
    pub source: String,
    /// Vietnam calendar day, YYYY-MM-DD.
    pub day: String,
    /// RFC 3339 UTC: when the request was made, or the notification received.
    pub at: String,
    pub counter: Option<i32>,
    pub dossier_code: Option<String>,
    pub procedure: Option<String>,
    /// Masked, as on any report that leaves the desk.
    pub payer: Option<String>,
    pub payment_code: Option<String>,
    pub amount_due: i64,
    pub amount_received: i64,
    /// Received − due (0 for a row that matches).
    pub difference: i64,
    pub method: Option<String>,
    pub provider: Option<String>,
    pub bank_reference: Option<String>,
    /// RFC 3339 UTC, when the money was received.
    pub received_at: Option<String>,
    /// Series and number, e.g. "26PDM 0000012".
    pub receipt: Option<String>,
    pub officer: Option<String>,
    pub payment_request_id: Option<i64>,
    pub notification_id: Option<i64>,
    /// For an adjustment: the closed day (`YYYY-MM-DD`) this row corrects. Its amounts are
    /// then the change (now − as that day was closed), and `day` is the open day it lands in.
    #[serde(default)]
    pub adjusts: Option<String>,
}

/// Count and amounts of the rows in one state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconTotal {
    pub state: RecState,
    pub count: i64,
    pub amount_due: i64,
    pub amount_received: i64,
}

/// One imported bank statement, as the accountant's page lists it and the import answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementImportView {
    pub id: i64,
    /// `sepay`, `casso`, `payos` or `csv`.
    pub format: String,
    pub file_name: String,
    /// Credits in the file.
    pub credits: i64,
    /// Credits no earlier statement held.
    pub new_lines: i64,
    /// Of the new credits: confirmed a notification WardPay had.
    pub confirmed: i64,
    /// Of the new credits: money no notification ever brought (chỉ có trên sao kê).
    pub statement_only: i64,
    pub first_day: String,
    pub last_day: String,
    pub imported_by: String,
    /// RFC 3339, UTC.
    pub imported_at: String,
    /// This very file was imported before: nothing changed.
    pub already_imported: bool,
}

/// The accountant's statements panel: what was imported, and how to import the next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementsView {
    pub imports: Vec<StatementImportView>,
    /// The ward's saved header mapping for its bank's own files, if any.
    pub saved_mapping: Option<String>,
    /// Whether the caller may import (the accountant).
    pub can_import: bool,
}

/// How a provider's query-API poller stands (the safety net for lost webhooks).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollStatus {
    /// `sepay` or `casso`.
    pub provider: String,
    /// The last attempt succeeded.
    pub ok: bool,
    /// RFC 3339 UTC of the last successful poll.
    pub last_ok_at: Option<String>,
    /// What went wrong last (wrong token, provider down, rate limited…).
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    /// RFC 3339 UTC of the next attempt.
    pub next_at: Option<String>,
    /// Transfers the poller brought that no webhook had (since the server started).
    pub recovered: u64,
}

/// One row of the statistics over time: a day, week or month, or a counter, procedure or
/// officer over the range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendRow {
    /// `2026-11-30`, `2026-W49`, `2026-11`, `Quầy 1`, a procedure's name, an officer's user name.
    pub key: String,
    pub dossiers: i64,
    pub free: i64,
    pub exempt: i64,
    pub paid_qr: i64,
    pub paid_assisted: i64,
    pub paid_cash: i64,
    pub collected: i64,
    pub expired: i64,
    pub cancelled: i64,
    /// Paid by the citizen's own transfer, per mille of the paid.
    pub cashless_permille: Option<i64>,
    /// Bank exceptions by kind.
    pub exceptions: Vec<(String, i64)>,
    /// From code shown to paid, in seconds.
    pub wait_p50_secs: Option<i64>,
    pub wait_p90_secs: Option<i64>,
}

/// Statistics over a range of days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendReport {
    pub from: String,
    pub to: String,
    /// `day`, `week` or `month`.
    pub bucket: String,
    /// `ward`, `counter`, `procedure` or `officer`.
    pub by: String,
    pub buckets: Vec<TrendRow>,
    /// One per counter, procedure or officer (empty when `by` is `ward`).
    pub groups: Vec<TrendRow>,
    pub total: TrendRow,
}

/// Rows per page of the reconciliation screen (the files hold every row).
pub const RECON_PAGE_ROWS: usize = 500;

/// The reconciliation of a ward over a range of Vietnam calendar days (both included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconReport {
    pub ward_code: String,
    pub ward_name: String,
    pub collection_account: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<ReconRow>,
    /// One per state that has rows, in the order of `RecState::ALL`.
    pub totals: Vec<ReconTotal>,
    pub total_due: i64,
    pub total_received: i64,
    /// The days (first, last; `YYYY-MM-DD`) each imported statement overlapping the range
    /// covers: notifications of other days cannot be checked against the bank yet.
    pub statements: Vec<(String, String)>,
    /// Rows in the whole range; `rows` holds those from `offset` on (a page, or all).
    #[serde(default)]
    pub row_count: usize,
    #[serde(default)]
    pub offset: usize,
}
