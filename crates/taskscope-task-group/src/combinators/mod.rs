//! Combinators built on task groups: gather, race, as_completed, wait,
//! map_concurrent and spawn_blocking (filled by issue 5).
