//! The `matchforge` command line.

fn main() {}
