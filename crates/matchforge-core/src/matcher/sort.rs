//! Sorting a pool's members by rating: a bucket sort by value, O(n) expected
//! for the ratings a queue holds, with memory kept between ticks.
//!
//! Ratings of one pool lie in a known range, so a member's bucket is a linear
//! map of its rating onto `0..n`. That map never decreases, so buckets in
//! order hold ratings in order; members are scattered into their buckets in
//! the order given (oldest first), and each bucket — a few members at most for
//! any smooth distribution — is then sorted by (rating, order given). A skewed
//! population (everyone at one rating but an outlier) only makes buckets
//! large, which are sorted by comparison, so the worst case stays
//! O(n log n).

/// A pool member: rating, window, entry.
pub(crate) type Member = (f64, f64, u32);

/// Reusable memory for [`sort_members`].
#[derive(Debug, Default)]
pub(crate) struct SortScratch {
    members: Vec<Member>,
    starts: Vec<u32>,
}

/// Buckets up to this size are sorted by insertion.
const INSERTION: usize = 16;

/// Sorts `list` by rating; equal ratings keep their order in `list` (which is
/// entry order, so the older ticket comes first). Ratings must not be NaN.
pub(crate) fn sort_members(list: &mut Vec<Member>, scratch: &mut SortScratch) {
    let n = list.len();
    if n <= INSERTION {
        insertion_sort(list);
        return;
    }
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for m in list.iter() {
        min = min.min(m.0);
        max = max.max(m.0);
    }
    let range = max - min;
    if range == 0.0 {
        // One rating: the given order is already the sorted one.
        return;
    }
    if !range.is_finite() {
        // Infinite ratings (or a range that overflows): no linear map.
        list.sort_by(by_rating);
        return;
    }
    let buckets = n;
    // Largest bucket index: the maximum maps to it exactly or (by rounding)
    // past it, which the `min` clamps; the map stays monotone either way.
    let last = buckets - 1;
    let scale = buckets as f64 / range;
    let bucket = |rating: f64| (((rating - min) * scale) as usize).min(last);
    let starts = &mut scratch.starts;
    starts.clear();
    starts.resize(buckets + 1, 0);
    for m in list.iter() {
        starts[bucket(m.0) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let out = &mut scratch.members;
    out.clear();
    out.resize(n, (0.0, 0.0, 0));
    // Scatter in the given order (stable); `starts[b]` walks to the bucket's end.
    for &m in list.iter() {
        let at = &mut starts[bucket(m.0)];
        out[*at as usize] = m;
        *at += 1;
    }
    // `starts[b]` is now bucket b's end; bucket b starts at the end of b - 1.
    let mut start = 0usize;
    for &end in &starts[..buckets] {
        let end = end as usize;
        if end - start > 1 {
            let run = &mut out[start..end];
            if run.len() <= INSERTION {
                insertion_sort(run);
            } else {
                // Stable, so equal ratings keep the given order.
                run.sort_by(by_rating);
            }
        }
        start = end;
    }
    std::mem::swap(list, out);
}

/// Orders members by rating (`-0.0` equals `0.0`, as for every rule check).
fn by_rating(a: &Member, b: &Member) -> std::cmp::Ordering {
    a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal)
}

/// Stable insertion sort by rating.
fn insertion_sort(run: &mut [Member]) {
    for i in 1..run.len() {
        let m = run[i];
        let mut j = i;
        while j > 0 && run[j - 1].0 > m.0 {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = m;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn check(ratings: &[f64]) {
        let mut list: Vec<Member> = ratings
            .iter()
            .enumerate()
            .map(|(i, &r)| (r, i as f64, i as u32))
            .collect();
        let mut want = list.clone();
        want.sort_by(by_rating);
        let mut scratch = SortScratch::default();
        sort_members(&mut list, &mut scratch);
        let key = |m: &Member| (m.0.to_bits(), m.1.to_bits(), m.2);
        assert_eq!(
            list.iter().map(key).collect::<Vec<_>>(),
            want.iter().map(key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn sorts_skewed_and_degenerate_populations() {
        check(&[]);
        check(&[5.0]);
        check(&vec![1500.0; 100]);
        // One outlier puts everyone else in one bucket.
        let mut skewed: Vec<f64> = (0..200).map(|i| 1500.0 + f64::from(i % 7)).collect();
        skewed.push(1e12);
        check(&skewed);
        check(&[f64::INFINITY, 3.0, f64::NEG_INFINITY, 3.0, -0.0, 0.0]);
        let mut extremes = vec![f64::MAX, -f64::MAX];
        extremes.extend((0..20).map(f64::from));
        check(&extremes);
        // Many ties across many buckets.
        check(
            &(0..1000)
                .map(|i| f64::from(i / 3) * 0.5)
                .collect::<Vec<_>>(),
        );
    }

    proptest! {
        /// Any finite ratings come out ordered, ties in their given order.
        #[test]
        fn agrees_with_a_stable_comparison_sort(
            ratings in proptest::collection::vec(
                prop_oneof![-1e6f64..1e6, (0i32..20).prop_map(f64::from)],
                0..300,
            ),
        ) {
            check(&ratings);
        }
    }
}
