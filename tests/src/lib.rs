//! Cross-crate conformance and reliability tests for taskscope; see `tests/`.
#![forbid(unsafe_code)]
