//! Lookups into a large table that a thread makes in about the order the table is
//! stored: git's index and the parse cache are both in path order, and a load asks for
//! records and files by path. Each thread remembers where it last found something in
//! each table and looks just around there first: entries read one after another are
//! in the processor's cache already, where a hash lookup into a table of 200,000
//! entries waits on memory once or twice.

use std::cell::Cell;

/// How many tables a thread follows at once (a load reads git's index and the parse
/// cache's two tables side by side).
const TABLES: usize = 4;

/// How far before and after the slot after the last find a lookup looks: a record's
/// files sort just before or after it, and a table may hold kinds of entry this
/// thread does not ask for between the ones it does.
const BEHIND: usize = 2;
const AHEAD: usize = 4;

thread_local! {
    /// Each followed table's address and the position after the last find in it, most
    /// recent first.
    static PLACES: Cell<[(usize, usize); TABLES]> = const { Cell::new([(0, 0); TABLES]) };
}

/// The position in `table` of the one entry `is` accepts: looked for around this
/// thread's last find in the same table, then by `lookup` (a hash lookup that gives
/// the same entry). `table` names the table by its address while it lives: a new
/// table at an old one's address only starts its search in the wrong place, as `is`
/// decides what is found.
pub(crate) fn find<T: ?Sized>(
    table: &T,
    len: usize,
    is: impl Fn(usize) -> bool,
    lookup: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    let address = std::ptr::from_ref(table).cast::<()>() as usize;
    let mut places = PLACES.get();
    let followed = places.iter().position(|&(at, _)| at == address);
    let near = followed.and_then(|p| {
        let next = places[p].1;
        (next.saturating_sub(BEHIND)..next.saturating_add(AHEAD).min(len)).find(|&i| is(i))
    });
    let found = near.or_else(lookup)?;
    // The least recent table makes way for a new one.
    let p = followed.unwrap_or(TABLES - 1);
    places[..=p].rotate_right(1);
    places[0] = (address, found + 1);
    PLACES.set(places);
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sorted table and how many lookups reached the hash lookup.
    fn lookups(table: &[u32], asked: &[u32]) -> (Vec<Option<usize>>, usize) {
        let hashed = Cell::new(0);
        let found = asked
            .iter()
            .map(|want| {
                find(
                    table,
                    table.len(),
                    |i| table[i] == *want,
                    || {
                        hashed.set(hashed.get() + 1);
                        table.iter().position(|v| v == want)
                    },
                )
            })
            .collect();
        (found, hashed.get())
    }

    #[test]
    fn lookups_in_order_stay_near_and_others_are_still_found() {
        let table: Vec<u32> = (0..100).map(|n| n * 10).collect();
        // In order, skipping a few: only the first lookup hashes.
        let (found, hashed) = lookups(&table, &[0, 10, 30, 60, 50, 90]);
        assert_eq!(found, [0, 1, 3, 6, 5, 9].map(Some));
        assert_eq!(hashed, 1);
        // Jumping about, absent values, the ends of the table: each found where it is.
        let (found, _) = lookups(&table, &[990, 5, 0, 980, 990, 1000, 400]);
        assert_eq!(
            found,
            [Some(99), None, Some(0), Some(98), Some(99), None, Some(40)]
        );
    }

    #[test]
    fn tables_followed_side_by_side_keep_their_own_places() {
        let a: Vec<u32> = (0..50).collect();
        let b: Vec<u32> = (0..50).map(|n| n * 2).collect();
        let hashed = Cell::new(0);
        let ask = |table: &[u32], want: u32| {
            find(
                table,
                table.len(),
                |i| table[i] == want,
                || {
                    hashed.set(hashed.get() + 1);
                    table.iter().position(|v| *v == want)
                },
            )
        };
        for n in 0..20 {
            assert_eq!(ask(&a, n), Some(n as usize));
            assert_eq!(ask(&b, n * 2), Some(n as usize));
        }
        assert_eq!(hashed.get(), 2);
    }
}
