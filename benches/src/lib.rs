//! Shared fixtures for MatchForge's criterion benchmarks (see `benches/`).
