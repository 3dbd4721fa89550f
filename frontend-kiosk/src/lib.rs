#![recursion_limit = "512"]
//! The kiosk's wasm entry point: hydrates the kiosk page alone (a much smaller download for
//! the citizen's screen than the whole app in `frontend`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::KioskApp);
}
