//! The conformance suite and synthetic populations of MatchForge.
