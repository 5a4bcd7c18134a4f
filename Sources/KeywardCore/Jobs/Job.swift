import Foundation

/// Work that outlives the call that asked for it: recorded in the database with the call's change, run under a lease by
/// a worker of the host that owns the instance (or by any server's, for Auto Scaling's work), and run again (to the same
/// end) by another worker when a lease expires because its worker died.
public struct Job: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Give a new instance its disk, then boot it (RunInstances) or leave it Stopped (CreateInstance).
        case launch
        /// A call another server took for an instance of this host: StartInstance, StopInstance, RebootInstance,
        /// DeleteInstance (its checks passed when the call was taken).
        case start, stop, reboot, delete
        /// A scaling activity to carry out (its id in `instanceID`), by any server.
        case scalingActivity
        /// A scaling group marked Deleting to finish deleting (its id in `instanceID`), by any server.
        case scalingGroupDeletion

        /// Auto Scaling's work, which no host owns.
        public var isAutoScaling: Bool { self == .scalingActivity || self == .scalingGroupDeletion }
    }

    /// The host of a job any server's worker may run.
    public static let anyHost = ""

    public enum State: String, Sendable, Codable {
        case queued, running, done, failed
    }

    public let id: String
    public let kind: Kind
    /// The host whose worker runs it (`anyHost`: any server's).
    public let hostID: String
    /// The instance it is for, or the scaling activity or group of an Auto Scaling job.
    public let instanceID: String
    /// Whether the instance boots once its disk exists.
    public let boot: Bool
    /// The request that asked for it (for the instance's latest operation).
    public let requestID: String
    public var state: State
    public var attempts: Int
    /// The worker holding the lease, and until when.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var error: String?
    public let createdAt: Date

    public init(kind: Kind, hostID: String, instanceID: String, boot: Bool, requestID: String, now: Date) {
        self.id = ResourceID.make(prefix: "job")
        self.kind = kind
        self.hostID = hostID
        self.instanceID = instanceID
        self.boot = boot
        self.requestID = requestID
        self.state = .queued
        self.attempts = 0
        self.leaseOwner = nil
        self.leaseExpiresAt = nil
        self.error = nil
        self.createdAt = now
    }

    public init(
        id: String, kind: Kind, hostID: String, instanceID: String, boot: Bool, requestID: String, state: State, attempts: Int,
        leaseOwner: String?, leaseExpiresAt: Date?, error: String?, createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.hostID = hostID
        self.instanceID = instanceID
        self.boot = boot
        self.requestID = requestID
        self.state = state
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.error = error
        self.createdAt = createdAt
    }

    /// Finished, one way or the other.
    public var isSettled: Bool { state == .done || state == .failed }
}
