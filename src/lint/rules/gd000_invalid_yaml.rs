use crate::lint::{Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it detects
    /// A file or document that cannot be read as YAML: a syntax error, bytes that are not
    /// UTF-8, characters YAML forbids, or a document over meshdrain's limits (nesting, aliases,
    /// scalar size). The finding points at the first offending position.
    ///
    /// ## Why it matters
    /// Helm, kubectl and TSB's operator reject such a document, and nothing in it can be
    /// checked. The most common cause is an unrendered template (`{{ … }}`, `%{ if }`) checked
    /// instead of its output. The other documents and files are still checked.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   components: [istio
    /// ```
    ///
    /// ## Fix
    /// Fix the syntax, or check the rendered output (`helm template … | meshdrain check -`).
    pub struct InvalidYaml;
    code: "GD000",
    name: "invalid-yaml",
    severity: Error,
    summary: "a document that cannot be read as YAML",
}

/// Reported by the engine while it reads the inputs; the rule has no checks of its own.
impl Rule for InvalidYaml {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
