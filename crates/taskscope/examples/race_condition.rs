//! A lost update across `.await`s, and its fix with a lock.
//!
//! It teaches the race that async code has even on one thread, with no
//! data race in sight: `let balance = account.read().await;
//! account.write(balance + amount).await;` is two steps, and every
//! `.await` between them is a point where another task may run — and read
//! the same old balance. A hundred concurrent deposits of 1 then leave a
//! balance of 1, not 100. The fix is to make read-modify-write one step:
//! hold an async lock (`tokio::sync::Mutex`) across it. A
//! `std::sync::Mutex` will not do: its guard cannot be held across an
//! `.await` in a task that may move between threads (the future is not
//! `Send`), and even where it can, it blocks the whole thread while it
//! waits.
//!
//! The deposits run as children of a task group, on a single-threaded
//! runtime, to show that threads are not needed for this bug.
//!
//! Run with `cargo run --example race_condition` (`-- --deposits 1000`
//! for more; `-- --fast` to run on a paused clock, instantly).

#[path = "common/cli.rs"]
#[allow(dead_code)] // this example reads numbers only
mod cli;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::sleep;

/// An account in a store that takes a millisecond to answer, like a
/// database. Each call on its own is safe (a short lock, never held
/// across an await); a read followed by a write is not.
#[derive(Debug, Default)]
pub(crate) struct Account {
    balance: Mutex<u64>,
}

impl Account {
    pub(crate) async fn read(&self) -> u64 {
        sleep(Duration::from_millis(1)).await;
        *self.balance.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) async fn write(&self, balance: u64) {
        sleep(Duration::from_millis(1)).await;
        *self.balance.lock().unwrap_or_else(PoisonError::into_inner) = balance;
    }
}

/// The bug: another deposit can run between the read and the write, and
/// one of the two updates is lost.
async fn deposit_racy(account: &Account, amount: u64) {
    let balance = account.read().await;
    // ... another task reads the same `balance` here ...
    account.write(balance + amount).await;
}

/// The fix: the lock makes read-modify-write one step. Deposits wait for
/// each other, in the order they asked (tokio's mutex is fair).
async fn deposit_locked(account: &tokio::sync::Mutex<Account>, amount: u64) {
    let account = account.lock().await;
    let balance = account.read().await;
    account.write(balance + amount).await;
}

/// Runs `deposits` deposits of 1 at the same time, the racy way, and
/// returns the final balance.
///
/// Cancel safe: dropping the future cancels the deposits in flight.
pub(crate) async fn racy(deposits: u64) -> u64 {
    let account = Arc::new(Account::default());
    taskscope::scope(async |tg| {
        for _ in 0..deposits {
            let account = account.clone();
            tg.spawn(async move {
                deposit_racy(&account, 1).await;
                Ok(())
            });
        }
        Ok::<_, Infallible>(())
    })
    .await
    .expect("deposits cannot fail");
    account.read().await
}

/// The same deposits, each holding the lock across its read and write.
///
/// Cancel safe: dropping the future cancels the deposits in flight; a
/// deposit cancelled while it holds the lock releases it.
pub(crate) async fn locked(deposits: u64) -> u64 {
    let account = Arc::new(tokio::sync::Mutex::new(Account::default()));
    taskscope::scope(async |tg| {
        for _ in 0..deposits {
            let account = account.clone();
            tg.spawn(async move {
                deposit_locked(&account, 1).await;
                Ok(())
            });
        }
        Ok::<_, Infallible>(())
    })
    .await
    .expect("deposits cannot fail");
    account.lock().await.read().await
}

fn main() {
    let (mut deposits, mut fast) = (100, false);
    let mut parser = lexopt::Parser::from_env();
    let usage = |err: String| -> ! {
        eprintln!("race_condition: {err}\nusage: race_condition [--deposits N] [--fast]");
        std::process::exit(2)
    };
    while let Some(arg) = parser.next().unwrap_or_else(|e| usage(e.to_string())) {
        match arg {
            lexopt::Arg::Long("deposits") => {
                deposits = cli::parsed(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            lexopt::Arg::Long("fast") => fast = true,
            other => usage(other.unexpected().to_string()),
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(fast)
        .build()
        .expect("a tokio runtime");
    let racy = runtime.block_on(racy(deposits));
    let locked = runtime.block_on(locked(deposits));
    println!("{deposits} concurrent deposits of 1 on one thread:");
    println!("  read, then write:          balance {racy:>6}  ({} updates lost)", deposits - racy);
    println!("  read, then write, locked:  balance {locked:>6}");
}
