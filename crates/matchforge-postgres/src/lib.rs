//! # matchforge-postgres
//!
//! The PostgreSQL storage adapter of MatchForge (under construction).
