//! The dashboard at `/`: static HTML/JS/CSS compiled into the binary, plus
//! uPlot when it was found at build time (see build.rs).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

static INDEX: &str = include_str!("../dashboard/index.html");
static APP_JS: &str = include_str!("../dashboard/app.js");
static STYLE: &str = include_str!("../dashboard/style.css");

#[cfg(uplot)]
static UPLOT_JS: Option<&str> = Some(include_str!(concat!(env!("OUT_DIR"), "/uPlot.iife.min.js")));
#[cfg(uplot)]
static UPLOT_CSS: Option<&str> = Some(include_str!(concat!(env!("OUT_DIR"), "/uPlot.min.css")));
#[cfg(not(uplot))]
static UPLOT_JS: Option<&str> = None;
#[cfg(not(uplot))]
static UPLOT_CSS: Option<&str> = None;

pub fn has_charts() -> bool {
    UPLOT_JS.is_some()
}

fn respond(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

pub async fn index() -> Response {
    let charts = if has_charts() {
        r#"<link rel="stylesheet" href="/dashboard/uPlot.min.css"><script src="/dashboard/uPlot.iife.min.js"></script>"#
    } else {
        ""
    };
    let html = INDEX.replace("<!--CHARTS-->", charts);
    let mut r = html.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"),
    );
    r
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.js" => respond(APP_JS, "text/javascript; charset=utf-8"),
        "style.css" => respond(STYLE, "text/css; charset=utf-8"),
        "uPlot.iife.min.js" => match UPLOT_JS {
            Some(js) => respond(js, "text/javascript; charset=utf-8"),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        "uPlot.min.css" => match UPLOT_CSS {
            Some(css) => respond(css, "text/css; charset=utf-8"),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
