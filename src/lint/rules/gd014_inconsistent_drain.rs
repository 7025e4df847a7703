use std::collections::BTreeMap;

use super::{duration, exact};
use crate::duration::GoDuration;
use crate::lint::context::{Class, Context};
use crate::lint::{DrainModel, Findings, Rule, RuleMeta, declare_rule};
use crate::model::mesh::{self, DrainField};

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

    fn check_all(&self, cx: &Context, out: &mut Findings<'_>) {
        let gateways: Vec<_> = cx
            .objects
            .iter()
            .filter(|o| matches!(o.class, Class::InstallGateway(_)))
            .filter_map(|o| {
                let site = mesh::gateway_site(cx.tree(o), o.resource.node, o.pointer())?;
                Some((o, duration(&site.written)?, site))
            })
            .collect();
        let mut counts: BTreeMap<GoDuration, usize> = BTreeMap::new();
        for (_, d, _) in &gateways {
            *counts.entry(*d).or_default() += 1;
        }
        // The most common value (the smallest on a tie) is the norm.
        let norm = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(d, _)| *d);
        let field = match cx.options.drain_model {
            DrainModel::Istio => DrainField::TerminationDrainDuration,
            DrainModel::Guide => DrainField::DrainDuration,
        };
        let sidecar = cx.mesh_sources().into_iter().rev().find_map(|(o, s)| {
            let setting = s.defaults.get(field)?;
            Some((o.describe(), duration(&setting.written)?))
        });
        // A few of the gateways on the norm, to name them.
        let others: Vec<String> = gateways
            .iter()
            .filter(|(_, other, _)| Some(*other) == norm)
            .map(|(o, _, _)| o.describe())
            .take(3)
            .collect();
        for (object, d, site) in &gateways {
            if counts.len() > 1 && Some(*d) != norm {
                out.report(
                    object,
                    site.pointer.clone(),
                    format!(
                        "{} drains connections for {}, but most gateways here use {} ({}{})",
                        object.describe(),
                        exact(*d),
                        norm.map_or_else(String::new, exact),
                        others.join(", "),
                        if counts.values().sum::<usize>() > others.len() + 1 { ", …" } else { "" }
                    ),
                )
                .hint("use one drain duration for all gateways, or suppress this where the difference is deliberate");
            } else if let Some((from, s)) = &sidecar
                && s != d
            {
                out.report(
                    object,
                    site.pointer.clone(),
                    format!(
                        "{} drains connections for {}, but the sidecars' {} is {} ({from})",
                        object.describe(),
                        exact(*d),
                        field.name(),
                        exact(*s)
                    ),
                )
                .hint("align the gateway and sidecar drain settings, or suppress this where the difference is deliberate");
            }
        }
    }
}
