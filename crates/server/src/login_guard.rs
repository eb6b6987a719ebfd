//! Back-off after failed logins, so passwords cannot be guessed quickly, without handing an
//! attacker a way to lock a user out.
//!
//! Failures are counted under three keys, each with its own allowance:
//! - the pair (user name, client address): 5 free failures, then the next attempt waits 1 s,
//!   2 s, 4 s … up to 15 minutes — one client guessing one account;
//! - the client address: 20 free failures across names, same back-off — one client trying
//!   many names;
//! - the user name from every address: 50 free failures, then a back-off capped at one
//!   minute — many clients guessing one account. This one is never applied to an address
//!   the user logged in from before, so a distributed attacker cannot keep the user out of
//!   their usual place, and elsewhere it slows the user down by a minute at most.
//!
//! A success clears the pair and the address; a key without failures for an hour is
//! forgotten. The tables are bounded (oldest entries go first). They live in this process:
//! several API servers each keep their own, which multiplies an attacker's budget by their
//! number but never blocks wrongly.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The allowance of one kind of key.
#[derive(Clone, Copy, Debug)]
struct Allowance {
    free: u32,
    cap: Duration,
}

const PAIR: Allowance = Allowance {
    free: 5,
    cap: Duration::from_secs(15 * 60),
};
const ADDRESS: Allowance = Allowance {
    free: 20,
    cap: Duration::from_secs(15 * 60),
};
const NAME: Allowance = Allowance {
    free: 50,
    cap: Duration::from_secs(60),
};
/// The first wait after the free failures; it doubles with each further failure.
const BASE: Duration = Duration::from_secs(1);
/// A key with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Most keys of each kind held.
const MAX_ENTRIES: usize = 100_000;
/// Addresses remembered per user as places they logged in from.
const KNOWN_ADDRESSES: usize = 8;

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    blocked_until: Option<Instant>,
}

/// Failure counts under one kind of key.
struct Table<K> {
    allowance: Allowance,
    entries: HashMap<K, Entry>,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new(allowance: Allowance) -> Table<K> {
        Table {
            allowance,
            entries: HashMap::new(),
        }
    }

    /// How long `key` must still wait at `now`.
    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let until = self.entries.get(key)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    fn fail(&mut self, key: K, now: Instant) {
        if !self.entries.contains_key(&key) && self.entries.len() >= MAX_ENTRIES {
            self.prune(now);
            if self.entries.len() >= MAX_ENTRIES
                && let Some(oldest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.last_failure)
                    .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        let allowance = self.allowance;
        let e = self.entries.entry(key).or_insert(Entry {
            failures: 0,
            last_failure: now,
            blocked_until: None,
        });
        e.failures = e.failures.saturating_add(1);
        e.last_failure = now;
        if e.failures > allowance.free {
            let doublings = (e.failures - allowance.free - 1).min(30);
            let wait = BASE.saturating_mul(1 << doublings).min(allowance.cap);
            e.blocked_until = Some(now + wait);
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    fn prune(&mut self, now: Instant) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| {
            e.blocked_until.is_some_and(|u| u > now)
                || now.saturating_duration_since(e.last_failure) < FORGET_AFTER
        });
        before - self.entries.len()
    }
}

struct Tables {
    pairs: Table<(String, Option<IpAddr>)>,
    addresses: Table<Option<IpAddr>>,
    names: Table<String>,
    /// Addresses each user logged in from, most recent last.
    known: HashMap<String, Vec<Option<IpAddr>>>,
}

/// The login back-off of this process.
pub struct LoginGuard {
    tables: Mutex<Tables>,
}

impl Default for LoginGuard {
    fn default() -> LoginGuard {
        LoginGuard {
            tables: Mutex::new(Tables {
                pairs: Table::new(PAIR),
                addresses: Table::new(ADDRESS),
                names: Table::new(NAME),
                known: HashMap::new(),
            }),
        }
    }
}

impl LoginGuard {
    /// `Err(wait)` when a login as `name` from `address` must wait before it is tried.
    pub fn check(&self, name: &str, address: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let Ok(t) = self.tables.lock() else {
            return Ok(());
        };
        let known = t
            .known
            .get(name)
            .is_some_and(|list| list.contains(&address));
        let waits = [
            t.pairs.wait(&(name.to_string(), address), now),
            t.addresses.wait(&address, now),
            if known {
                None
            } else {
                t.names.wait(&name.to_string(), now)
            },
        ];
        match waits.into_iter().flatten().max() {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Counts a failed login.
    pub fn failed(&self, name: &str, address: Option<IpAddr>, now: Instant) {
        if let Ok(mut t) = self.tables.lock() {
            t.pairs.fail((name.to_string(), address), now);
            t.addresses.fail(address, now);
            t.names.fail(name.to_string(), now);
        }
    }

    /// Records a successful login: the pair and the address start afresh, and the address
    /// becomes one the user is known to log in from.
    pub fn succeeded(&self, name: &str, address: Option<IpAddr>) {
        if let Ok(mut t) = self.tables.lock() {
            t.pairs.clear(&(name.to_string(), address));
            t.addresses.clear(&address);
            if !t.known.contains_key(name) && t.known.len() >= MAX_ENTRIES {
                // Bounded: forget everyone's known places rather than grow without limit.
                t.known.clear();
            }
            let list = t.known.entry(name.to_string()).or_default();
            list.retain(|a| *a != address);
            list.push(address);
            if list.len() > KNOWN_ADDRESSES {
                list.remove(0);
            }
        }
    }

    /// Forgets keys without failures for an hour; returns how many were dropped.
    pub fn prune(&self, now: Instant) -> usize {
        match self.tables.lock() {
            Ok(mut t) => t.pairs.prune(now) + t.addresses.prune(now) + t.names.prune(now),
            Err(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn five_failures_then_doubling_waits_up_to_the_cap() {
        let g = LoginGuard::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(g.check("ana", ip(1), t0), Ok(()));
            g.failed("ana", ip(1), t0);
        }
        // The fifth failure was free; the sixth starts the back-off.
        assert_eq!(g.check("ana", ip(1), t0), Ok(()));
        g.failed("ana", ip(1), t0);
        assert_eq!(g.check("ana", ip(1), t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(g.check("ana", ip(1), t1), Ok(()));
        g.failed("ana", ip(1), t1);
        assert_eq!(g.check("ana", ip(1), t1), Err(Duration::from_secs(2)));
        // Another address, or another name from this address, is not held up.
        assert_eq!(g.check("ana", ip(2), t1), Ok(()));
        assert_eq!(g.check("ben", ip(1), t1), Ok(()));
        // Many more failures: the wait stops growing at 15 minutes.
        let mut t = t1;
        for _ in 0..40 {
            t += Duration::from_secs(3600);
            g.failed("ana", ip(1), t);
        }
        assert_eq!(g.check("ana", ip(1), t), Err(Duration::from_secs(15 * 60)));
    }

    #[test]
    fn success_clears_and_quiet_keys_are_forgotten() {
        let g = LoginGuard::default();
        let t0 = Instant::now();
        for _ in 0..6 {
            g.failed("ana", ip(1), t0);
        }
        assert!(g.check("ana", ip(1), t0).is_err());
        g.succeeded("ana", ip(1));
        assert_eq!(g.check("ana", ip(1), t0), Ok(()));
        for _ in 0..6 {
            g.failed("ben", ip(3), t0);
        }
        let later = t0 + FORGET_AFTER + Duration::from_secs(1);
        assert!(g.prune(later) >= 3);
        assert_eq!(g.check("ben", ip(3), later), Ok(()));
    }

    #[test]
    fn many_addresses_cannot_lock_the_user_out_of_a_known_address() {
        let g = LoginGuard::default();
        let t0 = Instant::now();
        g.succeeded("ana", ip(1));
        // An attacker spreads 60 failures over 20 addresses (3 each: no pair or address
        // back-off), passing the name's allowance of 50.
        for i in 0..60u8 {
            g.failed("ana", ip(100 + i % 20), t0);
        }
        // A fresh address waits (at most a minute) …
        let wait = g.check("ana", ip(50), t0).unwrap_err();
        assert!(wait <= Duration::from_secs(60), "{wait:?}");
        // … but the user's own address is not held up.
        assert_eq!(g.check("ana", ip(1), t0), Ok(()));
    }

    #[test]
    fn one_address_spraying_names_is_held_up() {
        let g = LoginGuard::default();
        let t0 = Instant::now();
        for i in 0..21 {
            g.failed(&format!("user{i}"), ip(9), t0);
        }
        assert!(g.check("someone-else", ip(9), t0).is_err());
        assert_eq!(g.check("someone-else", ip(8), t0), Ok(()));
    }
}
