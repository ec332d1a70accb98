//! Multi-thread hammering: many tasks acquiring, giving up after random
//! timeouts, forgetting and re-adding permits, resizing a limiter — and
//! afterwards not one permit or token lost or duplicated.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskscope::semaphore::{Limiter, Semaphore};
use tokio::time::timeout;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_hammer_with_random_cancellation() {
    const PERMITS: usize = 8;
    const TASKS: u64 = 64;
    const ROUNDS: usize = 40;
    let sem = Semaphore::bounded(PERMITS).unwrap();
    let in_use = Arc::new(AtomicUsize::new(0));
    let granted = Arc::new(AtomicUsize::new(0));
    let gave_up = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for id in 0..TASKS {
        let (sem, in_use, granted, gave_up) =
            (sem.clone(), Arc::clone(&in_use), Arc::clone(&granted), Arc::clone(&gave_up));
        tasks.push(tokio::spawn(async move {
            let mut rng = 0x9e37_79b9_7f4a_7c15 ^ (id + 1).wrapping_mul(0x2545_f491_4f6c_dd1d);
            for _ in 0..ROUNDS {
                let roll = xorshift(&mut rng);
                let n = 1 + (roll % 3) as u32;
                let patience = Duration::from_micros(roll % 300);
                let acquired = if roll % 7 == 0 {
                    sem.try_acquire_many_owned(n).ok()
                } else {
                    timeout(patience, sem.acquire_many_owned(n)).await.ok().map(Result::unwrap)
                };
                let Some(permit) = acquired else {
                    gave_up.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let now = in_use.fetch_add(n as usize, Ordering::SeqCst) + n as usize;
                assert!(now <= PERMITS, "{now} permits in use of {PERMITS}");
                if roll % 2 == 0 {
                    tokio::task::yield_now().await;
                }
                in_use.fetch_sub(n as usize, Ordering::SeqCst);
                if roll % 5 == 0 {
                    // Forgotten then added back: a bounded semaphore must
                    // accept it, however the other tasks interleave.
                    permit.forget();
                    sem.add_permits(n as usize).unwrap();
                } else {
                    drop(permit);
                }
                granted.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (granted, gave_up) = (granted.load(Ordering::Relaxed), gave_up.load(Ordering::Relaxed));
    assert_eq!(granted + gave_up, TASKS as usize * ROUNDS);
    assert!(granted > 0);
    assert_eq!((sem.available(), sem.capacity(), sem.waiting()), (PERMITS, PERMITS, 0));
    assert!(sem.add_permits(1).is_err(), "no permit was duplicated");
    let all = sem.try_acquire_many(PERMITS as u32).expect("no permit was lost");
    assert_eq!(all.num_permits(), PERMITS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiter_hammer_while_resizing() {
    const TASKS: u64 = 32;
    const ROUNDS: usize = 40;
    const MAX_TOTAL: usize = 6;
    let limiter = Limiter::new(3).unwrap();
    let in_use = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for id in 0..TASKS {
        let (limiter, in_use) = (limiter.clone(), Arc::clone(&in_use));
        tasks.push(tokio::spawn(async move {
            let mut rng = 0x853c_49e6_748f_ea9b ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for _ in 0..ROUNDS {
                let roll = xorshift(&mut rng);
                let patience = Duration::from_micros(roll % 300);
                let Ok(token) = timeout(patience, limiter.acquire()).await else { continue };
                let token = token.unwrap();
                let now = in_use.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(now <= MAX_TOTAL, "{now} borrowers of at most {MAX_TOTAL}");
                tokio::task::yield_now().await;
                in_use.fetch_sub(1, Ordering::SeqCst);
                drop(token);
            }
        }));
    }
    let resizer = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let mut rng = 7u64;
            for _ in 0..200 {
                limiter.set_total(1 + (xorshift(&mut rng) % MAX_TOTAL as u64) as usize).unwrap();
                tokio::task::yield_now().await;
            }
            limiter.set_total(4).unwrap();
        }
    });
    for task in tasks {
        task.await.unwrap();
    }
    resizer.await.unwrap();
    assert_eq!(limiter.total(), 4);
    assert_eq!((limiter.borrowed(), limiter.available(), limiter.waiting()), (0, 4, 0));
    assert!(limiter.borrowers().is_empty());
}
