//! `cargo xtask build`: the npm package in `pkg/`.
//!
//! wasm-pack (release, `--target web`) → a current wasm-opt `-Oz` from the
//! npm `binaryen` package (wasm-pack's own download is unreachable here,
//! Debian's binaryen is years old) → the hand-written shim `js/rum.js` as
//! the package entry.

use std::process::Command;

use crate::tools::{self, root, run, Result};

pub const WASM: &str = "pkg/rum_agent_bg.wasm";
/// The shim with wasm-bindgen's glue bundled in: one script, not two.
pub const SHIM: &str = "pkg/rum.js";
/// The loader snippet, minified, exactly as it is pasted inline (no newline).
pub const SNIPPET: &str = "pkg/snippet.js";

pub fn run_cmd(_args: &[String]) -> Result {
    tools::ensure_build_tools()?;
    build()
}

/// Builds besides the default, each its own folder of the package
/// (`pkg/<name>/`, cargo feature of the same name): the wire formats, so the
/// default download carries no encoder it does not use (`config.format`
/// names the build to load when it is missing), and `full`, the opt-in build
/// with the optional signals (user actions).
pub const FORMATS: &[&str] = &["faro", "otlp", "full"];

pub fn build() -> Result {
    let root = root();
    // RUM_DEFAULT_FEATURES=a,b: the default build with these cargo features
    // (measuring what one opt-in extra would cost in it; never ship it).
    let extra = std::env::var("RUM_DEFAULT_FEATURES").ok().filter(|f| !f.is_empty());
    let root_dir = root.join("pkg");
    wasm_package(&root, &root_dir, &root.join("js/rum.js"), extra.as_deref())?;
    // RUM_ONLY_DEFAULT=1: the default build alone (a quick size loop while
    // working on the agent; `cargo xtask size` then reads the other builds
    // from the previous full run).
    if std::env::var_os("RUM_ONLY_DEFAULT").is_none() {
        for f in FORMATS {
            build_variant(&format!("pkg/{f}"), Some(f))?;
        }
    }
    build_snippet()?;
    patch_package_json(&root.join("pkg/package.json"))?;
    // wasm-pack writes a .gitignore of `*` into pkg/, which would keep
    // `npm pack` from seeing the files; the repo's own .gitignore covers pkg/.
    let _ = std::fs::remove_file(root.join("pkg/.gitignore"));
    let formats: Vec<String> = FORMATS.iter().map(|f| format!("pkg/{f}/")).collect();
    eprintln!("built pkg/ and {}", formats.join(", "));
    Ok(())
}

/// One build of the agent into `out_dir` (relative to the root): wasm, glue,
/// shim. `feature`: a wire format compiled in.
fn build_variant(out_dir: &str, feature: Option<&str>) -> Result {
    let root = root();
    wasm_package(&root, &root.join(out_dir), &root.join("js/rum.js"), feature)?;
    let dir = root.join(out_dir);
    if feature.is_some() {
        // A format build is a folder of the one package, not a package.
        for extra in ["package.json", "README.md", ".gitignore", "LICENSE"] {
            let _ = std::fs::remove_file(dir.join(extra));
        }
    }
    Ok(())
}

/// The crate in `crate_dir` as wasm + `rum.js` (the shim `shim` bundled with
/// wasm-bindgen's glue) in `dir`, through the agent's whole pipeline:
/// wasm-pack, short import/export names, wasm-opt, esbuild. The bench's
/// wasm floor (bench/floor/) is built the same way, so the two compare.
pub fn wasm_package(
    crate_dir: &std::path::Path,
    dir: &std::path::Path,
    shim: &std::path::Path,
    feature: Option<&str>,
) -> Result {
    let root = root();
    let out_dir = dir.to_string_lossy().to_string();
    let mut cmd = Command::new("wasm-pack");
    cmd.current_dir(crate_dir)
        .args(["build", "--release", "--target", "web", "--out-dir", out_dir.as_str(), "--out-name", "rum_agent"])
        .args(["--no-typescript"]);
    if tools::has_rust_src() {
        // core and alloc recompiled with the agent's profile (opt-level z,
        // LTO) and panic=immediate-abort: a panic traps right where it
        // happens, which is what the agent's own panic handler does anyway,
        // so the panic messages, their file/line locations and the code that
        // builds their arguments all go (−1.4 KB brotli). build-std and these
        // -Z flags are unstable cargo/rustc features; RUSTC_BOOTSTRAP lets
        // the stable toolchain use them. Appended to the target's rustflags
        // in .cargo/config.toml (cargo merges the two lists).
        cmd.env("RUSTC_BOOTSTRAP", "1").env("CARGO_UNSTABLE_BUILD_STD", "core,alloc").env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none",
        );
    }
    if let Some(f) = feature {
        cmd.args(["--", "--features", f]);
    }
    run(&mut cmd)?;
    crate::minify::run_all(&dir.join("rum_agent_bg.wasm"), &dir.join("rum_agent.js"))?;
    wasm_opt(&dir.join("rum_agent_bg.wasm"))?;
    // The shim (readable source: js/rum.js) ships minified and bundled with
    // the glue it imports: one request fewer before the wasm fetch can start
    // (the shim starts it), and the glue's unused exports (initSync) left out.
    let entry = dir.join("rum.entry.js");
    std::fs::copy(shim, &entry).map_err(|e| format!("{}: {e}", shim.display()))?;
    let shim_out = format!("--outfile={}", dir.join("rum.js").to_string_lossy());
    let bundled = run(Command::new(root.join("node_modules/.bin/esbuild")).args([
        entry.to_string_lossy().as_ref(),
        "--bundle",
        "--minify",
        "--format=esm",
        "--target=es2020",
        shim_out.as_str(),
        "--log-level=warning",
    ]));
    let _ = std::fs::remove_file(&entry);
    bundled?;
    // wasm-bindgen's copies of the JS modules the agent imports (js/props.js):
    // bundled into rum.js above, so not shipped on their own.
    let _ = std::fs::remove_dir_all(dir.join("snippets"));
    std::fs::remove_file(dir.join("rum_agent.js")).map_err(|e| format!("rum_agent.js: {e}"))
}

/// js/snippet.js → pkg/snippet.js: minified, without the trailing newline,
/// so its bytes are exactly what a page inlines (and what a CSP hash covers).
pub fn build_snippet() -> Result {
    let root = root();
    let out = Command::new(root.join("node_modules/.bin/esbuild"))
        .args([
            root.join("js/snippet.js").to_string_lossy().as_ref(),
            "--minify",
            "--target=es2017",
            "--log-level=warning",
        ])
        .output()
        .map_err(|e| format!("esbuild: {e}"))?;
    if !out.status.success() {
        return Err(format!("esbuild snippet: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
    std::fs::write(root.join(SNIPPET), text).map_err(|e| e.to_string())
}

pub fn wasm_opt(path: &std::path::Path) -> Result {
    // Flattening the code and rebuilding its control flow with the Relooper,
    // then shrinking again, finds merges -Oz alone misses; -Oz runs to
    // convergence clean up after it (−0.8 % brotli, `cargo xtask size`).
    wasm_opt_passes(path, &["-Oz", "--flatten", "--rereloop", "-Oz"])?;
    wasm_opt_passes(path, &["-Oz", "--converge"])
}

fn wasm_opt_passes(path: &std::path::Path, passes: &[&str]) -> Result {
    let bin = root().join("node_modules/binaryen/bin/wasm-opt");
    let p = path.to_string_lossy().to_string();
    // RUM_WASM_NAMES=1 keeps the function names, so that a profile or trace
    // (bench/run.mjs) names wasm functions instead of `wasm-function[621]`.
    let names = std::env::var_os("RUM_WASM_NAMES").is_some();
    run(Command::new("node")
        .arg(bin)
        .args(if names { &["-g"][..] } else { &["--strip-debug"][..] })
        .args([&p, "-o", &p])
        .args([
            // The features rustc emits for wasm32-unknown-unknown.
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "--strip-producers",
            // Nothing reads it at run time.
            "--strip-target-features",
            // The agent's shadow stack is the first 64 KiB of memory and grows
            // down from its top (.cargo/config.toml), data follows it: nothing
            // uses the first 1 KiB unless the stack already overflowed. Lets
            // wasm-opt fold constant offsets into loads and stores (−0.2 KB brotli).
            "--low-memory-unused",
        ])
        .args(passes)
        .args(std::env::var("RUM_WASM_OPT_EXTRA").unwrap_or_default().split_whitespace()))
}

fn patch_package_json(path: &std::path::Path) -> Result {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let o = v.as_object_mut().ok_or("pkg/package.json is not an object")?;
    o.insert("name".into(), "rum-agent".into());
    o.insert("type".into(), "module".into());
    o.insert("module".into(), "rum.js".into());
    o.insert("main".into(), "rum.js".into());
    // `rum-agent` is the default build; `rum-agent/faro`, `rum-agent/otlp` the format builds, `rum-agent/full` the opt-in one.
    let mut exports =
        serde_json::json!({ ".": "./rum.js", "./rum.js": "./rum.js", "./package.json": "./package.json" });
    let mut side_effects = vec!["./rum.js".to_string()];
    for f in FORMATS {
        if let Some(e) = exports.as_object_mut() {
            e.insert(format!("./{f}"), format!("./{f}/rum.js").into());
            e.insert(format!("./{f}/rum.js"), format!("./{f}/rum.js").into());
        }
        side_effects.push(format!("./{f}/rum.js"));
    }
    o.insert("exports".into(), exports);
    // The shim starts the agent from its script tag: not tree-shakeable.
    o.insert("sideEffects".into(), serde_json::json!(side_effects));
    let mut files = vec!["rum.js", "rum_agent_bg.wasm", "README.md", "LICENSE*"];
    let dirs: Vec<String> = FORMATS.iter().map(|f| format!("{f}/")).collect();
    files.extend(dirs.iter().map(String::as_str));
    o.insert("files".into(), serde_json::json!(files));
    o.remove("types");
    let out = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    std::fs::write(path, out + "\n").map_err(|e| e.to_string())
}
