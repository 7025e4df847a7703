use super::{Parsed, duration_sites, parse, site_label, site_value};
use crate::drain::Reader;
use crate::lint::context::{Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::DrainField;

declare_rule! {
    /// ## What it detects
    /// A drain duration (`drainDuration`, `terminationDrainDuration`, `parentShutdownDuration`
    /// in a mesh config, an overlay patch, the `proxy.istio.io/config` annotation or an
    /// injected `PROXY_CONFIG`; a gateway's `connectionDrainDuration`) that Go's
    /// `time.ParseDuration` rejects: a bare number (`"50"`, or the YAML integer `50`), a space
    /// (`"50 s"`), an unknown unit (`"1d"`), an empty string.
    ///
    /// ## Why it matters
    /// Istio decodes these fields with jsonpb, which uses Go's parser: the mesh config, the
    /// overlay or the pod's injection is rejected ("bad Duration").
    ///
    /// ## Example
    /// ```yaml
    /// - path: spec.meshConfig.defaultConfig.drainDuration
    ///   value: 50
    /// ```
    ///
    /// ## Fix
    /// Write a string with a unit: `"50s"`, `"1m30s"`.
    pub struct InvalidDuration;
    code: "GD002",
    name: "invalid-duration",
    severity: Error,
    summary: "a drain duration that is not a Go duration",
}

/// Who refuses the value: Istio's decoder for mesh fields, TSB's operator for gateway CRs.
fn rejected_by(field: DrainField) -> &'static str {
    match field.spec().validation.reader {
        Reader::TsbOperator => "TSB cannot read it as a duration",
        Reader::Istio => "Istio rejects it",
    }
}

impl Rule for InvalidDuration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        for site in duration_sites(cx, object) {
            let label = site_label(site);
            match parse(&site.written) {
                Parsed::Duration(_) => {}
                Parsed::NotString { what, text } => {
                    let numeric = !text.is_empty() && text.parse::<f64>().is_ok();
                    let hint = if numeric {
                        format!("write \"{text}s\": Istio reads durations as strings with a unit")
                    } else {
                        "write a duration string with a unit, such as \"50s\"".to_owned()
                    };
                    let shown = if text.is_empty() {
                        String::new()
                    } else {
                        format!(" ({text})")
                    };
                    out.report(
                        object,
                        site.pointer.clone(),
                        format!(
                            "{label} is {what}{shown}, not a duration string: {}",
                            rejected_by(site.field)
                        ),
                    )
                    .hint(hint);
                }
                Parsed::Invalid { text, error } => {
                    let bare = !text.trim().is_empty()
                        && text.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.');
                    let hint = if bare {
                        format!("write \"{}s\": a duration needs a unit", text.trim())
                    } else {
                        "use Go duration syntax: a number with a unit, such as \"50s\" or \"1m30s\" (units ns, us, ms, s, m, h)".to_owned()
                    };
                    out.report(
                        object,
                        site.pointer.clone(),
                        format!(
                            "{} is not a Go duration ({error}): {}",
                            site_value(site),
                            rejected_by(site.field)
                        ),
                    )
                    .hint(hint);
                }
            }
        }
    }
}
