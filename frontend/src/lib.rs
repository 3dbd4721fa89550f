#![recursion_limit = "512"]
//! The wasm entry point: hydrates the server-rendered page with the whole app (the kiosk has
//! its own, smaller bundle: `frontend-kiosk`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
