//! Overlay patch paths as Istio's operator reads them (`util.PathFromString` in
//! `operator/pkg/util`, the same code from Istio 1.9 to today), for render and every rule.

/// Go's `filepath.Clean` on a Unix path: repeated `/` collapsed, `.` elements dropped, `..`
/// elements folded into what precedes them, `.` for an empty result.
fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    // Leading `..` elements of a relative path stay; nothing before them can be removed.
    let mut kept_dotdots = 0;
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." => {
                if parts.len() > kept_dotdots {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                    kept_dotdots = parts.len();
                }
            }
            e => parts.push(e),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// The segments of an overlay patch path as the operator splits it: `filepath.Clean`, one
/// leading and one trailing `.` trimmed, split on `.` not preceded by `\`, empty segments
/// dropped, `\.` unescaped, and `name[expr]` split into `name` and `[expr]`. So
/// `spec..meshConfig`, a trailing `/` and a leading `./` name the plain path.
pub fn normalize_patch_path(path: &str) -> Vec<String> {
    let cleaned = go_clean(path);
    let trimmed = cleaned.strip_prefix('.').unwrap_or(&cleaned);
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev = None;
    for (i, c) in trimmed.char_indices() {
        if c == '.' && (i == 0 || prev != Some('\\')) {
            pieces.push(trimmed.get(start..i).unwrap_or(""));
            start = i + 1;
        }
        prev = Some(c);
    }
    pieces.push(trimmed.get(start..).unwrap_or(""));
    let mut out = Vec::new();
    for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
        let piece = piece.replace("\\.", ".");
        match piece.find('[') {
            Some(at) if at > 0 => {
                let (name, selector) = piece.split_at(at);
                out.push(name.to_owned());
                out.push(selector.to_owned());
            }
            _ => out.push(piece),
        }
    }
    out
}

/// Why an overlay patch path is malformed for Istio's operator, if it is: unbalanced or
/// nested brackets, an empty `[]` or `[key:]`, an index below -1, white space outside
/// brackets. Empty segments (`a..b`) are not a problem: the operator drops them.
pub fn patch_path_problem(path: &str) -> Option<String> {
    if path.trim().is_empty() {
        return Some("the path is empty".to_owned());
    }
    let mut depth = 0usize;
    let mut bracket = String::new();
    let mut chars = path.chars().peekable();
    let mut position = 0usize;
    while let Some(c) = chars.next() {
        position += 1;
        match c {
            '\\' if depth == 0 => {
                chars.next();
                position += 1;
            }
            '[' if depth > 0 => {
                return Some(format!("a '[' inside brackets at character {position}"));
            }
            '[' => {
                depth = 1;
                bracket.clear();
            }
            ']' if depth == 0 => {
                return Some(format!("a ']' without '[' at character {position}"));
            }
            ']' => {
                depth = 0;
                if let Some(problem) = bracket_problem(&bracket) {
                    return Some(problem);
                }
            }
            c if depth > 0 => bracket.push(c),
            c if c.is_whitespace() => {
                return Some(format!("white space at character {position}"));
            }
            _ => {}
        }
    }
    (depth > 0).then(|| "a '[' is never closed".to_owned())
}

fn bracket_problem(inner: &str) -> Option<String> {
    if inner.is_empty() {
        return Some("an empty selector '[]'".to_owned());
    }
    if let Ok(index) = inner.trim().parse::<i64>() {
        return (index < -1).then(|| {
            format!("the index [{index}] is below -1 (only -1, meaning append, may be negative)")
        });
    }
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ':' if !escaped => {
                let value = inner.get(i + 1..).unwrap_or("");
                return value
                    .is_empty()
                    .then(|| format!("the selector [{inner}] has no value after ':'"));
            }
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        normalize_patch_path(path)
    }

    #[test]
    fn paths_split_as_the_operator_splits_them() {
        let plain = segments("spec.meshConfig.defaultConfig.drainDuration");
        assert_eq!(
            plain,
            ["spec", "meshConfig", "defaultConfig", "drainDuration"]
        );
        for same in [
            "spec..meshConfig.defaultConfig.drainDuration",
            ".spec.meshConfig.defaultConfig.drainDuration.",
            "./spec.meshConfig.defaultConfig.drainDuration",
            "spec.meshConfig.defaultConfig.drainDuration/",
            "spec.meshConfig.defaultConfig.drainDuration//",
            "x/../spec.meshConfig.defaultConfig.drainDuration",
        ] {
            assert_eq!(segments(same), plain, "{same}");
        }
        assert_eq!(
            segments(r"metadata.annotations.a\.b/c"),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(
            segments("spec.containers[name:istio-proxy].env[-1]"),
            ["spec", "containers", "[name:istio-proxy]", "env", "[-1]"]
        );
        assert_eq!(segments("[0].a"), ["[0]", "a"]);
        for empty in ["", ".", "..", "...", "/"] {
            let got = segments(empty);
            assert!(got.is_empty() || got == ["/"], "{empty:?}: {got:?}");
        }
        // Only one leading dot is trimmed, and only after Clean: `..spec` is one element.
        assert_eq!(segments("..spec.a"), ["spec", "a"]);
    }

    #[test]
    fn go_clean_is_lexical() {
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_clean("a//b/./c/.."), "a/b");
        assert_eq!(go_clean("../../a"), "../../a");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_clean("a/"), "a");
    }

    #[test]
    fn empty_segments_are_not_malformed() {
        assert_eq!(patch_path_problem("spec..meshConfig"), None);
        assert!(patch_path_problem("spec.containers[0.env").is_some());
    }
}
