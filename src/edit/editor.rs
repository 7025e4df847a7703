//! The editor for one document, and the line and colon lookups its edits share.

use saphyr_parser::ScalarStyle;

use crate::document::{Node, NodeId, NodeKind, Tree};
use crate::linebreak;
use crate::patch::{Pointer, dotted};

use super::error::EditError;
use super::layout::{Layout, line_start};
use super::splice::Splice;

/// How inserted lines end: the document's line break, whether they go at the end of a text
/// without a final line break (their last line then gets none, so a block scalar written
/// there must not need one), and what follows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Breaks {
    pub(super) nl: &'static str,
    pub(super) at_eof: bool,
    pub(super) after: After,
}

/// The document's lines after inserted ones, up to the first holding text: a block scalar
/// written last would take in blank lines (kept) and lines indented as far as its content.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct After {
    /// The most spaces on one of the blank lines; none without blank lines.
    pub(super) blank: Option<usize>,
    /// The indentation of the first line holding text; none at the end of the text.
    pub(super) next: Option<usize>,
    /// No block scalar may end here: a tab in those lines' indentation (an error to libyaml
    /// after a block scalar), spaces ending the text without a line break, or text after the
    /// insertion on its own line.
    pub(super) refuse: bool,
    /// The column of a tab in those lines' indentation: see [`tab_breaks`].
    pub(super) tab: Option<usize>,
}

/// Whether libyaml refuses a line written as `last_line` followed by lines with a tab at
/// column `tab` of their indentation: always after a quoted scalar or a flow collection (only
/// a plain scalar takes such lines in), and after a plain one when the tab is not right of the
/// line's innermost block collection (its content's column, past any `- `; saphyr reads all
/// of them).
pub(super) fn tab_breaks(tab: Option<usize>, last_line: &str) -> bool {
    let Some(col) = tab else {
        return false;
    };
    let mut rest = last_line.trim_start_matches(' ');
    while let Some(after_dash) = rest
        .strip_prefix('-')
        .filter(|r| r.is_empty() || r.starts_with(' '))
    {
        rest = after_dash.trim_start_matches(' ');
    }
    let indent = last_line.len() - rest.len();
    let unplain = last_line.trim_end().ends_with(['"', '\'', ']', '}']);
    unplain || col <= indent
}

/// The editor for one document.
pub struct Editor<'a> {
    pub tree: &'a Tree,
    pub text: &'a str,
    pub layout: Layout,
}

impl<'a> Editor<'a> {
    pub fn new(tree: &'a Tree, text: &'a str) -> Editor<'a> {
        Editor {
            tree,
            text,
            layout: Layout::learn(tree, text),
        }
    }

    pub(super) fn node(&self, id: NodeId) -> Result<&'a Node, EditError> {
        self.tree.node(id).ok_or_else(|| EditError::Missing {
            path: format!("node {id}"),
        })
    }

    /// The position after the line break that ends the line holding `pos`, and that break.
    /// At the end of a text without a final line break: the end, and the document's break.
    pub(super) fn after_line(&self, pos: usize) -> (usize, &'static str, bool) {
        let bytes = self.text.as_bytes();
        match linebreak::next_break(bytes, pos) {
            Some((at, len)) => (at + len, linebreak::text_of(bytes, at, len), false),
            None => (self.text.len(), self.default_newline(), true),
        }
    }

    fn default_newline(&self) -> &'static str {
        linebreak::first(self.text.as_bytes())
    }

    /// Inserts the lines `render` writes (whole lines, each ending in the given break) after
    /// the line holding `pos`.
    pub(super) fn insert_lines_after(
        &self,
        pos: usize,
        path: &Pointer,
        render: impl Fn(Breaks) -> String,
    ) -> Result<Splice, EditError> {
        let (at, nl, at_eof) = self.after_line(self.past_block_scalar(pos));
        if at_eof && let Some(scalar) = self.block_scalar_ending_text() {
            // Its last line would get the line break it lacks: `|` and `|+` values change.
            return Err(EditError::Unsupported {
                path: dotted(path),
                what: "followed only by a block scalar that ends the text without a final line break",
                at: scalar,
            });
        }
        let after = self.following(at);
        let body = render(Breaks { nl, at_eof, after });
        let last_line = body
            .trim_end_matches(['\n', '\r'])
            .rsplit(['\n', '\r'])
            .next()
            .unwrap_or("");
        if tab_breaks(after.tab, last_line) {
            return Err(self.tab_after(path, at));
        }
        let text = if at_eof {
            // Keep the text's missing final line break missing.
            format!("{nl}{}", body.strip_suffix(nl).unwrap_or(&body))
        } else {
            body
        };
        Ok(Splice {
            range: at..at,
            text,
        })
    }

    /// `pos`, or where the last line of a block scalar whose span ends at `pos` ends. saphyr's
    /// span of one stops at its last character that is not white space (kept empty lines
    /// aside), but lines after it that hold only spaces beyond its indentation are content
    /// too: its value says how many line breaks follow its last text.
    fn past_block_scalar(&self, pos: usize) -> usize {
        let Some(value) = self.tree.nodes.iter().find_map(|n| match &n.kind {
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Literal | ScalarStyle::Folded,
            } if n.end == pos => Some(value),
            _ => None,
        }) else {
            return pos;
        };
        let text = value.trim_end_matches([' ', '\t', '\n']).len();
        let breaks = value.get(text..).unwrap_or("").matches('\n').count();
        let ends_in_break = value.ends_with('\n');
        // Lines after the last one with text (or after the header, for a value without text).
        let lines = if text == 0 {
            breaks + usize::from(!ends_in_break && !value.is_empty())
        } else {
            breaks - usize::from(ends_in_break)
        };
        if lines == 0 {
            return pos;
        }
        let bytes = self.text.as_bytes();
        let mut end = pos;
        while end > 0 && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            end -= 1;
        }
        for _ in 0..lines {
            match linebreak::next_break(bytes, end) {
                Some((at, len)) => end = at + len,
                None => return bytes.len(),
            }
        }
        linebreak::next_break(bytes, end).map_or(bytes.len(), |(at, _)| at)
    }

    /// The refusal of a quoted or flow value before lines with a tab in their indentation.
    pub(super) fn tab_after(&self, path: &Pointer, at: usize) -> EditError {
        EditError::Unsupported {
            path: dotted(path),
            what: "followed by a line with a tab in its indentation, which libyaml refuses after the quoted or flow value meshdrain would write",
            at,
        }
    }

    /// Whether libyaml refuses the text after `written` replaces `range` ([`tab_breaks`]).
    pub(super) fn written_before_tab(&self, range: &std::ops::Range<usize>, written: &str) -> bool {
        let tab = self.following(self.after_line(range.end).0).tab;
        let start = line_start(self.text, range.start);
        let line = format!(
            "{}{written}",
            self.text.get(start..range.start).unwrap_or("")
        );
        tab_breaks(tab, &line)
    }

    /// The lines from `at` (a line's start) to the first one holding text.
    pub(super) fn following(&self, at: usize) -> After {
        let bytes = self.text.as_bytes();
        let mut after = After::default();
        let mut pos = at;
        while pos < bytes.len() {
            let (line_end, next) = linebreak::next_break(bytes, pos)
                .map_or((bytes.len(), bytes.len()), |(b, len)| (b, b + len));
            let line = bytes.get(pos..line_end).unwrap_or_default();
            let spaces = line.iter().take_while(|&&b| b == b' ').count();
            match line.get(spaces) {
                // Spaces ending the text without a line break: saphyr reads them into a
                // block scalar before them, libyaml does not.
                None if line_end == bytes.len() => {
                    after.refuse = true;
                    break;
                }
                None => after.blank = after.blank.max(Some(spaces)),
                Some(b'\t') => {
                    after.refuse = true;
                    after.tab = Some(spaces);
                    break;
                }
                Some(_) => {
                    after.next = Some(spaces);
                    break;
                }
            }
            pos = next;
        }
        after
    }

    /// The start of a block scalar whose content runs to the end of the text, if any.
    fn block_scalar_ending_text(&self) -> Option<usize> {
        self.tree.nodes.iter().find_map(|n| {
            let block = matches!(
                n.kind,
                NodeKind::Scalar {
                    style: ScalarStyle::Literal | ScalarStyle::Folded,
                    ..
                }
            );
            let rest = self.text.get(n.end..).unwrap_or("");
            (block && rest.trim().is_empty()).then_some(n.start)
        })
    }

    /// The byte offset of the `:` after a mapping key.
    pub(super) fn colon_after(&self, key: &Node) -> Option<usize> {
        let rest = self.text.get(key.end..)?;
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        (rest.as_bytes().get(skipped) == Some(&b':')).then_some(key.end + skipped)
    }
}
