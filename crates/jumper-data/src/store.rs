use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::{Level, LevelSample};

/// The append-only store of raw samples, one series per level.
///
/// Cloning gives another handle to the same store. The sampler appends all levels of one tick
/// under one short write lock, so a reader never sees half a tick; readers hold a read lock only
/// while they copy or compute, so reports and exports run while the sampler writes.
#[derive(Debug, Clone, Default)]
pub struct SampleStore {
    inner: Arc<RwLock<BTreeMap<Level, Vec<LevelSample>>>>,
}

impl SampleStore {
    /// A store with an empty series for each level.
    pub fn new(levels: &[Level]) -> Self {
        let map = levels.iter().map(|l| (*l, Vec::new())).collect();
        SampleStore {
            inner: Arc::new(RwLock::new(map)),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<Level, Vec<LevelSample>>> {
        // A panic while holding the lock cannot leave a half-pushed Vec behind, so the data
        // behind a poisoned lock is still consistent.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<Level, Vec<LevelSample>>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one tick: a sample for each of several levels, atomically.
    pub fn push_tick(&self, samples: Vec<(Level, LevelSample)>) {
        let mut map = self.write();
        for (level, s) in samples {
            map.entry(level).or_default().push(s);
        }
    }

    /// The levels this store holds.
    pub fn levels(&self) -> Vec<Level> {
        self.read().keys().copied().collect()
    }

    /// Number of samples of a level.
    pub fn len(&self, level: Level) -> usize {
        self.read().get(&level).map_or(0, Vec::len)
    }

    /// Whether no level holds a sample.
    pub fn is_empty(&self) -> bool {
        self.read().values().all(Vec::is_empty)
    }

    /// Runs `f` on the samples of a level under the read lock.
    pub fn with_level<R>(&self, level: Level, f: impl FnOnce(&[LevelSample]) -> R) -> R {
        let map = self.read();
        f(map.get(&level).map_or(&[][..], Vec::as_slice))
    }

    /// Whether `other` is a handle to this same store (not merely equal samples).
    pub fn same_as(&self, other: &SampleStore) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Copies of the samples of a level from position `from` on (none when it holds fewer):
    /// a reader that follows the store copies only what is new, under a short read lock.
    pub fn copy_from(&self, level: Level, from: usize) -> Vec<LevelSample> {
        self.with_level(level, |s| {
            s.get(from..).map_or_else(Vec::new, <[_]>::to_vec)
        })
    }

    /// A copy of the samples of a level.
    pub fn snapshot(&self, level: Level) -> Vec<LevelSample> {
        self.with_level(level, <[LevelSample]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_never_see_half_a_tick() {
        let store = SampleStore::new(&[Level::Process, Level::System]);
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..20_000 {
                    let s = LevelSample {
                        time: i as f64,
                        ..Default::default()
                    };
                    store.push_tick(vec![(Level::Process, s.clone()), (Level::System, s)]);
                }
            })
        };
        let mut checks = 0;
        while !writer.is_finished() || checks == 0 {
            let p = store.len(Level::Process);
            let s = store.len(Level::System);
            // Process is pushed first, read first: the system series may only be longer.
            assert!(s >= p, "torn tick: process {p} system {s}");
            store.with_level(Level::Process, |v| {
                assert!(v.windows(2).all(|w| w[0].time < w[1].time));
            });
            checks += 1;
            // Let the writer in: on 2 busy cores a reader spinning on the lock can starve it.
            std::thread::yield_now();
        }
        writer.join().unwrap();
        assert_eq!(store.len(Level::Process), 20_000);
        assert_eq!(store.snapshot(Level::System).len(), 20_000);
    }
}
