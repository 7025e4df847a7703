//! A splice (bytes to replace) and applying a set of them to a text.

use std::ops::Range;

use super::error::EditError;

/// Replace `range` of the text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub text: String,
}

/// Applies non-overlapping splices to `text`.
pub fn apply(text: &str, splices: &[Splice]) -> Result<String, EditError> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    let mut out =
        String::with_capacity(text.len() + splices.iter().map(|s| s.text.len()).sum::<usize>());
    let mut pos = 0;
    for s in sorted {
        if s.range.start < pos || s.range.end < s.range.start {
            return Err(EditError::Overlap { at: s.range.start });
        }
        out.push_str(
            text.get(pos..s.range.start)
                .ok_or(EditError::Overlap { at: s.range.start })?,
        );
        out.push_str(&s.text);
        pos = s.range.end;
    }
    out.push_str(text.get(pos..).ok_or(EditError::Overlap { at: pos })?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_must_not_overlap_but_may_touch() {
        let s = |a: usize, b: usize, t: &str| Splice {
            range: a..b,
            text: t.to_owned(),
        };
        assert_eq!(
            apply("abcdef", &[s(2, 4, "X"), s(4, 5, "Y")]).unwrap(),
            "abXYf"
        );
        assert_eq!(
            apply("abcdef", &[s(1, 1, "-"), s(0, 1, "A")]).unwrap(),
            "A-bcdef"
        );
        assert!(matches!(
            apply("abcdef", &[s(1, 3, "X"), s(2, 4, "Y")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply("abcdef", &[s(3, 2, "X")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply("abc", &[s(2, 9, "X")]),
            Err(EditError::Overlap { .. })
        ));
    }
}
