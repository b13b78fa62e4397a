//! A real ClickHouse server for the tests (Debian's `clickhouse-server`,
//! installed by `cargo xtask test`): a config of its own in a temporary
//! directory, free loopback ports, ready once `/ping` answers, killed on
//! drop. Missing binary: the test fails and says how to install it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ClickHouse {
    pub dir: tempfile::TempDir,
    pub http_port: u16,
    pub tcp_port: u16,
    child: Option<Child>,
}

/// `CLICKHOUSE_SERVER`, else `clickhouse-server` in /usr/bin or /usr/sbin.
pub fn server_bin() -> PathBuf {
    if let Ok(p) = std::env::var("CLICKHOUSE_SERVER") {
        return PathBuf::from(p);
    }
    for d in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
        let p = PathBuf::from(d).join("clickhouse-server");
        if p.exists() {
            return p;
        }
    }
    panic!(
        "clickhouse-server is not installed: these tests need a real ClickHouse. Run `cargo xtask test` \
         (installs it), or `apt-get install clickhouse-server clickhouse-client`, or set CLICKHOUSE_SERVER"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl ClickHouse {
    pub fn start() -> ClickHouse {
        let mut ch = ClickHouse::configure(free_port(), free_port(), "");
        ch.resume();
        ch
    }

    /// `n` servers forming the cluster `rum` (one shard each, listed in
    /// every server's `remote_servers`), all started.
    pub fn cluster(n: usize) -> Vec<ClickHouse> {
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let shards: String = ports
            .iter()
            .map(|(_, tcp)| format!("<shard><replica><host>127.0.0.1</host><port>{tcp}</port></replica></shard>"))
            .collect();
        let remote = format!("<remote_servers><rum>{shards}</rum></remote_servers>");
        let mut all: Vec<ClickHouse> =
            ports.iter().map(|(http, tcp)| ClickHouse::configure(*http, *tcp, &remote)).collect();
        for ch in all.iter_mut() {
            ch.resume();
        }
        all
    }

    fn configure(http_port: u16, tcp_port: u16, extra: &str) -> ClickHouse {
        let _ = server_bin();
        let dir = tempfile::tempdir().unwrap();
        let ch = ClickHouse { dir, http_port, tcp_port, child: None };
        let d = ch.dir.path();
        std::fs::create_dir_all(d.join("data")).unwrap();
        std::fs::create_dir_all(d.join("tmp")).unwrap();
        let users = d.join("users.xml");
        std::fs::write(
            &users,
            "<?xml version=\"1.0\"?><yandex><profiles><default><max_memory_usage>4000000000</max_memory_usage>\
             </default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip>\
             </networks><profile>default</profile><quota>default</quota></default></users>\
             <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>\
             <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>\
             </default></quotas></yandex>",
        )
        .unwrap();
        let cfg = format!(
            "<?xml version=\"1.0\"?><yandex>\
             <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/error.log</errorlog><console>0</console></logger>\
             <http_port>{}</http_port><tcp_port>{}</tcp_port><listen_host>127.0.0.1</listen_host>\
             <path>{d}/data/</path><tmp_path>{d}/tmp/</tmp_path><users_config>{}</users_config>\
             <default_profile>default</default_profile><default_database>default</default_database>\
             <mark_cache_size>268435456</mark_cache_size><max_concurrent_queries>100</max_concurrent_queries>\
             <mlock_executable>false</mlock_executable>{extra}</yandex>",
            ch.http_port,
            ch.tcp_port,
            users.display(),
            d = d.display()
        );
        std::fs::write(d.join("config.xml"), cfg).unwrap();
        ch
    }

    /// Starts the server (again, on the same data and ports) and waits for `/ping`.
    pub fn resume(&mut self) {
        let d = self.dir.path();
        let child = Command::new(server_bin())
            .arg(format!("--config-file={}", d.join("config.xml").display()))
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("stderr.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting clickhouse-server: {e}"));
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if self.ping() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
                let err = std::fs::read_to_string(d.join("stderr.log")).unwrap_or_default();
                panic!("clickhouse-server exited ({status}):\n{err}\n{log}");
            }
            assert!(Instant::now() < until, "clickhouse-server did not answer /ping within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.http_port)) else { return false };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
            return false;
        }
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200")
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `clickhouse://127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("clickhouse://127.0.0.1:{}/{database}", self.http_port)
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        self.kill();
    }
}
