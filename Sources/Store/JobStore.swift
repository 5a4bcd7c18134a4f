import Foundation
import KeywardCore

/// Jobs in a transaction. Claiming is atomic across servers: on PostgreSQL the row is locked `FOR UPDATE SKIP LOCKED`, on
/// SQLite the write lock is held; a job whose lease has expired is claimable again.
public protocol JobStoreTransaction: Sendable {
    func insertJob(_ job: Job) async throws
    /// Leases the oldest job of `hostID` (or of `Job.anyHost`) that is queued or whose lease expired before `now`, to
    /// `worker` until `leaseUntil`, counting the attempt; nil when there is none.
    func claimJob(hostID: String, worker: String, now: Date, leaseUntil: Date) async throws -> Job?
    /// Extends `worker`'s lease; false when the worker no longer holds it.
    func renewJobLease(id: String, worker: String, until: Date) async throws -> Bool
    /// Settles the job as done or failed; false when `worker` no longer holds its lease (another run took it over).
    func finishJob(id: String, worker: String, state: Job.State, error: String?, at: Date) async throws -> Bool
    func job(id: String) async throws -> Job?
    /// The jobs recorded for these instances, oldest first.
    func jobs(instanceIDs: [String]) async throws -> [Job]
    /// The instances of `hostID` with a job not yet settled.
    func unsettledJobInstanceIDs(hostID: String) async throws -> Set<String>
    /// Makes claimable now the running jobs that the earlier runs of `worker`'s host leased (a worker's name is its host's
    /// id, a slash and its own id): those of `hostID` leased by anyone but `worker`, and any-host jobs leased by a worker of
    /// `hostID`. At a server's start those workers are dead (one process holds a host's data directory). Returns how many
    /// were released.
    func releaseJobLeases(hostID: String, leasedBefore worker: String) async throws -> Int
    /// Forgets settled jobs finished before `date`.
    func purgeSettledJobs(before date: Date) async throws

    /// Records that `worker` (of `hostID`) runs at `date`.
    func recordHeartbeat(hostID: String, worker: String, at date: Date) async throws
    /// Forgets `worker`'s heartbeat (it stops); a later worker of its host keeps its own.
    func deleteHeartbeat(hostID: String, worker: String) async throws
    /// The hosts whose worker recorded a heartbeat after `date`, with the time of it.
    func heartbeats(after date: Date) async throws -> [(hostID: String, seenAt: Date)]
}
