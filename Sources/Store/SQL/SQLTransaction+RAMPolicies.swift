import Foundation
import KeywardCore

/// RAM custom policies, their versions, and attachments.
extension SQLTransaction {
    // MARK: Policies

    func insertPolicy(_ policy: ManagedPolicy, firstVersion: PolicyVersion, accountID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO ram_policies (account_id, name, description, default_version, last_version, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 1, $5, $6)
                """,
                [.text(accountID), .text(policy.name), .text(policy.description), .text(firstVersion.id), .integer(policy.createdAt.epochSeconds),
                 .integer(policy.updatedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.policy, policy.name)
        }
        try await db.execute(
            "INSERT INTO ram_policy_versions (account_id, policy_name, version_id, document, created_at) VALUES ($1, $2, $3, $4, $5)",
            [.text(accountID), .text(policy.name), .text(firstVersion.id), .text(firstVersion.document), .integer(firstVersion.createdAt.epochSeconds)]
        )
    }

    func customPolicy(named name: String, accountID: String) async throws -> ManagedPolicy? {
        try await db.execute(Self.policySelect + " WHERE p.account_id = $1 AND p.name = $2", [.text(accountID), .text(name)]).first.map(Self.policy)
    }

    func customPolicies(accountID: String) async throws -> [ManagedPolicy] {
        try await db.execute(Self.policySelect + " WHERE p.account_id = $1 ORDER BY p.name", [.text(accountID)]).map(Self.policy)
    }

    func updatePolicy(_ policy: ManagedPolicy, accountID: String) async throws {
        try await db.execute(
            "UPDATE ram_policies SET description = $1, default_version = $2, updated_at = $3 WHERE account_id = $4 AND name = $5",
            [.text(policy.description), .text(policy.defaultVersion), .integer(policy.updatedAt.epochSeconds), .text(accountID), .text(policy.name)]
        )
    }

    func deletePolicy(named name: String, accountID: String) async throws {
        let binds: [SQLValue] = [.text(accountID), .text(name)]
        try await db.execute("DELETE FROM ram_policy_versions WHERE account_id = $1 AND policy_name = $2", binds)
        try await db.execute("DELETE FROM ram_policies WHERE account_id = $1 AND name = $2", binds)
    }

    func insertPolicyVersion(policyName: String, document: String, at date: Date, accountID: String) async throws -> String {
        let binds: [SQLValue] = [.text(accountID), .text(policyName)]
        try await db.execute("UPDATE ram_policies SET last_version = last_version + 1 WHERE account_id = $1 AND name = $2", binds)
        guard let number = try await db.execute("SELECT last_version FROM ram_policies WHERE account_id = $1 AND name = $2", binds).first?
            .integer("last_version")
        else { throw AccessError.notFound(.policy, policyName) }
        let id = "v\(number)"
        try await db.execute(
            "INSERT INTO ram_policy_versions (account_id, policy_name, version_id, document, created_at) VALUES ($1, $2, $3, $4, $5)",
            binds + [.text(id), .text(document), .integer(date.epochSeconds)]
        )
        return id
    }

    func policyVersions(policyName: String, accountID: String) async throws -> [PolicyVersion] {
        try await db.execute(
            """
            SELECT v.version_id, v.document, v.created_at, p.default_version FROM ram_policy_versions v
            JOIN ram_policies p ON p.account_id = v.account_id AND p.name = v.policy_name
            WHERE v.account_id = $1 AND v.policy_name = $2 ORDER BY v.created_at, LENGTH(v.version_id), v.version_id
            """,
            [.text(accountID), .text(policyName)]
        ).map { row in
            let id = try row.text("version_id")
            return PolicyVersion(
                id: id, document: try row.text("document"), createdAt: Date(epochSeconds: try row.integer("created_at")),
                isDefault: id == (try row.text("default_version"))
            )
        }
    }

    func deletePolicyVersion(policyName: String, versionID: String, accountID: String) async throws {
        try await db.execute(
            "DELETE FROM ram_policy_versions WHERE account_id = $1 AND policy_name = $2 AND version_id = $3",
            [.text(accountID), .text(policyName), .text(versionID)]
        )
    }

    private static let policySelect = """
        SELECT p.*, (SELECT COUNT(*) FROM ram_policy_attachments a
                     WHERE a.account_id = p.account_id AND a.policy_type = 'Custom' AND a.policy_name = p.name) AS attachment_count
        FROM ram_policies p
        """

    private static func policy(_ row: SQLRow) throws -> ManagedPolicy {
        ManagedPolicy(
            name: try row.text("name"), origin: .custom, description: try row.text("description"), defaultVersion: try row.text("default_version"),
            attachmentCount: Int(try row.integer("attachment_count")), createdAt: Date(epochSeconds: try row.integer("created_at")),
            updatedAt: Date(epochSeconds: try row.integer("updated_at"))
        )
    }

    // MARK: Attachments

    func attach(_ attachment: PolicyAttachment, accountID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO ram_policy_attachments (account_id, policy_type, policy_name, target_type, target_name, attached_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [.text(accountID), .text(attachment.origin.rawValue), .text(attachment.policyName), .text(attachment.target.kind),
                 .text(attachment.target.name), .integer(attachment.attachedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(attachment.target.attachmentEntity, attachment.policyName)
        }
    }

    func detach(policyName: String, origin: PolicyOrigin, from target: PolicyTarget, accountID: String) async throws -> Bool {
        let binds: [SQLValue] = [.text(accountID), .text(origin.rawValue), .text(policyName), .text(target.kind), .text(target.name)]
        let condition = "account_id = $1 AND policy_type = $2 AND policy_name = $3 AND target_type = $4 AND target_name = $5"
        guard !(try await db.execute("SELECT 1 AS one FROM ram_policy_attachments WHERE " + condition, binds)).isEmpty else { return false }
        try await db.execute("DELETE FROM ram_policy_attachments WHERE " + condition, binds)
        return true
    }

    func attachments(of target: PolicyTarget, accountID: String) async throws -> [PolicyAttachment] {
        try await db.execute(
            "SELECT * FROM ram_policy_attachments WHERE account_id = $1 AND target_type = $2 AND target_name = $3 ORDER BY attached_at, policy_name",
            [.text(accountID), .text(target.kind), .text(target.name)]
        ).map(Self.attachment)
    }

    func attachments(ofPolicy name: String, origin: PolicyOrigin, accountID: String) async throws -> [PolicyAttachment] {
        try await db.execute(
            "SELECT * FROM ram_policy_attachments WHERE account_id = $1 AND policy_type = $2 AND policy_name = $3 ORDER BY attached_at, target_name",
            [.text(accountID), .text(origin.rawValue), .text(name)]
        ).map(Self.attachment)
    }

    private static func attachment(_ row: SQLRow) throws -> PolicyAttachment {
        let name = try row.text("target_name")
        let target: PolicyTarget
        switch try row.text("target_type") {
        case "User": target = .user(name)
        case "Group": target = .group(name)
        default: target = .role(name)
        }
        return PolicyAttachment(
            policyName: try row.text("policy_name"), origin: PolicyOrigin(rawValue: try row.text("policy_type")) ?? .custom, target: target,
            attachedAt: Date(epochSeconds: try row.integer("attached_at"))
        )
    }

    func attachedPolicyDocuments(of target: PolicyTarget, accountID: String) async throws -> [(origin: PolicyOrigin, name: String, document: String?)] {
        try await db.execute(
            """
            SELECT a.policy_type, a.policy_name, v.document FROM ram_policy_attachments a
            LEFT JOIN ram_policies p ON a.policy_type = 'Custom' AND p.account_id = a.account_id AND p.name = a.policy_name
            LEFT JOIN ram_policy_versions v ON v.account_id = p.account_id AND v.policy_name = p.name AND v.version_id = p.default_version
            WHERE a.account_id = $1 AND a.target_type = $2 AND a.target_name = $3 ORDER BY a.attached_at, a.policy_name
            """,
            [.text(accountID), .text(target.kind), .text(target.name)]
        ).map { row in
            (PolicyOrigin(rawValue: try row.text("policy_type")) ?? .custom, try row.text("policy_name"), try row.optionalText("document"))
        }
    }
}
