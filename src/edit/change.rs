//! The splices that make one change: checks the route and the target, then hands over to
//! the block, flow and replacement edits.

use crate::document::{NodeKind, Style};
use crate::linebreak;
use crate::patch::{Change, NewValue, Step, dotted};

use super::editor::Editor;
use super::error::EditError;
use super::flow::{flow, json};
use super::scalar;
use super::splice::Splice;

impl<'a> Editor<'a> {
    /// The splices that make `change`.
    pub fn splices(&self, change: &Change) -> Result<Vec<Splice>, EditError> {
        // An empty key is a null key to YAML (`? ` or `: v`): its entry has no text of its own
        // to anchor an edit to.
        if change
            .path()
            .steps()
            .iter()
            .any(|s| matches!(s, Step::Key(k) if k.is_empty()))
        {
            return Err(EditError::Unsupported {
                path: dotted(change.path()),
                what: "a path through an empty key",
                at: 0,
            });
        }
        // YAML 1.2 (saphyr, which made the tree) and libyaml-family readers disagree on where
        // lines end in such a text: no edit of it can be checked.
        if let Some((at, _)) = linebreak::find_ambiguous_break(self.text) {
            return Err(EditError::Unsupported {
                path: dotted(change.path()),
                what: "in a document holding NEL, LS or PS (U+0085, U+2028, U+2029)",
                at,
            });
        }
        if let Some((at, what)) = self.reader_disagreement() {
            return Err(EditError::Unsupported {
                path: dotted(change.path()),
                what,
                at,
            });
        }
        let (parent_path, last) = change.path().parent().ok_or_else(|| EditError::Missing {
            path: "(document root)".into(),
        })?;
        match (change, last) {
            (Change::Add { value, .. }, Step::Key(key)) => {
                let parent = self.locate(&parent_path)?;
                let node = self.node(parent.node)?;
                // A key that only comes from a merge would be shadowed wholesale.
                if self.tree.key_count(parent.node, "<<") > 0 {
                    return Err(EditError::MergeKey {
                        path: dotted(&parent_path),
                        at: node.start,
                    });
                }
                // A key with a tag of its own (`!!binary …`) may decode to this very key.
                if let Some(&(tagged, _)) = self
                    .tree
                    .entries(parent.node)
                    .iter()
                    .find(|&&(k, _)| self.tree.node(k).is_some_and(|n| n.foreign_tag))
                {
                    return Err(EditError::Unsupported {
                        path: dotted(&parent_path),
                        what: "a mapping with a tagged key (such as !!binary), which may decode to the key meshdrain adds",
                        at: self.node(tagged)?.start,
                    });
                }
                if let Some((k, _)) = self.tree.entry(parent.node, key) {
                    let at = self.node(k)?.start;
                    return Err(EditError::Exists {
                        path: dotted(change.path()),
                        at,
                    });
                }
                match &node.kind {
                    NodeKind::Mapping {
                        style: Style::Block,
                        ..
                    } => Ok(vec![self.add_block_entry(
                        node,
                        key,
                        value,
                        &parent_path,
                    )?]),
                    NodeKind::Mapping {
                        style: Style::Flow { open, close },
                        entries,
                    } => {
                        let last_end = entries.last().map(|&(k, v)| self.entry_end(k, v));
                        // A JSON mapping (`{"a":true}`) gets a JSON entry in its own spacing.
                        let (item, comma) = match self.json_style(entries) {
                            Some(style) => (
                                format!(
                                    "{}:{}{}",
                                    scalar::double_quoted(key),
                                    style.colon,
                                    json(value, &style.colon, &style.comma)
                                ),
                                style.comma,
                            ),
                            None => (
                                format!("{}: {}", scalar::write(key), flow(value)),
                                ", ".to_owned(),
                            ),
                        };
                        Ok(vec![
                            self.add_flow_item(*open, *close, last_end, &item, &comma),
                        ])
                    }
                    NodeKind::Mapping {
                        style: Style::FlowPair,
                        ..
                    } => Err(EditError::Unsupported {
                        path: dotted(&parent_path),
                        what: "a single-pair mapping inside a flow sequence",
                        at: node.start,
                    }),
                    _ => Err(self.wrong_type(node, &parent_path, "a mapping")),
                }
            }
            (Change::Add { value, .. }, Step::Append) => {
                let parent = self.locate(&parent_path)?;
                let node = self.node(parent.node)?;
                match &node.kind {
                    NodeKind::Sequence {
                        style: Style::Block,
                        items,
                    } => self.append_block_item(node, items, value, &parent_path),
                    NodeKind::Sequence {
                        style: Style::Flow { open, close },
                        items,
                    } => {
                        let last_end = items.last().and_then(|&i| self.tree.node(i)).map(|n| n.end);
                        Ok(vec![self.add_flow_item(
                            *open,
                            *close,
                            last_end,
                            &flow(value),
                            ", ",
                        )])
                    }
                    _ => Err(self.wrong_type(node, &parent_path, "a sequence")),
                }
            }
            (Change::Replace { value, path }, _) => {
                let target = self.locate(path)?;
                let node = self.node(target.node)?;
                if node.is_null() {
                    self.set_null(node, target.key, value, path)
                } else if matches!(
                    value,
                    NewValue::Str(_) | NewValue::Int(_) | NewValue::Bool(_)
                ) {
                    self.replace_with_scalar(node, target.key, value, path)
                } else {
                    Err(EditError::Unsupported {
                        path: dotted(path),
                        what: "a non-null value to replace by a collection",
                        at: node.start,
                    })
                }
            }
            (Change::Add { .. }, Step::Index(_)) => Err(EditError::Missing {
                path: dotted(change.path()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Tree;
    use crate::edit::apply;
    use crate::patch::Pointer;
    fn edit(text: &str, change: Change) -> Result<String, EditError> {
        let tree = Tree::parse(text).unwrap();
        let editor = Editor::new(&tree, text);
        let splices = editor.splices(&change)?;
        apply(text, &splices)
    }

    fn add(path: &[&str], value: NewValue) -> Change {
        let mut p = Pointer::root();
        for k in path {
            p = p.key(k);
        }
        Change::Add { path: p, value }
    }

    #[test]
    fn adds_before_trailing_comments() {
        let text = "spec:\n  a: 1 # one\n  # trailing\n# top\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: 1 # one\n  b: 10s\n  # trailing\n# top\n");
    }

    #[test]
    fn adds_after_a_block_scalar_ending_in_a_hash_line() {
        let text = "spec:\n  a: |\n    x\n    # kept\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: |\n    x\n    # kept\n  b: 10s\n");
    }

    #[test]
    fn keeps_kept_blank_lines_in_block_scalars() {
        let text = "spec:\n  a: |+\n    x\n\n";
        let out = edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap();
        assert_eq!(out, "spec:\n  a: |+\n    x\n\n  b: 10s\n");
    }

    #[test]
    fn flow_mappings_keep_their_bytes() {
        assert_eq!(
            edit("spec: {}\n", add(&["spec", "b"], NewValue::str("10s"))).unwrap(),
            "spec: {b: 10s}\n"
        );
        assert_eq!(
            edit(
                "spec: {a: \"on\", n: '1'}  # c\n",
                add(&["spec", "b"], NewValue::str("on"))
            )
            .unwrap(),
            "spec: {a: \"on\", n: '1', b: \"on\"}  # c\n"
        );
    }

    #[test]
    fn null_values_get_block_values() {
        let nested = NewValue::nest(&["x".into()], NewValue::str("1s"));
        assert_eq!(
            edit(
                "spec:\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested.clone()
                }
            )
            .unwrap(),
            "spec:\n  x: 1s\nz: 1\n"
        );
        assert_eq!(
            edit(
                "spec: ~ # c\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested.clone()
                }
            )
            .unwrap(),
            "spec: # c\n  x: 1s\n"
        );
        assert_eq!(
            edit(
                "spec: null",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: NewValue::str("1s")
                }
            )
            .unwrap(),
            "spec: 1s"
        );
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(
            edit(
                "spec:\r\n  a: 1\r\n",
                add(&["spec", "b"], NewValue::str("2s"))
            )
            .unwrap(),
            "spec:\r\n  a: 1\r\n  b: 2s\r\n"
        );
        assert_eq!(
            edit("spec:\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec:\n  a: 1\n  b: 2s"
        );
    }

    #[test]
    fn appends_items_in_the_documents_style() {
        let text = "l:\n-   a: 1\n    b: 2\n";
        let item = NewValue::Map(vec![
            ("a".into(), NewValue::str("xv")),
            ("b".into(), NewValue::str("yv")),
        ]);
        let out = edit(
            text,
            Change::Add {
                path: Pointer::root().key("l").append(),
                value: item,
            },
        )
        .unwrap();
        assert_eq!(out, "l:\n-   a: 1\n    b: 2\n-   a: xv\n    b: yv\n");
    }

    #[test]
    fn appends_after_items_whose_properties_sit_on_the_dash_line() {
        let item = NewValue::Map(vec![("r".into(), NewValue::str("4"))]);
        let append = || Change::Add {
            path: Pointer::root().key("l").append(),
            value: item.clone(),
        };
        assert_eq!(
            edit("l:\n  - !!map\n    r: 3\n", append()).unwrap(),
            "l:\n  - !!map\n    r: 3\n  - r: \"4\"\n"
        );
        assert_eq!(
            edit("l:\n- &a # c\n  r: 3\n", append()).unwrap(),
            "l:\n- &a # c\n  r: 3\n- r: \"4\"\n"
        );
    }

    #[test]
    fn replaces_scalars_keeping_quotes() {
        let c = |v| Change::Replace {
            path: Pointer::root().key("a"),
            value: NewValue::str(v),
        };
        assert_eq!(edit("a: '20s' # c\n", c("50s")).unwrap(), "a: '50s' # c\n");
        assert_eq!(edit("a: \"20s\"\n", c("50s")).unwrap(), "a: \"50s\"\n");
        assert_eq!(edit("a: !!str 20s\n", c("50s")).unwrap(), "a: !!str 50s\n");
        // A block scalar keeps its header when it can hold the value; `|` needs a final
        // line break, so a duration is double-quoted.
        assert_eq!(edit("a: |\n  20s\n", c("50s\n")).unwrap(), "a: |\n  50s\n");
        assert_eq!(edit("a: |\n  20s\n", c("50s")).unwrap(), "a: \"50s\"\n\n");
    }

    #[test]
    fn refuses_aliases_and_anchors_in_use() {
        let text = "base: &b {x: 1}\nspec: *b\n";
        assert!(matches!(
            edit(text, add(&["spec", "y"], NewValue::str("1s"))),
            Err(EditError::ThroughAlias { .. })
        ));
        assert!(matches!(
            edit(text, add(&["base", "y"], NewValue::str("1s"))),
            Err(EditError::Anchored { .. })
        ));
    }

    fn replace(path: &[&str], value: &str) -> Change {
        let mut p = Pointer::root();
        for k in path {
            p = p.key(k);
        }
        Change::Replace {
            path: p,
            value: NewValue::str(value),
        }
    }

    #[test]
    fn refuses_merge_keys_and_duplicate_keys_on_the_route() {
        let merged = "base: &b {x: 1}\nspec:\n  <<: *b\n  y: 2\n";
        assert!(matches!(
            edit(merged, add(&["spec", "z"], NewValue::str("1s"))),
            Err(EditError::MergeKey { .. })
        ));
        let duplicated = "spec:\n  a: 1\nspec:\n  b: 2\n";
        assert!(matches!(
            edit(duplicated, add(&["spec", "z"], NewValue::str("1s"))),
            Err(EditError::DuplicateKey { count: 2, .. })
        ));
    }

    #[test]
    fn unused_anchors_do_not_block_edits() {
        let text = "spec: &s\n  a: 1\n";
        assert_eq!(
            edit(text, add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec: &s\n  a: 1\n  b: 2s\n"
        );
        assert_eq!(
            edit("a: &x 20s # c\n", replace(&["a"], "50s")).unwrap(),
            "a: &x 50s # c\n"
        );
        assert_eq!(
            edit("a: &x !!str '20s'\n", replace(&["a"], "50s")).unwrap(),
            "a: &x !!str '50s'\n"
        );
    }

    #[test]
    fn refuses_paths_through_empty_keys() {
        // Found by the editor fuzz target: the new mapping went under the next key.
        let text = "? a6\n? \n::: \n";
        let change = Change::Replace {
            path: Pointer::root().key(""),
            value: NewValue::Map(vec![("v".to_owned(), NewValue::str("50s"))]),
        };
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn refuses_mappings_holding_an_empty_key() {
        // Found by the editor fuzz target: explicit empty keys (`?` alone on a line, lone CR
        // line breaks) and a key named `:`; the new entry landed on the `?` line and libyaml
        // no longer read the text.
        let text = "?\r::\n ?\r? ";
        let change = add(&[":", "connectionDrainDuration"], NewValue::str("10s"));
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported {
                what: "a mapping with an empty (null) key",
                ..
            })
        ));
        // Anywhere on the route, not only the mapping that gets the entry.
        let text = "? \n: x\nspec:\n  a: 1\n";
        assert!(edit(text, add(&["spec", "b"], NewValue::str("10s"))).is_err());
        // A key with text is still fine.
        let text = "? a\n: x\nspec:\n  a: 1\n";
        assert_eq!(
            edit(text, add(&["spec", "b"], NewValue::str("10s"))).unwrap(),
            "? a\n: x\nspec:\n  a: 1\n  b: 10s\n"
        );
    }

    #[test]
    fn a_tab_before_a_replaced_value_becomes_a_space() {
        // saphyr refuses `key:<TAB>10s`; found by the editor fuzz target.
        let replace = Change::Replace {
            path: Pointer::root().key("k"),
            value: NewValue::str("10s"),
        };
        assert_eq!(edit("k:\t:5s\n", replace.clone()).unwrap(), "k: 10s\n");
        assert_eq!(
            edit("k:\t \t~ # c\n", replace.clone()).unwrap(),
            "k: 10s # c\n"
        );
        assert_eq!(edit("k: 5s\n", replace).unwrap(), "k: 10s\n");
    }

    #[test]
    fn appends_to_the_outer_of_nested_sequences_on_one_line() {
        // Found by the editor fuzz target: the new item went into the inner sequence.
        let append = Change::Add {
            path: Pointer::root().append(),
            value: NewValue::str("10s"),
        };
        assert_eq!(
            edit("        -                  -      e: x\r\n", append.clone()).unwrap(),
            "        -                  -      e: x\r\n        -      10s\r\n"
        );
        assert_eq!(edit("- - - a\n", append).unwrap(), "- - - a\n- 10s\n");
    }

    #[test]
    fn refuses_texts_whose_line_breaks_readers_disagree_on() {
        // In a comment, LS ends the line for go-yaml: `b: 2` would become content.
        for text in [
            "a: 1 # c\u{2028}b: 2\n",
            "a: \"x\u{85}y\"\n",
            "a: 1\n#\u{2029}\n",
        ] {
            assert!(
                matches!(
                    edit(text, add(&["z"], NewValue::str("1s"))),
                    Err(EditError::Unsupported { .. })
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_texts_whose_structure_readers_disagree_on() {
        // Found by the editor fuzz target: saphyr reads `&c:` as an anchor named `c:` on the
        // mapping below, libyaml as an anchored empty key; and `?a` in a flow mapping as a
        // plain key, libyaml as an explicit key `a`.
        for text in [
            "spec:\n  &c:\n    istio: 1\n",
            "a: &x? 1\nb: *x?\n",
            "{?holdAp\"l\": [x]}\n",
            "l: [:x]\n",
            "\n\u{feff}x:\n",
        ] {
            assert!(
                matches!(
                    edit(text, add(&["z"], NewValue::str("1s"))),
                    Err(EditError::Unsupported { .. })
                ),
                "{text:?}"
            );
        }
        // In a scalar, a comment or a block scalar they are text; plain names are fine.
        for text in [
            "a: \"x &y:z\" # &c: d\nb: x &y:z\nc: |\n  &k: v\nd: &ok 1\ne: *ok\nf: {a: x?}\n",
            "l: [a?, 'b: &c:d', \"?e\"]\n",
        ] {
            let result = edit(text, add(&["z"], NewValue::str("1s")));
            assert!(result.is_ok(), "{text:?}: {result:?}");
        }
    }

    #[test]
    fn refuses_implicit_flow_pairs_and_tagged_nulls() {
        let text = "list: [a: 1]\n";
        let change = Change::Add {
            path: Pointer::root().key("list").index(0).key("b"),
            value: NewValue::str("2s"),
        };
        assert!(matches!(
            edit(text, change),
            Err(EditError::Unsupported { .. })
        ));
        assert!(matches!(
            edit("spec: !!null\n", replace(&["spec"], "1s")),
            Err(EditError::Unsupported { .. })
        ));
        assert!(matches!(
            edit("spec: &n ~\n", replace(&["spec"], "1s")),
            Err(EditError::Unsupported { .. })
        ));
    }

    #[test]
    fn insertions_at_the_end_use_the_documents_line_break() {
        assert_eq!(
            edit("spec:\r\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec:\r\n  a: 1\r\n  b: 2s"
        );
        assert_eq!(
            edit("\nspec:\n  a: 1", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "\nspec:\n  a: 1\n  b: 2s"
        );
    }

    #[test]
    fn flow_collections_with_spaces_and_keys_with_space_before_the_colon() {
        assert_eq!(
            edit("spec: { }\n", add(&["spec", "b"], NewValue::str("2s"))).unwrap(),
            "spec: { b: 2s }\n"
        );
        assert_eq!(
            edit(
                "l: [ ]\n",
                Change::Add {
                    path: Pointer::root().key("l").append(),
                    value: NewValue::str("x")
                }
            )
            .unwrap(),
            "l: [ x ]\n"
        );
        assert_eq!(
            edit("spec :\nz: 1\n", replace(&["spec"], "1s")).unwrap(),
            "spec : 1s\nz: 1\n"
        );
        let nested = NewValue::nest(&["x".into()], NewValue::str("1s"));
        assert_eq!(
            edit(
                "spec   : # c\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec"),
                    value: nested
                }
            )
            .unwrap(),
            "spec   : # c\n  x: 1s\nz: 1\n"
        );
    }

    #[test]
    fn refuses_routes_through_mappings_with_merge_keys() {
        // The next key only comes from the merge, or is written out beside it.
        for text in [
            "base: &b {sub: {a: 1}}\nspec:\n  <<: *b\n  other: 1\n",
            "base: &b {x: 1}\nspec:\n  <<: *b\n  sub:\n    a: 1\n",
        ] {
            assert!(
                matches!(
                    edit(text, add(&["spec", "sub", "z"], NewValue::str("1s"))),
                    Err(EditError::MergeKey { ref path, .. }) if path == "spec.sub"
                ),
                "{text:?}"
            );
        }
    }

    #[test]
    fn empty_collections_are_written_in_flow_style() {
        assert_eq!(
            edit(
                "spec:\n  a: 1\n",
                add(&["spec", "m"], NewValue::Map(vec![]))
            )
            .unwrap(),
            "spec:\n  a: 1\n  m: {}\n"
        );
        assert_eq!(
            edit(
                "spec:\n  a: 1\n",
                add(&["spec", "l"], NewValue::Seq(vec![]))
            )
            .unwrap(),
            "spec:\n  a: 1\n  l: []\n"
        );
        assert_eq!(
            edit(
                "l:\n- a\n",
                Change::Add {
                    path: Pointer::root().key("l").append(),
                    value: NewValue::Map(vec![])
                }
            )
            .unwrap(),
            "l:\n- a\n- {}\n"
        );
    }

    #[test]
    fn null_values_in_block_mappings_get_block_sequences() {
        let list = NewValue::Seq(vec![NewValue::Map(vec![("k".into(), NewValue::str("v"))])]);
        assert_eq!(
            edit(
                "spec:\n  l:\nz: 1\n",
                Change::Replace {
                    path: Pointer::root().key("spec").key("l"),
                    value: list
                }
            )
            .unwrap(),
            "spec:\n  l:\n  - k: v\nz: 1\n"
        );
    }

    #[test]
    fn collections_are_replaced_by_scalars() {
        assert_eq!(
            edit("a: {seconds: 10}  # c\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s  # c\n"
        );
        assert_eq!(
            edit("a:\n  seconds: 10\nb: 1\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s\nb: 1\n"
        );
        assert_eq!(
            edit("a:\n- 1\n- 2\nb: 1\n", replace(&["a"], "10s")).unwrap(),
            "a: 10s\nb: 1\n"
        );
        assert!(matches!(
            edit("a: !!map {s: 1}\n", replace(&["a"], "10s")),
            Err(EditError::Unsupported { .. })
        ));
    }
}
