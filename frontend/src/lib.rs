#![recursion_limit = "512"]
//! The wasm entry point: hydrates the server-rendered page. Built twice: the whole app, and
//! with the `kiosk` feature the kiosk alone (a much smaller download for the citizen's screen).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "kiosk")]
    leptos::mount::hydrate_body(app::KioskApp);
    #[cfg(not(feature = "kiosk"))]
    leptos::mount::hydrate_body(app::App);
}
