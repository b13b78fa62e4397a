use clap::Parser;
use rum_collector::Config;

fn main() -> std::process::ExitCode {
    let cfg = Config::parse();
    if let Some(rum_collector::config::Command::Slo(cmd)) = &cfg.command {
        return slo_command(cmd, &cfg);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rum-collector: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(rum_collector::config::Command::Sourcemaps { action }) = cfg.command.clone() {
        return match rt.block_on(rum_collector::sourcemap::cli::run(action)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rum-collector sourcemaps: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match rt.block_on(rum_collector::run(cfg, shutdown_signal())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rum-collector: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn slo_command(cmd: &rum_collector::slo::rules::SloCommand, cfg: &Config) -> std::process::ExitCode {
    match rum_collector::slo::rules::run(cmd, cfg.slo.as_deref()) {
        Ok(text) => {
            print!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rum-collector: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("signal received");
}
