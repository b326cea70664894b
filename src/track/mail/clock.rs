//! Times as the records hold them (TOML datetimes) and as the throttle counts them (seconds).
//! The clock can be set with `MAINTDB_NOW` (RFC 3339), so a run can be replayed at a given time.

use toml::value::Datetime;

/// Seconds since the epoch of a record's datetime; a bare date is midnight UTC.
pub fn seconds(d: &Datetime) -> Option<i64> {
    gix::date::parse(&d.to_string(), None)
        .ok()
        .map(|t| t.seconds)
}

/// The datetime a record stores for `seconds` (UTC, to the second).
pub fn datetime(seconds: i64) -> Datetime {
    let iso = gix::date::Time { seconds, offset: 0 }
        .format_or_unix(gix::date::time::format::ISO8601_STRICT);
    iso.parse().expect("gix formats RFC 3339, which TOML reads")
}

/// `MAINTDB_NOW` holds something that is not a date.
#[derive(Debug, thiserror::Error)]
#[error("MAINTDB_NOW=`{value}` is not a date")]
pub struct BadNow {
    value: String,
    #[source]
    source: gix::Error,
}

/// Now: `MAINTDB_NOW` if set, else the system clock.
pub fn now() -> Result<i64, BadNow> {
    match std::env::var("MAINTDB_NOW") {
        Ok(s) => gix::date::parse(&s, None)
            .map(|t| t.seconds)
            .map_err(|source| BadNow { value: s, source }),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let d = datetime(1_793_613_600);
        assert_eq!(d.to_string(), "2026-11-02T10:00:00+00:00");
        assert_eq!(seconds(&d), Some(1_793_613_600));
        let date: Datetime = "2026-11-02".parse().unwrap();
        assert_eq!(seconds(&date), Some(1_793_577_600));
    }
}
