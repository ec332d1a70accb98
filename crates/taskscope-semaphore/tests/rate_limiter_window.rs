//! The sliding-window `RateLimiter`: at most `max` acquisitions in any
//! window of length `period`, exactly, on the paused clock; weighted
//! acquires, cancel safety, bad input, and threads racing on it.

use std::time::Duration;

use taskscope::semaphore::{RateError, RateLimitError, RateLimiter};
use tokio::time::{Instant, advance, sleep};
use tokio_test::assert_pending;
use tokio_test::task::spawn;

const SECOND: Duration = Duration::from_secs(1);

/// Checks that no half-open window `[t, t + period)` holds more than `max`
/// of the (sorted) acquisition times.
fn assert_window(times: &[Duration], max: usize, period: Duration) {
    for (i, &t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|&&u| u < t + period).count();
        assert!(in_window <= max, "{in_window} acquisitions in [{t:?}, {:?})", t + period);
    }
}

// The window fills at once, then each place frees exactly one period after
// the acquisition that took it.
#[tokio::test(start_paused = true)]
async fn sliding_window_is_exact() {
    let limiter = RateLimiter::sliding_window(3, SECOND).unwrap();
    let start = Instant::now();
    let mut times = Vec::new();
    for _ in 0..9 {
        limiter.acquire().await;
        times.push(start.elapsed());
    }
    let ms = Duration::from_millis;
    assert_eq!(
        times,
        [ms(0), ms(0), ms(0), ms(1_000), ms(1_000), ms(1_000), ms(2_000), ms(2_000), ms(2_000)]
    );
    assert_window(&times, 3, SECOND);
}

// Irregular arrivals: each acquisition goes as early as the window allows.
#[tokio::test(start_paused = true)]
async fn sliding_window_follows_the_oldest_acquisition() {
    let limiter = RateLimiter::sliding_window(3, SECOND).unwrap();
    let start = Instant::now();
    let ms = Duration::from_millis;
    let mut times = Vec::new();
    for gap in [0, 300, 300, 0, 0, 0, 500] {
        sleep(ms(gap)).await;
        limiter.acquire().await;
        times.push(start.elapsed());
    }
    // 0, 300, 600 fill the window; the 4th waits for 0 + 1 s, the 5th for
    // 300 + 1 s, the 6th for 600 + 1 s; the 7th arrives at 2.1 s and waits
    // for 1.0 s + 1 s... which is already past, so it goes at once.
    assert_eq!(times, [ms(0), ms(300), ms(600), ms(1_000), ms(1_300), ms(1_600), ms(2_100)]);
    assert_window(&times, 3, SECOND);
}

// Unlike a token bucket of the same nominal rate, the window never lets
// more than `max` through in any period, even right after an idle spell.
#[tokio::test(start_paused = true)]
async fn sliding_window_never_exceeds_max_after_idle() {
    let limiter = RateLimiter::sliding_window(5, SECOND).unwrap();
    let start = Instant::now();
    let mut times = Vec::new();
    for round in 0..4 {
        if round == 2 {
            sleep(Duration::from_secs(10)).await;
        }
        for _ in 0..5 {
            limiter.acquire().await;
            times.push(start.elapsed());
        }
    }
    assert_window(&times, 5, SECOND);
    assert_eq!(times.len(), 20);
}

#[tokio::test(start_paused = true)]
async fn weighted_acquire_waits_for_enough_places() {
    let limiter = RateLimiter::sliding_window(4, SECOND).unwrap();
    let start = Instant::now();
    limiter.acquire().await; // t = 0
    sleep(Duration::from_millis(200)).await;
    limiter.acquire_many(2).await.unwrap(); // t = 0.2
    // 3 of 4 used; 3 more need the first two acquisitions to leave.
    limiter.acquire_many(3).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(1_200));
    assert!(matches!(
        limiter.acquire_many(5).await,
        Err(RateLimitError::ExceedsCapacity { requested: 5, capacity: 4, .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn try_acquire_reports_when_a_place_frees() {
    let limiter = RateLimiter::sliding_window(2, SECOND).unwrap();
    limiter.try_acquire().unwrap();
    advance(Duration::from_millis(400)).await;
    limiter.try_acquire().unwrap();
    let err = limiter.try_acquire().unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_millis(600)));
    assert_eq!(limiter.available(), 0);
    advance(Duration::from_millis(600)).await;
    assert_eq!(limiter.available(), 1);
    limiter.try_acquire().unwrap();
}

#[tokio::test(start_paused = true)]
async fn cancelled_waiter_consumes_nothing() {
    let limiter = RateLimiter::sliding_window(1, SECOND).unwrap();
    limiter.acquire().await;
    let start = Instant::now();
    let mut cancelled = spawn(limiter.acquire());
    assert_pending!(cancelled.poll());
    advance(Duration::from_millis(500)).await;
    drop(cancelled);
    assert_eq!(limiter.waiting(), 0);
    limiter.acquire().await;
    assert_eq!(start.elapsed(), SECOND);
}

#[test]
fn bad_windows_name_the_value() {
    assert_eq!(
        RateLimiter::sliding_window(0, SECOND).unwrap_err().to_string(),
        "max must be at least 1, got 0"
    );
    assert_eq!(
        RateLimiter::sliding_window(3, Duration::ZERO).unwrap_err().to_string(),
        "period must be above zero, got 0ns"
    );
    assert!(matches!(
        RateLimiter::sliding_window(3, Duration::MAX),
        Err(RateError::PeriodTooLong { what: "period", .. })
    ));
}

// Threads racing on a window that does not slide during the test:
// exactly `max` get in.
#[test]
fn threads_never_exceed_the_window() {
    const MAX: u32 = 300;
    let limiter = RateLimiter::sliding_window(MAX, Duration::from_secs(3_600)).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let limiter = limiter.clone();
            std::thread::spawn(move || (0..1_000).filter(|_| limiter.try_acquire().is_ok()).count())
        })
        .collect();
    let taken: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(taken, MAX as usize);
}
