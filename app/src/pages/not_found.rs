use crate::i18n::{t, K};
use leptos::prelude::*;

/// Any unknown path: a readable page with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="notice-page">
            <h1>{t(K::PageNotFound)}</h1>
            <a href="/">{t(K::BackHome)}</a>
        </section>
    }
}
