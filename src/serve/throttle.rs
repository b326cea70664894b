//! Failed logins, counted per client address: after [`MAX_FAILURES`] wrong passwords within
//! [`WINDOW`], an address is answered 429 with `Retry-After` until the oldest of them is a
//! window old, without its password being checked at all.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;

pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(60);

/// Recent failures by address, and how many there were in all (for `/metrics`).
#[derive(Default)]
pub struct FailedLogins {
    by_addr: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    /// Wrong passwords.
    pub failed: Counter,
    /// Logins refused without a check, their address having failed too often.
    pub refused: Counter,
}

impl FailedLogins {
    /// `Err(wait)` while `addr` has used up its failures.
    pub fn check(&self, addr: IpAddr) -> Result<(), Duration> {
        let checked = self.check_at(addr, Instant::now());
        if checked.is_err() {
            self.refused.inc();
        }
        checked
    }

    /// Counts a wrong password from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        self.failed.inc();
        self.failed_at(addr, Instant::now());
    }

    /// How many addresses are refused now.
    pub fn throttled_now(&self) -> usize {
        let now = Instant::now();
        let all = self.by_addr.lock().unwrap_or_else(|e| e.into_inner());
        all.values()
            .filter(|times| {
                times.len() >= MAX_FAILURES
                    && times
                        .front()
                        .is_some_and(|t| now.duration_since(*t) < WINDOW)
            })
            .count()
    }

    fn check_at(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut all = self.by_addr.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = all.get_mut(&addr) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.is_empty() {
            all.remove(&addr);
            return Ok(());
        }
        if times.len() < MAX_FAILURES {
            return Ok(());
        }
        let oldest = *times.front().expect("not empty");
        Err(WINDOW.saturating_sub(now.duration_since(oldest)))
    }

    fn failed_at(&self, addr: IpAddr, now: Instant) {
        let mut all = self.by_addr.lock().unwrap_or_else(|e| e.into_inner());
        // Forget addresses whose failures are all old, so the map stays small.
        all.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.duration_since(*t) < WINDOW)
        });
        let times = all.entry(addr).or_default();
        times.push_back(now);
        while times.len() > MAX_FAILURES {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_a_minute() {
        let f = FailedLogins::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(f.check_at(a, t0).is_ok(), "failure {i}");
            f.failed_at(a, t0 + Duration::from_secs(i as u64));
        }
        let wait = f.check_at(a, t0 + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(f.check_at(b, t0).is_ok(), "per address");
        assert!(
            f.check_at(a, t0 + WINDOW).is_ok(),
            "the oldest left the window"
        );
    }
}
