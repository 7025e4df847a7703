//! A deterministic Helm-3-style manifest stream for benchmarks, shared by
//! `examples/gen_stream.rs` and `benches/render.rs` (both pull it in with `#[path]`).
//!
//! The stream is laid out as `helm template` orders it (Services, then Deployments, then the
//! custom resources sorted by kind): realistic `apps/v1 Deployment`s and `v1 Service`s fill it to
//! the requested size, followed by exactly one `install.tetrate.io/v1alpha1 ControlPlane` (with
//! an existing `tsb-istiocontrolplane` overlay) and [`GATEWAYS`] install gateways. No gateway sets
//! `connectionDrainDuration`, so a default `meshdrain` run adds exactly one such line to each.

use std::fmt::{self, Write};

/// How many install gateways the stream holds (IngressGateway, EgressGateway, Tier1Gateway).
pub const GATEWAYS: usize = 50;

/// splitmix64: a tiny deterministic PRNG, so the stream is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const DOMAINS: [&str; 16] = [
    "orders",
    "payments",
    "catalog",
    "search",
    "checkout",
    "inventory",
    "shipping",
    "billing",
    "accounts",
    "reviews",
    "pricing",
    "notify",
    "ledger",
    "profile",
    "reports",
    "gateway",
];
const ROLES: [&str; 6] = ["api", "worker", "consumer", "scheduler", "web", "grpc"];
const TEAMS: [&str; 8] = [
    "team-alpha",
    "team-bravo",
    "team-charlie",
    "team-delta",
    "team-echo",
    "team-foxtrot",
    "team-golf",
    "team-hotel",
];
const CPU: [&str; 5] = ["50m", "100m", "250m", "500m", "1"];
const MEMORY: [&str; 5] = ["64Mi", "128Mi", "256Mi", "512Mi", "1Gi"];
const LOG_LEVELS: [&str; 4] = ["debug", "info", "warn", "error"];
/// Plain `env` entries; the values with `{}` get a varying number.
const ENV: [(&str, &str); 12] = [
    ("HTTP_PORT", "\"8080\""),
    ("GRPC_PORT", "\"9000\""),
    ("CACHE_TTL", "\"{}s\""),
    ("MAX_CONNECTIONS", "\"{}\""),
    ("REQUEST_TIMEOUT", "{}s"),
    ("FEATURE_FLAGS", "new-checkout,fast-search"),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://otel-collector.observability.svc:4317",
    ),
    ("OTEL_TRACES_SAMPLER_ARG", "\"0.{}\""),
    ("GOMAXPROCS", "\"2\""),
    (
        "JAVA_TOOL_OPTIONS",
        "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError",
    ),
    ("REGION", "eu-west-1"),
    ("TZ", "UTC"),
];
/// Comments a chart author might leave in a template; a few are not ASCII.
const COMMENTS: [&str; 6] = [
    "Pod-level security settings come from .Values.podSecurityContext",
    "Probes are tuned for a cold JVM start; see docs/operations.md",
    "Keep in sync with the NetworkPolicy in networkpolicy.yaml",
    "TODO(platform): move these limits into a LimitRange",
    "Zuständig: Team Zahlungsverkehr – Änderungen bitte über das Ticket-System",
    "负责团队：支付平台 — 修改前请联系值班工程师 (on-call) ✓",
];

fn hex(rng: &mut Rng, digits: usize) -> String {
    let mut s = String::with_capacity(digits);
    while s.len() < digits {
        let _ = write!(s, "{:016x}", rng.next());
    }
    s.truncate(digits);
    s
}

fn source(out: &mut String, file: &str) -> fmt::Result {
    write!(out, "---\n# Source: big/templates/{file}.yaml\n")
}

fn labels(out: &mut String, indent: &str, app: &str, version: &str) -> fmt::Result {
    writeln!(out, "{indent}app.kubernetes.io/name: {app}")?;
    writeln!(out, "{indent}app.kubernetes.io/instance: big")?;
    writeln!(out, "{indent}app.kubernetes.io/version: \"{version}\"")?;
    writeln!(out, "{indent}app.kubernetes.io/managed-by: Helm")?;
    writeln!(out, "{indent}helm.sh/chart: big-0.1.0")
}

fn service(out: &mut String, rng: &mut Rng, name: &str, app: &str, team: &str) -> fmt::Result {
    source(out, &format!("services/{name}"))?;
    let version = format!("1.{}.{}", rng.below(40), rng.below(10));
    out.push_str("apiVersion: v1\nkind: Service\nmetadata:\n");
    writeln!(out, "  name: {name}\n  namespace: {team}\n  labels:")?;
    labels(out, "    ", app, &version)?;
    if rng.below(4) == 0 {
        out.push_str("  annotations:\n    prometheus.io/scrape: \"true\"\n");
        out.push_str("    prometheus.io/port: \"9090\"\n");
    }
    let kind = if rng.below(10) == 0 {
        "NodePort"
    } else {
        "ClusterIP"
    };
    writeln!(out, "spec:\n  type: {kind}\n  ports:")?;
    out.push_str("    - port: 80\n      targetPort: http\n      protocol: TCP\n      name: http\n");
    if rng.below(2) == 0 {
        out.push_str(
            "    - port: 9090\n      targetPort: metrics\n      protocol: TCP\n      name: metrics\n",
        );
    }
    writeln!(out, "  selector:\n    app.kubernetes.io/name: {app}")?;
    out.push_str("    app.kubernetes.io/instance: big\n");
    Ok(())
}

fn env(out: &mut String, rng: &mut Rng, name: &str) -> fmt::Result {
    let ind = "            ";
    writeln!(
        out,
        "{ind}- name: POD_NAME\n{ind}  valueFrom:\n{ind}    fieldRef:"
    )?;
    writeln!(out, "{ind}      fieldPath: metadata.name")?;
    writeln!(
        out,
        "{ind}- name: POD_NAMESPACE\n{ind}  valueFrom:\n{ind}    fieldRef:"
    )?;
    writeln!(out, "{ind}      fieldPath: metadata.namespace")?;
    writeln!(out, "{ind}- name: DATABASE_PASSWORD\n{ind}  valueFrom:")?;
    writeln!(out, "{ind}    secretKeyRef:\n{ind}      name: {name}-db")?;
    writeln!(out, "{ind}      key: password")?;
    writeln!(
        out,
        "{ind}- name: LOG_LEVEL\n{ind}  value: {}",
        rng.pick(&LOG_LEVELS)
    )?;
    let first = rng.below(ENV.len());
    for k in 0..3 + rng.below(7) {
        let (var, value) = ENV[(first + k) % ENV.len()];
        let value = value.replace("{}", &(1 + rng.below(500)).to_string());
        writeln!(out, "{ind}- name: {var}\n{ind}  value: {value}")?;
    }
    writeln!(
        out,
        "{ind}- name: CONFIG_HASH\n{ind}  value: '{}'",
        hex(rng, 12)
    )?;
    Ok(())
}

fn probe(out: &mut String, kind: &str, path: &str, delay: usize, period: usize) -> fmt::Result {
    let ind = "          ";
    writeln!(out, "{ind}{kind}:\n{ind}  httpGet:\n{ind}    path: {path}")?;
    writeln!(
        out,
        "{ind}    port: http\n{ind}  initialDelaySeconds: {delay}"
    )?;
    writeln!(
        out,
        "{ind}  periodSeconds: {period}\n{ind}  timeoutSeconds: 2"
    )?;
    writeln!(out, "{ind}  failureThreshold: 3")
}

fn resources(out: &mut String, rng: &mut Rng) -> fmt::Result {
    let ind = "          ";
    let (c, m) = (rng.below(CPU.len() - 1), rng.below(MEMORY.len() - 1));
    writeln!(
        out,
        "{ind}resources:\n{ind}  limits:\n{ind}    cpu: {}",
        CPU[c + 1]
    )?;
    writeln!(out, "{ind}    memory: {}\n{ind}  requests:", MEMORY[m + 1])?;
    writeln!(
        out,
        "{ind}    cpu: {}\n{ind}    memory: {}",
        CPU[c], MEMORY[m]
    )
}

fn deployment(
    out: &mut String,
    rng: &mut Rng,
    i: usize,
    name: &str,
    app: &str,
    team: &str,
) -> fmt::Result {
    source(out, &format!("deployments/{name}"))?;
    let version = format!("{}.{}.{}", 1 + rng.below(3), rng.below(40), rng.below(10));
    out.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n");
    writeln!(out, "  name: {name}\n  namespace: {team}\n  labels:")?;
    labels(out, "    ", app, &version)?;
    writeln!(out, "    app.kubernetes.io/component: {}", rng.pick(&ROLES))?;
    writeln!(
        out,
        "  annotations:\n    deployment.kubernetes.io/revision: \"{}\"",
        1 + rng.below(9)
    )?;
    writeln!(
        out,
        "spec:\n  replicas: {}\n  revisionHistoryLimit: 10",
        1 + rng.below(6)
    )?;
    writeln!(
        out,
        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}"
    )?;
    out.push_str("      app.kubernetes.io/instance: big\n");
    out.push_str("  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n");
    out.push_str("      maxSurge: 25%\n      maxUnavailable: 0\n");
    writeln!(out, "  template:\n    metadata:\n      labels:")?;
    writeln!(
        out,
        "        app.kubernetes.io/name: {app}\n        app.kubernetes.io/instance: big"
    )?;
    writeln!(
        out,
        "      annotations:\n        checksum/config: {}",
        hex(rng, 64)
    )?;
    out.push_str("        prometheus.io/scrape: \"true\"\n        prometheus.io/port: \"9090\"\n");
    out.push_str("        sidecar.istio.io/inject: \"true\"\n");
    writeln!(out, "    spec:\n      serviceAccountName: {name}")?;
    // Every 97th document carries a non-ASCII comment; the others an ASCII one.
    let comment = if i % 97 == 13 {
        COMMENTS[4 + (i / 97) % 2]
    } else {
        COMMENTS[rng.below(4)]
    };
    writeln!(out, "      # {comment}")?;
    out.push_str("      securityContext:\n        runAsNonRoot: true\n");
    out.push_str("        runAsUser: 10001\n        fsGroup: 10001\n");
    writeln!(
        out,
        "      terminationGracePeriodSeconds: {}",
        [30, 45, 60][rng.below(3)]
    )?;
    if i.is_multiple_of(5) {
        out.push_str("      initContainers:\n        - name: wait-for-db\n");
        out.push_str("          image: \"registry.example.com/library/busybox:1.36\"\n");
        out.push_str(
            "          command:\n            - /bin/sh\n            - -c\n            - |\n",
        );
        writeln!(out, "              until nc -z {name}-db 5432; do")?;
        out.push_str("                echo \"waiting for the database\"; sleep 2\n");
        out.push_str("              done\n");
    }
    writeln!(out, "      containers:\n        - name: {app}")?;
    writeln!(
        out,
        "          image: \"registry.example.com/big/{app}:{version}\""
    )?;
    out.push_str("          imagePullPolicy: IfNotPresent\n");
    writeln!(out, "          command: [\"/app/{app}\", \"serve\"]")?;
    writeln!(
        out,
        "          args:\n            - --config=/etc/{app}/config.yaml"
    )?;
    writeln!(out, "            - --log-level={}", rng.pick(&LOG_LEVELS))?;
    out.push_str("          ports:\n            - name: http\n              containerPort: 8080\n");
    out.push_str("              protocol: TCP\n            - name: metrics\n");
    out.push_str("              containerPort: 9090\n              protocol: TCP\n");
    out.push_str("          env:\n");
    env(out, rng, name)?;
    resources(out, rng)?;
    probe(out, "livenessProbe", "/healthz", 10 + rng.below(20), 10)?;
    probe(out, "readinessProbe", "/ready", 5, 5)?;
    out.push_str("          lifecycle:\n            preStop:\n              exec:\n");
    out.push_str("                command: [\"/bin/sh\", \"-c\", \"sleep 5\"]\n");
    writeln!(
        out,
        "          volumeMounts:\n            - name: config\n              mountPath: /etc/{app}"
    )?;
    out.push_str("              readOnly: true\n            - name: tmp\n");
    out.push_str("              mountPath: /tmp\n");
    out.push_str("      volumes:\n        - name: config\n          configMap:\n");
    writeln!(
        out,
        "            name: {name}\n        - name: tmp\n          emptyDir: {{}}"
    )?;
    if rng.below(3) == 0 {
        out.push_str("      affinity:\n        podAntiAffinity:\n");
        out.push_str("          preferredDuringSchedulingIgnoredDuringExecution:\n");
        out.push_str("            - weight: 100\n              podAffinityTerm:\n");
        out.push_str("                topologyKey: kubernetes.io/hostname\n");
        writeln!(
            out,
            "                labelSelector:\n                  matchLabels:"
        )?;
        writeln!(out, "                    app.kubernetes.io/name: {app}")?;
    }
    Ok(())
}

fn control_plane(out: &mut String) -> fmt::Result {
    source(out, "tsb/controlplane")?;
    out.push_str(
        "apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata:
  name: controlplane
  namespace: istio-system
  labels:
    app.kubernetes.io/instance: big
    app.kubernetes.io/managed-by: Helm
spec:
  hub: registry.example.com/tetrate
  managementPlane:
    host: tsb.example.com
    port: 8443
    clusterName: big-cluster
    selfSigned: false
  telemetryStore:
    elastic:
      host: elastic.example.com
      port: 443
      version: 7
      protocol: https
  meshExpansion: {}
  # Overlays are applied to the IstioOperator that TSB renders for this cluster.
  components:
    internalCertProvider:
      certManager:
        managed: EXTERNAL
    oap:
      streamingLogEnabled: true
    istio:
      traceSamplingRate: 1.0
      kubeSpec:
        overlays:
          - apiVersion: install.istio.io/v1alpha1
            kind: IstioOperator
            name: tsb-istiocontrolplane
            patches:
              - path: spec.meshConfig.accessLogFile
                value: /dev/stdout
              - path: spec.meshConfig.accessLogEncoding
                value: JSON
              - path: spec.values.global.proxy.resources
                value:
                  requests:
                    cpu: 100m
                    memory: 128Mi
                  limits:
                    cpu: \"2\"
                    memory: 1Gi
    xcp:
      kubeSpec:
        deployment:
          replicas: 2
",
    );
    Ok(())
}

/// The kind of gateway `i`, and the prefix of its name.
fn gateway_kind(i: usize) -> (&'static str, &'static str) {
    match i % 5 {
        0..=2 => ("IngressGateway", "ingress"),
        3 => ("EgressGateway", "egress"),
        _ => ("Tier1Gateway", "tier1"),
    }
}

fn gateway(out: &mut String, rng: &mut Rng, i: usize) -> fmt::Result {
    let (kind, prefix) = gateway_kind(i);
    let name = format!("{prefix}-gw-{i:02}");
    let team = TEAMS[i % TEAMS.len()];
    source(out, &format!("tsb/gateways/{name}"))?;
    out.push_str("apiVersion: install.tetrate.io/v1alpha1\n");
    writeln!(
        out,
        "kind: {kind}\nmetadata:\n  name: {name}\n  namespace: {team}"
    )?;
    out.push_str("  labels:\n    app.kubernetes.io/instance: big\n");
    match i % 4 {
        0 => out.push_str("spec: {}\n"),
        1 => {
            out.push_str("spec:\n  # Gateway pods and service, as TSB renders them.\n");
            out.push_str("  kubeSpec:\n    service:\n      type: LoadBalancer\n");
            out.push_str("      annotations:\n");
            out.push_str("        service.beta.kubernetes.io/aws-load-balancer-type: nlb\n");
            out.push_str("    deployment:\n");
            let min = 1 + rng.below(3);
            writeln!(
                out,
                "      replicas: {min}\n      hpaSpec:\n        minReplicas: {min}"
            )?;
            writeln!(out, "        maxReplicas: {}", min + 2 + rng.below(6))?;
            out.push_str("      resources:\n        requests: {cpu: 200m, memory: 256Mi}\n");
            out.push_str("        limits: {cpu: \"2\", memory: 1Gi}\n");
        }
        _ if kind == "Tier1Gateway" => {
            out.push_str("spec:\n  externalServers:\n");
            writeln!(
                out,
                "    - name: {name}-ext\n      hostname: {name}.example.com"
            )?;
            out.push_str("      port: 443\n      tls:\n        mode: SIMPLE\n");
            writeln!(out, "        secretName: {name}-certs")?;
        }
        _ => {
            out.push_str("spec:\n  kubeSpec:\n    service:\n      type: ClusterIP\n");
            writeln!(out, "  # Istio revision {}", ["default", "canary"][i % 2])?;
            writeln!(out, "  revision: \"1-2{}\"", rng.below(4))?;
        }
    }
    Ok(())
}

fn build(target_bytes: usize) -> Result<String, fmt::Error> {
    let mut rng = Rng(0x6d65_7368_6472_6169); // "meshdrai"
    // The custom resources: one ControlPlane, then the gateways sorted by kind, as Helm does.
    let mut tsb = String::new();
    control_plane(&mut tsb)?;
    let mut gateways: Vec<(&str, String)> = Vec::with_capacity(GATEWAYS);
    for i in 0..GATEWAYS {
        let mut g = String::new();
        gateway(&mut g, &mut rng, i)?;
        gateways.push((gateway_kind(i).0, g));
    }
    gateways.sort_by_key(|(kind, _)| *kind);
    for (_, g) in &gateways {
        tsb.push_str(g);
    }

    let mut services = String::new();
    let mut deployments = String::with_capacity(target_bytes);
    let mut i = 0;
    while services.len() + deployments.len() + tsb.len() < target_bytes {
        let app = format!(
            "{}-{}",
            DOMAINS[i % DOMAINS.len()],
            ROLES[(i / 16) % ROLES.len()]
        );
        let name = format!("{app}-{i:05}");
        let team = TEAMS[(i / 3) % TEAMS.len()];
        // One workload in three (a queue consumer, say) has no Service.
        if i % 3 != 2 {
            service(&mut services, &mut rng, &name, &app, team)?;
        }
        deployment(&mut deployments, &mut rng, i, &name, &app, team)?;
        i += 1;
    }
    services.push_str(&deployments);
    services.push_str(&tsb);
    Ok(services)
}

/// The stream, at least `target_bytes` long (it stops at the first document past the target).
pub fn generate(target_bytes: usize) -> String {
    build(target_bytes).expect("writing to a String cannot fail")
}
