//! Finding and installing tools, idempotently: each `ensure_*` checks first
//! and installs only what is missing or of the wrong version.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, String>;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Runs a command, streaming its output; fails with the command line.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("$ {}", shown.replace('"', ""));
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

pub fn have(bin: &str) -> bool {
    Command::new(bin).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The exact wasm-bindgen version pinned in the root Cargo.toml.
pub fn pinned_wasm_bindgen() -> Result<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    toml.lines()
        .filter_map(|l| l.trim().strip_prefix("wasm-bindgen = "))
        .find_map(|r| r.split("\"=").nth(1).and_then(|v| v.split('"').next()))
        .map(str::to_string)
        .ok_or_else(|| "Cargo.toml must pin wasm-bindgen to an exact \"=x.y.z\" version".to_string())
}

pub fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

pub fn ensure_wasm_pack() -> Result {
    if !have("wasm-pack") {
        run(cargo().args(["install", "wasm-pack"]))?;
    }
    Ok(())
}

pub fn ensure_wasm_bindgen_cli() -> Result {
    let want = pinned_wasm_bindgen()?;
    let got = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if got.split_whitespace().nth(1) != Some(want.as_str()) {
        // `--locked` fails: a locked dependency is missing from the registry.
        run(cargo().args(["install", "wasm-bindgen-cli", "--force", "--version", &want]))?;
    }
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result {
    let sudo = output(Command::new("id").arg("-u")).as_deref() != Some("0");
    let mut update = Command::new(if sudo { "sudo" } else { "apt-get" });
    if sudo {
        update.arg("apt-get");
    }
    update.args(["update", "-qq"]);
    run(&mut update)?;
    let mut install = Command::new(if sudo { "sudo" } else { "apt-get" });
    if sudo {
        install.arg("apt-get");
    }
    install.env("DEBIAN_FRONTEND", "noninteractive").args(["install", "-y", "-qq"]).args(packages);
    run(&mut install)
}

pub fn chromium() -> PathBuf {
    PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
}

pub fn chromedriver() -> PathBuf {
    PathBuf::from(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
}

pub fn ensure_chromium() -> Result {
    if !chromium().exists() || !chromedriver().exists() {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    Ok(())
}

pub fn firefox() -> PathBuf {
    PathBuf::from(std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()))
}

pub fn geckodriver() -> PathBuf {
    std::env::var("GECKODRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/geckodriver"))
}

/// Debian's firefox-esr and geckodriver (from crates.io), for the Firefox tests.
pub fn ensure_firefox() -> Result {
    if !firefox().exists() {
        apt_install(&["firefox-esr"])?;
    }
    if !geckodriver().exists() {
        run(cargo().args(["install", "geckodriver", "--locked"]))
            .or_else(|_| run(cargo().args(["install", "geckodriver"])))?;
    }
    Ok(())
}

/// Debian's `prometheus` package (prometheus and promtool 2.42), for the SLO
/// tests (`promtool check/test rules`, a real Prometheus scraping the
/// collector). Only the binaries are used: the package's service is stopped
/// and disabled where systemd runs it, so it holds no port.
pub fn ensure_prometheus() -> Result {
    if !have("promtool") || !have("prometheus") {
        apt_install(&["prometheus"])?;
        // Debian starts the packaged service (port 9090) where systemd runs.
        let _ = Command::new("systemctl").args(["disable", "--now", "prometheus"]).output();
    }
    Ok(())
}

/// Debian's `clickhouse-server` and `clickhouse-client` (18.16), for the
/// collector's ClickHouse backend tests (collector/tests/clickhouse.rs) and
/// `cargo xtask demo --store clickhouse`. The tests start their own servers
/// on loopback ports with a config of their own; the packaged service, where
/// systemd starts it, is stopped and disabled so it holds no port.
pub fn ensure_clickhouse() -> Result {
    let present = |b: &str| Path::new("/usr/bin").join(b).exists() || Path::new("/usr/sbin").join(b).exists();
    if !present("clickhouse-server") || !present("clickhouse-client") {
        apt_install(&["clickhouse-server", "clickhouse-client"])?;
        let _ = Command::new("systemctl").args(["disable", "--now", "clickhouse-server"]).output();
    }
    Ok(())
}

/// `npm ci` in `dir` when its node_modules is missing or older than the lock file.
pub fn ensure_npm(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => match (l.modified(), s.modified()) {
            (Ok(l), Ok(s)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if !fresh {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(dir))?;
    }
    Ok(())
}

/// The standard library's sources (rustup's `rust-src`), with which the
/// release build recompiles `core` and `alloc` for the agent (build.rs).
/// Optional: without them the build falls back to the precompiled ones.
pub fn has_rust_src() -> bool {
    output(Command::new("rustc").args(["--print", "sysroot"]))
        .is_some_and(|s| Path::new(&s).join("lib/rustlib/src/rust/library/core/Cargo.toml").is_file())
}

pub fn ensure_rust_src() {
    if !has_rust_src() {
        let _ = run(Command::new("rustup").args(["component", "add", "rust-src"]));
        if !has_rust_src() {
            eprintln!(
                "warning: no rust-src: the agent is built with the precompiled core (about 1.5 KB brotli larger)"
            );
        }
    }
}

/// Everything `build` needs.
pub fn ensure_build_tools() -> Result {
    ensure_wasm_target()?;
    ensure_rust_src();
    ensure_wasm_pack()?;
    ensure_wasm_bindgen_cli()?;
    ensure_npm(&root())
}
