//! `GET /metrics`: what the server did, in the OpenMetrics text format (prometheus-client).
//! It is answered only on a listener of its own (`serve --metrics ADDR`), never on the public
//! one, so a reverse proxy in front cannot expose it by accident. Every label takes its value
//! from a fixed set: a client that asks for a million different paths makes no new series.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use super::throttle::FailedLogins;

/// The answer's content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    class: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Class {
    class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Call {
    call: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reload {
    how: &'static str,
}

fn latency() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// The server's counters, gauges and histograms.
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Family<Class, Histogram, fn() -> Histogram>,
    calls: Family<Call, Counter>,
    reloads: Family<Reload, Counter>,
    reload_seconds: Gauge<f64, AtomicU64>,
    commit_time: Gauge,
    commit_age: Gauge,
    throttled_addresses: Gauge,
    pub(super) connections: Gauge,
}

impl Metrics {
    /// The server's metrics; the login counters are `failures`' own.
    pub(super) fn new(failures: &FailedLogins) -> Self {
        let mut registry = Registry::with_prefix("maintdb");
        let m = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency),
            calls: Family::default(),
            reloads: Family::default(),
            reload_seconds: Gauge::default(),
            commit_time: Gauge::default(),
            commit_age: Gauge::default(),
            throttled_addresses: Gauge::default(),
            connections: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "Requests answered, by route class and status",
            m.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by route class",
            Unit::Seconds,
            m.latency.clone(),
        );
        registry.register(
            "admin_calls",
            "Admin API and web form calls, by call and outcome",
            m.calls.clone(),
        );
        registry.register(
            "reloads",
            "Commits loaded after the branch moved: from the tree diff, whole, or failed",
            m.reloads.clone(),
        );
        registry.register_with_unit(
            "reload_duration",
            "How long loading the served commit took, the last time",
            Unit::Seconds,
            m.reload_seconds.clone(),
        );
        registry.register_with_unit(
            "served_commit_timestamp",
            "The committer time of the commit being served",
            Unit::Seconds,
            m.commit_time.clone(),
        );
        registry.register_with_unit(
            "served_commit_age",
            "How old the commit being served is",
            Unit::Seconds,
            m.commit_age.clone(),
        );
        registry.register("failed_logins", "Wrong passwords", failures.failed.clone());
        registry.register(
            "throttled_logins",
            "Logins refused unchecked, their address having failed too often",
            failures.refused.clone(),
        );
        registry.register(
            "throttled_addresses",
            "Addresses whose logins are refused now",
            m.throttled_addresses.clone(),
        );
        registry.register(
            "open_connections",
            "Connections open now",
            m.connections.clone(),
        );
        Metrics { registry, ..m }
    }

    /// One answered request of route class `class`.
    pub(super) fn answered(&self, class: &'static str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&Answered { class, status })
            .inc();
        self.latency
            .get_or_create(&Class { class })
            .observe(took.as_secs_f64());
    }

    /// One admin API or web form call, named from a fixed set, and its status.
    pub(super) fn call(&self, call: &'static str, status: u16) {
        let outcome = match status {
            200..=299 => "ok",
            401 => "unauthorized",
            403 => "refused",
            409 => "conflict",
            429 => "throttled",
            400..=499 => "bad_request",
            _ => "error",
        };
        self.calls.get_or_create(&Call { call, outcome }).inc();
    }

    /// The served commit was (re)loaded: `how` is `diff`, `whole` or `failed`.
    pub(super) fn reloaded(&self, how: &'static str, took: Duration, commit_time: Option<i64>) {
        self.reloads.get_or_create(&Reload { how }).inc();
        self.reload_seconds.set(took.as_secs_f64());
        if let Some(t) = commit_time {
            self.commit_time.set(t);
        }
    }

    /// The text of `/metrics` now.
    pub(super) fn encode(&self, failures: &FailedLogins) -> String {
        let now = jiff::Timestamp::now().as_second();
        self.commit_age.set(now - self.commit_time.get());
        self.throttled_addresses
            .set(i64::try_from(failures.throttled_now()).unwrap_or(i64::MAX));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String does not fail");
        out
    }
}

/// The class of a request that the route table sends to the pages, from its path.
pub(super) fn page_class(path: &str) -> &'static str {
    match path {
        "/healthz" => "health",
        "/maintdb.php" => "compat",
        _ if path.ends_with(".txt") || path.ends_with(".json") || path.ends_with(".xml") => "list",
        _ => "page",
    }
}

/// The name of an admin call, from the fixed set; anything else is `unknown`.
pub(super) fn admin_call(op: &str) -> &'static str {
    match op {
        "setnewpackage" => "setnewpackage",
        "setpackage" => "setpackage",
        "removepackage" => "removepackage",
        _ => "unknown",
    }
}

/// The name of a web form's call.
pub(super) fn web_call(verb: &str) -> &'static str {
    match verb {
        "take" => "web_take",
        "drop" => "web_drop",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(admin_call("setpackage"), "setpackage");
        assert_eq!(admin_call("x".repeat(100).as_str()), "unknown");
        assert_eq!(page_class("/packages.txt"), "list");
        assert_eq!(page_class("/perl-Foo"), "page");
        let m = Metrics::new(&FailedLogins::default());
        m.answered("list", 200, Duration::from_micros(80));
        m.call("setpackage", 403);
        let text = m.encode(&FailedLogins::default());
        assert!(
            text.contains("maintdb_http_requests_total{class=\"list\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("maintdb_admin_calls_total{call=\"setpackage\",outcome=\"refused\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
