//! `scope_local`: the scope API for futures that are not `Send` or not
//! `'static`, polled inside the scope's own task (filled by issue 5).
