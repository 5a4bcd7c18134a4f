import Foundation

/// The last operation on an instance and how it went, as CVM's `LatestOperation` / `LatestOperationState` report it.
/// Written `operating` when the work begins and `success` or `failed` when it ends; a call refused before any work
/// begins leaves the previous record as it was.
public struct InstanceOperation: Sendable, Hashable, Codable {
    /// What was done, in the control plane's own words; each dialect names it as its vendor does.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case launch, start, stop, reboot, resetPassword, bindKeyPairs, unbindKeyPairs, createImage
    }

    public enum State: String, Sendable, Codable {
        case operating, success, failed
    }

    public let kind: Kind
    public var state: State
    /// Why it failed, in words an owner may read (never host paths or console output).
    public var errorMessage: String?
    public let requestID: String
    public let startTime: Date
    /// The operation stops a running instance to apply a change and starts it again: an interrupted one is finished by
    /// starting the instance, with whichever credentials were committed.
    public var restartsInstance: Bool

    public init(kind: Kind, state: State, errorMessage: String? = nil, requestID: String, startTime: Date, restartsInstance: Bool = false) {
        self.kind = kind
        self.state = state
        self.errorMessage = errorMessage
        self.requestID = requestID
        self.startTime = startTime
        self.restartsInstance = restartsInstance
    }
}
