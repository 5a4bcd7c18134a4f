import DialectWire
import Foundation
import KeywardCore
import Services

/// Verifies who signed a Tencent request (TC3-HMAC-SHA256, or the legacy HmacSHA1/HmacSHA256 form) and that it is
/// within five minutes; its nonce goes with the call to the gateway, which refuses a replay. A SecretId is any Keyward
/// AccessKey id.
struct TencentAuthenticator: Sendable {
    let credentials: CredentialService
    let now: @Sendable () -> Date

    /// The product in TC3 credential scopes.
    static let service = "cvm"

    /// Tencent's documented clock window.
    static let freshnessWindow: TimeInterval = 300

    /// The request's signer and its nonce.
    func authenticate(_ request: TencentRequest, message: HTTPRequestMessage) async throws -> (Principal, NonceTicket) {
        switch request.scheme {
        case .tc3(let authorization, let timestamp):
            try checkFreshness(timestamp)
            guard authorization.signedHeaders.contains("host"), authorization.signedHeaders.contains("content-type") else { throw TencentError.invalidAuthorization }
            // The parameters are read from the body, so the body must be signed.
            guard message.header("x-tc-content-sha256") == nil else { throw TencentError.signatureFailure }
            let credential = try await resolve(authorization.secretID, token: message.header("x-tc-token"))
            let canonical = TencentSignature.tc3CanonicalRequest(
                method: message.method, path: message.path, rawQuery: message.method == "GET" ? message.rawQuery : "",
                signedHeaders: authorization.signedHeaders, headerValue: { message.header($0) },
                payload: message.body
            )
            let stringToSign = TencentSignature.tc3StringToSign(
                timestamp: timestamp, date: authorization.date, service: authorization.service, canonicalRequest: canonical
            )
            let expected = TencentSignature.tc3Signature(secret: credential.secret, date: authorization.date, service: authorization.service, stringToSign: stringToSign)
            // The credential scope names the product the request is for, and the day of its timestamp.
            guard ConstantTime.equals(Array(expected.utf8), Array(authorization.signature.utf8)), Self.dateMatches(authorization.date, timestamp),
                  authorization.service == Self.service
            else {
                throw TencentError.signatureFailure
            }
            try check(credential.tokenRefusal)
            // TC3 carries no nonce and signs neither the action nor the region, and an SDK legitimately sends the same
            // signature for different actions with one body within a second: only an exact resend (same signature and
            // trace id) is refused. Against replays by whoever can see the traffic, TLS is the protection.
            let nonce = "tc3:\(authorization.signature):\((message.header("x-tc-traceid") ?? "").prefix(64))"
            return (credential.principal, ticket(nonce, accessKeyID: authorization.secretID))

        case .legacy(let method, let secretID, let nonce, let timestamp, let signature, let pairs):
            try checkFreshness(timestamp)
            let credential = try await resolve(secretID, token: pairs.first { $0.name == "Token" }?.value)
            let stringToSign = TencentSignature.legacyStringToSign(method: message.method, host: message.header("host") ?? "", path: message.path, parameters: pairs)
            let expected = TencentSignature.legacySignature(secret: credential.secret, method: method, stringToSign: stringToSign)
            guard ConstantTime.equals(Array(expected.utf8), Array(signature.utf8)) else { throw TencentError.signatureFailure }
            try check(credential.tokenRefusal)
            return (credential.principal, ticket("v1:\(nonce)", accessKeyID: secretID))
        }
    }

    private func checkFreshness(_ timestamp: String) throws(TencentError) {
        guard timestamp.count <= 12, timestamp.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(timestamp) else {
            throw TencentError("InvalidParameter", "The timestamp `\(timestamp.prefix(20))` is not a Unix time in seconds.")
        }
        guard abs(now().timeIntervalSince1970 - TimeInterval(seconds)) <= Self.freshnessWindow else { throw .signatureExpire }
    }

    /// The credential scope's date is the UTC day of the timestamp.
    private static func dateMatches(_ date: String, _ timestamp: String) -> Bool {
        guard let seconds = TimeInterval(timestamp) else { return false }
        return ECSTime.format(Date(timeIntervalSince1970: seconds), seconds: true).prefix(10) == date
    }

    private func resolve(_ id: String, token: String?) async throws -> CredentialService.Credential {
        do {
            return try await credentials.authenticate(accessKeyID: id, securityToken: token, now: now())
        } catch let refusal as CredentialService.Refusal {
            switch refusal {
            case .unknownAccessKey, .inactiveAccessKey: throw TencentError.secretIDNotFound
            default: throw TencentError.tokenFailure
            }
        }
    }

    private func check(_ refusal: CredentialService.Refusal?) throws(TencentError) {
        if refusal != nil { throw .tokenFailure }
    }

    private func ticket(_ nonce: String, accessKeyID: String) -> NonceTicket {
        NonceTicket(SignatureNonce(String(nonce.prefix(200)), accessKeyID: accessKeyID, time: now()))
    }
}
