//! The in-memory storage adapter of MatchForge.
