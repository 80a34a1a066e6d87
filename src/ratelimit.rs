//! Rate limits of the public (unauthenticated) routes, per client address: an in-memory GCRA
//! limiter per process, and `PublicClient`, the extractor a handler takes to opt in.
//!
//! The client is the *peer* address of the connection, never `X-Forwarded-For` (a header the
//! client writes cannot pick its bucket). IPv6 clients are keyed by their /64, which one host
//! usually holds whole.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::AppState;
use crate::config::Config;
use crate::error::ApiError;

/// The table is split so that a check locks one part only.
const SHARDS: usize = 16;
/// How often a shard drops the buckets that have refilled: they hold nothing a new one would not.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A full shard sweeps at most this often while new addresses keep arriving.
const FULL_SWEEP_GAP: Duration = Duration::from_secs(1);

/// A sustained rate and a burst, as GCRA keeps them: one timestamp per client, the theoretical
/// arrival time (TAT) of its next request at the sustained rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of now a client's TAT may run: `burst` intervals.
    tolerance: Duration,
}

impl Quota {
    /// `per_minute` requests a minute, `burst` of them at once; `None` when `per_minute` is 0
    /// (no limit). A burst of 0 counts as 1.
    pub fn per_minute(per_minute: u32, burst: u32) -> Option<Quota> {
        if per_minute == 0 {
            return None;
        }
        let interval = Duration::from_secs(60) / per_minute;
        Some(Quota {
            interval,
            tolerance: interval * burst.max(1),
        })
    }

    /// Admits a request at `now` against the client's TAT (moving it on), or says how long until
    /// one would be admitted.
    fn admit(&self, tat: &mut Instant, now: Instant) -> Result<(), Duration> {
        let next = (*tat).max(now) + self.interval;
        let ahead = next - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        *tat = next;
        Ok(())
    }
}

/// The bucket an address counts against: an IPv4 address (also when written IPv4-mapped), or
/// the /64 of an IPv6 address, so one host cannot rotate through its addresses.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

/// One part of the table: the TAT of each client, at most `capacity` of them.
#[derive(Debug)]
struct Shard {
    tats: HashMap<IpAddr, Instant>,
    capacity: usize,
    last_sweep: Option<Instant>,
}

impl Shard {
    fn new(capacity: usize) -> Self {
        Shard {
            tats: HashMap::new(),
            capacity,
            last_sweep: None,
        }
    }

    fn check(&mut self, quota: &Quota, key: IpAddr, now: Instant) -> Result<(), Duration> {
        let last_sweep = *self.last_sweep.get_or_insert(now);
        let since_sweep = now.saturating_duration_since(last_sweep);
        if since_sweep >= SWEEP_EVERY {
            self.sweep(now);
        }
        if let Some(tat) = self.tats.get_mut(&key) {
            return quota.admit(tat, now);
        }
        if self.tats.len() >= self.capacity && since_sweep >= FULL_SWEEP_GAP {
            self.sweep(now);
            if self.tats.len() >= self.capacity {
                tracing::warn!(
                    tracked = self.tats.len(),
                    "rate limit table full of active clients: new addresses pass unlimited"
                );
            }
        }
        let mut tat = now;
        let admitted = quota.admit(&mut tat, now);
        // Full of clients still limited: the newcomer passes untracked rather than growing the
        // table or evicting a client that is being held back.
        if self.tats.len() < self.capacity {
            self.tats.insert(key, tat);
        }
        admitted
    }

    /// Drops the buckets that have refilled.
    fn sweep(&mut self, now: Instant) {
        self.tats.retain(|_, tat| *tat > now);
        self.last_sweep = Some(now);
    }
}

/// Per-client-address limiter of one process. Memory is bounded: at most about `max_clients`
/// addresses are tracked; refilled buckets are swept out as checks go by.
#[derive(Debug)]
pub struct RateLimiter {
    quota: Option<Quota>,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

impl RateLimiter {
    /// A limiter to `quota` (`None`: every request passes) tracking at most `max_clients`
    /// addresses (rounded up to a multiple of the shard count).
    pub fn new(quota: Option<Quota>, max_clients: usize) -> Self {
        let per_shard = max_clients.div_ceil(SHARDS).max(1);
        RateLimiter {
            quota,
            hasher: RandomState::new(),
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard::new(per_shard)))
                .collect(),
        }
    }

    /// The limit of the public routes (`EXPORTBRIDGE_PUBLIC_*`).
    pub fn public(config: &Config) -> Self {
        Self::new(
            Quota::per_minute(config.public_rate_per_minute, config.public_burst),
            config.public_rate_max_clients,
        )
    }

    /// Counts a request from `ip` now; `Err` holds how long until it would be admitted.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    /// `check` at a given time (tests drive the clock).
    pub fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let Some(quota) = &self.quota else {
            return Ok(());
        };
        let key = client_key(ip);
        let index = (self.hasher.hash_one(key) % SHARDS as u64) as usize;
        // A panic elsewhere cannot leave a timestamp half-written: the table stays usable.
        let mut shard = self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard.check(quota, key, now)
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).tats.len())
            .sum()
    }
}

/// Whole seconds for `Retry-After`, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// A request from a client address within the public rate limit. A handler opts in by taking
/// it as an argument (and lists `error::RateLimited` among its responses); over the limit the
/// request is answered 429 with `Retry-After` before the handler runs.
#[derive(Debug, Clone, Copy)]
pub struct PublicClient;

impl FromRequest for PublicClient {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::internal("application state missing")));
        };
        // Without a peer (not a TCP connection) every such request shares one bucket.
        let ip = req
            .peer_addr()
            .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |a| a.ip());
        ready(
            state
                .public_limit
                .check(ip)
                .map(|()| PublicClient)
                .map_err(|wait| ApiError::TooManyRequests {
                    retry_after_secs: retry_after_secs(wait),
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// 60 a minute (one a second), 3 at once.
    fn limiter(max_clients: usize) -> RateLimiter {
        RateLimiter::new(Quota::per_minute(60, 3), max_clients)
    }

    #[test]
    fn a_burst_passes_then_one_request_per_interval() {
        let l = limiter(100);
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(l.check_at(a, t0), Ok(()));
        }
        assert_eq!(l.check_at(a, t0), Err(Duration::from_secs(1)));
        let half = t0 + Duration::from_millis(500);
        assert_eq!(l.check_at(a, half), Err(Duration::from_millis(500)));
        let later = t0 + Duration::from_secs(1);
        assert_eq!(l.check_at(a, later), Ok(()));
        assert!(l.check_at(a, later).is_err());
        // Refused requests do not push the next one further away.
        assert_eq!(l.check_at(a, t0 + Duration::from_secs(2)), Ok(()));
        // Idle long enough, the whole burst is back, and no more.
        let idle = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(l.check_at(a, idle), Ok(()));
        }
        assert!(l.check_at(a, idle).is_err());
    }

    #[test]
    fn addresses_are_limited_separately() {
        let l = limiter(100);
        let t0 = Instant::now();
        for _ in 0..3 {
            l.check_at(ip("192.0.2.1"), t0).unwrap();
        }
        assert!(l.check_at(ip("192.0.2.1"), t0).is_err());
        assert_eq!(l.check_at(ip("192.0.2.2"), t0), Ok(()));
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(client_key(ip("192.0.2.7")), ip("192.0.2.7"));

        let l = limiter(100);
        let t0 = Instant::now();
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"] {
            l.check_at(ip(host), t0).unwrap();
        }
        assert!(
            l.check_at(ip("2001:db8:1:2:1234::5"), t0).is_err(),
            "a new address in the same /64 shares the bucket"
        );
        assert_eq!(l.check_at(ip("2001:db8:1:3::1"), t0), Ok(()));
    }

    #[test]
    fn a_zero_rate_turns_the_limit_off() {
        let l = RateLimiter::new(Quota::per_minute(0, 3), 100);
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert_eq!(l.check_at(ip("192.0.2.1"), t0), Ok(()));
        }
        assert_eq!(l.tracked(), 0);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
    }

    #[test]
    fn the_table_never_tracks_more_than_its_capacity() {
        let l = limiter(64);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            let a = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert_eq!(l.check_at(a, t0), Ok(()), "a newcomer is admitted");
            assert!(l.tracked() <= 64);
        }
        // Later, refilled buckets make room again; still bounded.
        let later = t0 + Duration::from_secs(5);
        for i in 0..10_000u32 {
            l.check_at(
                IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i)),
                later,
            )
            .unwrap();
            assert!(l.tracked() <= 64);
        }
    }

    fn shard(capacity: usize) -> (Shard, Quota) {
        (Shard::new(capacity), Quota::per_minute(60, 3).unwrap())
    }

    #[test]
    fn a_full_shard_sweeps_refilled_buckets_to_make_room() {
        let (mut s, q) = shard(2);
        let t0 = Instant::now();
        s.check(&q, ip("192.0.2.1"), t0).unwrap();
        s.check(&q, ip("192.0.2.2"), t0).unwrap();
        // Full of active clients: a third passes untracked.
        s.check(&q, ip("192.0.2.3"), t0).unwrap();
        assert_eq!(s.tats.len(), 2);
        assert!(!s.tats.contains_key(&ip("192.0.2.3")));
        // One request's worth later both buckets are full again: sweeping frees them.
        let t1 = t0 + Duration::from_secs(2);
        s.check(&q, ip("192.0.2.4"), t1).unwrap();
        assert_eq!(
            s.tats.keys().copied().collect::<Vec<_>>(),
            [ip("192.0.2.4")]
        );
    }

    #[test]
    fn a_client_still_held_back_is_not_evicted() {
        let (mut s, q) = shard(1);
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            s.check(&q, a, t0).unwrap();
        }
        let t1 = t0 + Duration::from_millis(1500);
        s.check(&q, ip("192.0.2.9"), t1).unwrap();
        assert!(s.tats.contains_key(&a), "its bucket has not refilled");
        assert!(!s.tats.contains_key(&ip("192.0.2.9")));
    }

    #[test]
    fn idle_buckets_are_swept_periodically() {
        let (mut s, q) = shard(100);
        let t0 = Instant::now();
        for i in 0..50u32 {
            s.check(
                &q,
                IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)),
                t0,
            )
            .unwrap();
        }
        assert_eq!(s.tats.len(), 50);
        s.check(&q, ip("192.0.2.1"), t0 + Duration::from_secs(30))
            .unwrap();
        assert_eq!(s.tats.len(), 51, "not yet due");
        s.check(&q, ip("192.0.2.2"), t0 + SWEEP_EVERY).unwrap();
        assert_eq!(s.tats.len(), 1, "only the newcomer is left");
    }
}
