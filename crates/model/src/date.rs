//! Calendar dates as regulators and sources give them: a full ISO date (`2026-12-31`) for
//! deadlines and certificates, and a date of known precision (`2020`, `2020-08`, `2020-08-25`)
//! for facts whose sources give only a year or a month.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A full calendar date, `YYYY-MM-DD`. Ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A checked date: month 1–12 and a day that exists in that month.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The date of `days` since 1970-01-01 (for "today" from the system clock).
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

impl Date {
    /// Days since 1970-01-01 (negative before it).
    pub fn unix_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Seconds since the epoch at the start (00:00 UTC) of this day.
    pub fn unix_seconds(self) -> i64 {
        self.unix_days() * 86_400
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn number<T: FromStr>(s: &str, digits: usize) -> Option<T> {
    (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date (expected YYYY-MM-DD)");
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
            return Err(bad());
        };
        Date::new(y, m, d).ok_or_else(|| format!("{s:?} is not a date: no such day"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A string `YYYY-MM-DD`.
impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        })
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = DateText::deserialize(d)?;
        text.0.parse().map_err(serde::de::Error::custom)
    }
}

/// A date as written in a source: year, month or day precision, or explicitly undated
/// (`"undated"`) when the source gives none. Ordered by the earliest day it can mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactDate {
    Undated,
    Year(u16),
    Month(u16, u8),
    Day(Date),
}

impl FromStr for FactDate {
    type Err = String;
    fn from_str(s: &str) -> Result<FactDate, String> {
        if s == "undated" {
            return Ok(FactDate::Undated);
        }
        let bad =
            || format!("{s:?} is not a date (expected YYYY, YYYY-MM, YYYY-MM-DD or \"undated\")");
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [y] => number(y, 4).map(FactDate::Year).ok_or_else(bad),
            [y, m] => match (number::<u16>(y, 4), number::<u8>(m, 2)) {
                (Some(y), Some(m)) if (1..=12).contains(&m) => Ok(FactDate::Month(y, m)),
                _ => Err(bad()),
            },
            [_, _, _] => s.parse().map(FactDate::Day),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for FactDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FactDate::Undated => f.write_str("undated"),
            FactDate::Year(y) => write!(f, "{y:04}"),
            FactDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            FactDate::Day(d) => d.fmt(f),
        }
    }
}

impl Serialize for FactDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A string `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `undated`.
impl schemars::JsonSchema for FactDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FactDate".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?|undated)$"
        })
    }
}

impl<'de> Deserialize<'de> for FactDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FactDate, D::Error> {
        let text = DateText::deserialize(d)?;
        text.0.parse().map_err(serde::de::Error::custom)
    }
}

/// A date written either as a string or as a TOML date (`deadline = 2026-12-31`), which the
/// `toml` crate hands to serde as a one-field struct or, in its text form, as a string.
struct DateText(String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DateText, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date such as 2024-07-11")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DateText, A::Error> {
                // toml's datetime arrives as a map with one private key and a string value.
                let mut text = None;
                while let Some((_, v)) = map.next_entry::<String, String>()? {
                    text = Some(v);
                }
                text.map(DateText)
                    .ok_or_else(|| serde::de::Error::custom("empty date"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_days_round_trip() {
        let d: Date = "2026-11-28".parse().unwrap();
        assert_eq!(d.unix_seconds(), 1_795_824_000);
        assert_eq!("1970-01-02".parse::<Date>().unwrap().unix_days(), 1);
        for days in [-1, 0, 59, 60, 11_016, 20_424, 2_000_000] {
            assert_eq!(Date::from_unix_days(days).unix_days(), days);
        }
    }

    #[test]
    fn full_dates_parse_and_reject_impossible_days() {
        assert_eq!(
            "2024-02-29".parse::<Date>(),
            Ok(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("2024-7-1".parse::<Date>().is_err());
        assert!("July 2024".parse::<Date>().is_err());
    }

    #[test]
    fn fact_dates_keep_their_precision() {
        assert_eq!("2020".parse::<FactDate>(), Ok(FactDate::Year(2020)));
        assert_eq!("2020-08".parse::<FactDate>(), Ok(FactDate::Month(2020, 8)));
        assert_eq!(
            "2020-08".parse::<FactDate>().expect("valid").to_string(),
            "2020-08"
        );
        assert_eq!("undated".parse::<FactDate>(), Ok(FactDate::Undated));
        assert!("2020-00".parse::<FactDate>().is_err());
        assert!("2020-08-32".parse::<FactDate>().is_err());
        assert!("around 2020".parse::<FactDate>().is_err());
    }

    #[test]
    fn unix_days_convert_to_civil_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_unix_days(20_818).to_string(), "2026-12-31");
    }
}
