//! Placeholder until the benchmark work item lands.
fn main() {}
