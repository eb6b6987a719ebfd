//! How old the advisory data is, per feed, and the warnings a reader of vulnerability results
//! must see: matching against the built-in samples only (absent matches then mean nothing), or
//! against data older than a threshold.

use std::collections::BTreeMap;

use netvet_model::{AdvisoryData, FeedAge};

use crate::error::Result;
use crate::store::{Index, SourceRow};

/// Days after which a feed's data is stale by default.
pub const DEFAULT_STALE_DAYS: u64 = 7;

/// The feed a source belongs to: its kind, or `built-in` for the compiled-in samples.
fn feed_of(s: &SourceRow) -> String {
    if s.name.starts_with("builtin:") {
        "built-in".to_string()
    } else {
        s.kind.clone()
    }
}

/// Days since 1970-01-01 of an RFC 3339 time's date (`YYYY-MM-DD...`).
pub fn unix_days(t: &str) -> Option<i64> {
    let y: i64 = t.get(0..4)?.parse().ok()?;
    let m: i64 = t.get(5..7)?.parse().ok()?;
    let d: i64 = t.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The age of `index`'s data on `today` (`YYYY-MM-DD`), with a feed stale after
/// `stale_days` days.
pub fn data_age(index: &Index, today: &str, stale_days: u64) -> Result<AdvisoryData> {
    let status = index.status()?;
    Ok(summarise(&status.path, &status.sources, today, stale_days))
}

/// [`data_age`] of a list of sources.
pub fn summarise(index: &str, sources: &[SourceRow], today: &str, stale_days: u64) -> AdvisoryData {
    let today_days = unix_days(today);
    let mut feeds: BTreeMap<String, FeedAge> = BTreeMap::new();
    for s in sources {
        let f = feeds.entry(feed_of(s)).or_insert_with(|| FeedAge {
            feed: feed_of(s),
            sources: 0,
            records: 0,
            newest: None,
            fetched: None,
            imported: String::new(),
            age_days: 0,
            stale: false,
        });
        f.sources += 1;
        f.records += s.records;
        if s.newest > f.newest {
            f.newest.clone_from(&s.newest);
        }
        if s.fetched > f.fetched {
            f.fetched.clone_from(&s.fetched);
        }
        if s.imported > f.imported {
            f.imported.clone_from(&s.imported);
        }
    }
    let mut warnings = Vec::new();
    let samples_only = !feeds.is_empty() && feeds.keys().all(|k| k == "built-in");
    if feeds.is_empty() {
        warnings.push(
            "WARNING: the advisory index is empty: no vulnerability can be found. Run `netvet db update`."
                .to_string(),
        );
    }
    if samples_only {
        warnings.push(format!(
            "WARNING: matched only against netvet's built-in advisories ({} SAMPLE records from \
             advisories/), not the vulnerability feeds: a clean result means nothing. Run \
             `netvet db update` to download OSV, NVD and CISA KEV.",
            feeds.get("built-in").map_or(0, |f| f.records)
        ));
    }
    for f in feeds.values_mut() {
        // The samples are compiled in: the time this process loaded them is no fact about the
        // data, and would make the same input give different bytes. Their date is the data's.
        if f.feed == "built-in"
            && let Some(newest) = &f.newest
        {
            f.imported.clone_from(newest);
        }
        let reference = f.newest.as_deref().unwrap_or(&f.imported);
        if let (Some(now), Some(then)) = (today_days, unix_days(reference)) {
            f.age_days = (now - then).max(0) as u64;
        }
        // The samples are old by design; the warning above covers them.
        f.stale = f.feed != "built-in" && f.age_days > stale_days;
        if f.stale {
            warnings.push(format!(
                "WARNING: {} data is {} days old (newest record {}), older than {} days; run `netvet db update`.",
                f.feed,
                f.age_days,
                reference.get(0..10).unwrap_or(reference),
                stale_days
            ));
        }
    }
    let advisories = feeds
        .values()
        .filter(|f| f.feed != "kev")
        .map(|f| f.records)
        .sum();
    let full_feeds = !samples_only && feeds.keys().any(|k| k == "osv" || k == "nvd");
    let kev = feeds.get("kev").is_some_and(|f| f.records > 0);
    AdvisoryData {
        index: index.to_string(),
        samples_only,
        advisories,
        full_feeds,
        kev,
        feeds: feeds.into_values().collect(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_1970() {
        assert_eq!(unix_days("1970-01-01"), Some(0));
        assert_eq!(unix_days("2000-03-01T00:00:00Z"), Some(11_017));
        assert_eq!(unix_days("2024-02-29"), Some(19_782));
        assert_eq!(unix_days("2024-13-01"), None);
        assert_eq!(unix_days("soon"), None);
    }
}
