//! Line diffs for comparing whole renders.

/// Lines with their index (0-based) in the text they come from. Lines keep their `\n`.
pub type Lines<'a> = Vec<(usize, &'a str)>;

/// A line diff by longest common subsequence: the removed lines (with their index in `old`)
/// and the added lines (with their index in `new`).
pub fn line_diff<'a>(old: &'a str, new: &'a str) -> (Lines<'a>, Lines<'a>) {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push((j, b[j]));
            j += 1;
        } else {
            removed.push((i, a[i]));
            i += 1;
        }
    }
    (removed, added)
}

/// Asserts that `new` is `old` with exactly the lines `removed` taken out and `added` put in
/// (each in order, each line with its `\n`), and nothing else changed.
pub fn assert_changes(old: &str, new: &str, removed: &[&str], added: &[&str], what: &str) {
    let (r, a) = line_diff(old, new);
    let r: Vec<&str> = r.iter().map(|&(_, l)| l).collect();
    let a: Vec<&str> = a.iter().map(|&(_, l)| l).collect();
    assert!(
        r == removed && a == added,
        "{what}: unexpected changes\n--- removed lines\n{r:#?}\n(expected {removed:#?})\n\
         +++ added lines\n{a:#?}\n(expected {added:#?})\n=== old\n{old}\n=== new\n{new}"
    );
}

/// Points at the first differing line, for byte comparisons of whole renders.
pub fn assert_same_bytes(actual: &str, expected: &str, what: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .split_inclusive('\n')
        .zip(expected.split_inclusive('\n'))
        .position(|(a, e)| a != e);
    let (removed, added) = line_diff(expected, actual);
    panic!(
        "{what}: output differs from the expected bytes (first differing line: {first:?}, \
         lengths {} vs {})\nmissing: {removed:#?}\nextra: {added:#?}",
        actual.len(),
        expected.len()
    );
}
