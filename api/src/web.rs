//! The web UI: the single-page app's built files (`web/dist`, or `RSDK_WEB_DIR`) at `/`, with
//! `index.html` for every other path that is not the API, so a shared URL like
//! `/p/vision/e/12` opens the app on that view. Files are read from the directory as they are
//! (rebuilding the UI needs no restart once it was built at start-up); a path never leaves the
//! directory (tower-http's `ServeDir`).

use std::path::Path;

use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use tower_http::services::{ServeDir, ServeFile};

/// `router` with the UI from `directory` behind every path no route matched; unmatched API
/// paths (`/api/…`) keep the API's JSON 404.
pub fn with_ui<S: Clone + Send + Sync + 'static>(router: Router<S>, directory: &Path) -> Router<S> {
    let router = router.route("/api/{*rest}", any(api_not_found));
    let index = directory.join("index.html");
    if index.is_file() {
        return router.fallback_service(ServeDir::new(directory).fallback(ServeFile::new(index)));
    }
    tracing::warn!(directory = %directory.display(), "the web UI is not built: `make web` builds it");
    let page = not_built_page(directory);
    router.fallback(move || {
        let page = page.clone();
        async move { (StatusCode::NOT_FOUND, Html(page)) }
    })
}

async fn api_not_found(uri: Uri) -> Response {
    let body = serde_json::json!({ "code": "NOT_FOUND", "message": format!("no route {}", uri.path()) });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn not_built_page(directory: &Path) -> String {
    let directory = directory
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html><meta charset=\"utf-8\"><title>rsdk</title><h1>rsdk</h1>\
         <p>The web UI is not built in <code>{directory}</code>: run <code>make web</code> (or set \
         <code>RSDK_WEB_DIR</code>) and restart. The API is at <a href=\"/graphql\">/graphql</a>.</p>"
    )
}
