import Foundation
import Instances
import KeywardCore

/// Launch jobs: the part of RunInstances and CreateInstance that happens after the call, on the instance's host.
extension InstanceService {
    /// Waits (bounded) for the launch jobs of `instanceIDs` to settle and returns how many failed.
    func settledLaunches(_ instanceIDs: [String]) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(600)
        while true {
            let jobs = try await store.read { tx in try await tx.jobs(instanceIDs: instanceIDs) }.filter { $0.kind == .launch }
            if jobs.allSatisfy(\.isSettled) { return jobs.filter { $0.state == .failed }.count }
            guard ContinuousClock.now < deadline else { throw DomainError.internalFailure("the launch of \(instanceIDs.count) instances did not settle") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Jobs

    /// Runs one of this host's jobs (the worker calls it). Run twice, it reaches the same end: a disk half made by a run
    /// that died is made again, an instance already Running is left alone.
    public func runJob(_ job: Job) async throws {
        switch job.kind {
        case .launch: try await launch(job)
        case .start, .stop, .reboot, .delete: try await runDelegated(job)
        case .scalingActivity, .scalingGroupDeletion: throw DomainError.internalFailure("\(job.kind) is Auto Scaling's job, not an instance's")
        }
    }

    /// Settles a job whose runs all ended without finishing (see `JobWorker.Abandon`): an instance left Pending or
    /// Starting is Stopped with the reason as its start failure, and the call's operation fails.
    public func abandonJob(_ job: Job, reason: String) async {
        let instanceID = job.instanceID
        let failure = DomainError.internalFailure(reason)
        do {
            try await store.write { tx in
                guard var current = try await tx.instance(id: instanceID, accountID: nil),
                      current.status == .pending || current.status == .starting
                else { return }
                current.status = .stopped
                if current.startFailure == nil { current.startFailure = "The instance could not be started: \(reason)." }
                try await tx.updateInstance(current)
            }
            try await finishOperation(instanceID, requestID: job.requestID, failure: failure)
        } catch {
            logger.error("abandoned job not settled", metadata: ["instance": "\(instanceID)", "job": "\(job.id)", "error": "\(error)"])
        }
        logger.error("instance job given up", metadata: ["instance": "\(instanceID)", "job": "\(job.kind.rawValue)", "reason": "\(reason)"])
    }

    private func launch(_ job: Job) async throws {
        let instanceID = job.instanceID
        do {
            try await exclusive(instanceID) {
                // Released meanwhile: nothing is left to do.
                guard let instance = try await self.store.read({ tx in try await tx.instance(id: instanceID, accountID: nil) }) else { return }
                var endpoint = instance.endpoint
                if instance.osType == .linux, endpoint == nil {
                    if job.attempts > 1 { try? await self.driver.destroy(instanceID: instanceID) }
                    endpoint = try await self.driver.createDisk(instanceID: instanceID, imageID: instance.imageID)
                }
                let made = endpoint
                try await self.store.write { tx in
                    guard var current = try await tx.instance(id: instanceID, accountID: nil) else { return }
                    current.endpoint = made
                    if !job.boot, current.status == .pending { current.status = .stopped }
                    try await tx.updateInstance(current)
                }
            }
            if job.boot {
                let status = try await store.read { tx in try await tx.instance(id: instanceID, accountID: nil) }?.status
                if let status, status == .pending || status == .starting {
                    // A run that died may have left the system half booted: it is stopped before booting again.
                    if job.attempts > 1 { try? await driver.stop(instanceID: instanceID) }
                    try await boot(instanceID, from: [.pending, .starting])
                }
            }
            try await finishOperation(instanceID, requestID: job.requestID, failure: nil)
        } catch {
            try? await store.write { tx in
                guard var current = try await tx.instance(id: instanceID, accountID: nil) else { return }
                if current.status == .pending || current.status == .starting { current.status = .stopped }
                if current.startFailure == nil { current.startFailure = Self.startFailure(error) }
                try await tx.updateInstance(current)
            }
            try? await finishOperation(instanceID, requestID: job.requestID, failure: error)
            logger.error("instance launch failed", metadata: ["instance": "\(instanceID)", "error": "\(error)"])
            throw error
        }
    }
}
