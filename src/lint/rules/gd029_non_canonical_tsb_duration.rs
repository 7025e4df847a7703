use super::{duration, exact};
use crate::lint::context::{Class, Context, Object};
use crate::lint::{Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh;

declare_rule! {
    /// ## What it detects
    /// A TSB CR duration field (a gateway's `connectionDrainDuration`) written as a valid Go
    /// duration but not in protobuf's canonical JSON form `<seconds>s`: `1m30s`, `1h`,
    /// `1500ms`.
    ///
    /// ## Why it matters
    /// The field is a `google.protobuf.Duration`. TSB's decoder is not public, and the
    /// canonical protobuf JSON decoder (protojson) accepts only seconds with an `s` suffix:
    /// other forms may be rejected. Informational, for portability.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   connectionDrainDuration: 1m30s
    /// ```
    ///
    /// ## Fix
    /// Write seconds: `90s`. (`meshdrain render` leaves an equal value as it is, so change it
    /// by hand.)
    pub struct NonCanonicalTsbDuration;
    code: "GD029",
    name: "non-canonical-tsb-duration",
    severity: Info,
    summary: "a TSB duration not in protobuf's canonical seconds form",
}

/// protojson's Duration form: an optional sign, seconds, up to 9 fractional digits, `s`.
pub fn is_canonical(text: &str) -> bool {
    let Some(number) = text.strip_suffix('s') else {
        return false;
    };
    let number = number.strip_prefix('-').unwrap_or(number);
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (number, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction
            .is_none_or(|f| (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
}

impl Rule for NonCanonicalTsbDuration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_object(&self, cx: &Context, object: &Object, out: &mut Findings<'_>) {
        if !matches!(object.class, Class::InstallGateway(_)) {
            return;
        }
        let Some(site) =
            mesh::gateway_site(cx.tree(object), object.resource.node, object.pointer())
        else {
            return;
        };
        let (Some(text), Some(d)) = (site.written.text(), duration(&site.written)) else {
            return;
        };
        if is_canonical(text) {
            return;
        }
        out.report(
            object,
            site.pointer.clone(),
            format!("connectionDrainDuration {text:?} is a Go duration but not protobuf's canonical form: TSB's decoder is not public, and protojson accepts only seconds (\"{}\")", exact(d)),
        )
        .hint(format!("write \"{}\"", exact(d)));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_forms() {
        for ok in ["10s", "1.5s", "-3s", "0.000000001s"] {
            assert!(super::is_canonical(ok), "{ok}");
        }
        for bad in [
            "1m30s",
            "1h",
            "1500ms",
            "10",
            "s",
            ".5s",
            "1.s",
            "1.0000000001s",
        ] {
            assert!(!super::is_canonical(bad), "{bad}");
        }
    }
}
