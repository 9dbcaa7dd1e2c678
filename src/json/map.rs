//! [`Map`]: a Python `dict` with string keys, built for the handful of keys a session has.

use std::fmt;
use std::hash::BuildHasher;
use std::iter::FusedIterator;

use compact_str::CompactString;
use hashbrown::HashTable;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;

use super::Value;

/// Up to this many entries a lookup compares keys one by one: for the few short keys of a
/// session that beats hashing, and it allocates nothing. Larger maps keep a hash index.
pub(super) const LINEAR_MAX: usize = 16;

/// A Python `dict` with string keys: insertion-ordered.
///
/// Assigning an existing key replaces the value and keeps the first position,
/// as Python `dict` assignment does; [`Map::remove`] keeps the order of the
/// rest, as `del d[k]` does. Equality ignores order, as for `dict`.
/// Keys are [`CompactString`]s: up to 24 bytes are held inline, without a
/// heap allocation.
///
/// ```
/// use signed_cookie::json::{Map, Value};
/// let mut m = Map::new();
/// m.insert("b".into(), Value::from(1i64));
/// m.insert("a".into(), Value::from(2i64));
/// m.insert("b".into(), Value::from(3i64));
/// assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
/// assert_eq!(m["b"], Value::from(3i64));
/// ```
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(CompactString, Value)>,
    /// Positions in `entries` by key hash; present exactly when there are more than
    /// [`LINEAR_MAX`] entries.
    index: Option<Box<Index>>,
}

/// The hash index of a large map. Keys are attacker-chosen only after a signature holds,
/// but the hasher is randomly seeded all the same.
#[derive(Clone)]
struct Index {
    hasher: foldhash::fast::RandomState,
    slots: HashTable<usize>,
}

type Entry = (CompactString, Value);

fn key_at(entries: &[Entry], at: usize) -> &str {
    entries.get(at).map_or("", |(k, _)| k.as_str())
}

/// Whether the keys of a small map differ, in about one step per key: a 64-bit filter of
/// key fingerprints (length, first and last two bytes) sends a key to the text comparisons
/// only when its bit was already set.
fn all_unique(entries: &[Entry]) -> bool {
    let mut seen = 0u64;
    for (at, (key, _)) in entries.iter().enumerate() {
        let bytes = key.as_bytes();
        let byte = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
        let len = bytes.len();
        let print = len as u64
            | byte(0) << 32
            | byte(1) << 40
            | byte(len.wrapping_sub(2)) << 48
            | byte(len.wrapping_sub(1)) << 56;
        let bit = 1u64 << (print.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
        if seen & bit != 0 {
            let earlier = entries.get(..at).unwrap_or_default();
            if earlier.iter().any(|(k, _)| k == key) {
                return false;
            }
        }
        seen |= bit;
    }
    true
}

impl Index {
    /// An index over `entries`, or `None` if two keys are equal.
    fn over_unique(entries: &[Entry]) -> Option<Index> {
        let mut index = Index {
            hasher: foldhash::fast::RandomState::default(),
            slots: HashTable::with_capacity(entries.len()),
        };
        for (at, (key, _)) in entries.iter().enumerate() {
            let hash = index.hasher.hash_one(key.as_str());
            if index.find_hashed(entries, hash, key).is_some() {
                return None;
            }
            index.add(entries, hash, at);
        }
        Some(index)
    }

    fn find_hashed(&self, entries: &[Entry], hash: u64, key: &str) -> Option<usize> {
        self.slots
            .find(hash, |&at| key_at(entries, at) == key)
            .copied()
    }

    /// Records that `entries[at]` (a key not yet indexed) has `hash`.
    fn add(&mut self, entries: &[Entry], hash: u64, at: usize) {
        let Index { hasher, slots } = self;
        slots.insert_unique(hash, at, |&i| hasher.hash_one(key_at(entries, i)));
    }
}

impl Map {
    /// An empty map.
    ///
    /// ```
    /// use signed_cookie::json::Map;
    /// assert!(Map::new().is_empty());
    /// ```
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `capacity` entries.
    ///
    /// ```
    /// use signed_cookie::json::Map;
    /// assert_eq!(Map::with_capacity(4).len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Map {
        Map {
            entries: Vec::with_capacity(capacity),
            index: None,
        }
    }

    /// The map of a JSON object's members in order, keeping the last value of a repeated key
    /// at its first position (Python's `dict(pairs)`).
    pub(crate) fn from_members(entries: Vec<Entry>) -> Map {
        if entries.len() <= LINEAR_MAX {
            if all_unique(&entries) {
                return Map {
                    entries,
                    index: None,
                };
            }
        } else if let Some(index) = Index::over_unique(&entries) {
            return Map {
                entries,
                index: Some(Box::new(index)),
            };
        }
        let mut map = Map::with_capacity(entries.len());
        map.extend(entries);
        map
    }

    /// The map of a JSON object's members, whose keys are known to differ.
    pub(crate) fn from_distinct_members(entries: Vec<Entry>) -> Map {
        debug_assert!(all_unique(&entries));
        if entries.len() <= LINEAR_MAX {
            Map {
                entries,
                index: None,
            }
        } else {
            Map::from_members(entries)
        }
    }

    /// The number of entries.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    ///
    /// ```
    /// use signed_cookie::json::Map;
    /// assert!(Map::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.find_hashed(&self.entries, index.hasher.hash_one(key), key),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// The value of `key`.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// assert_eq!(m.get("a"), Some(&Value::from(1i64)));
    /// assert_eq!(m.get("b"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(_, v)| v)
    }

    /// The value of `key`, to change in place.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// if let Some(v) = m.get_mut("a") { *v = Value::Null; }
    /// assert_eq!(m["a"], Value::Null);
    /// ```
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let at = self.position(key)?;
        self.entries.get_mut(at).map(|(_, v)| v)
    }

    /// The stored key and value of `key`.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.get_key_value("a").map(|(k, _)| k.as_str()), Some("a"));
    /// ```
    pub fn get_key_value(&self, key: &str) -> Option<(&CompactString, &Value)> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(k, v)| (k, v))
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert!(m.contains_key("a") && !m.contains_key("b"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value` (`d[key] = value`): a new key goes last, an existing one keeps
    /// its position and its old value is returned.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m = Map::new();
    /// assert_eq!(m.insert("a".into(), Value::from(1i64)), None);
    /// assert_eq!(m.insert("a".into(), Value::Null), Some(Value::from(1i64)));
    /// ```
    pub fn insert(&mut self, key: CompactString, value: Value) -> Option<Value> {
        let at = self.entries.len();
        match &mut self.index {
            Some(index) => {
                let hash = index.hasher.hash_one(key.as_str());
                if let Some(found) = index.find_hashed(&self.entries, hash, &key) {
                    return self.replace_at(found, value);
                }
                self.entries.push((key, value));
                index.add(&self.entries, hash, at);
            }
            None => {
                if let Some(found) = self.entries.iter().position(|(k, _)| *k == key) {
                    return self.replace_at(found, value);
                }
                self.entries.push((key, value));
                if self.entries.len() > LINEAR_MAX {
                    self.index = Index::over_unique(&self.entries).map(Box::new);
                }
            }
        }
        None
    }

    fn replace_at(&mut self, at: usize, value: Value) -> Option<Value> {
        let (_, slot) = self.entries.get_mut(at)?;
        Some(std::mem::replace(slot, value))
    }

    /// Removes `key` and returns its value (`d.pop(key, None)`); the other entries keep their
    /// order. Takes time linear in the length of the map.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::from(1i64)), ("b", Value::Null)].into_iter().collect();
    /// assert_eq!(m.remove("a"), Some(Value::from(1i64)));
    /// assert_eq!(m.remove("a"), None);
    /// assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.position(key)?;
        let (_, value) = self.entries.remove(at);
        // Every later position moved: re-index (or drop the index once small).
        self.index = if self.entries.len() > LINEAR_MAX {
            Index::over_unique(&self.entries).map(Box::new)
        } else {
            None
        };
        Some(value)
    }

    /// Removes every entry.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::Null)].into_iter().collect();
    /// m.clear();
    /// assert!(m.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    /// The first entry in insertion order.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null), ("b", Value::Null)].into_iter().collect();
    /// assert_eq!(m.first().map(|(k, _)| k.as_str()), Some("a"));
    /// ```
    pub fn first(&self) -> Option<(&CompactString, &Value)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entries in insertion order.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.as_slice()[0].0, "a");
    /// ```
    pub fn as_slice(&self) -> &[(CompactString, Value)] {
        &self.entries
    }

    /// Iterates over `(key, value)` in insertion order.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// for (k, v) in m.iter() { assert_eq!((k.as_str(), v), ("a", &Value::from(1i64))); }
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// Iterates over `(key, value)` in insertion order, values mutable.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// for (_, v) in m.iter_mut() { *v = Value::Null; }
    /// assert_eq!(m["a"], Value::Null);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The keys in insertion order.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("b", Value::Null), ("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// ```
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    /// The values in insertion order.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// assert_eq!(m.values().collect::<Vec<_>>(), [&Value::from(1i64)]);
    /// ```
    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    /// The values in insertion order, mutable.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// m.values_mut().for_each(|v| *v = Value::Null);
    /// assert_eq!(m["a"], Value::Null);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }

    /// The keys in insertion order, by value.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.into_keys().collect::<Vec<_>>(), ["a"]);
    /// ```
    pub fn into_keys(self) -> IntoKeys {
        IntoKeys(self.entries.into_iter())
    }

    /// The values in insertion order, by value.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.into_values().collect::<Vec<_>>(), [Value::Null]);
    /// ```
    pub fn into_values(self) -> IntoValues {
        IntoValues(self.entries.into_iter())
    }
}

impl PartialEq for Map {
    /// Python `dict` equality: the same keys with equal values, in any order.
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;

    /// `map["key"]`; panics when the key is absent (use [`Map::get`] to avoid that).
    #[allow(clippy::panic)]
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no key {key:?} in the Map"),
        }
    }
}

impl std::ops::IndexMut<&str> for Map {
    /// `map["key"] = ...` for a present key; panics when the key is absent (use
    /// [`Map::insert`] to add one).
    #[allow(clippy::panic)]
    fn index_mut(&mut self, key: &str) -> &mut Value {
        match self.get_mut(key) {
            Some(v) => v,
            None => panic!("no key {key:?} in the Map"),
        }
    }
}

impl<K: Into<CompactString>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<CompactString>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (CompactString, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        IntoIter(self.entries.into_iter())
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a CompactString, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a CompactString, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// Iterators over a [`Map`]'s entries: each wraps the entry vector's own iterator.
macro_rules! entry_iterator {
    ($(#[$doc:meta])* $name:ident $(<$a:lifetime>)?, $inner:ty, $item:ty, |$entry:pat_param| $out:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name$(<$a>)?($inner);

        impl$(<$a>)? Iterator for $name$(<$a>)? {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$entry| $out)
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl$(<$a>)? DoubleEndedIterator for $name$(<$a>)? {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$entry| $out)
            }
        }

        impl$(<$a>)? ExactSizeIterator for $name$(<$a>)? {}
        impl$(<$a>)? FusedIterator for $name$(<$a>)? {}
    };
}

entry_iterator!(
    /// `(key, value)` of a [`Map`], by [`Map::iter`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null), ("b", Value::from(true))].into_iter().collect();
    /// let mut it = m.iter();
    /// assert_eq!(it.len(), 2);
    /// assert_eq!(it.next_back().map(|(k, v)| (k.as_str(), v)), Some(("b", &Value::from(true))));
    /// ```
    Iter<'a>, std::slice::Iter<'a, Entry>, (&'a CompactString, &'a Value), |(k, v)| (k, v)
);
entry_iterator!(
    /// `(key, mutable value)` of a [`Map`], by [`Map::iter_mut`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("n", Value::from(1i64))].into_iter().collect();
    /// m.iter_mut().for_each(|(_, v)| *v = Value::from(2i64));
    /// assert_eq!(m["n"], Value::from(2i64));
    /// ```
    IterMut<'a>, std::slice::IterMut<'a, Entry>, (&'a CompactString, &'a mut Value),
    |(k, v)| (&*k, v)
);
entry_iterator!(
    /// Owned `(key, value)` of a [`Map`], by `into_iter`.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// let pairs: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k.into(), v)).collect();
    /// assert_eq!(pairs, [("a".to_owned(), Value::Null)]);
    /// ```
    IntoIter, std::vec::IntoIter<Entry>, (CompactString, Value), |entry| entry
);
entry_iterator!(
    /// The keys of a [`Map`], by [`Map::keys`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("b", Value::Null), ("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    /// ```
    Keys<'a>, std::slice::Iter<'a, Entry>, &'a CompactString, |(k, _)| k
);
entry_iterator!(
    /// The values of a [`Map`], by [`Map::values`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::from(1i64)), ("b", Value::Null)].into_iter().collect();
    /// assert_eq!(m.values().rev().next(), Some(&Value::Null));
    /// ```
    Values<'a>, std::slice::Iter<'a, Entry>, &'a Value, |(_, v)| v
);
entry_iterator!(
    /// The mutable values of a [`Map`], by [`Map::values_mut`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut m: Map = [("a", Value::from(1i64))].into_iter().collect();
    /// m.values_mut().for_each(|v| *v = Value::from("x"));
    /// assert_eq!(m["a"], Value::from("x"));
    /// ```
    ValuesMut<'a>, std::slice::IterMut<'a, Entry>, &'a mut Value, |(_, v)| v
);
entry_iterator!(
    /// The owned keys of a [`Map`], by [`Map::into_keys`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::Null)].into_iter().collect();
    /// assert_eq!(m.into_keys().collect::<Vec<_>>(), ["a"]);
    /// ```
    IntoKeys, std::vec::IntoIter<Entry>, CompactString, |(k, _)| k
);
entry_iterator!(
    /// The owned values of a [`Map`], by [`Map::into_values`].
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let m: Map = [("a", Value::from(3i64))].into_iter().collect();
    /// assert_eq!(m.into_values().collect::<Vec<_>>(), [Value::from(3i64)]);
    /// ```
    IntoValues, std::vec::IntoIter<Entry>, Value, |(_, v)| v
);

impl Clone for Iter<'_> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl serde::Serialize for Map {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

/// Collects a serde map with string keys (also for [`Value`]'s own visitor).
pub(super) fn collect_map<'de, A: MapAccess<'de>>(mut access: A) -> Result<Map, A::Error> {
    let mut map = Map::with_capacity(access.size_hint().unwrap_or(0).min(4096));
    while let Some((k, v)) = access.next_entry::<CompactString, Value>()? {
        map.insert(k, v);
    }
    Ok(map)
}

struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = Map;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map with string keys")
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Map, A::Error> {
        collect_map(access)
    }
}

impl<'de> serde::Deserialize<'de> for Map {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        d.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| (CompactString::from(format!("k{i}")), Value::from(i)))
            .collect()
    }

    #[test]
    fn lookups_agree_below_and_above_the_index_threshold() {
        for n in [0, 1, LINEAR_MAX, LINEAR_MAX + 1, 100] {
            let mut m = Map::new();
            for (k, v) in keyed(n) {
                assert_eq!(m.insert(k, v), None);
            }
            assert_eq!(m.index.is_some(), n > LINEAR_MAX);
            for i in 0..n {
                assert_eq!(m.get(&format!("k{i}")), Some(&Value::from(i)));
            }
            assert_eq!(m.get("missing"), None);
            assert_eq!(Map::from_members(keyed(n)), m);
        }
    }

    #[test]
    fn repeated_members_keep_the_last_value_at_the_first_position() {
        for n in [3, LINEAR_MAX + 5] {
            let mut members = keyed(n);
            members.push(("k1".into(), Value::Null));
            let m = Map::from_members(members);
            assert_eq!(m.len(), n);
            assert_eq!(m.as_slice().get(1), Some(&("k1".into(), Value::Null)));
            assert_eq!(m.get("k1"), Some(&Value::Null));
        }
    }

    #[test]
    fn remove_keeps_order_and_the_index_right() {
        let mut m = Map::from_members(keyed(LINEAR_MAX + 2));
        assert_eq!(m.remove("k0"), Some(Value::from(0)));
        assert!(m.index.is_some());
        assert_eq!(m.get("k5"), Some(&Value::from(5)));
        assert_eq!(m.remove("k1"), Some(Value::from(1)));
        assert!(m.index.is_none());
        assert_eq!(
            m.get(&format!("k{}", LINEAR_MAX + 1)),
            Some(&Value::from(LINEAR_MAX + 1))
        );
        assert_eq!(m.first().map(|(k, _)| k.as_str()), Some("k2"));
    }

    #[test]
    fn keys_with_equal_fingerprints_are_told_apart() {
        // Same length, same first and last two bytes: only the text tells them apart.
        let members =
            ["abXYZcd", "abQRScd", "abXYZcd"].map(|k| (CompactString::from(k), Value::Null));
        let m = Map::from_members(members.to_vec());
        assert_eq!(m.keys().collect::<Vec<_>>(), ["abXYZcd", "abQRScd"]);
    }

    /// A 1 MiB object of 100k keys, then one where every key is repeated: both go through the
    /// hash index in linear time (one-by-one key checks would be quadratic: 5e9 comparisons).
    #[test]
    fn large_objects_parse_in_linear_time() {
        use crate::json::{from_str, Limits};
        let object = |keys: usize| {
            let members: Vec<String> = (0..100_000)
                .map(|i| format!("\"key{:07}\":{i}", i % keys))
                .collect();
            format!("{{{}}}", members.join(","))
        };
        let text = object(100_000);
        assert!(text.len() > 1_000_000);
        let v = from_str(&text, &Limits::default()).unwrap();
        let m = v.as_dict().unwrap();
        assert_eq!(m.len(), 100_000);
        assert!(m.index.is_some());
        assert_eq!(m.get("key0099999"), Some(&Value::from(99_999)));
        let v = from_str(&object(50_000), &Limits::default()).unwrap();
        let m = v.as_dict().unwrap();
        assert_eq!(m.len(), 50_000);
        // Last value, first position.
        assert_eq!(
            m.first().map(|(k, v)| (k.as_str(), v)),
            Some(("key0000000", &Value::from(50_000)))
        );
    }

    #[test]
    fn equality_ignores_order() {
        let a: Map = [("a", Value::Null), ("b", Value::from(1i64))]
            .into_iter()
            .collect();
        let b: Map = [("b", Value::from(1i64)), ("a", Value::Null)]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        let c: Map = [("b", Value::from(2i64)), ("a", Value::Null)]
            .into_iter()
            .collect();
        assert_ne!(a, c);
    }
}
