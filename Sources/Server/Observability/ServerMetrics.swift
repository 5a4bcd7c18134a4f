import Dialects
import DialectWire
import Foundation
import KeywardCore
import Prometheus
import Store

/// The server's Prometheus metrics, every name prefixed `keyward_`. Request counters are updated as requests end;
/// what the store knows (instances by state, agent hosts by last-seen age) is read at each scrape.
public struct ServerMetrics: Sendable {
    /// The registry `/metrics` renders; `keyward serve` also routes swift-metrics into it.
    public let registry: PrometheusCollectorRegistry

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]
    static let agentAgeBuckets = ["0-1m": 60.0, "1-5m": 300.0, "5-60m": 3600.0]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Counts one finished API request and its latency.
    public func record(_ outcome: RequestOutcome, duration: Duration) {
        registry.makeCounter(
            name: "keyward_requests_total",
            labels: [("dialect", outcome.dialect), ("action", outcome.action), ("code", outcome.code)],
            help: "API requests by dialect, action and error code (OK when it succeeded)"
        ).increment()
        registry.makeDurationHistogram(
            name: "keyward_request_duration_seconds",
            labels: [("dialect", outcome.dialect), ("action", outcome.action)],
            buckets: Self.latencyBuckets,
            help: "API request latency"
        ).record(duration)
        if let reason = outcome.authenticationFailure {
            registry.makeCounter(
                name: "keyward_signature_failures_total", labels: [("dialect", outcome.dialect), ("reason", reason)],
                help: "Requests refused by the signature check, by reason"
            ).increment()
            if reason == "replay" {
                registry.makeCounter(name: "keyward_replay_refusals_total", labels: [("dialect", outcome.dialect)],
                                     help: "Requests refused because their nonce was already used").increment()
            }
        }
    }

    /// Sets the gauges that describe the store's state, then renders every metric in the text exposition format.
    public func render(store: any Store, now: Date = Date()) async -> [UInt8] {
        if let (counts, agents) = try? await store.read({ tx in (try await tx.instanceCountsByStatus(), try await tx.agentBindings()) }) {
            for status in InstanceStatus.allCases {
                registry.makeGauge(name: "keyward_instances", labels: [("status", status.rawValue)], help: "Instances by status")
                    .set(Double(counts[status] ?? 0))
            }
            var ages = Dictionary(uniqueKeysWithValues: (Array(Self.agentAgeBuckets.keys) + ["over-60m", "never"]).map { ($0, 0) })
            for agent in agents { ages[Self.ageBucket(agent.lastSeen.map { now.timeIntervalSince($0) }), default: 0] += 1 }
            for (age, count) in ages {
                registry.makeGauge(name: "keyward_agent_hosts", labels: [("last_seen", age)], help: "Agent hosts by the age of their last report")
                    .set(Double(count))
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    static func ageBucket(_ age: TimeInterval?) -> String {
        guard let age else { return "never" }
        for (name, limit) in agentAgeBuckets.sorted(by: { $0.value < $1.value }) where age < limit { return name }
        return "over-60m"
    }
}
