//! A loopback TCP proxy that misbehaves on demand, for the SDK's network-fault tests
//! (`RELIABILITY.md`, "SDK under network faults"): clients talk to the proxy, the proxy to
//! the real server, and a test switches the [`Fault`] while a run is logging.
//!
//! Each accepted connection is served by the fault of the moment it was accepted; a
//! forwarding connection is cut as soon as the fault changes, so a client's pooled
//! keep-alive connections meet the new fault at once (as a server going away would cut them).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the proxy treats new connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards both ways.
    Pass,
    /// Nothing listens: connections are refused.
    Refuse,
    /// Accepts and reads, never answers (the client's timeouts have to end it).
    Blackhole,
    /// Reads part of the request and resets the connection in the middle of its body.
    ResetMidBody,
    /// Waits this long before forwarding the request, then forwards both ways.
    Delay(Duration),
    /// Answers `503 Service Unavailable` with `Retry-After: 1` without asking the server.
    Unavailable,
}

/// What the proxy saw, per fault, since it started.
#[derive(Debug, Default)]
pub struct ProxyCounts {
    pub connections: AtomicU64,
    pub refused_while_down: AtomicU64,
    pub faulted: AtomicU64,
}

/// The proxy; stops listening when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    address: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    stopped: Arc<AtomicBool>,
    counts: Arc<ProxyCounts>,
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream`, passing everything.
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let address = listener.local_addr().expect("an address");
        let proxy = Self {
            address,
            fault: Arc::new(Mutex::new(Fault::Pass)),
            stopped: Arc::default(),
            counts: Arc::default(),
        };
        let (fault, stopped, counts) = (proxy.fault.clone(), proxy.stopped.clone(), proxy.counts.clone());
        thread::spawn(move || accept_loop(listener, address, upstream, &fault, &stopped, &counts));
        proxy
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The proxy's address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Switches the fault for connections accepted from now on.
    pub fn set(&self, fault: Fault) {
        *self
            .fault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fault;
    }

    /// What it saw so far.
    pub fn counts(&self) -> &ProxyCounts {
        &self.counts
    }

    fn current(fault: &Mutex<Fault>) -> Fault {
        *fault.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

/// Accepts until stopped. While the fault is [`Fault::Refuse`] the listener is closed (so
/// connecting is refused by the kernel) and bound again on the same port once it changes.
fn accept_loop(
    listener: TcpListener,
    address: SocketAddr,
    upstream: SocketAddr,
    fault: &Arc<Mutex<Fault>>,
    stopped: &AtomicBool,
    counts: &Arc<ProxyCounts>,
) {
    let mut listener = Some(listener);
    while !stopped.load(Ordering::SeqCst) {
        let current = FaultProxy::current(fault);
        if current == Fault::Refuse {
            if listener.take().is_some() {
                counts.refused_while_down.fetch_add(1, Ordering::Relaxed);
            }
            thread::sleep(Duration::from_millis(10));
            continue;
        }
        let Some(open) = listener.as_ref() else {
            listener = TcpListener::bind(address).ok();
            if listener.is_none() {
                thread::sleep(Duration::from_millis(10));
            }
            continue;
        };
        open.set_nonblocking(true).expect("a non-blocking listener");
        match open.accept() {
            Ok((client, _)) => {
                counts.connections.fetch_add(1, Ordering::Relaxed);
                if current != Fault::Pass {
                    counts.faulted.fetch_add(1, Ordering::Relaxed);
                }
                let fault = fault.clone();
                thread::spawn(move || serve(client, upstream, current, &fault));
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve(client: TcpStream, upstream: SocketAddr, fault: Fault, current: &Mutex<Fault>) {
    let _ = client.set_nonblocking(false);
    match fault {
        Fault::Pass | Fault::Refuse => forward(client, upstream, fault, current),
        Fault::Delay(delay) => {
            thread::sleep(delay);
            forward(client, upstream, fault, current);
        }
        Fault::Blackhole => {
            let mut client = client;
            let _ = client.set_read_timeout(Some(Duration::from_secs(120)));
            let mut sink = [0u8; 16 * 1024];
            while matches!(client.read(&mut sink), Ok(read) if read > 0) {}
        }
        Fault::ResetMidBody => {
            // Read the head and a little of the body, then close with the rest unread:
            // the kernel answers the unread bytes with a reset.
            let mut client = client;
            let mut head = vec![0u8; 64 * 1024];
            let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = client.read(&mut head);
            drop(client);
        }
        Fault::Unavailable => {
            let mut client = client;
            let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
            read_head(&mut client);
            let _ = client.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n\
                  Content-Length: 58\r\nConnection: close\r\n\r\n\
                  {\"code\":\"UNAVAILABLE\",\"message\":\"fault proxy: try again\"}",
            );
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

/// Reads until the end of the request head (or 64 KiB, or a pause).
fn read_head(client: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match client.read(&mut buffer) {
            Ok(read) if read > 0 => head.extend_from_slice(&buffer[..read]),
            _ => return,
        }
    }
}

/// Copies both ways until either side closes, or the fault is no longer `accepted_with`.
fn forward(client: TcpStream, upstream: SocketAddr, accepted_with: Fault, current: &Mutex<Fault>) {
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
        return;
    };
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    let mut copies = Vec::new();
    for pair in pairs {
        let (Ok(mut from), Ok(mut to)) = pair else { return };
        copies.push(thread::spawn(move || {
            let mut buffer = [0u8; 64 * 1024];
            while let Ok(read) = from.read(&mut buffer) {
                if read == 0 || to.write_all(&buffer[..read]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        }));
    }
    while copies.iter().any(|copy| !copy.is_finished()) {
        if FaultProxy::current(current) != accepted_with {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
        thread::sleep(Duration::from_millis(10));
    }
}
