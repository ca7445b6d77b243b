//! Matcher benchmarks: one tick over 100,000 waiting tickets, beside the floor
//! of sorting 100,000 (rating, id) pairs measured in the same run.
//!
//! Run with `cargo bench -p matchforge-benches --bench matcher`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use matchforge_benches::{five_v_five_population, solo_population};
use matchforge_core::ids::TicketId;
use matchforge_core::matcher::Matcher;

const N: usize = 100_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 20, 0, 0).unwrap()
}

fn matcher(c: &mut Criterion) {
    let mut group = c.benchmark_group("matcher");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));

    let (config, solos) = solo_population(N, now(), 7);
    let pairs: Vec<(f64, TicketId)> = solos
        .iter()
        .map(|t| (t.rating().rating(), t.id()))
        .collect();
    group.bench_function("sort_floor/100000", |b| {
        b.iter_batched(
            || pairs.clone(),
            |mut pairs| {
                pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                pairs
            },
            BatchSize::LargeInput,
        );
    });

    let one_v_one = Matcher::new(config);
    group.bench_function("tick_1v1/100000", |b| {
        b.iter(|| black_box(one_v_one.find_matches(black_box(&solos), now())));
    });

    let (config, parties) = five_v_five_population(N, now(), 11);
    let five = Matcher::new(config);
    group.bench_function("tick_5v5_parties_roles/100000", |b| {
        b.iter(|| black_box(five.find_matches(black_box(&parties), now())));
    });
    group.finish();
}

criterion_group!(benches, matcher);
criterion_main!(benches);
