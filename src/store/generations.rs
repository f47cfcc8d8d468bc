//! A cache for reading a series of related revisions (the commits of a timeline): what
//! the revisions just read used is kept, anything older is dropped, so the cache holds
//! about two revisions' worth however long the series.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

pub struct Generations<K, V> {
    inner: Mutex<Pair<K, V>>,
}

struct Pair<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
}

impl<K, V> Default for Generations<K, V> {
    fn default() -> Self {
        Generations {
            inner: Mutex::new(Pair {
                current: HashMap::new(),
                previous: HashMap::new(),
            }),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Generations<K, V> {
    /// The value kept under `key`; a value of the previous generation is used again,
    /// so it moves to this one.
    pub fn get(&self, key: &K) -> Option<V> {
        let mut pair = self.inner.lock().ok()?;
        if let Some(value) = pair.current.get(key) {
            return Some(value.clone());
        }
        let (key, value) = pair.previous.remove_entry(key)?;
        pair.current.insert(key, value.clone());
        Some(value)
    }

    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut pair) = self.inner.lock() {
            pair.current.insert(key, value);
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut pair) = self.inner.lock() {
            pair.current.remove(key);
            pair.previous.remove(key);
        }
    }

    /// Starts a new generation: what was not used since the last call is dropped at the
    /// next one.
    pub fn next_generation(&self) {
        if let Ok(mut pair) = self.inner.lock() {
            pair.previous = std::mem::take(&mut pair.current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_unused_for_two_generations_are_dropped() {
        let cache = Generations::default();
        cache.insert("a", 1);
        cache.insert("b", 2);
        cache.next_generation();
        assert_eq!(cache.get(&"a"), Some(1)); // used again: kept
        cache.next_generation();
        assert_eq!(cache.get(&"b"), None);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None);
    }
}
