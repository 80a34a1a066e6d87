//! Where webhook requests may go. In production only public addresses are reached: the check
//! runs on the address actually connected to (literal hosts before sending, names in the
//! resolver the HTTP client is built with), so a name that resolves to an internal address, or
//! re-resolves to one after registration (DNS rebinding), is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::Mode;

/// What the delivery log says about a refused target; the receiver's answer is never shown.
pub const REFUSED: &str = "refused: target resolves to a non-public address";

/// Which addresses webhook requests may reach: a value the client is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPolicy {
    /// Dev mode: anything, loopback included (local receivers and tests).
    AnyAddress,
    /// Production: public unicast addresses only.
    PublicOnly,
}

impl TargetPolicy {
    pub fn for_mode(mode: Mode) -> Self {
        match mode {
            Mode::Dev => TargetPolicy::AnyAddress,
            Mode::Production => TargetPolicy::PublicOnly,
        }
    }

    pub fn allows(self, ip: IpAddr) -> bool {
        self == TargetPolicy::AnyAddress || is_public(ip)
    }

    /// The literal address of a URL's host, if it is one and the policy refuses it. Literal
    /// addresses never reach the resolver, so they are checked here before sending.
    pub fn refuses_literal(self, url: &str) -> bool {
        let Ok(url) = url::Url::parse(url) else {
            return false;
        };
        match url.host() {
            Some(url::Host::Ipv4(ip)) => !self.allows(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => !self.allows(IpAddr::V6(ip)),
            _ => false,
        }
    }
}

/// Whether an address is globally reachable unicast: every special-purpose range of the IANA
/// registries is refused (loopback, private, shared, link-local, benchmarking, documentation,
/// multicast, reserved), and so is every IPv6 form that embeds an IPv4 address it could smuggle
/// (IPv4-compatible, NAT64, 6to4 and Teredo); IPv4-mapped addresses are judged as IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network"
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // Only global unicast 2000::/3 is public; that excludes ::/128, ::1, IPv4-compatible
    // ::/96, 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64), 100::/64, fc00::/7, fe80::/10,
    // fec0::/10 and ff00::/8 at once.
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    // 2001::/23 (IETF protocol assignments, Teredo among them) and 2001:db8::/32 (documentation)
    let refused = (s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8))
        || s[0] == 0x2002 // 6to4: embeds an IPv4 address
        || (s[0] & 0xfff0) == 0x3ff0; // documentation 3fff::/20
    !refused
}

/// Why a connection was not made; recognised in the client's error to write [`REFUSED`].
#[derive(Debug, thiserror::Error)]
#[error("{REFUSED}")]
pub struct Refused;

/// Whether a request error (or any of its causes) is a refusal by the policy.
pub fn is_refusal(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<Refused>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The operating system's resolver (`getaddrinfo`, on tokio's blocking pool).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A resolver that keeps only the addresses the policy allows and refuses the name when none is
/// left; the client connects only to what this returns.
pub struct Guarded {
    inner: Arc<dyn Resolve>,
    policy: TargetPolicy,
}

impl Guarded {
    pub fn new(inner: Arc<dyn Resolve>, policy: TargetPolicy) -> Self {
        Guarded { inner, policy }
    }
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let resolving = self.inner.resolve(name);
        Box::pin(async move {
            let allowed: Vec<SocketAddr> =
                resolving.await?.filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn internal_and_special_addresses_are_not_public() {
        for s in [
            // already refused at registration
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "::1",
            "::",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            // the ranges that got through
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "fec0::1",
            "feff::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "ff02::1",
            "ff0e::1",
            // other special-purpose ranges
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "192.88.99.1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "3fff::1",
        ] {
            assert!(!is_public(ip(s)), "{s} must not be public");
            assert!(!TargetPolicy::PublicOnly.allows(ip(s)), "{s}");
            assert!(TargetPolicy::AnyAddress.allows(ip(s)), "{s}");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.254",
            "13.235.0.1",
            "::ffff:8.8.8.8",
            "2606:4700:4700::1111",
            "2404:6800:4009::200e",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(ip(s)), "{s} must be public");
        }
    }

    #[test]
    fn literal_hosts_are_checked_before_sending() {
        let p = TargetPolicy::PublicOnly;
        assert!(p.refuses_literal("http://127.0.0.1:9000/x"));
        assert!(p.refuses_literal("https://[::ffff:169.254.169.254]/x"));
        assert!(p.refuses_literal("https://[64:ff9b::a9fe:a9fe]/x"));
        assert!(!p.refuses_literal("https://8.8.8.8/x"));
        assert!(!p.refuses_literal("https://hooks.example.com/x"));
        assert!(!TargetPolicy::AnyAddress.refuses_literal("http://127.0.0.1:9000/x"));
    }

    #[test]
    fn refusals_are_recognised_through_their_causes() {
        #[derive(Debug, thiserror::Error)]
        #[error("connect failed")]
        struct Wrapper(#[source] Box<dyn std::error::Error + Send + Sync>);
        assert!(is_refusal(&Wrapper(Box::new(Refused))));
        assert!(!is_refusal(&Wrapper("other".into())));
    }
}
