import Dialects
import Foundation
import KeywardCore
import Services

/// One signed-in request as a page handler sees it.
struct ConsoleRequest: Sendable {
    let session: ConsoleSession
    let whoami: String
    let form: FormFields
    let query: FormFields
    let parameters: [String: String]
    let sourceIP: String
    let secure: Bool
    let regionID: String
    let path: String

    /// The call context the access door and the audit trail see: the session's identity, from the browser's address.
    func callContext(ram: Bool = false) -> CallContext {
        CallContext(
            principal: ConsoleSignIn.principal(of: session), sourceIP: sourceIP, secureTransport: secure, requestID: RandomUUID.string(),
            regionID: regionID, apiVersion: "console", describeError: { AlibabaRPCDialect.describeFailure($0, ram: ram) }
        )
    }

    func parameter(_ name: String) throws -> String {
        guard let value = parameters[name], !value.isEmpty else { throw ConsoleFailure.notFound }
        return value.removingPercentEncoding ?? value
    }
}

/// A failure of the console itself (not of a use case).
enum ConsoleFailure: Error {
    case notFound
    case missingField(String)
}
