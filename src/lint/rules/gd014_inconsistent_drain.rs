use std::collections::BTreeMap;

use super::{duration, exact};
use crate::duration::GoDuration;
use crate::lint::facts::{GatewayFact, wait_field};
use crate::lint::{Later, Rule, RuleMeta, StreamFacts, declare_rule};
use crate::model::mesh;

declare_rule! {
    /// ## What it detects
    /// Gateways in one check whose `connectionDrainDuration` values differ, or a gateway whose
    /// value differs from the sidecar drain setting the input's mesh config sets
    /// (`terminationDrainDuration`, or `drainDuration` with `--drain-model guide`).
    ///
    /// ## Why it matters
    /// Different drain windows make shutdown behaviour differ between gateways and workloads
    /// of one mesh; usually one of them was forgotten. This is informational: some
    /// differences are deliberate (suppress them with `meshdrain.io/ignore: GD014`).
    ///
    /// ## Example
    /// ```yaml
    /// kind: IngressGateway
    /// spec: {connectionDrainDuration: 10s}
    /// ---
    /// kind: Tier1Gateway
    /// spec: {connectionDrainDuration: 30s}
    /// ```
    ///
    /// ## Fix
    /// Use one value (a DrainPolicy with one gateway rule, applied by `meshdrain render`), or
    /// suppress the finding where the difference is deliberate.
    pub struct InconsistentDrain;
    code: "GD014",
    name: "inconsistent-drain",
    severity: Info,
    summary: "gateway drain durations differ from each other or from the sidecar's",
}

impl Rule for InconsistentDrain {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_facts(&self, facts: &StreamFacts, out: &mut Later<'_>) {
        let gateways = &facts.gateways;
        let mut counts: BTreeMap<GoDuration, usize> = BTreeMap::new();
        for g in gateways {
            *counts.entry(g.drain).or_default() += 1;
        }
        // The most common value (the smallest on a tie) is the norm.
        let norm = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(d, _)| *d);
        let field = wait_field(facts.options.drain_model);
        let sidecar = facts.meshes.iter().rev().find_map(|m| {
            let setting = m.source.defaults.get(field)?;
            Some((m.describe.as_str(), duration(&setting.written)?))
        });
        // A few of the gateways on the norm, to name them.
        let others: Vec<&str> = gateways
            .iter()
            .filter(|g| Some(g.drain) == norm)
            .map(|g| g.describe.as_str())
            .take(3)
            .collect();
        for g in gateways {
            let d = g.drain;
            if counts.len() > 1 && Some(d) != norm {
                report_at_drain(
                    out,
                    g,
                    format!(
                        "{} drains connections for {}, but most gateways here use {} ({}{})",
                        g.describe,
                        exact(d),
                        norm.map_or_else(String::new, exact),
                        others.join(", "),
                        if counts.values().sum::<usize>() > others.len() + 1 {
                            ", …"
                        } else {
                            ""
                        }
                    ),
                    "use one drain duration for all gateways, or suppress this where the difference is deliberate",
                );
            } else if let Some((from, s)) = &sidecar
                && *s != d
            {
                report_at_drain(
                    out,
                    g,
                    format!(
                        "{} drains connections for {}, but the sidecars' {} is {} ({from})",
                        g.describe,
                        exact(d),
                        field.name(),
                        exact(*s)
                    ),
                    "align the gateway and sidecar drain settings, or suppress this where the difference is deliberate",
                );
            }
        }
    }
}

/// A finding about a gateway, at its `connectionDrainDuration`.
pub(crate) fn report_at_drain(
    out: &mut Later<'_>,
    gateway: &GatewayFact,
    message: String,
    hint: impl Into<String>,
) {
    let hint = hint.into();
    out.about(gateway.spot, move |cx, object, out| {
        let tree = cx.tree(object);
        if let Some(site) = mesh::gateway_site(tree, object.resource.node, object.pointer()) {
            out.report(object, site.pointer, message).hint(hint);
        }
    });
}
