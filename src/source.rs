//! Input for every command: bytes become text here, once. UTF-8 and the characters YAML
//! forbids are checked before anything is split or parsed, with a position and a hint.

use crate::diagnostic::{Diagnostic, LineIndex, Origin};

/// Checks that the input is UTF-8 and free of characters YAML forbids.
pub fn validate_text<'a>(input: &'a [u8], name: &str) -> Result<&'a str, Diagnostic> {
    let text = match std::str::from_utf8(input) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = std::str::from_utf8(input.get(..valid).unwrap_or_default()).unwrap_or("");
            let index = LineIndex::new(prefix);
            return Err(Diagnostic::error(
                "invalid-utf8",
                format!("the input is not UTF-8 (byte {valid})"),
            )
            .with_origin(Origin {
                file: Some(name.to_owned()),
                ..Origin::default()
            })
            .at(&index, valid, valid)
            .with_hint("Kubernetes manifests must be UTF-8; re-encode the file"));
        }
    };
    check_characters(text, name)?;
    Ok(text)
}

/// Like [`validate_text`], taking ownership: the UTF-8 check is done once and the bytes become
/// the text without a copy.
pub fn validate_owned(bytes: Vec<u8>, name: &str) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => check_characters(&text, name).map(|()| text),
        Err(e) => validate_text(e.as_bytes(), name).map(str::to_owned),
    }
}

/// Characters YAML forbids (c-printable), as an error at the first one.
fn check_characters(text: &str, name: &str) -> Result<(), Diagnostic> {
    if let Some((at, c)) = forbidden_char(text) {
        let index = LineIndex::new(text);
        return Err(Diagnostic::error(
            "forbidden-character",
            format!(
                "the input contains {}, which YAML does not allow",
                describe_char(c)
            ),
        )
        .with_origin(Origin {
            file: Some(name.to_owned()),
            ..Origin::default()
        })
        .at(&index, at, at + c.len_utf8())
        .with_hint(
            "remove the character, or write it as an escape inside a double-quoted string",
        ));
    }
    Ok(())
}

/// The first character outside YAML's printable set (c-printable), with its byte offset.
fn forbidden_char(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    // Most input is printable ASCII: a branch-free test of 64 bytes at a time (which the
    // compiler vectorizes) skips those blocks, and only blocks with a control character or a
    // multi-byte sequence are looked at byte by byte.
    const BLOCK: usize = 64;
    let plain = |block: &[u8]| {
        !block.iter().fold(false, |odd, &b| {
            odd | (b >= 0x7f) | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        })
    };
    let mut from = 0;
    for block in bytes.chunks(BLOCK) {
        if !plain(block)
            && let Some(found) = forbidden_in(text, from, from + block.len())
        {
            return Some(found);
        }
        from += block.len();
    }
    None
}

/// The first forbidden character starting in `from..to` of `text`.
fn forbidden_in(text: &str, from: usize, to: usize) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let bad_ascii = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f;
    // Only multi-byte sequences that can be C1 controls or non-characters (U+0080–U+009F,
    // U+FFFE, U+FFFF) need a closer look.
    let mut i = from;
    while i < to {
        let b = *bytes.get(i)?;
        if b < 0x80 {
            if bad_ascii(b) {
                return Some((i, char::from(b)));
            }
        } else if b == 0xC2 || b == 0xEF {
            let c = text.get(i..).and_then(|s| s.chars().next())?;
            let bad =
                matches!(c, '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
            if bad {
                return Some((i, c));
            }
        }
        i += 1;
    }
    None
}

fn describe_char(c: char) -> String {
    match c {
        '\0' => "a NUL byte".to_owned(),
        c => format!("the control character U+{:04X}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        assert_eq!(forbidden_char("a\tb\r\n"), None);
        assert_eq!(forbidden_char("a\u{7f}"), Some((1, '\u{7f}')));
        assert_eq!(forbidden_char("é\u{85}ok"), None);
        assert_eq!(forbidden_char("é\u{86}"), Some((2, '\u{86}')));
        assert_eq!(forbidden_char("x\u{fffe}"), Some((1, '\u{fffe}')));
        assert_eq!(forbidden_char("\u{feff}a: \u{a0}b"), None);
    }

    #[test]
    fn blocks_find_the_first_forbidden_character_wherever_it_is() {
        for at in [0, 1, 62, 63, 64, 65, 127, 128, 200] {
            for bad in ['\u{1}', '\u{7f}', '\u{86}', '\u{fffe}'] {
                // Harmless multi-byte characters before and after it (some across a block's
                // end), and a later forbidden one.
                let text = format!("{}é{bad}é{}\u{2}", "a".repeat(at), "a".repeat(100));
                assert_eq!(
                    forbidden_char(&text),
                    Some((at + 2, bad)),
                    "{bad:?} at {at}"
                );
            }
            let clean = format!("{}é€\u{a0}{}", "a".repeat(at), "a".repeat(100));
            assert_eq!(forbidden_char(&clean), None);
        }
    }
}
