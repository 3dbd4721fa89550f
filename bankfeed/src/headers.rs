//! Header access independent of the HTTP stack, so providers can be tested with plain tuples.

use std::collections::{BTreeMap, HashMap};

/// Case-insensitive header lookup. Implementations return the first value of a repeated
/// header and `None` for values that are not valid UTF-8 (none of the headers read here can
/// legitimately contain other bytes).
pub trait HeaderLookup {
    fn header(&self, name: &str) -> Option<&str>;
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<S: std::hash::BuildHasher> HeaderLookup for HashMap<String, String, S> {
    fn header(&self, name: &str) -> Option<&str> {
        // HashMap iteration order is random, so a map holding two spellings of one header
        // would answer differently from run to run; the sorted scan of BTreeMap would not.
        // Both are only used in tests and tools, so a linear scan is fine.
        self.get(name)
            .or_else(|| {
                let mut hits: Vec<(&String, &String)> = self.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).collect();
                hits.sort();
                hits.first().map(|(_, v)| *v)
            })
            .map(String::as_str)
    }
}

impl HeaderLookup for BTreeMap<String, String> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[cfg(feature = "http")]
impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        // `HeaderMap` normalises names to lowercase itself.
        self.get(name).and_then(|v| v.to_str().ok())
    }
}
