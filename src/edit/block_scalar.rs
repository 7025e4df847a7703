//! Block scalars (`|`, `>`): writing a new multi-line string as a literal block, and giving an
//! existing block scalar a new value under its own header.
//!
//! The tree does not say where a block scalar's header is (saphyr's span of one starts at its
//! first content line, or at its properties, or at the `|` when it is empty, and ends before
//! trailing white space), so the header and the lines are read from the text here: the header
//! after the key's `:`, then every line that is blank or indented at least as far as the
//! content, up to the first less indented line (a key, a comment, a document marker).

use std::ops::Range;

use crate::document::{Node, NodeId};
use crate::linebreak;
use crate::patch::{NewValue, Pointer, dotted};

use super::editor::{After, Breaks, Editor};
use super::error::EditError;
use super::layout::column;
use super::scalar;
use super::splice::Splice;

/// What a block scalar does with its final line breaks (its chomping indicator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Chomp {
    /// No indicator: exactly one final line break.
    Clip,
    /// `-`: none.
    Strip,
    /// `+`: all of them, the empty lines after the last text line included.
    Keep,
}

impl Chomp {
    pub(super) fn indicator(self) -> &'static str {
        match self {
            Chomp::Clip => "",
            Chomp::Strip => "-",
            Chomp::Keep => "+",
        }
    }
}

/// A new string written as a literal block scalar: its chomping and its content lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Literal<'s> {
    pub(super) chomp: Chomp,
    pub(super) lines: Vec<&'s str>,
}

/// The content lines of `value` in a block scalar with chomping `chomp`, when one can hold it:
/// a clipped scalar ends in exactly one line break, a stripped one in none, a kept one in at
/// least one (a kept or clipped scalar ending the text without a line break is read without
/// it by libyaml and with it by saphyr). The empty string is no lines at all.
fn chomped_lines(value: &str, chomp: Chomp) -> Option<Vec<&str>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    let body = match chomp {
        Chomp::Strip => Some(value).filter(|v| !v.ends_with('\n')),
        Chomp::Clip => value
            .strip_suffix('\n')
            .filter(|b| !b.is_empty() && !b.ends_with('\n')),
        Chomp::Keep => value.strip_suffix('\n'),
    }?;
    Some(body.split('\n').collect())
}

/// Whether a block scalar with content at column `indent` and chomping `chomp`, written just
/// before the lines `after`, keeps its value: no line there indented as far as its content,
/// and no blank line at all when the scalar keeps its final line breaks.
fn ends_before(after: After, indent: usize, chomp: Chomp) -> bool {
    let blank_ok = match chomp {
        Chomp::Keep => after.blank.is_none(),
        Chomp::Clip | Chomp::Strip => after.blank.is_none_or(|b| b <= indent),
    };
    !after.refuse && after.next.is_none_or(|n| n < indent) && blank_ok
}

/// `s` as a literal block scalar meshdrain writes for a new value (`key: |`) with its lines at
/// column `indent`, when that is safe and reads back as `s`: it has a line break and a line of
/// text, no line ends in white space, the first text line does not start with a space (its
/// indentation is detected from it), and every character is printable and no tab. `|` when it
/// ends in one line break, `|-` in none, `|+` in more. At the end of a text without a final
/// line break only `|-` fits, and the document's lines after it must not join it.
pub(super) fn new_literal(s: &str, indent: usize, b: Breaks) -> Option<Literal<'_>> {
    if !s.contains('\n')
        || !s
            .chars()
            .all(|c| c == '\n' || (c != '\t' && scalar::printable_in_block(c)))
    {
        return None;
    }
    let chomp = match s.len() - s.trim_end_matches('\n').len() {
        0 => Chomp::Strip,
        1 => Chomp::Clip,
        _ => Chomp::Keep,
    };
    if (b.at_eof && chomp != Chomp::Strip) || !ends_before(b.after, indent, chomp) {
        return None;
    }
    let lines = chomped_lines(s, chomp)?;
    let first_text = lines.iter().find(|l| !l.is_empty())?;
    let fits = !first_text.starts_with(' ') && lines.iter().all(|l| !l.ends_with(' '));
    fits.then_some(Literal { chomp, lines })
}

/// Writes content lines at column `indent`, each ending in `nl`; an empty line stays empty.
pub(super) fn write_lines(out: &mut String, lines: &[&str], indent: usize, nl: &str) {
    for line in lines {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push_str(nl);
    }
}

/// Content lines joined by `nl`, without a final break (the replaced text's own stays).
fn joined(lines: &[&str], indent: usize, nl: &str) -> String {
    let mut out = String::new();
    write_lines(&mut out, lines, indent, nl);
    out.strip_suffix(nl).map(str::to_owned).unwrap_or(out)
}

/// An existing block scalar's header: `&a !!str |2- # comment`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Header {
    literal: bool,
    chomp: Chomp,
    /// The indentation indicator (`|2`): the content sits this far right of the parent.
    indentation: Option<usize>,
    /// A tag in front of the indicator, with the white space after it.
    tag: Option<Range<usize>>,
    /// `|2-`: the style, chomping and indentation indicators.
    indicator: Range<usize>,
    /// Where the header line's break is (none at the end of the text).
    line_break: Option<usize>,
    /// The start of the line after the header.
    content_start: usize,
    nl: &'static str,
}

impl Header {
    /// The lines `value` is written as under this header, if the header can hold it.
    fn fits<'s>(&self, value: &'s str) -> Option<Vec<&'s str>> {
        let lines = chomped_lines(value, self.chomp)?;
        if !lines
            .iter()
            .all(|l| l.chars().all(scalar::printable_in_block))
        {
            return None;
        }
        let first_text = lines.iter().find(|l| !l.is_empty());
        // Without an indentation indicator the first text line's spaces would be read as
        // indentation (and a tab there is an error to libyaml).
        if self.indentation.is_none() && first_text.is_some_and(|l| l.starts_with([' ', '\t'])) {
            return None;
        }
        if !self.literal {
            // Folded: lines are joined by spaces, more indented ones are not. Only one line of
            // text (with the kept empty lines after it) reads the same in every reader.
            let one_line = lines.split_first().is_none_or(|(first, rest)| {
                !first.is_empty()
                    && !first.starts_with([' ', '\t'])
                    && rest.iter().all(|l| l.is_empty())
            });
            if !one_line {
                return None;
            }
        }
        Some(lines)
    }
}

/// The lines of an existing block scalar, after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Body {
    /// The content's indentation: from the indicator, or the first text line; none when
    /// the scalar has no text and no indicator.
    indent: Option<usize>,
    /// Where the last line holding content ends, before its line break.
    last_text_end: Option<usize>,
    /// After the last line that belongs to the scalar, trailing blank lines included.
    end: usize,
}

impl<'a> Editor<'a> {
    /// Gives an existing block scalar, the value of the key `key`, the scalar `value`. A string
    /// the header can hold is written under it, the header kept as it is (a tag of its own
    /// dropped); another string becomes a double-quoted scalar on the key's line for a
    /// literal (`|`) block and is refused for a folded (`>`) one; an integer or boolean is
    /// written plain on the key's line. The document keeps at least as many lines.
    pub(super) fn replace_block_scalar(
        &self,
        node: &Node,
        key: Option<(NodeId, NodeId)>,
        value: &NewValue,
        path: &Pointer,
    ) -> Result<Vec<Splice>, EditError> {
        let unsupported = |what| EditError::Unsupported {
            path: dotted(path),
            what,
            at: node.start,
        };
        let (map_id, key_id) =
            key.ok_or_else(|| unsupported("a block scalar that is not a mapping value"))?;
        let colon = self
            .colon_after(self.node(key_id)?)
            .ok_or_else(|| unsupported("a mapping entry without a visible ':'"))?;
        let header = self.block_header(colon).ok_or_else(|| {
            unsupported("a block scalar whose header (| or >) is not on its key's line")
        })?;
        let parent = column(self.text, self.node(map_id)?.start);
        let body = self
            .block_body(&header, parent)
            .ok_or_else(|| unsupported("a block scalar with a tab in its indentation"))?;
        let mut splices = Vec::new();
        if let NewValue::Str(s) = value
            && let Some(lines) = header.fits(s)
        {
            if node.foreign_tag
                && let Some(tag) = header.tag.clone()
            {
                splices.push(Splice {
                    range: tag,
                    text: String::new(),
                });
            }
            let indent = body.indent.unwrap_or(parent + self.layout.step);
            splices.push(
                self.rewrite_lines(&header, &body, &lines, indent)
                    .ok_or_else(|| {
                        unsupported(
                            "a kept (|+) block scalar to give fewer lines than it has (meshdrain never removes lines)",
                        )
                    })?,
            );
            return Ok(splices);
        }
        let text = match value {
            NewValue::Str(s) if header.literal => scalar::double_quoted(s),
            NewValue::Str(_) => {
                return Err(unsupported(
                    "a folded (>) block scalar, and the new value is not a single line it can hold",
                ));
            }
            other => scalar::write_value(other)
                .ok_or_else(|| unsupported("a block scalar to replace by a collection"))?,
        };
        // `key: "…"` (or `key: 45`) on the key's line, the header's comment kept, the lines
        // emptied (not removed: see `rewrite_lines`). A string keeps an anchor and `!!str`; an
        // integer or boolean keeps no tag.
        splices.extend(self.tab_separator(key_id));
        let keep_tag = matches!(value, NewValue::Str(_)) && !node.foreign_tag;
        if !keep_tag && let Some(tag) = header.tag.clone() {
            splices.push(Splice {
                range: tag,
                text: String::new(),
            });
        }
        splices.push(Splice {
            range: header.indicator.clone(),
            text,
        });
        if let (Some(line_break), Some(end)) = (header.line_break, body.last_text_end) {
            let range = line_break..end;
            splices.push(Splice {
                text: self.apart_from_next(header.nl.repeat(self.breaks_in(&range)), end),
                range,
            });
        }
        Ok(splices)
    }

    /// The splice that puts `lines` (at column `indent`) in place of a block scalar's content.
    /// It never removes lines: the renderer counts only added ones to place later documents'
    /// findings. Fewer new lines are followed by empty ones, which clipping and stripping drop;
    /// a kept (`|+`) scalar would keep them, so there `None`.
    fn rewrite_lines(
        &self,
        header: &Header,
        body: &Body,
        lines: &[&str],
        indent: usize,
    ) -> Option<Splice> {
        let nl = header.nl;
        let len = self.text.len();
        // A header ending the text gets its line break before the first line.
        let lead = if header.line_break.is_none() && !lines.is_empty() {
            nl
        } else {
            ""
        };
        // Spaces ending the text without a line break, after the last text line: saphyr reads
        // them into the value, libyaml does not.
        let spaces_at_end = body.end == len
            && !self.text.ends_with(['\n', '\r'])
            && body.last_text_end.is_some_and(|end| end < len);
        let (range, mut text) =
            if header.chomp == Chomp::Keep || body.last_text_end.is_none() || spaces_at_end {
                // Kept: every line break up to the next less indented line is the value's. No
                // text: the blank lines may have more spaces than the new content's indentation.
                // Either way they are all rewritten (and spaces ending the text go), each line
                // with its break; a stripped value's last one only where the text went on or
                // ended in a line break.
                let mut text = lead.to_owned();
                text.push_str(&joined(lines, indent, nl));
                let went_on = body.end < len || self.text.ends_with(['\n', '\r']);
                if !lines.is_empty() && (went_on || header.chomp != Chomp::Strip) {
                    text.push_str(nl);
                }
                (header.content_start..body.end, text)
            } else {
                // Clip and strip with text: the trailing blank lines are not the value's and stay.
                let end = body.last_text_end.unwrap_or(header.content_start);
                if lines.is_empty() {
                    (
                        header.line_break.unwrap_or(header.content_start)..end,
                        String::new(),
                    )
                } else {
                    let mut text = joined(lines, indent, nl);
                    // The last line ended the text: a clipped value needs its line break.
                    if end >= len && header.chomp == Chomp::Clip {
                        text.push_str(nl);
                    }
                    (header.content_start..end, text)
                }
            };
        let missing = self
            .breaks_in(&range)
            .saturating_sub(linebreak::count(text.as_bytes()));
        if missing > 0 {
            if header.chomp == Chomp::Keep {
                return None;
            }
            text.push_str(&nl.repeat(missing));
        }
        let text = self.apart_from_next(text, range.end);
        Some(Splice { range, text })
    }

    /// `text`, written just before `end`, with a final lone CR written as CR-LF where an LF
    /// follows at `end`: the CR and that LF would make one line break, a line fewer (a header
    /// ending in a lone CR, content lines ending in LF). Not LF alone: a CR before it would
    /// join it in the same way.
    fn apart_from_next(&self, mut text: String, end: usize) -> String {
        if text.ends_with('\r') && self.text.as_bytes().get(end) == Some(&b'\n') {
            text.push('\n');
        }
        text
    }

    /// How many line breaks the text holds in `range`.
    fn breaks_in(&self, range: &Range<usize>) -> usize {
        self.text
            .get(range.clone())
            .map_or(0, |t| linebreak::count(t.as_bytes()))
    }

    /// Reads the block scalar header after the `:` at `colon`: properties, the indicator, white
    /// space and a comment, all on that line.
    fn block_header(&self, colon: usize) -> Option<Header> {
        let bytes = self.text.as_bytes();
        let blank = |pos: usize| matches!(bytes.get(pos), Some(b' ' | b'\t'));
        let mut pos = colon + 1;
        let mut tag = None;
        loop {
            while blank(pos) {
                pos += 1;
            }
            match bytes.get(pos)? {
                b'&' | b'!' => {
                    let start = pos;
                    while !matches!(bytes.get(pos), None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
                        pos += 1;
                    }
                    if bytes.get(start) == Some(&b'!') {
                        let mut end = pos;
                        while blank(end) {
                            end += 1;
                        }
                        tag = Some(start..end);
                    }
                }
                b'|' | b'>' => break,
                _ => return None,
            }
        }
        let literal = bytes.get(pos) == Some(&b'|');
        let start = pos;
        pos += 1;
        let mut chomp = None;
        let mut indentation = None;
        for _ in 0..2 {
            match bytes.get(pos) {
                Some(b'-') if chomp.is_none() => chomp = Some(Chomp::Strip),
                Some(b'+') if chomp.is_none() => chomp = Some(Chomp::Keep),
                Some(&d @ b'1'..=b'9') if indentation.is_none() => {
                    indentation = Some(usize::from(d - b'0'));
                }
                _ => break,
            }
            pos += 1;
        }
        let indicator = start..pos;
        let mut rest = pos;
        while blank(rest) {
            rest += 1;
        }
        match bytes.get(rest) {
            None | Some(b'\r' | b'\n') => {}
            Some(b'#') if rest > pos => {}
            Some(_) => return None,
        }
        let (line_break, content_start, nl) = match linebreak::next_break(bytes, rest) {
            Some((at, len)) => (Some(at), at + len, linebreak::text_of(bytes, at, len)),
            None => (None, self.text.len(), linebreak::first(bytes)),
        };
        Some(Header {
            literal,
            chomp: chomp.unwrap_or(Chomp::Clip),
            indentation,
            tag,
            indicator,
            line_break,
            content_start,
            nl,
        })
    }

    /// Reads a block scalar's lines after `header`; `parent` is the column of its key. `None`
    /// for a tab where indentation is expected (readers disagree on such lines).
    fn block_body(&self, header: &Header, parent: usize) -> Option<Body> {
        let bytes = self.text.as_bytes();
        let mut indent = header.indentation.map(|d| parent + d);
        let mut last_text_end = None;
        let mut pos = header.content_start;
        let mut end = pos;
        while pos < bytes.len() {
            let (line_end, next) = match linebreak::next_break(bytes, pos) {
                Some((at, len)) => (at, at + len),
                None => (bytes.len(), bytes.len()),
            };
            let line = bytes.get(pos..line_end)?;
            let spaces = line.iter().take_while(|&&b| b == b' ').count();
            if spaces < line.len() {
                let Some(content) = indent.or((spaces > parent).then_some(spaces)) else {
                    break;
                };
                if spaces < content {
                    if line.get(spaces) == Some(&b'\t') {
                        return None;
                    }
                    break;
                }
                indent = Some(content);
                last_text_end = Some(line_end);
            } else if indent.is_some_and(|content| line.len() > content) {
                // Spaces beyond the indentation are content.
                last_text_end = Some(line_end);
            }
            end = next;
            pos = next;
        }
        Some(Body {
            indent,
            last_text_end,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Chomp;
    use crate::edit::EditError;
    use crate::edit::testing::{add, checked, replace};
    use crate::patch::{Change, NewValue, Pointer};

    fn set(text: &str, value: &str) -> Result<String, EditError> {
        checked(text, &replace(&["a"], NewValue::str(value)))
    }

    #[test]
    fn literal_blocks_get_new_lines_under_their_header() {
        assert_eq!(
            set("a: |\n  x\n  y\nb: 1\n", "new\nlines\n").unwrap(),
            "a: |\n  new\n  lines\nb: 1\n"
        );
        // The content's own indentation, empty lines written empty.
        let c = replace(&["spec", "a"], NewValue::str("p: 1\n\n  q: 2\n"));
        assert_eq!(
            checked("spec:\n  a: |\n      x\n  b: 1\n", &c).unwrap(),
            "spec:\n  a: |\n      p: 1\n\n        q: 2\n  b: 1\n"
        );
        // An empty one gets the document's step right of its key.
        assert_eq!(set("a: |\nb: 1\n", "y\n").unwrap(), "a: |\n  y\nb: 1\n");
        // Lines are never removed (the renderer places later findings by added lines): a
        // shorter value is followed by empty lines, which clipping drops.
        assert_eq!(set("a: |\n  x\nb: 1\n", "").unwrap(), "a: |\n\nb: 1\n");
        assert_eq!(
            set("a: |\n  x\n  y\n  z\nb: 1\n", "w\n").unwrap(),
            "a: |\n  w\n\n\nb: 1\n"
        );
    }

    #[test]
    fn crlf_documents_stay_crlf() {
        let text = "spec:\r\n  a: |\r\n    x\r\n\r\n    y\r\n  b: 1\r\n";
        let c = replace(&["spec", "a"], NewValue::str("p: 1\n\nq: 2\n"));
        assert_eq!(
            checked(text, &c).unwrap(),
            "spec:\r\n  a: |\r\n    p: 1\r\n\r\n    q: 2\r\n  b: 1\r\n"
        );
    }

    #[test]
    fn chomping_indicators_are_kept() {
        // Strip: the value has no final line break; blank lines after it stay.
        assert_eq!(
            set("a: |-\n  x\n\n\nb: 1\n", "y\nz").unwrap(),
            "a: |-\n  y\n  z\n\n\nb: 1\n"
        );
        // Keep: every final line break is the value's, so all of them are rewritten.
        assert_eq!(
            set("a: |+\n  x\n\n\nb: 1\n", "y\n\nz\n").unwrap(),
            "a: |+\n  y\n\n  z\nb: 1\n"
        );
        // A kept scalar would keep the empty lines that make up for fewer lines.
        assert!(matches!(
            set("a: |+\n  x\n\n\nb: 1\n", "y\n\n"),
            Err(EditError::Unsupported { .. })
        ));
        assert_eq!(
            set("a: |+\n  x\n# c\nb: 1\n", "y\n\n\n").unwrap(),
            "a: |+\n  y\n\n\n# c\nb: 1\n"
        );
    }

    #[test]
    fn indentation_indicators_and_header_comments_are_kept() {
        // `|2` under a key at column 2: the content sits at column 4, leading spaces allowed.
        let c = replace(&["spec", "a"], NewValue::str(" p\nq\n"));
        assert_eq!(
            checked("spec:\n  a: |2 # keep\n     lead\n    x\n", &c).unwrap(),
            "spec:\n  a: |2 # keep\n     p\n    q\n"
        );
        // Stripped: a final line break does not fit, the value is double-quoted.
        assert_eq!(
            checked("spec:\n  a: |-2\n    x\n", &c).unwrap(),
            "spec:\n  a: \" p\\nq\\n\"\n\n"
        );
        assert_eq!(
            set("a: | # the config\n  x\n", "y\n").unwrap(),
            "a: | # the config\n  y\n"
        );
        assert_eq!(
            set("a: &x !!str |\n  x\n", "y\n").unwrap(),
            "a: &x !!str |\n  y\n"
        );
        let item = Change::Replace {
            path: Pointer::root().index(0).key("a"),
            value: NewValue::str(" y\n"),
        };
        assert_eq!(
            checked("- a: |1\n    x\n", &item).unwrap(),
            "- a: |1\n    y\n"
        );
    }

    #[test]
    fn a_block_scalar_ending_the_text() {
        // Clipped: the new value's line break is written (libyaml reads none without it).
        assert_eq!(set("a: |\n  x", "y\n").unwrap(), "a: |\n  y\n");
        // Stripped: the missing final line break stays missing.
        assert_eq!(set("a: |-\n  x", "y\nz").unwrap(), "a: |-\n  y\n  z");
        assert_eq!(set("a: |+\n  x", "y\n\n").unwrap(), "a: |+\n  y\n\n");
        assert_eq!(set("a: |", "y\n").unwrap(), "a: |\n  y\n");
        assert_eq!(set("a: |-", "y").unwrap(), "a: |-\n  y");
        assert_eq!(set("a: |-\n", "y").unwrap(), "a: |-\n  y\n");
        assert_eq!(set("a: |\n  x\n\n", "y\n").unwrap(), "a: |\n  y\n\n");
    }

    #[test]
    fn block_scalars_followed_by_keys_and_comments() {
        assert_eq!(
            set("a: |\n  x\n# c\nb: 1\n", "y\n").unwrap(),
            "a: |\n  y\n# c\nb: 1\n"
        );
        // A `#` line indented like the content is content.
        assert_eq!(
            set("a: |\n  x\n  # in\n\n # out\nb: 1\n", "y\n").unwrap(),
            "a: |\n  y\n\n\n # out\nb: 1\n"
        );
        // White space beyond the indentation is content too.
        assert_eq!(
            set("a: |\n  x\n    \nb: 1\n", "y\n").unwrap(),
            "a: |\n  y\n\nb: 1\n"
        );
        assert_eq!(set("a: |\n  x\n...\n", "y\n").unwrap(), "a: |\n  y\n...\n");
    }

    #[test]
    fn values_a_literal_header_cannot_hold_become_double_quoted() {
        // Clipped but no final line break; a first line starting with a space; a CR.
        assert_eq!(
            set("a: | # c\n  x\n  y\nb: 1\n", "no newline").unwrap(),
            "a: \"no newline\" # c\n\n\nb: 1\n"
        );
        assert_eq!(
            set("a: |\n  x\n", " lead\n").unwrap(),
            "a: \" lead\\n\"\n\n"
        );
        assert_eq!(set("a: |-\n  x", "a\rb").unwrap(), "a: \"a\\rb\"\n");
        assert_eq!(
            set("a: |\n  x\n", "x\u{85}y\n").unwrap(),
            "a: \"x\\u0085y\\n\"\n\n"
        );
        assert_eq!(
            set("a: |+\n  x\n\n", "tab\tat\n\u{7}").unwrap(),
            "a: \"tab\\tat\\n\\u0007\"\n\n\n"
        );
        assert_eq!(
            set("a: &k !!str |\n  x\n", "").unwrap(),
            "a: &k !!str |\n\n"
        );
        assert_eq!(
            set("a: &k !!str |\n  x\n", "y").unwrap(),
            "a: &k !!str \"y\"\n\n"
        );
    }

    #[test]
    fn replacing_a_block_scalar_never_removes_lines() {
        // The renderer places later documents' findings by the lines edits add.
        for text in [
            "a: |\n  x\n  y\n  z\nb: 1\n",
            "a: |-\n  x\n  y\n\n\n# c\n",
            "a: |\r\n  x\r\n  y\r\n",
            "a: >\n  x\n  y\n",
            "a: |2\n    x\n    y",
            "a: |\n\n\n      \nb: 1\n",
        ] {
            for value in [
                NewValue::str(""),
                NewValue::str("w"),
                NewValue::str("w\n"),
                NewValue::Int(45),
                NewValue::Bool(false),
            ] {
                if let Ok(out) = checked(text, &replace(&["a"], value.clone())) {
                    assert!(
                        crate::linebreak::count(out.as_bytes())
                            >= crate::linebreak::count(text.as_bytes()),
                        "{text:?} {value:?} -> {out:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn block_scalars_in_documents_mixing_cr_and_lf_keep_their_lines() {
        // Found by the editor fuzz target (fuzz/findings/editor/
        // block-scalar-mixed-breaks-replace-removes-line): the CR ending an emptied line met
        // the LF after it and made one CR-LF break. That last break is written as CR-LF now.
        let c = replace(&["n"], NewValue::Bool(false));
        assert_eq!(checked("n: |\r t\n", &c).unwrap(), "n: false\r\n\n");
        assert_eq!(set("a: |1\r  \n\n", "10s").unwrap(), "a: \"10s\"\r\n\n\n");
        // A value the block holds, fewer lines than it had: the emptied line ends in LF.
        assert_eq!(
            set("a: |\r  x\r  y\nb: 1\n", "z\n").unwrap(),
            "a: |\r  z\r\n\nb: 1\n"
        );
        assert_eq!(
            set("a: |\r  x\rb: 1\r", "y\n").unwrap(),
            "a: |\r  y\rb: 1\r"
        );
        assert_eq!(
            set("a: |\r\n  x\r\n  z\r\nb: 1\n", "10s").unwrap(),
            "a: \"10s\"\r\n\r\n\r\nb: 1\n"
        );
    }

    #[test]
    fn replacing_a_block_scalar_never_removes_lines_whatever_its_breaks() {
        // Every mix of LF, CR and CR-LF after the header and the content lines.
        let breaks = ["\n", "\r", "\r\n"];
        let values = [
            NewValue::str(""),
            NewValue::str("w"),
            NewValue::str("w\n"),
            NewValue::str("v\nw\n"),
            NewValue::str("u\nv\nw\n"),
            NewValue::Int(45),
            NewValue::Bool(false),
        ];
        for header in ["|", "|-", "|+", ">"] {
            for h in breaks {
                for x in breaks {
                    for y in breaks {
                        for tail in ["", "b: 1", "\n"] {
                            let text = format!("a: {header}{h}  x{x}  y{y}{tail}");
                            for value in &values {
                                let change = replace(&["a"], value.clone());
                                if let Ok(out) = checked(&text, &change) {
                                    assert!(
                                        crate::linebreak::count(out.as_bytes())
                                            >= crate::linebreak::count(text.as_bytes()),
                                        "{text:?} {value:?} -> {out:?}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn folded_blocks_take_one_line_only() {
        assert_eq!(
            set("a: >\n  x\n  y\nb: 1\n", "z w\n").unwrap(),
            "a: >\n  z w\n\nb: 1\n"
        );
        assert_eq!(set("a: >-\n  x\n", "z").unwrap(), "a: >-\n  z\n");
        assert_eq!(set("a: >+\n  x\n", "z\n\n").unwrap(), "a: >+\n  z\n\n");
        for value in ["two\nlines\n", "no newline", " lead\n"] {
            assert!(
                matches!(
                    set("a: >\n  x\n", value),
                    Err(EditError::Unsupported { .. })
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn integers_and_booleans_replace_block_scalars_plain() {
        let c = replace(&["a"], NewValue::Int(45));
        assert_eq!(
            checked("a: !!str | # c\n  x\n  y\nb: 1\n", &c).unwrap(),
            "a: 45 # c\n\n\nb: 1\n"
        );
        let c = replace(&["a"], NewValue::Bool(true));
        assert_eq!(checked("a: &x >\n  x\n", &c).unwrap(), "a: &x true\n\n");
    }

    #[test]
    fn refuses_block_scalars_it_cannot_place() {
        let item = Change::Replace {
            path: Pointer::root().index(0),
            value: NewValue::str("y\n"),
        };
        assert!(matches!(
            checked("- |\n  x\n", &item),
            Err(EditError::Unsupported { .. })
        ));
        assert!(matches!(
            set("a: &x\n  |\n  x\n", "y\n"),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn multi_line_strings_are_added_as_literal_blocks() {
        let text =
            "metadata:\n  name: p\n  annotations:\n        sidecar.istio.io/inject: \"true\"\n";
        let config = "terminationDrainDuration: 25s\ndrainDuration: 30s\n";
        let c = add(
            &["metadata", "annotations", "proxy.istio.io/config"],
            NewValue::str(config),
        );
        assert_eq!(
            checked(text, &c).unwrap(),
            "metadata:\n  name: p\n  annotations:\n        sidecar.istio.io/inject: \"true\"\n        proxy.istio.io/config: |\n          terminationDrainDuration: 25s\n          drainDuration: 30s\n"
        );
        // `|-` without a final line break, `|+` with more than one; CRLF; a four-space step.
        let c = |v: &str| add(&["spec", "c"], NewValue::str(v));
        assert_eq!(
            checked("spec:\n    a: 1\n", &c("x\ny")).unwrap(),
            "spec:\n    a: 1\n    c: |-\n        x\n        y\n"
        );
        assert_eq!(
            checked("spec:\r\n  a: 1\r\n", &c("x\n\n\ny\n\n")).unwrap(),
            "spec:\r\n  a: 1\r\n  c: |+\r\n    x\r\n\r\n\r\n    y\r\n\r\n"
        );
        // Nested in a new mapping.
        let nested = add(
            &["spec", "m"],
            NewValue::Map(vec![("cfg".into(), NewValue::str("a: 1\n"))]),
        );
        assert_eq!(
            checked("spec:\n  a: 1\nz: 2\n", &nested).unwrap(),
            "spec:\n  a: 1\n  m:\n    cfg: |\n      a: 1\nz: 2\n"
        );
    }

    #[test]
    fn multi_line_strings_in_flow_mappings_are_double_quoted() {
        let c = add(&["spec", "c"], NewValue::str("x\ny\n"));
        assert_eq!(
            checked("spec: {a: 1}\n", &c).unwrap(),
            "spec: {a: 1, c: \"x\\ny\\n\"}\n"
        );
    }

    #[test]
    fn multi_line_strings_as_sequence_items() {
        let c = Change::Add {
            path: Pointer::root().key("l").append(),
            value: NewValue::str("x\ny\n"),
        };
        assert_eq!(
            checked("l:\n- a\nz: 1\n", &c).unwrap(),
            "l:\n- a\n- |\n  x\n  y\nz: 1\n"
        );
        assert_eq!(
            checked("l:\n  -   a: 1\n", &c).unwrap(),
            "l:\n  -   a: 1\n  -   |\n      x\n      y\n"
        );
        let c = Change::Add {
            path: Pointer::root().key("l").append(),
            value: NewValue::Map(vec![
                ("name".into(), NewValue::str("x")),
                ("config".into(), NewValue::str("a: 1\nb: 2")),
            ]),
        };
        assert_eq!(
            checked("l:\n- name: a\n", &c).unwrap(),
            "l:\n- name: a\n- name: x\n  config: |-\n    a: 1\n    b: 2\n"
        );
        let c = Change::Add {
            path: Pointer::root().key("l").append(),
            value: NewValue::str("x\ny\n"),
        };
        assert_eq!(checked("l: [a]\n", &c).unwrap(), "l: [a, \"x\\ny\\n\"]\n");
    }

    #[test]
    fn strings_a_new_literal_cannot_hold_stay_double_quoted() {
        let c = |v: &str| add(&["spec", "c"], NewValue::str(v));
        for (value, written) in [
            ("trailing \nspace\n", "\"trailing \\nspace\\n\""),
            (" lead\nx\n", "\" lead\\nx\\n\""),
            ("\n\n", "\"\\n\\n\""),
            ("\n", "\"\\n\""),
            ("tab\tin\n", "\"tab\\tin\\n\""),
            ("cr\r\nlf\n", "\"cr\\r\\nlf\\n\""),
            ("bell\u{7}\n", "\"bell\\u0007\\n\""),
            ("one line", "one line"),
        ] {
            let written = if written.starts_with('"') {
                written.to_owned()
            } else {
                format!("\"{written}\"")
            };
            assert_eq!(
                checked("spec:\n  a: 1\n", &c(value)).unwrap(),
                format!("spec:\n  a: 1\n  c: {written}\n"),
                "{value:?}"
            );
        }
        // At the end of a text without a final line break only `|-` keeps the value.
        assert_eq!(
            checked("spec:\n  a: 1", &c("x\ny\n")).unwrap(),
            "spec:\n  a: 1\n  c: \"x\\ny\\n\""
        );
        assert_eq!(
            checked("spec:\n  a: 1", &c("x\ny")).unwrap(),
            "spec:\n  a: 1\n  c: |-\n    x\n    y"
        );
    }

    #[test]
    fn new_literals_never_take_in_the_lines_after_them() {
        // Found by the editor fuzz target: a blank line with more spaces than the new
        // content's indentation became part of the value.
        let c = |v: &str| add(&["spec", "c"], NewValue::str(v));
        let quoted = |text: &str, v: &str| {
            let out = checked(text, &c(v)).unwrap();
            assert!(out.contains("  c: \""), "{text:?} -> {out:?}");
        };
        quoted("spec:\n  a: 1\n        \nb: 2\n", "x\n");
        // A comment indented like the content, a tab in an indentation, any blank line
        // after a kept scalar.
        quoted("spec:\n  a: 1\n      # deep\nb: 2\n", "x\n");
        let text = "a: 1\n  \n\t# c\n";
        let tree = crate::document::Tree::parse(text).unwrap();
        let after = crate::edit::Editor::new(&tree, text).following(5);
        assert_eq!(
            (after.blank, after.refuse, after.tab),
            (Some(2), true, Some(0))
        );
        assert!(!super::ends_before(after, 4, Chomp::Clip));
        quoted("spec:\n  a: 1\n\nb: 2\n", "x\n\n");
        // Blank lines are fine before a less indented line for `|` and `|-`.
        assert_eq!(
            checked("spec:\n  a: 1\n    \n  # c\nb: 2\n", &c("x\n")).unwrap(),
            "spec:\n  a: 1\n  c: |\n    x\n    \n  # c\nb: 2\n"
        );
        // A null whose line goes on after it is left to the one-token form.
        let c = replace(&["spec", "cfg"], NewValue::str("a: 1\n"));
        assert_eq!(
            checked("spec:\n  cfg: ~\n      \nz: 1\n", &c).unwrap(),
            "spec:\n  cfg: \"a: 1\\n\"\n      \nz: 1\n"
        );
        let m = replace(
            &["spec"],
            NewValue::Map(vec![("cfg".into(), NewValue::str("a\n"))]),
        );
        assert_eq!(
            checked("spec:\n  ~ # c\n", &m).unwrap(),
            "spec:\n  cfg: \"a\\n\" # c\n"
        );
        // Found by the editor fuzz target: spaces ending the text without a line break are
        // read into a block scalar before them by saphyr, not by libyaml.
        let l = add(&["l"], NewValue::Seq(vec![NewValue::str("a\n  b\n")]));
        assert_eq!(
            checked("? 0\r  ", &l).unwrap(),
            "? 0\rl:\r- \"a\\n  b\\n\"\r  "
        );
        assert_eq!(set("a: |\n  x\n  ", "y\nz\n").unwrap(), "a: |\n  y\n  z\n");
        assert_eq!(set("a: |-\n  x\n  ", "y").unwrap(), "a: |-\n  y\n");
        // Found by the editor fuzz target: spaces after the null joined the last line.
        assert_eq!(
            checked("spec:\n  ~   \nz:\n", &m).unwrap(),
            "spec:\n  cfg: \"a\\n\"   \nz:\n"
        );
        assert_eq!(
            checked("spec:\n  ~\nz:\n", &m).unwrap(),
            "spec:\n  cfg: |\n    a\nz:\n"
        );
    }

    #[test]
    fn lines_go_after_a_block_scalars_lines_of_spaces() {
        // Found by the editor fuzz target: saphyr's span of a block scalar ends before lines
        // of spaces deeper than its indentation, which are content; the new key went between.
        let z = add(&["z"], NewValue::str("10s"));
        assert_eq!(
            checked("a: |\n  x\n    \n", &z).unwrap(),
            "a: |\n  x\n    \nz: 10s\n"
        );
        assert_eq!(
            checked("a: |-\n  x\n    \n   \n\nb: 1\n", &z).unwrap(),
            "a: |-\n  x\n    \n   \n\nb: 1\nz: 10s\n"
        );
        let sub = add(&["s", "z"], NewValue::str("10s"));
        assert_eq!(
            checked("s:\n  a: |+\n    x\n      \n\n# c\nb: 1\n", &sub).unwrap(),
            "s:\n  a: |+\n    x\n      \n\n  z: 10s\n# c\nb: 1\n"
        );
        assert_eq!(
            checked("s:\n  a: |2\n     \n\nb: 1\n", &sub).unwrap(),
            "s:\n  a: |2\n     \n  z: 10s\n\nb: 1\n"
        );
        assert_eq!(
            checked("s:\n  a: >\n    x\n       \nb: 1\n", &sub).unwrap(),
            "s:\n  a: >\n    x\n       \n  z: 10s\nb: 1\n"
        );
        // Ending the text without a line break: refused, as for any block scalar there.
        assert!(matches!(
            checked("a: |2\n  x\n   ", &z),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn quoted_and_flow_values_never_go_before_lines_indented_with_a_tab() {
        // Found by the editor fuzz target: libyaml refuses `a: []` / ` \t` (only a plain
        // scalar takes such a line in), saphyr reads it.
        let text = "b: 1\n \t\n";
        for value in [
            NewValue::Seq(vec![]),
            NewValue::str("on"),
            NewValue::str("x\n"),
        ] {
            assert!(
                matches!(
                    checked(text, &add(&["a"], value.clone())),
                    Err(EditError::Unsupported { .. })
                ),
                "{value:?}"
            );
            assert!(
                matches!(
                    checked(text, &replace(&["b"], value.clone())),
                    Err(EditError::Unsupported { .. })
                ),
                "{value:?}"
            );
        }
        assert!(matches!(
            checked("b:\n \t\n", &replace(&["b"], NewValue::str("on"))),
            Err(EditError::Unsupported { .. })
        ));
        // Found by the editor fuzz target: after a plain scalar too, when the tab is left
        // of the line's content.
        let nested = add(
            &["a"],
            NewValue::Map(vec![("s".into(), NewValue::Bool(false))]),
        );
        assert!(matches!(
            checked(text, &nested),
            Err(EditError::Unsupported { .. })
        ));
        assert_eq!(
            checked("b: 0\n    \t\n", &nested).unwrap(),
            "b: 0\na:\n  s: false\n    \t\n"
        );
        use super::super::editor::tab_breaks;
        assert!(tab_breaks(Some(4), "-   a: 1"));
        assert!(!tab_breaks(Some(5), "-   a: 1"));
        assert!(tab_breaks(Some(9), "  - a: \"x\""));
        assert!(!tab_breaks(None, "a: []"));
        // Plain values are fine.
        assert_eq!(
            checked(text, &add(&["a"], NewValue::str("10s"))).unwrap(),
            "b: 1\na: 10s\n \t\n"
        );
        assert_eq!(
            checked(text, &replace(&["b"], NewValue::Int(2))).unwrap(),
            "b: 2\n \t\n"
        );
    }

    #[test]
    fn an_empty_block_scalars_blank_lines_are_rewritten() {
        assert_eq!(
            set("a: |\n      \nb: 1\n", "y\n").unwrap(),
            "a: |\n  y\nb: 1\n"
        );
        assert_eq!(set("a: |-\n\n", "y").unwrap(), "a: |-\n  y\n");
    }

    #[test]
    fn nulls_get_literal_blocks() {
        let c = |v: &str| replace(&["spec", "cfg"], NewValue::str(v));
        assert_eq!(
            checked("spec:\n  cfg:\n  b: 1\n", &c("a: 1\nb: 2\n")).unwrap(),
            "spec:\n  cfg: |\n    a: 1\n    b: 2\n  b: 1\n"
        );
        assert_eq!(
            checked("spec:\n  cfg: ~ # c\n", &c("a: 1\n")).unwrap(),
            "spec:\n  cfg: | # c\n    a: 1\n"
        );
        assert_eq!(
            checked("spec:\n  cfg:\t~\n", &c("a: 1\n")).unwrap(),
            "spec:\n  cfg: |\n    a: 1\n"
        );
        assert_eq!(
            checked("spec:\n  cfg: null", &c("a\nb")).unwrap(),
            "spec:\n  cfg: |-\n    a\n    b"
        );
        assert_eq!(
            checked("spec:\n  cfg: null", &c("a\nb\n")).unwrap(),
            "spec:\n  cfg: \"a\\nb\\n\""
        );
        assert_eq!(
            checked("spec: {cfg: ~}\n", &c("a\nb\n")).unwrap(),
            "spec: {cfg: \"a\\nb\\n\"}\n"
        );
    }
}
