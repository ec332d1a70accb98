//! `Signal`: the signal that interrupted a program run by `run_with`.

use std::fmt;

/// A signal that interrupted a [`run_with`](crate::run_with).
///
/// # Examples
///
/// ```
/// assert_eq!(taskscope::Signal::Terminate.exit_code(), 143);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// SIGINT, or Ctrl-C on Windows.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// `128 +` the signal number: 130 for SIGINT, 143 for SIGTERM.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(taskscope::Signal::Interrupt.exit_code(), 130);
    /// ```
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        })
    }
}
