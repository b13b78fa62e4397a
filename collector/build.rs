//! Embeds uPlot (the dashboard's charts) when `dashboard/node_modules` has it
//! (`npm ci` in collector/dashboard; `cargo xtask demo|screenshot|test` run
//! it). Without it the collector still builds and the dashboard shows its
//! numbers and tables without charts.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(uplot)");
    // npm rewrites this file on every install; the directory catches a first install.
    println!("cargo::rerun-if-changed=dashboard/node_modules/.package-lock.json");
    println!("cargo::rerun-if-changed=dashboard/package-lock.json");
    let dist = Path::new("dashboard/node_modules/uplot/dist");
    let js = dist.join("uPlot.iife.min.js");
    let css = dist.join("uPlot.min.css");
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    if js.is_file() && css.is_file() && !out.is_empty() {
        let ok = std::fs::copy(&js, Path::new(&out).join("uPlot.iife.min.js")).is_ok()
            && std::fs::copy(&css, Path::new(&out).join("uPlot.min.css")).is_ok();
        if ok {
            println!("cargo::rustc-cfg=uplot");
            return;
        }
    }
    println!(
        "cargo::warning=uPlot not found in collector/dashboard/node_modules: the dashboard will show tables without charts (run `npm ci` in collector/dashboard, or any `cargo xtask` command that needs charts)"
    );
}
