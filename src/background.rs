//! Periodic background work beside the HTTP server: one loop for every job that runs on an
//! interval (housekeeping, webhook delivery, the FX feed, approval expiry). It sleeps with a
//! little jitter, so instances started together do not run in step; logs one line for each
//! failed run and goes on; and stops, between runs, when the server stops.

use std::fmt::Display;
use std::time::Duration;

use tokio::sync::watch;

/// The spread of a delay by default: up to a tenth either way.
const DEFAULT_JITTER: f64 = 0.1;

/// How long a loop that is in the middle of a run may take to finish it once the server has
/// stopped, before it is cancelled.
pub const GRACE: Duration = Duration::from_secs(5);

/// The server's side of the stop signal: held by the application, which calls `stop` when the
/// HTTP server has stopped.
pub struct Shutdown(watch::Sender<bool>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(watch::Sender::new(false))
    }
}

impl Shutdown {
    /// A signal for one loop.
    pub fn signal(&self) -> Stopped {
        Stopped(self.0.subscribe())
    }

    /// Tells every loop to stop once its current run is over.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

/// A loop's side of the stop signal. Dropping the `Shutdown` counts as stopping.
#[derive(Clone)]
pub struct Stopped(watch::Receiver<bool>);

impl Stopped {
    /// Whether the server has stopped.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Resolves when the server stops.
    async fn wait(&mut self) {
        // An error means the sender is gone: the server is gone too.
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }
}

/// `delay` spread by up to `jitter` (a fraction) either way; `unit` is a draw from [0, 1].
pub fn jittered(delay: Duration, jitter: f64, unit: f64) -> Duration {
    let factor = 1.0 + jitter.clamp(0.0, 1.0) * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    delay.mul_f64(factor)
}

/// Delay before retry number `attempts` (1-based) of a background send (webhooks, mail): base,
/// 2×base, 4×base … at most one hour.
pub fn backoff(base_secs: u64, attempts: i32) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    Duration::from_secs(base_secs.saturating_mul(1u64 << exp).min(3600))
}

/// Time a lease grants beyond the sends themselves: the claim and the checkouts that record
/// results (each waits at most the pool's 10 s).
pub const LEASE_MARGIN_SECS: u64 = 30;

/// How long items a background sender claimed (webhook deliveries, mail) stay invisible to other
/// workers: every round of `concurrency` sends may take the whole timeout, then the margin.
pub fn lease(batch: u32, concurrency: u32, timeout_secs: u64) -> Duration {
    let rounds = u64::from(batch.div_ceil(concurrency.max(1)));
    Duration::from_secs(
        rounds
            .saturating_mul(timeout_secs)
            .saturating_add(LEASE_MARGIN_SECS),
    )
}

/// A periodic job: its name (in log lines), how long it waits before its first run, and the
/// jitter of every wait.
pub struct Periodic {
    name: &'static str,
    first_delay: Duration,
    jitter: f64,
}

impl Periodic {
    /// A job that runs at once, then after each computed delay (±10 %).
    pub fn new(name: &'static str) -> Self {
        Periodic {
            name,
            first_delay: Duration::ZERO,
            jitter: DEFAULT_JITTER,
        }
    }

    /// Waits `delay` before the first run instead of running at once.
    pub fn first_after(self, delay: Duration) -> Self {
        Periodic {
            first_delay: delay,
            ..self
        }
    }

    /// Runs `job` every `interval` until the server stops.
    pub async fn every<T, E: Display, Run: Future<Output = Result<T, E>>>(
        self,
        interval: Duration,
        stopped: Stopped,
        job: impl FnMut() -> Run,
    ) {
        self.run(stopped, job, |_| interval).await
    }

    /// Runs `job` until the server stops, waiting after each run the delay `next` computes from
    /// its outcome (zero: again at once). A failed run is logged, then the loop goes on.
    /// (`job` returns a future that owns what it uses, so the loop can be spawned.)
    pub async fn run<T, E: Display, Run: Future<Output = Result<T, E>>>(
        self,
        mut stopped: Stopped,
        mut job: impl FnMut() -> Run,
        mut next: impl FnMut(&Result<T, E>) -> Duration,
    ) {
        let mut delay = self.first_delay;
        loop {
            let pause = jittered(delay, self.jitter, rand::random());
            tokio::select! {
                biased;
                () = stopped.wait() => return,
                () = tokio::time::sleep(pause) => {}
            }
            let outcome = job().await;
            if let Err(e) = &outcome {
                tracing::warn!(task = self.name, error = %e, "background run failed");
            }
            delay = next(&outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), Duration::from_secs(30));
        assert_eq!(backoff(30, 2), Duration::from_secs(60));
        assert_eq!(backoff(30, 3), Duration::from_secs(120));
        assert_eq!(backoff(30, 30), Duration::from_secs(3600));
        assert_eq!(backoff(1, 1), Duration::from_secs(1));
    }

    #[test]
    fn the_lease_outlasts_every_round_of_requests() {
        // Defaults: 20 sends, 8 at a time, 10 s each: 3 rounds, 30 s, plus the margin.
        assert_eq!(
            lease(20, 8, 10),
            Duration::from_secs(30 + LEASE_MARGIN_SECS)
        );
        assert_eq!(
            lease(16, 8, 10),
            Duration::from_secs(20 + LEASE_MARGIN_SECS)
        );
        // One at a time: the old worst case of 20 × 10 s no longer outlives the lease.
        assert_eq!(
            lease(20, 1, 10),
            Duration::from_secs(200 + LEASE_MARGIN_SECS)
        );
        assert_eq!(lease(1, 8, 60), Duration::from_secs(60 + LEASE_MARGIN_SECS));
        for batch in 1..=50u32 {
            for concurrency in 1..=20 {
                for timeout in [1, 10, 300] {
                    let rounds = u64::from(batch.div_ceil(concurrency));
                    assert!(lease(batch, concurrency, timeout).as_secs() > rounds * timeout);
                }
            }
        }
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let second = Duration::from_secs(1);
        assert_eq!(jittered(second, 0.1, 0.0), Duration::from_millis(900));
        assert_eq!(jittered(second, 0.1, 0.5), second);
        assert_eq!(jittered(second, 0.1, 1.0), Duration::from_millis(1100));
        assert_eq!(jittered(second, 0.0, 0.9), second);
        assert_eq!(jittered(Duration::ZERO, 0.1, 1.0), Duration::ZERO);
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(3600), DEFAULT_JITTER, rand::random());
            assert!((3240..=3960).contains(&d.as_secs()), "{d:?}");
        }
    }

    #[tokio::test]
    async fn stops_when_the_server_stops() {
        let shutdown = Shutdown::default();
        let runs = Arc::new(Mutex::new(0));
        let counted = runs.clone();
        let task = tokio::spawn(Periodic::new("test").every(
            Duration::from_secs(3600),
            shutdown.signal(),
            move || {
                *counted.lock().unwrap() += 1;
                async { Ok::<_, String>(()) }
            },
        ));
        tokio::time::sleep(Duration::from_millis(50)).await;
        shutdown.stop();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the loop stops within its sleep")
            .unwrap();
        assert_eq!(*runs.lock().unwrap(), 1, "ran once at start, then slept");
    }

    #[tokio::test]
    async fn a_dropped_shutdown_stops_the_loop_before_its_first_run() {
        let shutdown = Shutdown::default();
        let stopped = shutdown.signal();
        drop(shutdown);
        assert!(stopped.is_stopped());
        let ran = Arc::new(Mutex::new(false));
        let flag = ran.clone();
        Periodic::new("test")
            .every(Duration::ZERO, stopped, move || {
                *flag.lock().unwrap() = true;
                async { Ok::<_, String>(()) }
            })
            .await;
        assert!(!*ran.lock().unwrap());
    }

    /// Log lines written while a test runs.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn logs_each_failure_and_goes_on_with_the_delay_of_the_outcome() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let shutdown = Shutdown::default();
        let mut runs = 0;
        let mut delays = Vec::new();
        let stopped = shutdown.signal();
        Periodic::new("flaky")
            .run(
                stopped,
                || {
                    runs += 1;
                    if runs == 3 {
                        shutdown.stop();
                    }
                    let outcome = if runs % 2 == 1 {
                        Err(format!("failure {runs}"))
                    } else {
                        Ok(runs)
                    };
                    async { outcome }
                },
                |outcome| {
                    delays.push(outcome.is_ok());
                    Duration::from_millis(if outcome.is_ok() { 0 } else { 1 })
                },
            )
            .await;
        assert_eq!(runs, 3);
        assert_eq!(delays, [false, true, false]);
        let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.matches("background run failed").count(), 2, "{log}");
        assert!(
            log.contains("task=\"flaky\"") || log.contains("task=flaky"),
            "{log}"
        );
        assert!(
            log.contains("failure 1") && log.contains("failure 3"),
            "{log}"
        );
    }
}
