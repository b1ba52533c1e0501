//! The registry's concurrent map: dashmap's sharded map with `detect`; a
//! mutex-guarded `HashMap` stand-in of the few methods the detector uses
//! without it, so that a production build (`detect` off: nothing is ever
//! registered) compiles no dependency for a map that stays empty.

#[cfg(feature = "detect")]
pub(crate) use dashmap::DashMap as Map;

#[cfg(not(feature = "detect"))]
pub(crate) use stand_in::Map;

#[cfg(not(feature = "detect"))]
mod stand_in {
    use crate::sync::Mutex;
    use std::collections::HashMap;
    use std::hash::Hash;

    /// dashmap's API subset over one lock (see the module docs).
    #[derive(Debug)]
    pub(crate) struct Map<K, V>(Mutex<HashMap<K, V>>);

    /// A copy of one entry (dashmap's `Ref` / `RefMulti` methods).
    pub(crate) struct Entry<K, V>(K, V);

    impl<K, V> Entry<K, V> {
        pub(crate) fn key(&self) -> &K {
            &self.0
        }

        pub(crate) fn value(&self) -> &V {
            &self.1
        }
    }

    impl<K, V> std::ops::Deref for Entry<K, V> {
        type Target = V;

        fn deref(&self) -> &V {
            &self.1
        }
    }

    impl<K: Hash + Eq + Clone, V: Clone> Map<K, V> {
        pub(crate) fn new() -> Self {
            Map(Mutex::new(HashMap::new()))
        }

        pub(crate) fn insert(&self, k: K, v: V) -> Option<V> {
            self.0.lock().insert(k, v)
        }

        pub(crate) fn remove(&self, k: &K) -> Option<(K, V)> {
            self.0.lock().remove_entry(k)
        }

        pub(crate) fn remove_if(&self, k: &K, f: impl FnOnce(&K, &V) -> bool) -> Option<(K, V)> {
            let mut map = self.0.lock();
            let (key, value) = map.get_key_value(k)?;
            if f(key, value) {
                map.remove_entry(k)
            } else {
                None
            }
        }

        pub(crate) fn get(&self, k: &K) -> Option<Entry<K, V>> {
            let map = self.0.lock();
            let (key, value) = map.get_key_value(k)?;
            Some(Entry(key.clone(), value.clone()))
        }

        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }

        pub(crate) fn iter(&self) -> std::vec::IntoIter<Entry<K, V>> {
            let map = self.0.lock();
            let entries: Vec<_> = map.iter().map(|(k, v)| Entry(k.clone(), v.clone())).collect();
            entries.into_iter()
        }
    }
}
