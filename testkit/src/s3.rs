//! A real S3-compatible server for the blob store tests: moto's server mode (PyPI
//! `moto[server]`, command `moto_server`) on a free loopback port, in memory.
//!
//! `make test` installs it (`pip install 'moto[server]==5.1.22'`); `RSDK_MOTO_SERVER` names
//! the program explicitly where it is not on the path. The pin matters: moto 5.2 answers
//! `CompleteMultipartUpload` with a `CompleteMultipartUploadResponse` root element instead of
//! S3's `CompleteMultipartUploadResult`, which aws-sdk-s3 rejects, so multipart uploads fail. Like the other servers here, it is killed
//! when its [`S3Server`] is dropped, and by a watchdog once the test process is gone.
//! Each test takes its own bucket ([`S3Server::create_bucket`]), so tests share one server.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long moto may take to start (it imports a large Python package).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server; any credentials are accepted.
#[derive(Debug)]
pub struct S3Server {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl S3Server {
    /// The access key id to sign requests with.
    pub const ACCESS_KEY_ID: &'static str = "rsdk-test";
    /// The secret access key to sign requests with.
    pub const SECRET_ACCESS_KEY: &'static str = "rsdk-test-secret";
    /// The region to sign requests for.
    pub const REGION: &'static str = "us-east-1";

    /// `http://127.0.0.1:PORT`: the endpoint for path-style requests.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a bucket with a name no other test of this run uses, and returns the name.
    pub fn create_bucket(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let bucket = format!(
            "rsdk-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        let reply = http_exchange(self.port, &request)
            .unwrap_or_else(|error| panic!("cannot create bucket {bucket}: {error}"));
        assert!(
            reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
            "creating bucket {bucket}: {reply}"
        );
        bucket
    }

    /// Kills the server and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        log.get(start..).unwrap_or_default().to_owned()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a new moto server on a free port and waits until it answers.
pub fn server() -> S3Server {
    let dir = tempfile::tempdir().expect("a temporary directory for the s3 server");
    let port = crate::free_port();
    let log = std::fs::File::create(dir.path().join("moto.log")).expect("a log file for the s3 server");
    let stderr = log.try_clone().expect("a second handle on the s3 server log");
    let program = moto_server_program();
    let child = Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot start {}: {error}; install it with `pip install 'moto[server]==5.1.22'` (make test does) \
                 or set RSDK_MOTO_SERVER to the moto_server program",
                program.display()
            )
        });
    crate::watch(child.id());
    let mut server = S3Server {
        port,
        dir,
        child: Some(child),
    };
    wait_until_ready(&mut server);
    server
}

/// One server for the whole test process, started on first use (tests take their own buckets).
pub fn shared() -> &'static S3Server {
    static SHARED: OnceLock<S3Server> = OnceLock::new();
    SHARED.get_or_init(server)
}

fn moto_server_program() -> PathBuf {
    std::env::var_os("RSDK_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("moto_server"))
}

fn wait_until_ready(server: &mut S3Server) {
    let deadline = Instant::now() + START_TIMEOUT;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        server.port
    );
    loop {
        if http_exchange(server.port, &request).is_ok_and(|reply| reply.starts_with("HTTP/1.1 200")) {
            return;
        }
        let exited = server
            .child
            .as_mut()
            .and_then(|child| child.try_wait().ok().flatten());
        if exited.is_some() || Instant::now() >= deadline {
            let tail = server.log_tail();
            server.stop();
            panic!(
                "the s3 server (moto_server) on port {} did not start ({exited:?}); its log ends:\n{tail}",
                server.port
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends one raw HTTP request and returns the whole reply.
fn http_exchange(port: u16, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(String::from_utf8_lossy(&reply).into_owned())
}
