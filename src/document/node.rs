//! The nodes of a document tree and what their scalars mean.

use saphyr_parser::ScalarStyle;

pub type NodeId = usize;

/// How a collection is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Block,
    /// `{…}` / `[…]`: `close` is the byte offset of the closing bracket.
    Flow {
        open: usize,
        close: usize,
    },
    /// A single `key: value` pair inside a flow sequence, without braces.
    FlowPair,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Mapping {
        style: Style,
        entries: Vec<(NodeId, NodeId)>,
    },
    Sequence {
        style: Style,
        items: Vec<NodeId>,
    },
    Alias {
        anchor: usize,
    },
}

/// A node with byte offsets into its slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node's own text starts: the scalar (with its tag/anchor), the first key or
    /// item of a block collection, or the anchor/tag/bracket of a flow collection.
    pub start: usize,
    /// Where the node's content ends: after the scalar, the closing bracket, or the last
    /// child's content. Trailing blank lines and comments are never included.
    pub end: usize,
    pub anchor: usize,
    pub tagged: bool,
    /// Tagged with something other than the core tag of its own kind (`!!str` on a scalar,
    /// `!!map`, `!!seq`): `!!int`, `!!binary`, `!!set`, `!custom`… Readers give such a node a
    /// meaning of its own, so the editor never edits inside one and drops it from a value it
    /// replaces.
    pub foreign_tag: bool,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// An empty plain scalar: `key:` with nothing after it.
    pub fn is_empty_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.is_empty())
    }

    /// What a scalar means to Kubernetes (YAML 1.1 resolution, as go-yaml v2 reads it):
    /// quoted and block scalars are strings; plain ones may be null, bool or a number.
    pub fn scalar_type(&self) -> Option<ScalarType> {
        let NodeKind::Scalar { value, style } = &self.kind else {
            return None;
        };
        if *style != ScalarStyle::Plain || self.tagged {
            return Some(ScalarType::Str);
        }
        Some(resolve_plain(value))
    }

    /// A plain scalar YAML reads as null (`~`, `null`, or nothing).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// The type a plain scalar resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl ScalarType {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Str => "a string",
        }
    }
}

/// YAML 1.1 resolution of a plain scalar, as Kubernetes' go-yaml v2 does it.
pub fn resolve_plain(value: &str) -> ScalarType {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N" | "no" | "No" | "NO" | "true" | "True"
        | "TRUE" | "false" | "False" | "FALSE" | "on" | "On" | "ON" | "off" | "Off" | "OFF" => {
            return ScalarType::Bool;
        }
        ".inf" | ".Inf" | ".INF" | "-.inf" | "-.Inf" | "-.INF" | "+.inf" | ".nan" | ".NaN"
        | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let digits = unsigned.replace('_', "");
    let is_int = !digits.is_empty()
        && (digits.bytes().all(|b| b.is_ascii_digit())
            || digits
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || digits
                .strip_prefix("0b")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1')));
    if is_int {
        return ScalarType::Int;
    }
    let float_like = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.parse::<f64>().is_ok();
    if float_like {
        return ScalarType::Float;
    }
    ScalarType::Str
}

/// Describes a node's type for messages.
pub fn node_type(node: &Node) -> &'static str {
    match &node.kind {
        NodeKind::Scalar { .. } if node.is_null() => "null",
        NodeKind::Scalar { .. } => "a scalar",
        NodeKind::Mapping { .. } => "a mapping",
        NodeKind::Sequence { .. } => "a sequence",
        NodeKind::Alias { .. } => "an alias",
    }
}

/// Whether `tag` is set and is not the core tag `own` (`str`, `map`, `seq`).
pub(super) fn is_foreign(tag: Option<&saphyr_parser::Tag>, own: &str) -> bool {
    tag.is_some_and(|t| !(t.is_yaml_core_schema() && t.suffix == own))
}
