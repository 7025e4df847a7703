//! Go durations and drain settings on any text: no panic; a parsed `GoDuration` prints as a
//! duration that parses back to itself; a parsed `DrainSeconds` is positive, means the same as
//! its input, and its canonical `<N>s` form parses back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshdrain::duration::{DrainSeconds, GoDuration};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = GoDuration::parse(text) {
        let shown = d.to_string();
        assert_eq!(
            GoDuration::parse(&shown),
            Ok(d),
            "{text:?} parses to {d:?}, shown as {shown:?}"
        );
    }
    if let Ok(s) = DrainSeconds::parse(text) {
        assert!(s.secs() > 0, "{text:?} gives {s:?}");
        assert!(
            s.same_as(text),
            "{text:?} gives {s:?}, which is not the same"
        );
        let canonical = s.canonical();
        assert_eq!(
            DrainSeconds::parse(&canonical),
            Ok(s),
            "{text:?} gives {s:?}, canonical {canonical:?}"
        );
        assert_eq!(GoDuration::parse(&canonical), Ok(s.as_go()));
    }
});
