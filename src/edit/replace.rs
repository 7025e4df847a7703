//! Replacing a value: giving a null a value, or a scalar or collection a new scalar.

use saphyr_parser::ScalarStyle;

use crate::document::{Node, NodeId, NodeKind, Style};
use crate::patch::{NewValue, Pointer, dotted};

use super::block_scalar::{new_literal, write_lines};
use super::editor::{After, Breaks, Editor};
use super::error::EditError;
use super::flow::{JsonStyle, flow, json};
use super::layout::column;
use super::scalar;
use super::splice::Splice;

impl<'a> Editor<'a> {
    /// A tab between a key's `:` and a value on the same line, as one space. saphyr refuses
    /// `key:<TAB>10s` (its value indicator wants a space there), so a value meshdrain writes
    /// after such a separator would make the text unreadable to it.
    pub(super) fn tab_separator(&self, key: NodeId) -> Option<Splice> {
        let colon = self.colon_after(self.tree.node(key)?)?;
        let rest = self.text.get(colon + 1..)?;
        let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let sep = rest.get(..width)?;
        let value_follows = !matches!(
            rest.as_bytes().get(width),
            None | Some(b'\n' | b'\r' | b'#')
        );
        (sep.contains('\t') && value_follows).then(|| Splice {
            range: colon + 1..colon + 1 + width,
            text: " ".to_owned(),
        })
    }

    /// The style of the JSON-style flow mapping (`{"a": 1}`) a value sits in, if it does: a
    /// value written there is JSON too, as the Add path writes a new entry.
    fn json_parent(&self, key: Option<(NodeId, NodeId)>) -> Option<JsonStyle> {
        let (map_id, _) = key?;
        match &self.tree.node(map_id)?.kind {
            NodeKind::Mapping {
                style: Style::Flow { .. },
                entries,
            } => self.json_style(entries),
            _ => None,
        }
    }

    /// Gives a null value (`key:`, `key: ~`, `key: null`) a value.
    pub(super) fn set_null(
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
        let (map_id, key_id) = key.ok_or_else(|| unsupported("a null sequence item"))?;
        let map = self.node(map_id)?;
        let key_node = self.node(key_id)?;
        if node.tagged || node.anchor != 0 {
            return Err(unsupported("a tagged or anchored null"));
        }
        let colon = self
            .colon_after(key_node)
            .ok_or_else(|| unsupported("a mapping entry without a visible ':'"))?;
        let token = (!node.is_empty_null()).then_some(node.start..node.end);
        let block_collection = match value {
            NewValue::Map(e) => !e.is_empty(),
            NewValue::Seq(i) => !i.is_empty(),
            NewValue::Str(_) | NewValue::Int(_) | NewValue::Bool(_) => false,
        };
        let block_map = matches!(
            map.kind,
            NodeKind::Mapping {
                style: Style::Block,
                ..
            }
        );
        if block_map
            && let NewValue::Str(s) = value
            && let Some(splices) = self.null_to_literal(colon, token.clone(), key_id, s, path)?
        {
            return Ok(splices);
        }
        if !block_map || !block_collection {
            // One token after the colon: a scalar, `{}`/`[]`, or anything inside a flow mapping
            // (as JSON inside a JSON one).
            let text = match self.json_parent(key) {
                Some(style) => json(value, &style.colon, &style.comma),
                None => scalar::write_value(value).unwrap_or_else(|| flow(value)),
            };
            let (range, written) = match &token {
                Some(range) => (range.clone(), text.clone()),
                None => (colon + 1..colon + 1, format!(" {text}")),
            };
            if self.written_before_tab(&range, &written) {
                return Err(self.tab_after(path, range.end));
            }
            return Ok(match token {
                Some(range) => {
                    let mut splices: Vec<Splice> = self.tab_separator(key_id).into_iter().collect();
                    splices.push(Splice { range, text });
                    splices
                }
                None => vec![Splice {
                    range: colon + 1..colon + 1,
                    text: format!(" {text}"),
                }],
            });
        }
        let key_col = column(self.text, key_node.start);
        let render = |b: Breaks| {
            let mut out = String::new();
            self.block_value(&mut out, value, key_col, b);
            out
        };
        match token {
            None => Ok(vec![self.insert_lines_after(colon, path, render)?]),
            Some(range) => {
                let (line_end, _, _) = self.after_line(colon);
                if range.end < line_end {
                    // `key: null  # c`: drop ` null`, add the lines below the key's line.
                    Ok(vec![
                        Splice {
                            range: colon + 1..range.end,
                            text: String::new(),
                        },
                        self.insert_lines_after(range.end, path, render)?,
                    ])
                } else {
                    let (_, nl, _) = self.after_line(colon);
                    let (next_line, _, at_eof) = self.after_line(range.end);
                    // The rest of the null's line (white space too) ends the last new line.
                    let rest = self.text.get(range.end..next_line).unwrap_or("");
                    let after = if rest.trim_end_matches(['\n', '\r']).is_empty() {
                        self.following(next_line)
                    } else {
                        After {
                            refuse: true,
                            ..After::default()
                        }
                    };
                    let body = render(Breaks { nl, at_eof, after });
                    let body = body.strip_suffix(nl).unwrap_or(&body);
                    Ok(vec![Splice {
                        range: colon + 1..range.end,
                        text: format!("{nl}{body}"),
                    }])
                }
            }
        }
    }

    /// A multi-line string for the null value of a block mapping's key, as a literal block
    /// (`key: |`, the header where the null was, the lines below the key's line). `None` when
    /// the string is no literal block or the null is not on the key's line.
    fn null_to_literal(
        &self,
        colon: usize,
        token: Option<std::ops::Range<usize>>,
        key_id: NodeId,
        value: &str,
        path: &Pointer,
    ) -> Result<Option<Vec<Splice>>, EditError> {
        let (line_end, _, _) = self.after_line(colon);
        if token.as_ref().is_some_and(|t| t.start >= line_end) {
            return Ok(None);
        }
        let last = token.as_ref().map_or(colon, |t| t.end);
        let content_col = column(self.text, self.node(key_id)?.start) + self.layout.step;
        let (next_line, nl, at_eof) = self.after_line(last);
        let breaks = Breaks {
            nl,
            at_eof,
            after: self.following(next_line),
        };
        let Some(literal) = new_literal(value, content_col, breaks) else {
            return Ok(None);
        };
        let header = format!("|{}", literal.chomp.indicator());
        let mut splices: Vec<Splice> = Vec::new();
        match token {
            Some(range) => {
                splices.extend(self.tab_separator(key_id));
                splices.push(Splice {
                    range,
                    text: header,
                });
            }
            None => splices.push(Splice {
                range: colon + 1..colon + 1,
                text: format!(" {header}"),
            }),
        }
        splices.push(self.insert_lines_after(last, path, |b| {
            let mut out = String::new();
            write_lines(&mut out, &literal.lines, content_col, b.nl);
            out
        })?);
        Ok(Some(splices))
    }

    /// Replaces an existing value by a scalar (a string, integer or boolean), keeping a
    /// string's quoting style; an integer or boolean is written plain, without a tag. In a
    /// JSON-style flow mapping a string that replaces anything but a quoted scalar is
    /// double-quoted (JSON stays JSON).
    pub(super) fn replace_with_scalar(
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
        let plain =
            scalar::write_value(value).ok_or_else(|| unsupported("a collection to write"))?;
        let plain = match value {
            NewValue::Str(s) if self.json_parent(key).is_some() => scalar::double_quoted(s),
            _ => plain,
        };
        let splices = self.replace_with_scalar_text(node, key, value, path, plain)?;
        if let Some(last) = splices.iter().max_by_key(|s| s.range.end)
            && self.written_before_tab(&last.range, &last.text)
        {
            return Err(self.tab_after(path, last.range.end));
        }
        Ok(splices)
    }

    fn replace_with_scalar_text(
        &self,
        node: &Node,
        key: Option<(NodeId, NodeId)>,
        value: &NewValue,
        path: &Pointer,
        plain: String,
    ) -> Result<Vec<Splice>, EditError> {
        let unsupported = |what| EditError::Unsupported {
            path: dotted(path),
            what,
            at: node.start,
        };
        match &node.kind {
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => self.replace_block_scalar(node, key, value, path),
            NodeKind::Scalar { style, .. } => {
                let (text, keep_tag) = match (value, style) {
                    (NewValue::Str(s), ScalarStyle::SingleQuoted) => {
                        (scalar::single_quoted(s), !node.foreign_tag)
                    }
                    (NewValue::Str(s), ScalarStyle::DoubleQuoted) => {
                        (scalar::double_quoted(s), !node.foreign_tag)
                    }
                    (NewValue::Str(_), _) => (plain, !node.foreign_tag),
                    // The type changes: no quotes and no tag, not even `!!str`.
                    _ => (plain, false),
                };
                // A tag such as `!!int` or `!!binary` would re-type the new string (or make it
                // invalid): it goes with the old value. `!!str` and anchors stay.
                let start = self.scalar_token_start(node, keep_tag);
                let mut splices: Vec<Splice> = key
                    .and_then(|(_, k)| self.tab_separator(k))
                    .into_iter()
                    .collect();
                splices.push(Splice {
                    range: start..node.end,
                    text,
                });
                Ok(splices)
            }
            NodeKind::Mapping {
                style: Style::Flow { .. },
                ..
            }
            | NodeKind::Sequence {
                style: Style::Flow { .. },
                ..
            } => {
                if node.anchor != 0 || node.tagged {
                    return Err(unsupported("a tagged or anchored collection"));
                }
                Ok(vec![Splice {
                    range: node.start..node.end,
                    text: plain,
                }])
            }
            NodeKind::Mapping {
                style: Style::Block,
                ..
            }
            | NodeKind::Sequence {
                style: Style::Block,
                ..
            } => {
                let (_, key_id) =
                    key.ok_or_else(|| unsupported("a collection that is not a mapping value"))?;
                let colon = self
                    .colon_after(self.node(key_id)?)
                    .ok_or_else(|| unsupported("a mapping entry without a visible ':'"))?;
                Ok(vec![Splice {
                    range: colon + 1..node.end,
                    text: format!(" {plain}"),
                }])
            }
            _ => Err(unsupported("this kind of node")),
        }
    }

    /// Skips an anchor (`&a`) and, with `keep_tag`, a tag (`!!str`) in front of a scalar, which
    /// are kept. Without `keep_tag` the result is the tag's start.
    pub(super) fn scalar_token_start(&self, node: &Node, keep_tag: bool) -> usize {
        let mut pos = node.start;
        let bytes = self.text.as_bytes();
        let kept: &[u8] = if keep_tag { b"&!" } else { b"&" };
        loop {
            while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n')) && pos < node.end {
                pos += 1;
            }
            if bytes.get(pos).is_some_and(|b| kept.contains(b)) && pos < node.end {
                while !matches!(bytes.get(pos), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
                    && pos < node.end
                {
                    pos += 1;
                }
            } else {
                return pos;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::edit::testing::{checked, replace};
    use crate::patch::NewValue;

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {text:?}: {e}"))
    }

    #[test]
    fn json_mappings_stay_json_when_a_value_is_replaced() {
        // Found by the workload oracle (fuzz/findings/render_policy/): a number, a null or a
        // mapping replaced by a duration was written plain.
        let drain = || replace(&["drainDuration"], NewValue::str("30s"));
        for (text, edited) in [
            (
                "{\"concurrency\":2,\"drainDuration\":50}",
                "{\"concurrency\":2,\"drainDuration\":\"30s\"}",
            ),
            (
                "{\"concurrency\": 2, \"drainDuration\": null}\n",
                "{\"concurrency\": 2, \"drainDuration\": \"30s\"}\n",
            ),
            (
                "{\"drainDuration\":{\"a\":1},\"b\":true}",
                "{\"drainDuration\":\"30s\",\"b\":true}",
            ),
            ("{\"drainDuration\":[1, 2]}", "{\"drainDuration\":\"30s\"}"),
            // A string stays a JSON string.
            ("{\"drainDuration\":\"50s\"}", "{\"drainDuration\":\"30s\"}"),
        ] {
            let out = checked(text, &drain()).unwrap();
            assert_eq!(out, edited, "{text:?}");
            json(&out);
        }
        // A nested JSON mapping, the proxyMetadata of a JSON proxy config.
        let c = replace(
            &["proxyMetadata", "MINIMUM_DRAIN_DURATION"],
            NewValue::str("10s"),
        );
        let text = "{\"proxyMetadata\":{\"MINIMUM_DRAIN_DURATION\":3,\"X\":\"1\"}}";
        let out = checked(text, &c).unwrap();
        assert_eq!(
            out,
            "{\"proxyMetadata\":{\"MINIMUM_DRAIN_DURATION\":\"10s\",\"X\":\"1\"}}"
        );
        json(&out);
        // A null given a mapping gets a JSON mapping in the mapping's own spacing.
        let c = replace(
            &["proxyMetadata"],
            NewValue::Map(vec![(
                "EXIT_ON_ZERO_ACTIVE_CONNECTIONS".into(),
                NewValue::str("true"),
            )]),
        );
        let out = checked("{\"a\": 1, \"proxyMetadata\": null}", &c).unwrap();
        assert_eq!(
            out,
            "{\"a\": 1, \"proxyMetadata\": {\"EXIT_ON_ZERO_ACTIVE_CONNECTIONS\": \"true\"}}"
        );
        json(&out);
        // Integers and booleans are JSON as they are.
        let c = replace(&["a"], NewValue::Int(3));
        assert_eq!(checked("{\"a\":\"x\"}", &c).unwrap(), "{\"a\":3}");
    }

    #[test]
    fn yaml_values_stay_yaml_when_replaced() {
        let drain = || replace(&["drainDuration"], NewValue::str("30s"));
        // A YAML-style flow mapping (a plain key) and a block mapping: plain as before.
        assert_eq!(
            checked("{\"a\": 1, drainDuration: 50}", &drain()).unwrap(),
            "{\"a\": 1, drainDuration: 30s}"
        );
        assert_eq!(
            checked("drainDuration: 50\n", &drain()).unwrap(),
            "drainDuration: 30s\n"
        );
        assert_eq!(
            checked("{drainDuration: ~}", &drain()).unwrap(),
            "{drainDuration: 30s}"
        );
        // A quoted string keeps its own quotes, in a JSON-style mapping too.
        assert_eq!(
            checked("{\"drainDuration\": '50s'}", &drain()).unwrap(),
            "{\"drainDuration\": '30s'}"
        );
    }
}
