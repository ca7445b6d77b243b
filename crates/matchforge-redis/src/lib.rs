//! # matchforge-redis
//!
//! The Redis storage adapter of MatchForge (work in progress).
