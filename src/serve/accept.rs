//! Accepting connections: a limit on how many are served at once, hyper's header read timeout
//! and a body timeout (so idle or slow clients cannot hold the server), and a graceful stop that
//! lets the requests in flight finish.

use std::sync::Arc;
use std::time::Duration;

use super::shutdown;

/// Limits that keep idle or slow clients from holding the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more are closed at once.
    pub connections: usize,
    /// Connections served at once from one address, but a trusted proxy's.
    pub per_address: usize,
    /// A request's head must arrive within this long (slowloris).
    pub header_timeout: Duration,
    /// A request's body must arrive within this long.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 4096,
            per_address: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Accepts connections up to the limit until SIGTERM, and hands them round-robin to one
/// single-threaded runtime per core, each serving its connections with hyper's header read
/// timeout; then lets the requests in flight finish. A connection stays on one core for its
/// life, so requests on a kept-alive connection never wake another thread (on a work-stealing
/// runtime those wake-ups cost more than the answers).
pub(super) async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: super::pages::Service,
    limits: Limits,
    proxies: super::proxy::Proxies,
    open: prometheus_client::metrics::gauge::Gauge,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let per_address = PerAddress::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..std::thread::available_parallelism().map_or(1, usize::from))
        .map(|_| worker(app.clone(), limits, stop_rx.clone()))
        .collect();
    let stop = shutdown();
    tokio::pin!(stop);
    let mut next = 0;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            () = &mut stop => break,
        };
        // One client may not take every slot; a trusted proxy speaks for many.
        let mine = if proxies.trusts(peer.ip()) {
            None
        } else {
            match per_address.take(peer.ip(), limits.per_address) {
                Some(guard) => Some(guard),
                None => {
                    drop(stream);
                    continue;
                }
            }
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        open.inc();
        let slot = Slot {
            _permit: permit,
            _mine: mine,
            open: open.clone(),
        };
        let Ok(stream) = stream.into_std() else {
            continue;
        };
        next = (next + 1) % workers.len();
        // A worker's runtime only ends with the process.
        let _ = workers[next].send((stream, slot));
    }
    let _ = stop_tx.send(true);
    // Wait for the requests in flight, for a while.
    let all = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(30), slots.acquire_many(all)).await;
}

/// The most a request's head may take, in bytes (hyper's smallest buffer is 8 KiB).
pub const MAX_HEAD: usize = 16 * 1024;

/// Blocking threads per worker.
const BLOCKING_THREADS: usize = 2;

/// A connection's hold on the server: one of all the slots, and one of its address's; and its
/// count in `/metrics`.
struct Slot {
    _permit: tokio::sync::OwnedSemaphorePermit,
    _mine: Option<AddressSlot>,
    open: prometheus_client::metrics::gauge::Gauge,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.dec();
    }
}

/// Connections open per client address.
#[derive(Default, Clone)]
struct PerAddress(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

impl PerAddress {
    /// A slot for `addr`, unless it holds `cap` already.
    fn take(&self, addr: std::net::IpAddr, cap: usize) -> Option<AddressSlot> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = all.entry(addr).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            all: self.clone(),
            addr,
        })
    }
}

/// Gives its address's slot back when the connection ends.
struct AddressSlot {
    all: PerAddress,
    addr: std::net::IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut all = self.all.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = all.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                all.remove(&self.addr);
            }
        }
    }
}

type Handed = (std::net::TcpStream, Slot);

/// Starts one worker thread with its own single-threaded runtime; connections are sent to it.
fn worker(
    app: super::pages::Service,
    limits: Limits,
    stop_rx: tokio::sync::watch::Receiver<bool>,
) -> tokio::sync::mpsc::UnboundedSender<Handed> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Handed>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // Password checks and admin commits run here, one commit at a time anyway: a few
        // threads, so that what their allocations leave behind is not kept fifty times over.
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .expect("a runtime for a worker thread");
    std::thread::spawn(move || {
        runtime.block_on(async move {
            while let Some((stream, slot)) = rx.recv().await {
                let Ok(peer) = stream.peer_addr() else {
                    continue;
                };
                let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
                    continue;
                };
                let service = app.for_peer(peer.ip());
                let mut stop_rx = stop_rx.clone();
                tokio::spawn(async move {
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_timeout)
                        // A head larger than this is answered 431.
                        .max_buf_size(MAX_HEAD)
                        .writev(false);
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop_rx.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                    drop(slot);
                });
            }
        });
    });
    tx
}
