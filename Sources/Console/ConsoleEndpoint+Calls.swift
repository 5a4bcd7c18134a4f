import Foundation
import KeywardCore
import Services

extension ConsoleEndpoint {
    /// Passes the access door with the API operation this page action stands for, as the signed-in identity.
    func perform<T: Sendable>(
        _ request: ConsoleRequest, _ operation: Services.Operation, ram: Bool = false, _ body: @Sendable (AuthorizedCall) async throws -> T
    ) async throws -> T {
        try await services.gateway.perform(operation, request.callContext(ram: ram), body)
    }

    /// A time as the console shows it: `2026-12-01 19:42:00 UTC`.
    static func format(_ date: Date) -> String {
        date.formatted(timeStyle) + " UTC"
    }

    private static let timeStyle = Date.ISO8601FormatStyle(dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon, timeZoneSeparator: .omitted,
                                                           includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!)
        .year().month().day().time(includingFractionalSeconds: false)

    /// The key type as the vendor consoles name it: `RSA`, `ED25519`, `ECDSA`, …
    static func keyTypeName(_ keyType: String) -> String {
        let lowered = keyType.lowercased()
        if lowered.contains("ed25519") { return "ED25519" }
        if lowered.contains("ecdsa") { return "ECDSA" }
        if lowered.contains("rsa") { return "RSA" }
        if lowered.contains("dss") || lowered.contains("dsa") { return "DSA" }
        return keyType.uppercased()
    }

    /// A path segment, percent-encoded for a link.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }
}
