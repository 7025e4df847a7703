//! Offsets in an edited text, mapped back to the text before the edits: a problem found after
//! some edits of a document is reported where it is in the input.

use super::Splice;

/// The splices applied so far, in the order a sequential replay would apply them.
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    /// `(start, removed, inserted)`: bytes `start..start + removed` became `inserted` bytes.
    steps: Vec<(usize, usize, usize)>,
}

impl OffsetMap {
    /// Records one [`super::apply`] of `splices` (non-overlapping, offsets in the text they
    /// were applied to).
    pub fn record(&mut self, splices: &[Splice]) {
        let mut sorted: Vec<&Splice> = splices.iter().collect();
        // From the right: each splice's offsets stay valid while the ones after it apply.
        sorted.sort_by_key(|s| std::cmp::Reverse(s.range.start));
        for s in sorted {
            self.steps.push((
                s.range.start,
                s.range.end.saturating_sub(s.range.start),
                s.text.len(),
            ));
        }
    }

    /// Where `offset` of the edited text was in the original; inside inserted text, the
    /// place the text was inserted at.
    pub fn original(&self, offset: usize) -> usize {
        self.steps
            .iter()
            .rev()
            .fold(offset, |pos, &(start, removed, inserted)| {
                if pos < start {
                    pos
                } else if pos < start + inserted {
                    start
                } else {
                    pos - inserted + removed
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splice(range: std::ops::Range<usize>, text: &str) -> Splice {
        Splice {
            range,
            text: text.to_owned(),
        }
    }

    #[test]
    fn maps_back_through_several_edits() {
        let original = "a: 1\nb: 2\nc: 3\n";
        let first = [splice(5..5, "x: 9\n"), splice(13..14, "33")];
        let once = super::super::apply(original, &first).unwrap();
        assert_eq!(once, "a: 1\nx: 9\nb: 2\nc: 33\n");
        let mut map = OffsetMap::default();
        map.record(&first);
        let second = [splice(0..0, "# top\n")];
        let twice = super::super::apply(&once, &second).unwrap();
        map.record(&second);
        let at = |needle: &str| twice.find(needle).unwrap();
        assert_eq!(map.original(at("b: 2")), original.find("b: 2").unwrap());
        assert_eq!(map.original(at("c: 33")), original.find("c: 3").unwrap());
        assert_eq!(
            map.original(at("x: 9")),
            5,
            "inserted text maps to where it went in"
        );
        assert_eq!(map.original(at("a: 1")), 0);
        assert_eq!(map.original(twice.len()), original.len());
    }
}
