import DialectWire
import Foundation
import KeywardCore
import Services

/// Verifies who signed a request (v1 HMAC-SHA1 or v3 ACS3-HMAC-SHA256) and that it is fresh; its nonce goes with the
/// call to the gateway, which refuses a replay. Nothing is changed for a request that fails any check.
struct RPCAuthenticator: Sendable {
    let credentials: CredentialService
    let now: @Sendable () -> Date

    /// Headers a v3 client must sign, so that none of the request's meaning can be changed in transit.
    static let requiredSignedHeaders = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]

    /// The request's signer and its nonce.
    func authenticate(_ request: RPCRequest, message: HTTPRequestMessage) async throws -> (Principal, NonceTicket) {
        switch request.scheme {
        case .v1:
            let parameters = request.parameters
            guard parameters.optional("SignatureMethod") == "HMAC-SHA1" else {
                if parameters.optional("SignatureMethod") == nil { throw RPCError.missingParameter("SignatureMethod") }
                throw RPCError.unsupportedSignatureMethod
            }
            if let version = parameters.optional("SignatureVersion"), version != "1.0" { throw RPCError.invalidParameter("SignatureVersion") }
            let accessKeyID = try parameters.required("AccessKeyId")
            let timestamp = try parameters.required("Timestamp")
            let nonce = try parameters.required("SignatureNonce")
            let signature = try parameters.required("Signature")
            try checkFreshness(timestamp)
            let credential = try await resolve(accessKeyID, securityToken: parameters.optional("SecurityToken"))
            let stringToSign = AlibabaSignature.v1StringToSign(method: message.method, parameters: request.signedPairs)
            let expected = AlibabaSignature.v1Signature(stringToSign: stringToSign, secret: credential.secret)
            guard ConstantTime.equals(Array(expected.utf8), Array(signature.utf8)) else {
                throw RPCError.signatureDoesNotMatch(stringToSign: stringToSign)
            }
            try Self.check(credential.tokenRefusal)
            return (credential.principal, try ticket(nonce, accessKeyID: accessKeyID))

        case .v3(let authorization):
            guard authorization.algorithm == "ACS3-HMAC-SHA256" else { throw RPCError.unsupportedSignatureMethod }
            for name in Self.requiredSignedHeaders where !authorization.signedHeaders.contains(name) {
                throw RPCError(status: 400, code: "IncompleteSignature", message: "The request signature does not conform to Aliyun standards. Header \"\(name)\" must be signed.")
            }
            guard let date = message.header("x-acs-date") else { throw RPCError.missingParameter("x-acs-date") }
            guard let nonce = message.header("x-acs-signature-nonce"), !nonce.isEmpty else { throw RPCError.missingParameter("x-acs-signature-nonce") }
            try checkFreshness(date)
            if message.header("x-acs-security-token") != nil, !authorization.signedHeaders.contains("x-acs-security-token") {
                throw RPCError(status: 400, code: "IncompleteSignature", message: "The request signature does not conform to Aliyun standards. Header \"x-acs-security-token\" must be signed.")
            }
            let token = message.header("x-acs-security-token") ?? request.parameters.optional("SecurityToken")
            let credential = try await resolve(authorization.accessKeyID, securityToken: token)
            let bodyHash = AlibabaSignature.sha256Hex(message.body)
            let canonical = AlibabaSignature.v3CanonicalRequest(
                method: message.method,
                path: message.path,
                query: request.queryPairs,
                signedHeaders: authorization.signedHeaders,
                headerValues: message.headerValues,
                payloadHash: message.header("x-acs-content-sha256") ?? bodyHash
            )
            let stringToSign = AlibabaSignature.v3StringToSign(algorithm: authorization.algorithm, canonicalRequest: canonical)
            let expected = AlibabaSignature.v3Signature(stringToSign: stringToSign, secret: credential.secret)
            guard ConstantTime.equals(Array(expected.utf8), Array(authorization.signature.lowercased().utf8)),
                  message.header("x-acs-content-sha256") == bodyHash
            else {
                throw RPCError.signatureDoesNotMatch(stringToSign: stringToSign)
            }
            try Self.check(credential.tokenRefusal)
            return (credential.principal, try ticket(nonce, accessKeyID: authorization.accessKeyID))
        }
    }

    private func checkFreshness(_ timestamp: String) throws(RPCError) {
        guard let seconds = UTCTimestamp.parse(timestamp) else { throw .timestampFormat }
        let skew = abs(now().timeIntervalSince1970 - TimeInterval(seconds))
        guard skew <= NonceRegistry.freshnessWindow else { throw .timestampExpired }
    }

    private func resolve(_ id: String, securityToken: String?) async throws -> CredentialService.Credential {
        do {
            return try await credentials.authenticate(accessKeyID: id, securityToken: securityToken, now: now())
        } catch let refusal as CredentialService.Refusal {
            throw Self.rpcError(refusal)
        }
    }

    /// Refuses a signed request whose security token was wrong (checked after the signature).
    private static func check(_ refusal: CredentialService.Refusal?) throws(RPCError) {
        if let refusal { throw rpcError(refusal) }
    }

    private static func rpcError(_ refusal: CredentialService.Refusal) -> RPCError {
        switch refusal {
        case .unknownAccessKey: .accessKeyNotFound
        case .inactiveAccessKey: .accessKeyInactive
        case .missingSecurityToken: .missingSecurityToken
        case .malformedSecurityToken: .malformedSecurityToken
        case .securityTokenMismatch: .mismatchedSecurityToken
        case .securityTokenExpired: .expiredSecurityToken
        }
    }

    private func ticket(_ nonce: String, accessKeyID: String) throws(RPCError) -> NonceTicket {
        guard nonce.utf8.count <= 128 else { throw .invalidParameter("SignatureNonce") }
        return NonceTicket(SignatureNonce(nonce, accessKeyID: accessKeyID, time: now()))
    }
}
