import Foundation
import KeywardCore

/// Role sessions, the resource directory and its control policies, and the audit trail.
extension SQLTransaction {
    // MARK: Role sessions

    func insertRoleSession(_ session: RoleSession, sealedSecret: [UInt8]) async throws {
        try await db.execute(
            """
            INSERT INTO role_sessions (access_key_id, account_id, role_name, role_id, session_name, session_policy, token_hash, sealed_secret,
                                       expires_at, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [.text(session.accessKeyID), .text(session.accountID), .text(session.roleName), .text(session.roleID), .text(session.sessionName),
             session.sessionPolicy.map(SQLValue.text) ?? .null, .text(session.tokenHash), .blob(sealedSecret), .integer(session.expiresAt.epochSeconds),
             .integer(session.createdAt.epochSeconds)]
        )
    }

    func roleSession(accessKeyID: String) async throws -> (session: RoleSession, sealedSecret: [UInt8])? {
        guard let row = try await db.execute("SELECT * FROM role_sessions WHERE access_key_id = $1", [.text(accessKeyID)]).first else { return nil }
        let session = RoleSession(
            accessKeyID: try row.text("access_key_id"), accountID: try row.text("account_id"), roleName: try row.text("role_name"),
            roleID: try row.text("role_id"), sessionName: try row.text("session_name"), sessionPolicy: try row.optionalText("session_policy"),
            tokenHash: try row.text("token_hash"), expiresAt: Date(epochSeconds: try row.integer("expires_at")),
            createdAt: Date(epochSeconds: try row.integer("created_at"))
        )
        return (session, try row.blob("sealed_secret"))
    }

    func purgeRoleSessions(expiredBefore date: Date) async throws {
        try await db.execute("DELETE FROM role_sessions WHERE expires_at < $1", [.integer(date.epochSeconds)])
    }

    // MARK: Directory

    func insertDirectory(_ directory: ResourceDirectory, rootFolder: DirectoryFolder, management: MemberAccount) async throws {
        do {
            try await db.execute(
                "INSERT INTO resource_directories (id, management_account_id, root_folder_id, control_policies_enabled, created_at) VALUES ($1, $2, $3, $4, $5)",
                [.text(directory.id), .text(directory.managementAccountID), .text(directory.rootFolderID), .integer(directory.controlPoliciesEnabled ? 1 : 0),
                 .integer(directory.createdAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.resourceDirectory, directory.managementAccountID)
        }
        try await insertFolder(rootFolder, directoryID: directory.id)
        try await insertMember(management, directoryID: directory.id)
    }

    func directory(ofAccount accountID: String) async throws -> ResourceDirectory? {
        try await db.execute(
            """
            SELECT d.* FROM resource_directories d WHERE d.management_account_id = $1
               OR d.id = (SELECT m.directory_id FROM directory_members m WHERE m.account_id = $1)
            """,
            [.text(accountID)]
        ).first.map { row in
            ResourceDirectory(
                id: try row.text("id"), managementAccountID: try row.text("management_account_id"), rootFolderID: try row.text("root_folder_id"),
                controlPoliciesEnabled: try row.integer("control_policies_enabled") != 0, createdAt: Date(epochSeconds: try row.integer("created_at"))
            )
        }
    }

    func setControlPolicies(enabled: Bool, directoryID: String) async throws {
        try await db.execute("UPDATE resource_directories SET control_policies_enabled = $1 WHERE id = $2", [.integer(enabled ? 1 : 0), .text(directoryID)])
    }

    func insertFolder(_ folder: DirectoryFolder, directoryID: String) async throws {
        if let parent = folder.parentID {
            let siblings = try await folders(parentID: parent, directoryID: directoryID)
            guard !siblings.contains(where: { $0.name == folder.name }) else { throw AccessError.alreadyExists(.folder, folder.name) }
        }
        try await db.execute(
            "INSERT INTO directory_folders (id, directory_id, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            [.text(folder.id), .text(directoryID), .text(folder.name), folder.parentID.map(SQLValue.text) ?? .null, .integer(folder.createdAt.epochSeconds)]
        )
    }

    func folder(id: String, directoryID: String) async throws -> DirectoryFolder? {
        try await db.execute("SELECT * FROM directory_folders WHERE id = $1 AND directory_id = $2", [.text(id), .text(directoryID)]).first.map(Self.folder)
    }

    func folders(parentID: String, directoryID: String) async throws -> [DirectoryFolder] {
        try await db.execute(
            "SELECT * FROM directory_folders WHERE parent_id = $1 AND directory_id = $2 ORDER BY created_at, id", [.text(parentID), .text(directoryID)]
        ).map(Self.folder)
    }

    private static func folder(_ row: SQLRow) throws -> DirectoryFolder {
        DirectoryFolder(
            id: try row.text("id"), name: try row.text("name"), parentID: try row.optionalText("parent_id"),
            createdAt: Date(epochSeconds: try row.integer("created_at"))
        )
    }

    func insertMember(_ member: MemberAccount, directoryID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO directory_members (account_id, directory_id, display_name, folder_id, join_method, member_type, joined_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [.text(member.id), .text(directoryID), .text(member.displayName), .text(member.folderID), .text(member.joinMethod), .text(member.type),
                 .integer(member.joinedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.account, member.displayName)
        }
    }

    func member(accountID: String) async throws -> MemberAccount? {
        try await db.execute("SELECT * FROM directory_members WHERE account_id = $1", [.text(accountID)]).first.map(Self.member)
    }

    func members(directoryID: String) async throws -> [MemberAccount] {
        try await db.execute("SELECT * FROM directory_members WHERE directory_id = $1 ORDER BY joined_at, account_id", [.text(directoryID)])
            .map(Self.member)
    }

    private static func member(_ row: SQLRow) throws -> MemberAccount {
        MemberAccount(
            id: try row.text("account_id"), displayName: try row.text("display_name"), folderID: try row.text("folder_id"),
            joinMethod: try row.text("join_method"), type: try row.text("member_type"), joinedAt: Date(epochSeconds: try row.integer("joined_at"))
        )
    }

    // MARK: Control policies

    func insertControlPolicy(_ policy: ControlPolicy, directoryID: String) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO control_policies (id, directory_id, name, description, document, effect_scope, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [.text(policy.id), .text(directoryID), .text(policy.name), .text(policy.description), .text(policy.document), .text(policy.effectScope),
                 .integer(policy.createdAt.epochSeconds), .integer(policy.updatedAt.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.controlPolicy, policy.name)
        }
    }

    func controlPolicy(id: String, directoryID: String) async throws -> ControlPolicy? {
        try await db.execute(Self.controlPolicySelect + " WHERE p.id = $1 AND p.directory_id = $2", [.text(id), .text(directoryID)]).first
            .map(Self.controlPolicy)
    }

    func controlPolicies(directoryID: String) async throws -> [ControlPolicy] {
        try await db.execute(Self.controlPolicySelect + " WHERE p.directory_id = $1 ORDER BY p.created_at, p.id", [.text(directoryID)]).map(Self.controlPolicy)
    }

    func updateControlPolicy(_ policy: ControlPolicy, directoryID: String) async throws {
        do {
            try await db.execute(
                "UPDATE control_policies SET name = $1, description = $2, document = $3, updated_at = $4 WHERE id = $5 AND directory_id = $6",
                [.text(policy.name), .text(policy.description), .text(policy.document), .integer(policy.updatedAt.epochSeconds), .text(policy.id),
                 .text(directoryID)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.controlPolicy, policy.name)
        }
    }

    func deleteControlPolicy(id: String, directoryID: String) async throws {
        try await db.execute("DELETE FROM control_policies WHERE id = $1 AND directory_id = $2", [.text(id), .text(directoryID)])
    }

    func attachControlPolicy(id: String, to targetID: String, at date: Date, directoryID: String) async throws {
        do {
            try await db.execute(
                "INSERT INTO control_policy_attachments (directory_id, policy_id, target_id, attached_at) VALUES ($1, $2, $3, $4)",
                [.text(directoryID), .text(id), .text(targetID), .integer(date.epochSeconds)]
            )
        } catch StoreError.uniqueViolation {
            throw AccessError.alreadyExists(.controlPolicy, id)
        }
    }

    func detachControlPolicy(id: String, from targetID: String, directoryID: String) async throws -> Bool {
        let binds: [SQLValue] = [.text(directoryID), .text(id), .text(targetID)]
        let condition = "directory_id = $1 AND policy_id = $2 AND target_id = $3"
        guard !(try await db.execute("SELECT 1 AS one FROM control_policy_attachments WHERE " + condition, binds)).isEmpty else { return false }
        try await db.execute("DELETE FROM control_policy_attachments WHERE " + condition, binds)
        return true
    }

    func controlPolicyAttachments(targetID: String, directoryID: String) async throws -> [(policyID: String, attachedAt: Date)] {
        try await db.execute(
            "SELECT policy_id, attached_at FROM control_policy_attachments WHERE directory_id = $1 AND target_id = $2 ORDER BY attached_at, policy_id",
            [.text(directoryID), .text(targetID)]
        ).map { row in (try row.text("policy_id"), Date(epochSeconds: try row.integer("attached_at"))) }
    }

    func controlPolicyAttachmentCount(policyID: String, directoryID: String) async throws -> Int {
        Int(try await db.execute(
            "SELECT COUNT(*) AS n FROM control_policy_attachments WHERE directory_id = $1 AND policy_id = $2", [.text(directoryID), .text(policyID)]
        ).first?.integer("n") ?? 0)
    }

    private static let controlPolicySelect = """
        SELECT p.*, (SELECT COUNT(*) FROM control_policy_attachments a WHERE a.directory_id = p.directory_id AND a.policy_id = p.id)
                    AS attachment_count
        FROM control_policies p
        """

    private static func controlPolicy(_ row: SQLRow) throws -> ControlPolicy {
        ControlPolicy(
            id: try row.text("id"), name: try row.text("name"), origin: .custom, description: try row.text("description"),
            document: try row.text("document"), effectScope: try row.text("effect_scope"), attachmentCount: Int(try row.integer("attachment_count")),
            createdAt: Date(epochSeconds: try row.integer("created_at")), updatedAt: Date(epochSeconds: try row.integer("updated_at"))
        )
    }

    // MARK: Audit trail

    func insertAuditEvent(_ event: AuditEvent) async throws {
        let resources = try Self.json(event.resources.map { [$0.type, $0.name] })
        let details = try Self.json(event.details)
        // The change and its record commit together or not at all: a failed insert fails the write.
        try await db.executeOrFail(
            """
            INSERT INTO audit_events (id, account_id, event_time, action, event_name, service, principal_type, principal_name, principal_id,
                                      access_key_id, source_ip, region_id, api_version, request_id, resources, error_code, error_message, details, is_write)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            """,
            [.text(event.id), .text(event.accountID), .integer(Int64((event.time.timeIntervalSince1970 * 1000).rounded())), .text(event.action),
             .text(event.eventName), .text(event.service), .text(event.principalType), .text(event.principalName), .text(event.principalID),
             .text(event.accessKeyID), .text(event.sourceIP), .text(event.regionID), .text(event.apiVersion), .text(event.requestID), .text(resources),
             event.errorCode.map(SQLValue.text) ?? .null, event.errorMessage.map(SQLValue.text) ?? .null, .text(details),
             .integer(event.isWrite ? 1 : 0)]
        )
    }

    func auditEvents(matching query: AuditQuery) async throws -> [AuditEvent] {
        var binds = SQLBinds()
        var conditions = [
            "account_id = \(binds.add(query.accountID))",
            "event_time >= \(binds.add(Self.millis(query.start)))",
            "event_time <= \(binds.add(Self.millis(query.end)))",
        ]
        for attribute in query.attributes {
            switch attribute {
            case .eventName(let name): conditions.append("LOWER(event_name) = LOWER(\(binds.add(name)))")
            case .serviceName(let name): conditions.append("LOWER(service) = LOWER(\(binds.add(name)))")
            case .userName(let name): conditions.append("principal_name = \(binds.add(name))")
            case .accessKeyID(let id): conditions.append("access_key_id = \(binds.add(id))")
            case .eventID(let id): conditions.append("id = \(binds.add(id))")
            case .eventRW(let isWrite): conditions.append("is_write = \(binds.add(isWrite ? 1 : 0))")
            case .resourceName(let name): conditions.append("resources LIKE \(binds.add("%," + Self.likeLiteral(try Self.json(name)) + "]%")) ESCAPE '\\'")
            case .resourceType(let type): conditions.append("resources LIKE \(binds.add("%[" + Self.likeLiteral(try Self.json(type)) + ",%")) ESCAPE '\\'")
            }
        }
        if let after = query.after {
            let time = binds.add(Self.millis(after.time))
            let comparison = query.forward ? ">" : "<"
            conditions.append("(event_time \(comparison) \(time) OR (event_time = \(time) AND id \(comparison) \(binds.add(after.id))))")
        }
        let order = query.forward ? "ASC" : "DESC"
        let rows = try await db.execute(
            "SELECT * FROM audit_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY event_time \(order), id \(order) LIMIT \(binds.add(query.limit))",
            binds.values
        )
        return try rows.map { row in
            let resources = try JSONDecoder().decode([[String]].self, from: Data(try row.text("resources").utf8))
            return AuditEvent(
                id: try row.text("id"), time: Date(timeIntervalSince1970: Double(try row.integer("event_time")) / 1000),
                accountID: try row.text("account_id"), principalType: try row.text("principal_type"), principalName: try row.text("principal_name"),
                principalID: try row.text("principal_id"), accessKeyID: try row.text("access_key_id"), sourceIP: try row.text("source_ip"),
                action: try row.text("action"), regionID: try row.text("region_id"), apiVersion: try row.text("api_version"),
                requestID: try row.text("request_id"),
                resources: resources.compactMap { $0.count == 2 ? AuditEvent.Resource(type: $0[0], name: $0[1]) : nil },
                errorCode: try row.optionalText("error_code"), errorMessage: try row.optionalText("error_message"),
                details: try JSONDecoder().decode([String: String].self, from: Data(try row.text("details").utf8)),
                isWrite: try row.integer("is_write") != 0
            )
        }
    }

    private static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
