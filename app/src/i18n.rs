//! Vietnamese by default, English on request: the screens' side of [`crate::text`]. The
//! choice lives in a cookie so that the server renders the same language the browser will
//! hydrate with; [`t`] turns any [`Text`] into a view text that follows the language switch.

use leptos::prelude::*;

pub use crate::text::{Lang, Text, LANG_COOKIE};

/// Reads the language of the current request (server) or page (browser).
pub fn detect_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(Lang::from_cookie_header))
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .and_then(|d| d.cookie().ok())
            .map(|c| Lang::from_cookie_header(&c))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

pub fn set_lang_cookie(lang: Lang) {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok()) {
            let _ = doc.set_cookie(&format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict", lang.code()));
        }
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    let _ = lang;
}

pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// Every user-visible string, in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    AppName,
    OfficerTitle,
    KioskTitle,
    StatsTitle,
    Counter,
    CounterStatus,
    Open,
    Paused,
    OpenCounter,
    PauseCounter,
    CounterPausedKiosk,
    CounterPausedHint,
    PleaseWait,
    PleaseWaitHint,
    HowToPayByQr,
    IdleStep1,
    IdleStep2,
    IdleStep3,
    NoAccountHelp,
    CounterNotFound,
    CounterNotFoundHint,
    PageNotFound,
    Live,
    Connecting,
    Reconnecting,
    ChooseCounter,
    Loading,
    LoadError,
    WardCounters,
    LastChange,
    Language,
    CollectionAccount,
    BackHome,
    ScanToPay,
    Amount,
    InWords,
    Bank,
    AccountNumber,
    AccountName,
    TransferPurpose,
    Dossier,
    Applicant,
    ExpiresIn,
    Step1,
    Step2,
    Step3,
    PaySuccess,
    ReceiptNo,
    ViewReceipt,
    ScanForReceipt,
    CodeExpired,
    CodeExpiredHint,
    KioskOffline,
    KioskOfflineHint,
    PaymentCancelled,
    PaymentCancelledHint,
    ReceivedMissing,
    RestCodeExpired,
    RestCodeExpiredHint,
    SurplusRefund,
    CancelAndRefund,
    NewCodeForRest,
    ThankYou,
    NewDossier,
    ApplicantName,
    IdNumber,
    Phone,
    Procedure,
    SearchProcedure,
    NoProcedureFound,
    FeeLines,
    Quantity,
    Pages,
    Exempt,
    ExemptReason,
    Remove,
    Total,
    CreateQr,
    RecordFree,
    Clear,
    CurrentPayment,
    NoCurrentPayment,
    Cancel,
    Reissue,
    PaidAssisted,
    PaidCash,
    CashReason,
    AssistedRef,
    AssistedReason,
    SimulatePayment,
    TodayQueue,
    Code,
    Status,
    Time,
    Free,
    Pending,
    Paid,
    Cancelled,
    EmptyQueue,
    Saved,
    KeyboardHint,
    Today,
    DossiersToday,
    Collected,
    CashlessRate,
    Awaiting,
    Expired,
    Exceptions,
    PaidQr,
    PaidAssistedShort,
    PaidCashShort,
    Print,
    SignatureValid,
    SignatureInvalid,
    ReceiptNotFound,
    ExceptionQueue,
    NoExceptions,
    ShowResolved,
    Received,
    Due,
    TransferText,
    AcceptLate,
    AssignTo,
    Refund,
    RefundNote,
    Resolved,
    BankSilence,
    DvcPending,
    ConfirmDvc,
    DvcHint,
    IntakeLog,
    NoIntakeLog,
    Provider,
    Reason,
}

impl K {
    pub fn text(self, lang: Lang) -> &'static str {
        Text::from(self).get(lang)
    }
}

impl From<K> for Text {
    fn from(key: K) -> Text {
        use K::*;
        let (vi, en) = match key {
            AppName => ("WardPay", "WardPay"),
            OfficerTitle => ("Bàn làm việc cán bộ một cửa", "One-stop counter officer"),
            KioskTitle => ("Màn hình thanh toán", "Payment screen"),
            StatsTitle => ("Thống kê phường", "Ward statistics"),
            Counter => ("Quầy", "Counter"),
            CounterStatus => ("Trạng thái quầy", "Counter status"),
            Open => ("Đang mở", "Open"),
            Paused => ("Tạm nghỉ", "Paused"),
            OpenCounter => ("Mở quầy", "Open counter"),
            PauseCounter => ("Tạm nghỉ quầy", "Pause counter"),
            CounterPausedKiosk => ("Quầy tạm nghỉ", "Counter temporarily closed"),
            CounterPausedHint => {
                ("Xin mời ông/bà sang quầy khác hoặc quay lại sau ít phút.", "Please go to another counter or come back in a few minutes.")
            }
            PleaseWait => ("Vui lòng chờ", "Please wait"),
            PleaseWaitHint => (
                "Mã QR thanh toán sẽ hiện tại đây khi cán bộ tạo hồ sơ.",
                "The payment QR code will appear here when the officer prepares your dossier.",
            ),
            HowToPayByQr => ("Cách nộp phí, lệ phí bằng mã QR", "How to pay fees by QR code"),
            IdleStep1 => (
                "Khi cán bộ tạo hồ sơ, mã QR và số tiền hiện trên màn hình này",
                "When the officer prepares your dossier, a QR code and the amount appear on this screen",
            ),
            IdleStep2 => ("Mở ứng dụng ngân hàng hoặc ví điện tử bất kỳ và quét mã", "Open any bank or e-wallet app and scan the code"),
            IdleStep3 => (
                "Xác nhận chuyển khoản: màn hình báo thành công và cấp biên lai điện tử",
                "Confirm the transfer: this screen says it succeeded and gives your electronic receipt",
            ),
            NoAccountHelp => (
                "Không có tài khoản ngân hàng hoặc điện thoại? Xin báo cán bộ: cán bộ hỗ trợ sẽ giúp ông/bà nộp.",
                "No bank account or phone? Tell the officer: support staff will help you pay.",
            ),
            CounterNotFound => ("Quầy không tồn tại", "No such counter"),
            CounterNotFoundHint => (
                "Địa chỉ màn hình này không khớp với quầy nào. Vui lòng báo cán bộ.",
                "This screen's address matches no counter. Please tell an officer.",
            ),
            PageNotFound => ("Không tìm thấy trang", "Page not found"),
            Live => ("Trực tuyến", "Live"),
            Connecting => ("Đang kết nối…", "Connecting…"),
            Reconnecting => ("Mất kết nối, đang thử lại…", "Connection lost, retrying…"),
            ChooseCounter => ("Chọn quầy", "Choose counter"),
            Loading => ("Đang tải…", "Loading…"),
            LoadError => ("Không tải được dữ liệu", "Could not load data"),
            WardCounters => ("Các quầy", "Counters"),
            LastChange => ("Thay đổi lúc", "Changed at"),
            Language => ("Ngôn ngữ", "Language"),
            CollectionAccount => ("Tài khoản thu", "Collection account"),
            BackHome => ("Về trang cán bộ", "Back to officer page"),
            ScanToPay => ("Quét mã để thanh toán", "Scan to pay"),
            Amount => ("Số tiền", "Amount"),
            InWords => ("Bằng chữ", "In words"),
            Bank => ("Ngân hàng", "Bank"),
            AccountNumber => ("Số tài khoản", "Account number"),
            AccountName => ("Chủ tài khoản", "Account name"),
            TransferPurpose => ("Nội dung chuyển khoản", "Transfer message"),
            Dossier => ("Hồ sơ", "Dossier"),
            Applicant => ("Người nộp", "Applicant"),
            ExpiresIn => ("Mã hết hạn sau", "Code expires in"),
            Step1 => ("Mở ứng dụng ngân hàng hoặc ví điện tử bất kỳ", "Open any bank or e-wallet app"),
            Step2 => ("Chọn quét mã QR và quét mã bên cạnh", "Choose Scan QR and scan the code"),
            Step3 => ("Kiểm tra số tiền, nội dung và xác nhận", "Check the amount and message, then confirm"),
            PaySuccess => ("Thanh toán thành công", "Payment successful"),
            ReceiptNo => ("Số biên lai", "Receipt number"),
            ViewReceipt => ("Xem biên lai", "View receipt"),
            ScanForReceipt => ("Quét mã để lưu biên lai trên điện thoại", "Scan to keep the receipt on your phone"),
            CodeExpired => ("Mã QR đã hết hạn", "The QR code has expired"),
            CodeExpiredHint => ("Vui lòng báo cán bộ để tạo mã mới.", "Please ask the officer for a new code."),
            KioskOffline => ("Màn hình đang mất kết nối", "This screen is offline"),
            KioskOfflineHint => (
                "Mã QR được ẩn cho đến khi kết nối lại, để không hiện mã có thể đã hết hạn. Vui lòng chờ hoặc hỏi cán bộ.",
                "The QR code is hidden until the connection is back, so that no code that may have expired is shown. Please wait or ask the officer.",
            ),
            PaymentCancelled => ("Giao dịch đã được huỷ", "The payment was cancelled"),
            PaymentCancelledHint => ("Vui lòng chờ hướng dẫn của cán bộ.", "Please wait for the officer."),
            // {received} and {missing} are amounts in đồng, formatted by the screen.
            ReceivedMissing => ("Đã nhận {received} — còn thiếu {missing}", "Received {received} — {missing} still to pay"),
            RestCodeExpired => ("Mã cho phần còn thiếu đã hết hạn", "The code for the rest has expired"),
            RestCodeExpiredHint => (
                "Số tiền đã nhận được giữ cho hồ sơ của quý vị. Vui lòng báo cán bộ để nhận mã mới cho phần còn thiếu.",
                "The money received is kept for your dossier. Please ask the officer for a new code for the rest.",
            ),
            SurplusRefund => (
                "Số tiền chuyển thừa {surplus} sẽ được hoàn lại vào tài khoản đã chuyển.",
                "The {surplus} paid above the amount will be refunded to the account it came from.",
            ),
            CancelAndRefund => ("Huỷ và hoàn tiền đã nhận", "Cancel and refund the money received"),
            NewCodeForRest => ("Cấp mã cho phần còn thiếu", "New code for the rest"),
            ThankYou => ("Cảm ơn ông/bà!", "Thank you!"),
            NewDossier => ("Hồ sơ mới", "New dossier"),
            ApplicantName => ("Họ tên người nộp", "Applicant's full name"),
            IdNumber => ("Số CCCD (không bắt buộc)", "ID number (optional)"),
            Phone => ("Số điện thoại (không bắt buộc)", "Phone (optional)"),
            Procedure => ("Thủ tục", "Procedure"),
            SearchProcedure => ("Tìm thủ tục (vd: chung thuc)…", "Search procedure (e.g. chung thuc)…"),
            NoProcedureFound => ("Không tìm thấy thủ tục", "No procedure found"),
            FeeLines => ("Khoản thu", "Fee lines"),
            Quantity => ("Số lượng", "Quantity"),
            Pages => ("Số trang", "Pages"),
            Exempt => ("Miễn", "Exempt"),
            ExemptReason => ("Lý do miễn", "Exemption reason"),
            Remove => ("Xoá", "Remove"),
            Total => ("Tổng cộng", "Total"),
            CreateQr => ("Tạo QR", "Create QR"),
            RecordFree => ("Ghi nhận (miễn phí)", "Record (free)"),
            Clear => ("Làm mới", "Clear"),
            CurrentPayment => ("Thanh toán hiện tại", "Current payment"),
            NoCurrentPayment => ("Quầy chưa có mã QR nào đang chờ.", "No code is waiting at this counter."),
            Cancel => ("Huỷ mã", "Cancel code"),
            Reissue => ("Cấp lại mã", "New code"),
            PaidAssisted => ("Đã thanh toán có hỗ trợ", "Paid with staff help"),
            PaidCash => ("Thu tiền mặt", "Cash"),
            CashReason => ("Lý do thu tiền mặt (bắt buộc)", "Reason for cash (required)"),
            AssistedRef => ("Mã giao dịch ngân hàng của lần chuyển (bắt buộc)", "Bank transaction reference of the transfer (required)"),
            AssistedReason => ("Vì sao cần hỗ trợ (không có tài khoản, điện thoại…)", "Why help was needed (no account, no phone…)"),
            SimulatePayment => ("Giả lập thanh toán (demo)", "Simulate payment (demo)"),
            TodayQueue => ("Hồ sơ hôm nay tại quầy", "Today's dossiers at this counter"),
            Code => ("Mã hồ sơ", "Dossier code"),
            Status => ("Trạng thái", "Status"),
            Time => ("Giờ", "Time"),
            Free => ("Miễn phí", "Free"),
            Pending => ("Chờ thanh toán", "Awaiting payment"),
            Paid => ("Đã thanh toán", "Paid"),
            Cancelled => ("Đã huỷ", "Cancelled"),
            EmptyQueue => ("Chưa có hồ sơ nào hôm nay.", "No dossiers yet today."),
            Saved => ("Đã ghi nhận hồ sơ", "Dossier recorded"),
            KeyboardHint => {
                ("Enter trong ô tìm: thêm thủ tục · Ctrl+Enter: Tạo QR", "Enter in search: add procedure · Ctrl+Enter: Create QR")
            }
            Today => ("Hôm nay", "Today"),
            DossiersToday => ("Hồ sơ", "Dossiers"),
            Collected => ("Đã thu", "Collected"),
            CashlessRate => ("Tỷ lệ không dùng tiền mặt", "Cashless rate"),
            Awaiting => ("Đang chờ", "Awaiting"),
            Expired => ("Hết hạn", "Expired"),
            Exceptions => ("Ngoại lệ cần xử lý", "Open exceptions"),
            PaidQr => ("Chuyển khoản QR", "QR transfers"),
            PaidAssistedShort => ("Có hỗ trợ", "Assisted"),
            PaidCashShort => ("Tiền mặt", "Cash"),
            Print => ("In biên lai", "Print"),
            SignatureValid => ("Chữ ký điện tử hợp lệ", "Electronic signature valid"),
            SignatureInvalid => ("Chữ ký điện tử KHÔNG hợp lệ", "Electronic signature INVALID"),
            ReceiptNotFound => ("Không tìm thấy biên lai", "Receipt not found"),
            ExceptionQueue => ("Ngoại lệ thanh toán", "Payment exceptions"),
            NoExceptions => ("Không có ngoại lệ nào cần xử lý.", "No exceptions to resolve."),
            ShowResolved => ("Hiện cả đã xử lý", "Show resolved"),
            Received => ("Số tiền nhận", "Received"),
            Due => ("Phải thu", "Due"),
            TransferText => ("Nội dung", "Transfer text"),
            AcceptLate => ("Chấp nhận", "Accept"),
            AssignTo => ("Gán cho hồ sơ", "Assign to dossier"),
            Refund => ("Hoàn tiền", "Refund"),
            RefundNote => ("Ghi chú hoàn tiền", "Refund note"),
            Resolved => ("Đã xử lý", "Resolved"),
            BankSilence => (
                "Không nhận được thông báo ngân hàng trong {} phút trong khi có mã đang chờ",
                "No bank notification for {} minutes while codes are waiting",
            ),
            DvcPending => ("Hồ sơ từ Cổng DVC chờ xác nhận", "Dossiers from the DVC portal awaiting confirmation"),
            ConfirmDvc => ("Xác nhận & tạo QR", "Confirm & create QR"),
            DvcHint => ("F2: xác nhận hồ sơ DVC đầu tiên", "F2: confirm the first DVC dossier"),
            IntakeLog => ("Thông báo ngân hàng bị từ chối", "Refused bank notifications"),
            NoIntakeLog => ("Chưa có thông báo nào bị từ chối.", "No refused notifications."),
            Provider => ("Nguồn", "Provider"),
            Reason => ("Lý do", "Reason"),
        };
        Text::new(vi, en)
    }
}

/// A reactive translation: `t(K::Open)` or `t(state.label())` inside a view follows the
/// language switch.
pub fn t(text: impl Into<Text>) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    let text = text.into();
    move || text.get(lang.get())
}

/// "Đã nhận 30.000 đ — còn thiếu 20.000 đ": what a partly paid request has received and
/// still needs, in the language shown (both screens say it the same way).
pub fn received_missing(received: i64, missing: i64, lang: Lang) -> String {
    K::ReceivedMissing
        .text(lang)
        .replace("{received}", &crate::domain::words::format_vnd(received))
        .replace("{missing}", &crate::domain::words::format_vnd(missing))
}

/// `t(Text::new(vi, en))`: a one-off label written where it is shown (the counter and kiosk
/// screens name theirs in [`K`]).
pub fn tx(vi: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    t(Text::new(vi, en))
}

#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let pick = move |l: Lang| {
        set_lang_cookie(l);
        lang.set(l);
    };
    view! {
        <div class="lang-switch" role="group" aria-label=t(K::Language)>
            <button class:active=move || lang.get() == Lang::Vi aria-pressed=move || (lang.get() == Lang::Vi).to_string() lang="vi" title="Tiếng Việt" data-lang="vi" on:click=move |_| pick(Lang::Vi)>"VI"</button>
            <button class:active=move || lang.get() == Lang::En aria-pressed=move || (lang.get() == Lang::En).to_string() lang="en" title="English" data-lang="en" on:click=move |_| pick(Lang::En)>"EN"</button>
        </div>
    }
}

/// The reconciliation wording for an exception kind (docs/domain.md §10: thiếu / thừa / trễ hạn / trùng / không xác định).
pub fn exception_kind_label(kind: &str) -> Text {
    let (vi, en) = match kind {
        "underpaid" => ("Thiếu tiền", "Underpaid"),
        "overpaid" => ("Thừa tiền", "Overpaid"),
        "late" => ("Trễ hạn", "After expiry"),
        "after_cancel" => ("Sau khi huỷ", "After cancellation"),
        "already_paid" => ("Trùng (đã thanh toán)", "Duplicate (already paid)"),
        "unknown_code" => ("Không xác định", "No matching code"),
        "wrong_account" => ("Sai tài khoản nhận", "Wrong receiving account"),
        _ => ("Khác", "Other"),
    };
    Text::new(vi, en)
}
