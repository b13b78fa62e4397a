//! A local ClickHouse server for `cargo xtask demo --store clickhouse` and
//! `cargo xtask bench-collector --store clickhouse`: Debian's
//! `clickhouse-server` (installed where missing), a config of its own under
//! `target/`, free loopback ports; stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::{self, Result};

pub struct Server {
    child: Child,
    pub http_port: u16,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn bin() -> PathBuf {
    ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("clickhouse-server"))
}

fn ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /ping HTTP/1.0\r\n\r\n").is_err() {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.contains(" 200 ")
}

impl Server {
    /// Starts a server keeping its data in `dir` (created).
    pub fn start(dir: &Path) -> Result<Server> {
        tools::ensure_clickhouse()?;
        let d = dir.display();
        for sub in ["data", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{d}: {e}"))?;
        }
        let (http_port, tcp_port) = (free_port()?, free_port()?);
        let users = dir.join("users.xml");
        std::fs::write(
            &users,
            "<?xml version=\"1.0\"?><yandex><profiles><default></default></profiles><users><default><password></password>\
             <networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>\
             </users><quotas><default></default></quotas></yandex>",
        )
        .map_err(|e| e.to_string())?;
        let cfg = format!(
            "<?xml version=\"1.0\"?><yandex><logger><level>warning</level><log>{d}/server.log</log>\
             <errorlog>{d}/error.log</errorlog><console>0</console></logger><http_port>{http_port}</http_port>\
             <tcp_port>{tcp_port}</tcp_port><listen_host>127.0.0.1</listen_host><path>{d}/data/</path>\
             <tmp_path>{d}/tmp/</tmp_path><users_config>{}</users_config><default_profile>default</default_profile>\
             <default_database>default</default_database><mark_cache_size>268435456</mark_cache_size></yandex>",
            users.display()
        );
        std::fs::write(dir.join("config.xml"), cfg).map_err(|e| e.to_string())?;
        let child = Command::new(bin())
            .arg(format!("--config-file={}", dir.join("config.xml").display()))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting clickhouse-server: {e}"))?;
        let mut s = Server { child, http_port };
        let until = Instant::now() + Duration::from_secs(60);
        while !ping(http_port) {
            if let Ok(Some(status)) = s.child.try_wait() {
                return Err(format!("clickhouse-server exited ({status}); see {d}/error.log"));
            }
            if Instant::now() > until {
                return Err(format!("clickhouse-server did not answer within 60 s; see {d}/error.log"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(s)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs `sql` over the HTTP interface (loopback): the answer's body.
    pub fn query(&self, sql: &str) -> Result<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.http_port)).map_err(|e| e.to_string())?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(600)));
        write!(s, "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{sql}", sql.len())
            .map_err(|e| e.to_string())?;
        let mut out = String::new();
        s.read_to_string(&mut out).map_err(|e| e.to_string())?;
        let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
        if !head.contains(" 200 ") {
            return Err(format!("clickhouse: {sql}: {}", body.trim()));
        }
        Ok(body.trim().to_string())
    }

    /// The collector's `--store` for `database` on this server.
    pub fn store(&self, database: &str) -> String {
        format!("clickhouse://127.0.0.1:{}/{database}", self.http_port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
