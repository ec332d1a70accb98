//! The token bucket `RateLimiter`: long-run rate and bursts on the paused
//! clock, FIFO order, head-of-line blocking, cancel safety, bad input, and
//! a multi-thread check that no token is ever handed out twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope::semaphore::{RateError, RateLimitError, RateLimiter};
use tokio::time::{Instant, advance, sleep};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};

async fn time_acquisitions(limiter: &RateLimiter, n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        limiter.acquire().await;
    }
    start.elapsed()
}

// 1,000 acquisitions at 100/s take exactly 10 s minus the burst: the first
// `burst` go at once, every later one 10 ms after the previous.
#[tokio::test(start_paused = true)]
async fn long_run_rate_is_exact() {
    let limiter = RateLimiter::per_second(100.0).unwrap();
    assert_eq!(time_acquisitions(&limiter, 1_000).await, Duration::from_millis(9_990));

    let limiter = RateLimiter::per_second(100.0).unwrap().burst(10).unwrap();
    assert_eq!(time_acquisitions(&limiter, 1_000).await, Duration::from_millis(9_900));

    let limiter = RateLimiter::per(Duration::from_millis(10)).unwrap().burst(100).unwrap();
    assert_eq!(time_acquisitions(&limiter, 1_000).await, Duration::from_millis(9_000));
}

#[tokio::test(start_paused = true)]
async fn fractional_rates() {
    let limiter = RateLimiter::per_second(0.5).unwrap();
    assert_eq!(limiter.period(), Duration::from_secs(2));
    assert_eq!(time_acquisitions(&limiter, 4).await, Duration::from_secs(6));
}

// An idle bucket fills up to its burst and no further.
#[tokio::test(start_paused = true)]
async fn idle_time_saves_up_to_the_burst() {
    let limiter = RateLimiter::per_second(10.0).unwrap().burst(5).unwrap();
    assert_eq!(time_acquisitions(&limiter, 5).await, Duration::ZERO);
    assert_eq!(limiter.available(), 0);
    sleep(Duration::from_millis(250)).await;
    assert_eq!(limiter.available(), 2);
    sleep(Duration::from_secs(60)).await;
    assert_eq!(limiter.available(), 5);
    // Five at once, then one per 100 ms.
    assert_eq!(time_acquisitions(&limiter, 8).await, Duration::from_millis(300));
}

// Waiters are served in arrival order, one interval apart.
#[tokio::test(start_paused = true)]
async fn waiters_are_served_fifo() {
    let limiter = RateLimiter::per_second(10.0).unwrap();
    limiter.acquire().await;
    let start = Instant::now();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for id in 0..5 {
        let (limiter, order) = (limiter.clone(), Arc::clone(&order));
        tasks.push(tokio::spawn(async move {
            limiter.acquire().await;
            order.lock().unwrap().push((id, start.elapsed()));
        }));
        tokio::task::yield_now().await; // queue them in order
    }
    assert_eq!(limiter.waiting(), 5);
    for task in tasks {
        task.await.unwrap();
    }
    let expected: Vec<_> = (0..5).map(|i| (i, Duration::from_millis(100 * (i + 1)))).collect();
    assert_eq!(*order.lock().unwrap(), expected);
    assert_eq!(limiter.waiting(), 0);
}

// A large request at the head of the queue blocks a small one behind it,
// even when a single token would have been there for the small one.
#[tokio::test(start_paused = true)]
async fn large_request_blocks_the_queue_behind_it() {
    let limiter = RateLimiter::per_second(10.0).unwrap().burst(10).unwrap();
    limiter.acquire_many(10).await.unwrap();
    let start = Instant::now();
    let big = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.acquire_many(10).await.unwrap();
            start.elapsed()
        }
    });
    tokio::task::yield_now().await;
    let small = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter.acquire().await;
            start.elapsed()
        }
    });
    assert_eq!(big.await.unwrap(), Duration::from_secs(1));
    assert_eq!(small.await.unwrap(), Duration::from_millis(1_100));
}

// A cancelled wait consumes nothing and the next waiter moves up.
#[tokio::test(start_paused = true)]
async fn cancelled_waiter_consumes_nothing() {
    let limiter = RateLimiter::per_second(1.0).unwrap();
    limiter.acquire().await;
    let start = Instant::now();

    let mut first = spawn(limiter.acquire());
    assert_pending!(first.poll());
    let mut second = spawn(limiter.acquire());
    assert_pending!(second.poll());
    assert_eq!(limiter.waiting(), 2);

    advance(Duration::from_millis(500)).await;
    drop(first); // cancelled while sleeping at the head of the queue
    assert_eq!(limiter.waiting(), 1);
    assert!(second.is_woken()); // moved up

    assert_pending!(second.poll());
    let waited = async {
        while second.poll().is_pending() {
            sleep(Duration::from_millis(1)).await;
        }
        start.elapsed()
    };
    // The token `first` was waiting for at 1 s goes to `second` at 1 s.
    assert_eq!(waited.await, Duration::from_secs(1));
    assert_eq!(limiter.waiting(), 0);
}

// Cancelled through a timeout, as real code does it.
#[tokio::test(start_paused = true)]
async fn timed_out_waiters_consume_nothing() {
    let limiter = RateLimiter::per_second(1.0).unwrap();
    limiter.acquire().await;
    for _ in 0..10 {
        let timed_out = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(timed_out.is_err());
    }
    assert_eq!(limiter.waiting(), 0);
    // At 1 s the next token is there: the ten waits consumed nothing.
    sleep(Duration::from_millis(500)).await;
    assert_eq!(limiter.available(), 1);
    limiter.try_acquire().unwrap();
}

#[tokio::test(start_paused = true)]
async fn try_acquire_reports_retry_after_and_never_jumps_the_queue() {
    let limiter = RateLimiter::per_second(2.0).unwrap().burst(2).unwrap();
    limiter.try_acquire_many(2).unwrap();
    let err = limiter.try_acquire().unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_millis(500)));
    assert_eq!(err.to_string(), "rate limited: retry after 500ms");

    let mut head = spawn(limiter.acquire_many(2));
    assert_pending!(head.poll());
    advance(Duration::from_millis(500)).await;
    // One token is back, but `head` waits for two and is first in line.
    assert_eq!(limiter.available(), 1);
    assert!(matches!(limiter.try_acquire(), Err(RateLimitError::Limited { .. })));
    advance(Duration::from_millis(500)).await;
    assert_ready!(head.poll()).unwrap();
    assert_eq!(limiter.available(), 0);
}

#[tokio::test(start_paused = true)]
async fn zero_tokens_return_at_once() {
    let limiter = RateLimiter::per_second(1.0).unwrap();
    limiter.acquire().await;
    let start = Instant::now();
    limiter.acquire_many(0).await.unwrap();
    limiter.try_acquire_many(0).unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn more_than_the_burst_is_an_error() {
    let limiter = RateLimiter::per_second(100.0).unwrap().burst(10).unwrap();
    let err = limiter.acquire_many(12).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot acquire 12 tokens at once from a rate limiter of capacity 10"
    );
    assert!(matches!(
        limiter.try_acquire_many(11),
        Err(RateLimitError::ExceedsCapacity { requested: 11, capacity: 10, .. })
    ));
    assert_eq!(limiter.available(), 10, "a refused request consumes nothing");
}

#[test]
fn bad_rates_name_the_value() {
    let cases: [(f64, &str); 5] = [
        (0.0, "rate must be a finite number above 0 per second, got 0"),
        (-1.5, "rate must be a finite number above 0 per second, got -1.5"),
        (f64::NAN, "rate must be a finite number above 0 per second, got NaN"),
        (f64::INFINITY, "rate must be a finite number above 0 per second, got inf"),
        (f64::NEG_INFINITY, "rate must be a finite number above 0 per second, got -inf"),
    ];
    for (rate, message) in cases {
        assert_eq!(RateLimiter::per_second(rate).unwrap_err().to_string(), message);
    }
    let too_fast = RateLimiter::per_second(3e9).unwrap_err();
    assert!(matches!(too_fast, RateError::OutOfRange { .. }));
    assert!(too_fast.to_string().ends_with("per second, got 3000000000"), "{too_fast}");
    assert!(matches!(RateLimiter::per_second(1e-12), Err(RateError::OutOfRange { .. })));
    assert!(RateLimiter::per_second(1e9).is_ok());
}

#[test]
fn bad_intervals_and_bursts_name_the_value() {
    assert_eq!(
        RateLimiter::per(Duration::ZERO).unwrap_err().to_string(),
        "interval must be above zero, got 0ns"
    );
    assert!(matches!(
        RateLimiter::per(Duration::MAX),
        Err(RateError::PeriodTooLong { what: "interval", .. })
    ));
    let limiter = RateLimiter::per_second(5.0).unwrap();
    assert_eq!(limiter.burst(0).unwrap_err().to_string(), "burst must be at least 1, got 0");
    let slow = RateLimiter::per(Duration::from_secs(1 << 30)).unwrap();
    assert!(matches!(slow.burst(u32::MAX), Err(RateError::PeriodTooLong { .. })));
    let window = RateLimiter::sliding_window(3, Duration::from_secs(1)).unwrap();
    assert_eq!(
        window.burst(2).unwrap_err().to_string(),
        "burst applies to a token bucket, not to a sliding window (its burst is its max, 3)"
    );
}

// Clones share one bucket.
#[tokio::test(start_paused = true)]
async fn clones_share_the_bucket() {
    let a = RateLimiter::per_second(1.0).unwrap().burst(2).unwrap();
    let b = a.clone();
    a.try_acquire().unwrap();
    b.try_acquire().unwrap();
    assert!(a.try_acquire().is_err());
    assert!(b.try_acquire().is_err());
}

// Many threads racing on `try_acquire` of a bucket that does not refill
// during the test: exactly `burst` succeed, never one more.
#[test]
fn threads_never_take_a_token_twice() {
    const BURST: u32 = 500;
    let limiter = RateLimiter::per(Duration::from_secs(3_600)).unwrap().burst(BURST).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let limiter = limiter.clone();
            std::thread::spawn(move || (0..1_000).filter(|_| limiter.try_acquire().is_ok()).count())
        })
        .collect();
    let taken: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(taken, BURST as usize);
    assert_eq!(limiter.available(), 0);
}

// Many tasks on the multi-thread runtime, each giving up after a random
// timeout: every token is taken at most once, cancelled waits consume
// nothing, and no waiter is left counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_with_random_timeouts_lose_no_token() {
    const BURST: u32 = 40;
    let limiter = RateLimiter::per(Duration::from_secs(3_600)).unwrap().burst(BURST).unwrap();
    let mut tasks = Vec::new();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..100 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let limiter = limiter.clone();
        let patience = Duration::from_micros(rng % 2_000);
        tasks.push(tokio::spawn(async move {
            let n = 1 + (rng % 2) as u32;
            tokio::time::timeout(patience, limiter.acquire_many(n)).await.map(|r| r.map(|()| n))
        }));
    }
    let mut taken = 0;
    for task in tasks {
        if let Ok(n) = task.await.unwrap() {
            taken += n.unwrap();
        }
    }
    assert!(taken <= BURST);
    assert_eq!(u64::from(taken) + limiter.available(), u64::from(BURST));
    assert_eq!(limiter.waiting(), 0);
}

// An acquire that never waits still spends the task's cooperative budget,
// so a hot loop cannot starve the other tasks of a current-thread runtime.
#[tokio::test]
async fn acquire_loops_yield_to_the_scheduler() {
    let limiter = RateLimiter::per_second(1e9).unwrap().burst(u32::MAX).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinner = tokio::spawn({
        let (limiter, stop) = (limiter.clone(), Arc::clone(&stop));
        async move {
            let mut rounds = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                limiter.acquire().await;
                rounds += 1;
            }
            rounds
        }
    });
    tokio::task::yield_now().await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(spinner.await.unwrap() > 0);
}
