//! At most `max_per_hour` mails in any rolling hour, counted across runs from the dates the
//! records hold: notifications, prods, unarchive requests, and intents whose fate is open
//! (they may have gone out).

use super::clock::seconds;
use crate::record::RawTrack;

/// The times of every mail the records know of.
pub fn mail_times<'a>(tracks: impl Iterator<Item = &'a RawTrack>) -> Vec<i64> {
    let mut out = Vec::new();
    for t in tracks {
        for (_, p) in t.progress() {
            out.extend(p.notified.as_ref().and_then(seconds));
            out.extend(p.prods.iter().filter_map(seconds));
        }
        out.extend(t.unarchive_requested.as_ref().and_then(seconds));
        out.extend(t.outbox.iter().filter_map(|i| seconds(&i.since)));
    }
    out
}

/// How many more mails may go out at `now`.
pub fn room(times: &[i64], now: i64, max_per_hour: u32) -> usize {
    let recent = times
        .iter()
        .filter(|t| **t > now - 3600 && **t <= now)
        .count();
    (max_per_hour as usize).saturating_sub(recent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolling_hour() {
        let now = 10_000;
        assert_eq!(room(&[], now, 10), 10);
        assert_eq!(
            room(&[now, now - 3599, now - 3600], now, 10),
            8,
            "3600 s ago is out"
        );
        assert_eq!(room(&[now; 12], now, 10), 0);
        assert_eq!(room(&[now + 5], now, 10), 10, "the future does not count");
    }
}
