import Dialects
import DialectWire
import Foundation

/// The fields of an `application/x-www-form-urlencoded` body or a query string. Repeated names keep every value.
struct FormFields: Sendable {
    private var values: [String: [String]] = [:]

    init() {}

    /// A body with a malformed escape has no fields (a browser never sends one).
    init(urlEncoded text: String) {
        for (name, value) in PercentEncoding.formPairs(text) ?? [] {
            values[name, default: []].append(value)
        }
    }

    /// The first value, trimmed of surrounding white space; nil when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// The first value exactly as sent (passwords, key bodies).
    func raw(_ name: String) -> String? { values[name]?.first }

    /// Every value of a repeated field (checkboxes).
    func all(_ name: String) -> [String] { values[name] ?? [] }

    func flag(_ name: String) -> Bool { ["on", "true", "1", "yes"].contains(values[name]?.first ?? "") }
}
