import Metrics

/// Counts credential applies through swift-metrics (`keyward_credential_applies_total{result,by}`): at each sandbox
/// start, and each time an agent reports an apply.
enum CredentialApplies {
    enum Result: String { case applied, failed }

    static func record(_ result: Result, by applier: String) {
        Counter(label: "keyward_credential_applies_total", dimensions: [("result", result.rawValue), ("by", applier)]).increment()
    }
}
