//! Names of the children a combinator spawns: `<combinator>-<index>`.

use std::fmt::Write;
use std::sync::Arc;

/// `prefix-index` (`gather-3`), the name of the child made from the input
/// at `index`, so an error says which input failed.
pub(crate) fn indexed(prefix: &str, index: usize) -> Arc<str> {
    let mut name = String::with_capacity(prefix.len() + 8);
    name.push_str(prefix);
    name.push('-');
    // Writing to a `String` cannot fail.
    let _ = write!(name, "{index}");
    Arc::from(name)
}
