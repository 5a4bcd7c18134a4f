import Foundation
import KeywardCore

extension SQLTransaction {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private func instanceValues(_ instance: Instance) throws -> [SQLValue] {
        [
            .text(instance.id), .text(instance.accountID), .text(instance.regionID), .text(instance.name), .text(instance.hostName),
            .text(instance.imageID), .text(instance.instanceType), .text(instance.osType.rawValue), .text(instance.status.rawValue),
            instance.bound.keyPairName.map(SQLValue.text) ?? .null, .text(try Self.json(instance.bound)),
            try instance.effective.map { .text(try Self.json($0)) } ?? .null,
            .integer(instance.firstBootPending ? 1 : 0), .integer(instance.passwordInherit ? 1 : 0),
            instance.endpoint.map { .text($0.address) } ?? .null, instance.endpoint.map { .integer(Int64($0.port)) } ?? .null,
            .text(instance.userData), .integer(instance.metadataTokensRequired ? 1 : 0), .integer(instance.metadataEnabled ? 1 : 0),
            .text(try Self.json(instance.firstBootReport)), .integer(instance.creationTime.epochSeconds),
            instance.startTime.map { .integer($0.epochSeconds) } ?? .null,
            try instance.agent.map { .text(try Self.json($0)) } ?? .null,
            instance.startFailure.map(SQLValue.text) ?? .null,
            instance.zoneID.map(SQLValue.text) ?? .null,
            try instance.latestOperation.map { .text(try Self.json($0)) } ?? .null,
            .text(instance.hostID),
        ]
    }

    private static let instanceColumns = """
        id, account_id, region_id, name, host_name, image_id, instance_type, os_type, status, key_pair_name, bound_credentials,
        effective_credentials, first_boot_pending, password_inherit, address, port, user_data, metadata_tokens_required,
        metadata_enabled, first_boot_report, created_at, started_at, agent_binding, start_failure, zone_id, latest_operation, host_id
        """

    func insertInstance(_ instance: Instance, quota: Int) async throws {
        do {
            try await adjustQuota(accountID: instance.accountID, regionID: instance.regionID, resource: "instance", by: 1, quota: quota)
        } catch StoreError.checkViolation {
            throw DomainError.instanceQuotaExceeded(limit: quota)
        }
        try await insertInstanceRow(instance)
    }

    private func insertInstanceRow(_ instance: Instance) async throws {
        let placeholders = (1...27).map { "$\($0)" }.joined(separator: ", ")
        try await db.execute("INSERT INTO instances (\(Self.instanceColumns)) VALUES (\(placeholders))", try instanceValues(instance))
        // Which instances carry a key pair, whichever of its bound key pairs it is.
        for name in Set(instance.bound.keyPairNames) {
            try await db.execute(
                "INSERT INTO instance_key_pairs (instance_id, account_id, region_id, key_pair_name) VALUES ($1, $2, $3, $4)",
                [.text(instance.id), .text(instance.accountID), .text(instance.regionID), .text(name)]
            )
        }
    }

    func instanceCountsByStatus() async throws -> [InstanceStatus: Int] {
        var counts: [InstanceStatus: Int] = [:]
        for row in try await db.execute("SELECT status, COUNT(*) AS count FROM instances GROUP BY status") {
            if let status = InstanceStatus(rawValue: try row.text("status")) { counts[status] = Int(try row.integer("count")) }
        }
        return counts
    }

    func agentBindings() async throws -> [AgentBinding] {
        try await db.execute("SELECT agent_binding FROM instances WHERE agent_binding IS NOT NULL").map {
            try Self.decode(AgentBinding.self, try $0.text("agent_binding"))
        }
    }

    func updateInstance(_ instance: Instance) async throws {
        var updated = instance
        updated.latestOperation = try await self.instance(id: instance.id, accountID: nil)?.latestOperation
        try await db.execute("DELETE FROM instance_key_pairs WHERE instance_id = $1", [.text(instance.id)])
        try await db.execute("DELETE FROM instances WHERE id = $1", [.text(instance.id)])
        try await insertInstanceRow(updated)
    }

    func setLatestOperation(_ operation: InstanceOperation?, instanceID: String) async throws {
        try await db.execute(
            "UPDATE instances SET latest_operation = $1 WHERE id = $2", [try operation.map { .text(try Self.json($0)) } ?? .null, .text(instanceID)]
        )
    }

    func instance(id: String, accountID: String?) async throws -> Instance? {
        var binds = SQLBinds()
        var sql = "SELECT * FROM instances WHERE id = \(binds.add(id))"
        if let accountID { sql += " AND account_id = \(binds.add(accountID))" }
        return try await db.execute(sql, binds.values).first.map(Self.instance)
    }

    func instance(atAddress address: String) async throws -> Instance? {
        try await db.execute("SELECT * FROM instances WHERE address = $1 AND agent_binding IS NULL ORDER BY created_at DESC LIMIT 1", [.text(address)]).first.map(Self.instance)
    }

    func instances(matching query: InstanceQuery, page: PageRequest?) async throws -> Page<Instance> {
        var binds = SQLBinds()
        var conditions = ["account_id = \(binds.add(query.accountID))"]
        if let region = query.regionID { conditions.append("region_id = \(binds.add(region))") }
        if let ids = query.ids {
            guard !ids.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("id IN (\(ids.map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let keyPair = query.keyPairName {
            let account = binds.add(query.accountID)
            conditions.append("id IN (SELECT instance_id FROM instance_key_pairs WHERE account_id = \(account) AND key_pair_name = \(binds.add(keyPair)))")
        }
        if let shortIDs = query.shortIDs {
            guard !shortIDs.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            // Instance ids are `i-` and 20 characters: the short id is the eight after the dash.
            conditions.append("SUBSTR(id, 3, 8) IN (\(shortIDs.map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let statuses = query.statuses {
            guard !statuses.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("status IN (\(statuses.map(\.rawValue).sorted().map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let image = query.imageID { conditions.append("image_id = \(binds.add(image))") }
        for (column, values) in [("name", query.names), ("address", query.privateAddresses), ("zone_id", query.zoneIDs)] {
            guard let values else { continue }
            guard !values.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("\(column) IN (\(values.map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let pattern = query.namePattern {
            conditions.append(pattern.hasWildcard
                ? "name LIKE \(binds.add(Self.likePattern(pattern.pattern))) ESCAPE '\\'"
                : "name = \(binds.add(pattern.pattern))")
        }
        let whereClause = conditions.joined(separator: " AND ")
        let total = try await db.execute("SELECT COUNT(*) AS n FROM instances WHERE \(whereClause)", binds.values).first?.integer("n") ?? 0
        var sql = "SELECT * FROM instances WHERE \(whereClause) ORDER BY created_at, id"
        if let page { sql += " LIMIT \(binds.add(page.size)) OFFSET \(binds.add(page.offset))" }
        let items = try await db.execute(sql, binds.values).map(Self.instance)
        return Page(items: items, totalCount: Int(total), request: page ?? PageRequest(number: 1, size: max(items.count, 1)))
    }

    func boundInstanceIDs(accountID: String, regionID: String, keyPairNames: [String]) async throws -> [String: [String]] {
        guard !keyPairNames.isEmpty else { return [:] }
        var binds = SQLBinds()
        let account = binds.add(accountID)
        let region = binds.add(regionID)
        let names = keyPairNames.map { binds.add($0) }.joined(separator: ", ")
        let rows = try await db.execute(
            """
            SELECT b.key_pair_name, b.instance_id FROM instance_key_pairs b JOIN instances i ON i.id = b.instance_id
            WHERE b.account_id = \(account) AND b.region_id = \(region) AND b.key_pair_name IN (\(names))
            ORDER BY i.created_at, i.id
            """,
            binds.values
        )
        var result: [String: [String]] = [:]
        for row in rows { result[try row.text("key_pair_name"), default: []].append(try row.text("instance_id")) }
        return result
    }

    func instances(inStatuses statuses: [InstanceStatus], hostID: String) async throws -> [Instance] {
        guard !statuses.isEmpty else { return [] }
        var binds = SQLBinds()
        let host = binds.add(hostID)
        let list = statuses.map { binds.add($0.rawValue) }.joined(separator: ", ")
        return try await db.execute(
            "SELECT * FROM instances WHERE host_id = \(host) AND status IN (\(list)) ORDER BY created_at, id", binds.values
        ).map(Self.instance)
    }

    func claimUnhostedInstances(hostID: String) async throws {
        try await db.execute("UPDATE instances SET host_id = $1 WHERE host_id = '' AND agent_binding IS NULL", [.text(hostID)])
    }

    func deleteInstance(id: String) async throws {
        guard let instance = try await instance(id: id, accountID: nil) else { return }
        try await removeTags(keys: nil, resourceType: ResourceType.instance, resourceID: id)
        try await db.execute("DELETE FROM instance_key_pairs WHERE instance_id = $1", [.text(id)])
        // A released instance leaves its scaling group.
        try await db.execute("DELETE FROM scaling_members WHERE instance_id = $1", [.text(id)])
        try await db.execute("DELETE FROM instances WHERE id = $1", [.text(id)])
        try await adjustQuota(accountID: instance.accountID, regionID: instance.regionID, resource: "instance", by: -1, quota: nil)
    }

    static func instance(_ row: SQLRow) throws -> Instance {
        let address = try row.optionalText("address")
        let port: Int64? = row["port"].flatMap { if case .integer(let n) = $0 { n } else { nil } }
        let started: Int64? = row["started_at"].flatMap { if case .integer(let n) = $0 { n } else { nil } }
        var instance = Instance(
            id: try row.text("id"),
            accountID: try row.text("account_id"),
            regionID: try row.text("region_id"),
            name: try row.text("name"),
            hostName: try row.text("host_name"),
            imageID: try row.text("image_id"),
            instanceType: try row.text("instance_type"),
            osType: OSType(rawValue: try row.text("os_type")) ?? .linux,
            status: InstanceStatus(rawValue: try row.text("status")) ?? .stopped,
            bound: try decode(InstanceCredentials.self, try row.text("bound_credentials")),
            effective: try row.optionalText("effective_credentials").map { try decode(InstanceCredentials.self, $0) },
            firstBootPending: try row.integer("first_boot_pending") != 0,
            passwordInherit: try row.integer("password_inherit") != 0,
            endpoint: address.flatMap { address in port.map { InstanceEndpoint(address: address, port: Int($0)) } },
            userData: try row.text("user_data"),
            metadataTokensRequired: try row.integer("metadata_tokens_required") != 0,
            metadataEnabled: try row.integer("metadata_enabled") != 0,
            creationTime: Date(epochSeconds: try row.integer("created_at")),
            startTime: started.map { Date(epochSeconds: $0) },
            firstBootReport: try decode([String].self, try row.text("first_boot_report"))
        )
        instance.agent = try row.optionalText("agent_binding").map { try decode(AgentBinding.self, $0) }
        instance.startFailure = try row.optionalText("start_failure")
        instance.zoneID = try row.optionalText("zone_id")
        instance.latestOperation = try row.optionalText("latest_operation").map { try decode(InstanceOperation.self, $0) }
        instance.hostID = try row.optionalText("host_id") ?? ""
        return instance
    }

    // MARK: Agent registration

    func insertRegistrationToken(hash: String, accountID: String, regionID: String, instanceName: String?, expiresAt: Date) async throws {
        try await db.execute(
            "INSERT INTO agent_registration_tokens (token_hash, account_id, region_id, instance_name, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [.text(hash), .text(accountID), .text(regionID), instanceName.map(SQLValue.text) ?? .null, .integer(expiresAt.epochSeconds)]
        )
    }

    func consumeRegistrationToken(hash: String, now: Date) async throws -> (accountID: String, regionID: String, instanceName: String?)? {
        guard let row = try await db.execute(
            "SELECT account_id, region_id, instance_name FROM agent_registration_tokens WHERE token_hash = $1 AND expires_at >= $2",
            [.text(hash), .integer(now.epochSeconds)]
        ).first else { return nil }
        try await db.execute("DELETE FROM agent_registration_tokens WHERE token_hash = $1", [.text(hash)])
        return (try row.text("account_id"), try row.text("region_id"), try row.optionalText("instance_name"))
    }

    // MARK: Images

    func insertImage(_ image: Image) async throws {
        try await db.execute(
            """
            INSERT INTO images (id, owner_account_id, region_id, name, os_type, platform, os_name, source_instance_id,
                                preset_password_users, preset_key_count, created_at, description)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            [.text(image.id), image.ownerAccountID.map(SQLValue.text) ?? .null, image.regionID.map(SQLValue.text) ?? .null, .text(image.name),
             .text(image.osType.rawValue), .text(image.platform), .text(image.osName), image.sourceInstanceID.map(SQLValue.text) ?? .null,
             .text(try Self.json(image.presetPasswordUsers)), .integer(Int64(image.presetKeyCount)), .integer(image.creationTime.epochSeconds),
             .text(image.description)]
        )
    }

    func image(id: String) async throws -> Image? {
        try await db.execute("SELECT * FROM images WHERE id = $1", [.text(id)]).first.map(Self.image)
    }

    func images(visibleTo accountID: String, ids: [String]?) async throws -> [Image] {
        var binds = SQLBinds()
        var sql = "SELECT * FROM images WHERE (owner_account_id IS NULL OR owner_account_id = \(binds.add(accountID)))"
        if let ids {
            guard !ids.isEmpty else { return [] }
            sql += " AND id IN (\(ids.map { binds.add($0) }.joined(separator: ", ")))"
        }
        return try await db.execute(sql + " ORDER BY created_at, id", binds.values).map(Self.image)
    }

    func deleteImage(id: String) async throws {
        try await db.execute("DELETE FROM images WHERE id = $1", [.text(id)])
    }

    static func image(_ row: SQLRow) throws -> Image {
        var image = Image(
            id: try row.text("id"),
            ownerAccountID: try row.optionalText("owner_account_id"),
            regionID: try row.optionalText("region_id"),
            name: try row.text("name"),
            osType: OSType(rawValue: try row.text("os_type")) ?? .linux,
            platform: try row.text("platform"),
            osName: try row.text("os_name"),
            sourceInstanceID: try row.optionalText("source_instance_id"),
            creationTime: Date(epochSeconds: try row.integer("created_at")),
            presetPasswordUsers: try decode([String].self, try row.text("preset_password_users")),
            presetKeyCount: Int(try row.integer("preset_key_count"))
        )
        image.description = try row.text("description")
        return image
    }
}
