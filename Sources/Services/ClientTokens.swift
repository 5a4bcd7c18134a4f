import Crypto
import Foundation
import KeywardCore
import Store

/// ClientToken idempotence, as ECS documents it: a call repeated with the token of an earlier one returns that call's
/// result and changes nothing; the same token with other parameters is `IdempotentParameterMismatch`. The result is
/// recorded in the transaction that makes the change, and writes are serialised, so two racing calls with one token
/// make one change. Tokens are kept for `lifetime`.
public struct ClientToken: Sendable {
    public let token: String
    /// SHA-256 of the call's parameters (a password as its own digest, never in clear).
    public let digest: String

    public static let lifetime: TimeInterval = 24 * 3600

    /// Checks the token (1 to 64 printable ASCII characters) and digests the parameters that define the call.
    public init(_ token: String, parameters: [String]) throws(DomainError) {
        guard (1...64).contains(token.utf8.count), token.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .invalidParameter(name: "ClientToken", reason: "must be 1 to 64 printable ASCII characters")
        }
        self.token = token
        let joined = parameters.map { "\($0.utf8.count):\($0)" }.joined()
        self.digest = SHA256.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of a secret parameter, to put among `parameters`.
    public static func secretDigest(_ secret: String?) -> String {
        secret.map { SHA256.hash(data: Data($0.utf8)).map { String(format: "%02x", $0) }.joined() } ?? "-"
    }

    /// The earlier call's result, inside the write transaction that would make the change; nil when the token is new.
    func previous(action: String, accountID: String, in tx: any StoreTransaction) async throws -> [String]? {
        guard let found = try await tx.clientTokenResult(accountID: accountID, action: action, token: token) else { return nil }
        guard found.digest == digest else { throw DomainError.idempotentParameterMismatch }
        return found.result
    }

    /// Records `result` as this token's, in the transaction that made the change.
    func record(_ result: [String], action: String, accountID: String, in tx: any StoreTransaction) async throws {
        let now = Date()
        try await tx.purgeClientTokens(before: now.addingTimeInterval(-Self.lifetime))
        try await tx.insertClientTokenResult(accountID: accountID, action: action, token: token, digest: digest, result: result, at: now)
    }
}
