//! Drawing a sample: how many items (by the control's frequency and the population's
//! size) and which ones (a pure function of the items' IDs and a seed, so anyone can
//! recompute it without soc2).
//!
//! Each item is ranked by the SHA-256 of `SEED:ID` (the seed, a colon and the item's
//! ID, as UTF-8), read as lowercase hex; the sample is the `n` items with the smallest
//! ranks. The population's order does not matter, and adding an item to it changes
//! the sample by at most that item.

use crate::model::{Frequency, PerEventSize, SampleSizes, Sha256Hex};

/// The default share of a per-event population: 10%, at least 3, at most 25.
pub const PER_EVENT: PerEventSize = PerEventSize {
    percent: 10,
    min: 3,
    max: 25,
};

/// The sample size for a frequency, before the population caps it.
pub fn planned_size(frequency: Frequency, sizes: &SampleSizes) -> Option<u32> {
    let (configured, default) = match frequency {
        Frequency::Annual => (sizes.annual, 1),
        Frequency::Semiannual => (sizes.semiannual, 1),
        Frequency::Quarterly => (sizes.quarterly, 2),
        Frequency::Monthly => (sizes.monthly, 2),
        Frequency::Weekly => (sizes.weekly, 5),
        Frequency::Daily => (sizes.daily, 25),
        Frequency::Continuous => (sizes.continuous, 2),
        Frequency::PerEvent => return None,
    };
    Some(configured.unwrap_or(default))
}

/// How many of a population of `population` items to sample: the frequency's size
/// (per-event: a share of the population, within bounds), or the whole population when
/// it is smaller.
pub fn sample_size(frequency: Frequency, population: usize, sizes: &SampleSizes) -> usize {
    let planned = match planned_size(frequency, sizes) {
        Some(size) => size as usize,
        None => {
            let rule = sizes.per_event.unwrap_or(PER_EVENT);
            let share = (population * rule.percent as usize).div_ceil(100);
            share.clamp(rule.min as usize, rule.max.max(rule.min) as usize)
        }
    };
    planned.min(population)
}

/// The rank of one item: sha256 of `SEED:ID`.
pub fn rank(seed: &str, id: &str) -> Sha256Hex {
    Sha256Hex::of(format!("{seed}:{id}").as_bytes())
}

/// The positions in `ids` of the `n` items with the smallest ranks, in increasing
/// order. Ties (two equal IDs) go to the earlier position.
pub fn select(ids: &[&str], seed: &str, n: usize) -> Vec<usize> {
    let mut ranked: Vec<(Sha256Hex, usize)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (rank(seed, id), i))
        .collect();
    ranked.sort();
    let mut chosen: Vec<usize> = ranked.into_iter().take(n).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_frequency() {
        let sizes = SampleSizes::default();
        let expected = [
            (Frequency::Annual, 1),
            (Frequency::Semiannual, 1),
            (Frequency::Quarterly, 2),
            (Frequency::Monthly, 2),
            (Frequency::Weekly, 5),
            (Frequency::Daily, 25),
            (Frequency::Continuous, 2),
        ];
        for (frequency, size) in expected {
            assert_eq!(sample_size(frequency, 1000, &sizes), size, "{frequency:?}");
        }
        // Per event: 10%, rounded up, at least 3 and at most 25.
        assert_eq!(sample_size(Frequency::PerEvent, 120, &sizes), 12);
        assert_eq!(sample_size(Frequency::PerEvent, 121, &sizes), 13);
        assert_eq!(sample_size(Frequency::PerEvent, 10, &sizes), 3);
        assert_eq!(sample_size(Frequency::PerEvent, 900, &sizes), 25);
    }

    #[test]
    fn a_small_population_is_tested_whole() {
        let sizes = SampleSizes::default();
        assert_eq!(sample_size(Frequency::Daily, 7, &sizes), 7);
        assert_eq!(sample_size(Frequency::PerEvent, 2, &sizes), 2);
        assert_eq!(sample_size(Frequency::Quarterly, 0, &sizes), 0);
        assert_eq!(select(&["a", "b"], "seed", 5), vec![0, 1]);
        assert_eq!(select(&[], "seed", 3), Vec::<usize>::new());
    }

    #[test]
    fn sizes_are_configurable() {
        let sizes: SampleSizes =
            crate::store::from_yaml("monthly: 4\nper-event: {percent: 20, min: 5, max: 10}\n")
                .unwrap();
        assert_eq!(sample_size(Frequency::Monthly, 12, &sizes), 4);
        assert_eq!(sample_size(Frequency::Quarterly, 12, &sizes), 2);
        assert_eq!(sample_size(Frequency::PerEvent, 30, &sizes), 6);
        assert_eq!(sample_size(Frequency::PerEvent, 10, &sizes), 5);
        assert_eq!(sample_size(Frequency::PerEvent, 400, &sizes), 10);
    }

    #[test]
    fn the_sample_is_reproducible_from_the_seed() {
        let ids: Vec<String> = (1..=40).map(|i| format!("CHG-{i:04}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let first = select(&ids, "9f2c1e", 5);
        assert_eq!(first, select(&ids, "9f2c1e", 5));
        assert_eq!(first.len(), 5);
        assert!(first.windows(2).all(|w| w[0] < w[1]), "sorted: {first:?}");
        assert_ne!(first, select(&ids, "another seed", 5));
        // The population's order does not change which items are drawn.
        let mut reversed = ids.clone();
        reversed.reverse();
        let mut again: Vec<&str> = select(&reversed, "9f2c1e", 5)
            .into_iter()
            .map(|i| reversed[i])
            .collect();
        again.sort_unstable();
        let drawn: Vec<&str> = first.iter().map(|i| ids[*i]).collect();
        assert_eq!(again, drawn);
        // Pinned, so that the README's description stays true: the smallest rank of
        // `sha256("seed:CHG-0001")`... is recomputable by hand.
        assert_eq!(
            rank("seed", "CHG-0001").0,
            Sha256Hex::of(b"seed:CHG-0001").0
        );
    }
}
