//! Which peers are reverse proxies the operator trusts (`--trusted-proxy`), and what is
//! believed from them: the client's address from `X-Forwarded-For` and the scheme from
//! `X-Forwarded-Proto`. Nobody is trusted by default: a header from anyone else is the
//! client's own word, and ignored.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The trusted proxies' addresses.
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<IpAddr>);

impl Proxies {
    pub fn new(addrs: Vec<IpAddr>) -> Proxies {
        Proxies(addrs)
    }

    pub fn trusts(&self, addr: IpAddr) -> bool {
        self.0.contains(&canonical(addr))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the right-most
    /// address of `X-Forwarded-For` that is not a trusted proxy (each proxy appends the
    /// address it was reached from, so the ones left of that are the client's to invent).
    /// An entry that is not an address stops the walk at the last proxy that wrote it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut nearest = peer;
        for e in entries.iter().rev() {
            let Ok(addr) = e.parse::<IpAddr>() else {
                return nearest;
            };
            if !self.trusts(addr) {
                return canonical(addr);
            }
            nearest = addr;
        }
        nearest
    }

    /// Whether the request reached the first proxy over HTTPS, as a trusted proxy says in
    /// `X-Forwarded-Proto` (maintdb itself speaks plain HTTP).
    pub fn https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn only_named_proxies_are_believed() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let h = headers("203.0.113.9, 198.51.100.7");
        assert_eq!(
            Proxies::default().client(local, &h),
            local,
            "none by default"
        );
        let p = Proxies::new(vec![local]);
        assert_eq!(
            p.client(local, &h),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let remote: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            p.client(remote, &h),
            remote,
            "a stranger's header is ignored"
        );
    }

    #[test]
    fn the_right_most_untrusted_address_wins() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let lb: IpAddr = "10.0.0.2".parse().unwrap();
        let p = Proxies::new(vec![local, lb]);
        // The client invented the first entry; the load balancer appended the real one.
        let h = headers("1.2.3.4, 198.51.100.7, 10.0.0.2");
        assert_eq!(
            p.client(local, &h),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let h = headers("garbage, 10.0.0.2");
        assert_eq!(p.client(local, &h), lb, "garbage stops at the last proxy");
        assert_eq!(p.client(local, &HeaderMap::new()), local);
    }

    #[test]
    fn https_only_from_a_trusted_proxy() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(!Proxies::default().https(local, &h));
        assert!(Proxies::new(vec![local]).https(local, &h));
    }
}
