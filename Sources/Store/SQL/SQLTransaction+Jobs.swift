import Foundation
import KeywardCore

extension SQLTransaction {
    func insertJob(_ job: Job) async throws {
        try await db.execute(
            """
            INSERT INTO jobs (id, kind, host_id, instance_id, boot, request_id, state, attempts, lease_owner, lease_expires_at, error,
                              created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
            """,
            [.text(job.id), .text(job.kind.rawValue), .text(job.hostID), .text(job.instanceID), .integer(job.boot ? 1 : 0), .text(job.requestID),
             .text(job.state.rawValue), .integer(Int64(job.attempts)), job.leaseOwner.map(SQLValue.text) ?? .null,
             job.leaseExpiresAt.map { .integer($0.epochMilliseconds) } ?? .null, job.error.map(SQLValue.text) ?? .null,
             .integer(job.createdAt.epochMilliseconds)]
        )
    }

    func claimJob(hostID: String, worker: String, now: Date, leaseUntil: Date) async throws -> Job? {
        let lock = db.backend == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await db.execute(
            """
            UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1, updated_at = $3
            WHERE id = (
                SELECT id FROM jobs
                WHERE host_id IN ($4, $5) AND (state = 'queued' OR (state = 'running' AND lease_expires_at < $3))
                ORDER BY created_at, id LIMIT 1\(lock)
            )
            RETURNING *
            """,
            [.text(worker), .integer(leaseUntil.epochMilliseconds), .integer(now.epochMilliseconds), .text(hostID), .text(Job.anyHost)]
        )
        return try rows.first.map(Self.job)
    }

    func renewJobLease(id: String, worker: String, until: Date) async throws -> Bool {
        !(try await db.execute(
            "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running' RETURNING id",
            [.integer(until.epochMilliseconds), .text(id), .text(worker)]
        )).isEmpty
    }

    func finishJob(id: String, worker: String, state: Job.State, error: String?, at date: Date) async throws -> Bool {
        !(try await db.execute(
            """
            UPDATE jobs SET state = $1, error = $2, lease_owner = NULL, lease_expires_at = NULL, updated_at = $3
            WHERE id = $4 AND lease_owner = $5 AND state = 'running' RETURNING id
            """,
            [.text(state.rawValue), error.map(SQLValue.text) ?? .null, .integer(date.epochMilliseconds), .text(id), .text(worker)]
        )).isEmpty
    }

    func job(id: String) async throws -> Job? {
        try await db.execute("SELECT * FROM jobs WHERE id = $1", [.text(id)]).first.map(Self.job)
    }

    func jobs(instanceIDs: [String]) async throws -> [Job] {
        guard !instanceIDs.isEmpty else { return [] }
        var binds = SQLBinds()
        let list = instanceIDs.map { binds.add($0) }.joined(separator: ", ")
        return try await db.execute("SELECT * FROM jobs WHERE instance_id IN (\(list)) ORDER BY created_at, id", binds.values).map(Self.job)
    }

    func unsettledJobInstanceIDs(hostID: String) async throws -> Set<String> {
        Set(try await db.execute(
            "SELECT instance_id FROM jobs WHERE host_id = $1 AND state IN ('queued', 'running')", [.text(hostID)]
        ).map { try $0.text("instance_id") })
    }

    func releaseJobLeases(hostID: String, leasedBefore worker: String) async throws -> Int {
        // A worker's name starts with its host's id and a slash.
        try await db.execute(
            """
            UPDATE jobs SET lease_expires_at = 0
            WHERE state = 'running' AND lease_owner <> $2 AND (host_id = $1 OR SUBSTR(lease_owner, 1, LENGTH($3)) = $3) RETURNING id
            """,
            [.text(hostID), .text(worker), .text(hostID + "/")]
        ).count
    }

    func purgeSettledJobs(before date: Date) async throws {
        try await db.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < $1", [.integer(date.epochMilliseconds)])
    }

    func recordHeartbeat(hostID: String, worker: String, at date: Date) async throws {
        try await db.execute(
            """
            INSERT INTO server_heartbeats (host_id, worker_id, seen_at) VALUES ($1, $2, $3)
            ON CONFLICT (host_id) DO UPDATE SET worker_id = excluded.worker_id, seen_at = excluded.seen_at
            """,
            [.text(hostID), .text(worker), .integer(date.epochMilliseconds)]
        )
    }

    func deleteHeartbeat(hostID: String, worker: String) async throws {
        try await db.execute("DELETE FROM server_heartbeats WHERE host_id = $1 AND worker_id = $2", [.text(hostID), .text(worker)])
    }

    func heartbeats(after date: Date) async throws -> [(hostID: String, seenAt: Date)] {
        try await db.execute(
            "SELECT host_id, seen_at FROM server_heartbeats WHERE seen_at > $1 ORDER BY host_id", [.integer(date.epochMilliseconds)]
        ).map { row in (hostID: try row.text("host_id"), seenAt: Date(timeIntervalSince1970: Double(try row.integer("seen_at")) / 1000)) }
    }

    static func job(_ row: SQLRow) throws -> Job {
        guard let kind = Job.Kind(rawValue: try row.text("kind")) else { throw StoreError.corruptRow("kind") }
        return Job(
            id: try row.text("id"),
            kind: kind,
            hostID: try row.text("host_id"),
            instanceID: try row.text("instance_id"),
            boot: try row.integer("boot") != 0,
            requestID: try row.text("request_id"),
            state: Job.State(rawValue: try row.text("state")) ?? .failed,
            attempts: Int(try row.integer("attempts")),
            leaseOwner: try row.optionalText("lease_owner"),
            leaseExpiresAt: try row.optionalInteger("lease_expires_at").map { Date(timeIntervalSince1970: Double($0) / 1000) },
            error: try row.optionalText("error"),
            createdAt: Date(timeIntervalSince1970: Double(try row.integer("created_at")) / 1000)
        )
    }
}
