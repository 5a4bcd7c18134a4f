import Foundation
import KeywardCore
import Logging

/// The one `Store` implementation, over any `SQLDatabase` (SQLite now, PostgreSQL for scale-out).
public struct SQLStore: Store {
    private let database: any SQLDatabase
    private let groupCommit: GroupCommit

    /// Wraps `database`, bringing its schema up to date.
    public init(database: any SQLDatabase) async throws {
        self.database = database
        self.groupCommit = GroupCommit(database: database)
        try await Migrations.run(on: database)
    }

    /// Opens the SQLite database at `path` (nil: in memory).
    public static func sqlite(path: String?, logger: Logger) async throws -> SQLStore {
        try await SQLStore(database: try await SQLiteDatabase.open(path: path, logger: logger))
    }

    /// Connects to the PostgreSQL database `url` names (`postgres://user:password@host:port/database?sslmode=…`).
    public static func postgres(url: String, logger: Logger) async throws -> SQLStore {
        let database = try await PostgresDatabase.open(url: url, logger: logger)
        do {
            return try await SQLStore(database: database)
        } catch {
            await database.close()
            throw error
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await database.write { db in try await body(SQLTransaction(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await database.read { db in try await body(SQLTransaction(db: db)) }
    }

    public func writeGrouped<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await groupCommit.write { db in try await body(SQLTransaction(db: db)) }
    }

    public func close() async {
        await database.close()
    }
}

struct SQLTransaction: StoreTransaction {
    let db: any SQLExecutor

    // MARK: Accounts and AccessKeys

    func insertAccount(id: String, name: String, createdAt: Date) async throws {
        try await db.execute(
            "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)",
            [.text(id), .text(name), .integer(createdAt.epochSeconds)]
        )
    }

    func account(named name: String) async throws -> String? {
        try await db.execute("SELECT id FROM accounts WHERE name = $1", [.text(name)]).first?.text("id")
    }

    func insertAccessKey(_ key: AccessKey, sealedSecret: [UInt8], createdAt: Date) async throws {
        try await db.execute(
            "INSERT INTO access_keys (id, account_id, user_name, sealed_secret, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [.text(key.id), .text(key.accountID), key.userName.map(SQLValue.text) ?? .null, .blob(sealedSecret), .text(key.status.rawValue),
             .integer(createdAt.epochSeconds)]
        )
    }

    func accessKey(id: String) async throws -> (key: AccessKey, sealedSecret: [UInt8])? {
        guard let row = try await db.execute(
            "SELECT id, account_id, user_name, sealed_secret, status FROM access_keys WHERE id = $1",
            [.text(id)]
        ).first else { return nil }
        let status = AccessKey.Status(rawValue: try row.text("status")) ?? .inactive
        let key = AccessKey(id: try row.text("id"), accountID: try row.text("account_id"), userName: try row.optionalText("user_name"), status: status)
        return (key, try row.blob("sealed_secret"))
    }

    func replaceAccessKeySecret(id: String, sealedSecret: [UInt8]) async throws {
        try await db.execute("UPDATE access_keys SET sealed_secret = $1 WHERE id = $2", [.blob(sealedSecret), .text(id)])
    }

    func rootAccessKeyID(accountID: String) async throws -> String? {
        try await db.execute(
            "SELECT id FROM access_keys WHERE account_id = $1 AND user_name IS NULL AND status = 'Active' ORDER BY created_at, id LIMIT 1",
            [.text(accountID)]
        ).first?.text("id")
    }

    func sealedAccessKeySecrets() async throws -> [(id: String, sealedSecret: [UInt8])] {
        try await db.execute("SELECT id, sealed_secret FROM access_keys ORDER BY id").map { row in
            (id: try row.text("id"), sealedSecret: try row.blob("sealed_secret"))
        }
    }

    // MARK: Server settings

    func setting(named name: String) async throws -> [UInt8]? {
        try await db.execute("SELECT value FROM server_settings WHERE name = $1", [.text(name)]).first?.blob("value")
    }

    func setSetting(named name: String, value: [UInt8]) async throws {
        try await db.execute(
            "INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [.text(name), .blob(value)]
        )
    }

    // MARK: Key pairs

    func insertKeyPair(_ keyPair: KeyPair, quota: Int) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO key_pairs (id, account_id, region_id, name, public_key, key_type, fingerprint_md5, fingerprint_sha256,
                                       resource_group_id, created_at, project_id, description)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """,
                [.text(keyPair.id), .text(keyPair.accountID), .text(keyPair.regionID), .text(keyPair.name), .text(keyPair.publicKey),
                 .text(keyPair.keyType), .text(keyPair.fingerprintMD5), .text(keyPair.fingerprintSHA256), .text(keyPair.resourceGroupID),
                 .integer(keyPair.creationTime.epochSeconds), .integer(Int64(keyPair.projectID)), .text(keyPair.description)]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.keyPairAlreadyExists(keyPair.name)
        }
        do {
            try await adjustQuota(accountID: keyPair.accountID, regionID: keyPair.regionID, resource: "keypair", by: 1, quota: quota)
        } catch StoreError.checkViolation {
            throw DomainError.keyPairQuotaExceeded(limit: quota)
        }
        try await setTags(keyPair.tags, resourceType: ResourceType.keyPair, resourceID: keyPair.id, accountID: keyPair.accountID,
                          regionID: keyPair.regionID)
    }

    func keyPairs(matching query: KeyPairQuery, page: PageRequest?) async throws -> Page<KeyPair> {
        var binds = SQLBinds()
        var conditions = ["k.account_id = \(binds.add(query.accountID))", "k.region_id = \(binds.add(query.regionID))"]
        if let pattern = query.namePattern {
            if pattern.hasWildcard {
                conditions.append("k.name LIKE \(binds.add(Self.likePattern(pattern.pattern))) ESCAPE '\\'")
            } else {
                conditions.append("k.name = \(binds.add(pattern.pattern))")
            }
        }
        if let fingerprint = query.fingerprintMD5 {
            conditions.append("REPLACE(k.fingerprint_md5, ':', '') = \(binds.add(KeyPairQuery.normalizedFingerprint(fingerprint)))")
        }
        if let group = query.resourceGroupID {
            conditions.append("k.resource_group_id = \(binds.add(group))")
        }
        if let ids = query.shortIDs {
            guard !ids.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("SUBSTR(k.id, 5, 8) IN (\(ids.map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let projects = query.projectIDs {
            guard !projects.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("k.project_id IN (\(projects.map { binds.add($0) }.joined(separator: ", ")))")
        }
        if let names = query.names {
            guard !names.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
            conditions.append("k.name IN (\(names.map { binds.add($0) }.joined(separator: ", ")))")
        }
        for tag in query.tags {
            var clause = "EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = '\(ResourceType.keyPair)' AND t.resource_id = k.id"
            clause += " AND t.tag_key = \(binds.add(tag.key))"
            if let values = tag.values {
                guard !values.isEmpty else { return Page(items: [], totalCount: 0, request: page ?? PageRequest(number: 1, size: 0)) }
                clause += " AND t.tag_value IN (\(values.map { binds.add($0) }.joined(separator: ", ")))"
            }
            conditions.append(clause + ")")
        }
        let whereClause = conditions.joined(separator: " AND ")
        let total = try await db.execute("SELECT COUNT(*) AS n FROM key_pairs k WHERE \(whereClause)", binds.values).first?.integer("n") ?? 0
        var sql = "SELECT * FROM key_pairs k WHERE \(whereClause) ORDER BY k.created_at, k.name"
        if let page {
            sql += " LIMIT \(binds.add(page.size)) OFFSET \(binds.add(page.offset))"
        }
        let rows = try await db.execute(sql, binds.values)
        let ids = try rows.map { try $0.text("id") }
        let tags = try await tags(resourceType: ResourceType.keyPair, resourceIDs: ids)
        let items = try rows.map { row in
            KeyPair(
                id: try row.text("id"),
                accountID: try row.text("account_id"),
                regionID: try row.text("region_id"),
                name: try row.text("name"),
                publicKey: try row.text("public_key"),
                keyType: try row.text("key_type"),
                fingerprintMD5: try row.text("fingerprint_md5"),
                fingerprintSHA256: try row.text("fingerprint_sha256"),
                resourceGroupID: try row.text("resource_group_id"),
                projectID: Int(try row.integer("project_id")),
                description: try row.text("description"),
                creationTime: Date(epochSeconds: try row.integer("created_at")),
                tags: tags[try row.text("id")] ?? []
            )
        }
        return Page(items: items, totalCount: Int(total), request: page ?? PageRequest(number: 1, size: max(items.count, 1)))
    }

    func updateKeyPair(id: String, name: String, description: String) async throws {
        do {
            try await db.execute("UPDATE key_pairs SET name = $1, description = $2 WHERE id = $3", [.text(name), .text(description), .text(id)])
        } catch StoreError.uniqueViolation {
            throw DomainError.keyPairAlreadyExists(name)
        }
    }

    func deleteKeyPairs(accountID: String, regionID: String, names: [String]) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let existing = try await keyPairs(matching: KeyPairQuery(accountID: accountID, regionID: regionID, names: names), page: nil).items
        for keyPair in existing {
            try await removeTags(keys: nil, resourceType: ResourceType.keyPair, resourceID: keyPair.id)
            try await db.execute("DELETE FROM key_pairs WHERE id = $1", [.text(keyPair.id)])
        }
        if !existing.isEmpty {
            try await adjustQuota(accountID: accountID, regionID: regionID, resource: "keypair", by: -existing.count, quota: nil)
        }
        return existing.map(\.name)
    }

    // MARK: Tags

    func tags(resourceType: String, resourceIDs: [String]) async throws -> [String: [Tag]] {
        guard !resourceIDs.isEmpty else { return [:] }
        var binds = SQLBinds()
        let type = binds.add(resourceType)
        let list = resourceIDs.map { binds.add($0) }.joined(separator: ", ")
        let rows = try await db.execute(
            "SELECT resource_id, tag_key, tag_value FROM tags WHERE resource_type = \(type) AND resource_id IN (\(list)) ORDER BY tag_key",
            binds.values
        )
        var result: [String: [Tag]] = [:]
        for row in rows {
            result[try row.text("resource_id"), default: []].append(Tag(unchecked: try row.text("tag_key"), value: try row.text("tag_value")))
        }
        return result
    }

    func setTags(_ tags: [Tag], resourceType: String, resourceID: String, accountID: String, regionID: String) async throws {
        for tag in tags {
            try await db.execute(
                """
                INSERT INTO tags (account_id, region_id, resource_type, resource_id, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value
                """,
                [.text(accountID), .text(regionID), .text(resourceType), .text(resourceID), .text(tag.key), .text(tag.value)]
            )
        }
    }

    func removeTags(keys: [String]?, resourceType: String, resourceID: String) async throws {
        var binds = SQLBinds()
        var sql = "DELETE FROM tags WHERE resource_type = \(binds.add(resourceType)) AND resource_id = \(binds.add(resourceID))"
        if let keys {
            guard !keys.isEmpty else { return }
            sql += " AND tag_key IN (\(keys.map { binds.add($0) }.joined(separator: ", ")))"
        }
        try await db.execute(sql, binds.values)
    }

    // MARK: Client tokens

    func clientTokenResult(accountID: String, action: String, token: String) async throws -> (digest: String, result: [String])? {
        guard let row = try await db.execute(
            "SELECT digest, result FROM client_tokens WHERE account_id = $1 AND action = $2 AND token = $3", [.text(accountID), .text(action), .text(token)]
        ).first else { return nil }
        let result = try JSONDecoder().decode([String].self, from: Data(try row.text("result").utf8))
        return (try row.text("digest"), result)
    }

    func insertClientTokenResult(accountID: String, action: String, token: String, digest: String, result: [String], at date: Date) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        try await db.execute(
            "INSERT INTO client_tokens (account_id, action, token, digest, result, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [.text(accountID), .text(action), .text(token), .text(digest), .text(encoded), .integer(date.epochSeconds)]
        )
    }

    func purgeClientTokens(before date: Date) async throws {
        try await db.execute("DELETE FROM client_tokens WHERE created_at < $1", [.integer(date.epochSeconds)])
    }

    // MARK: Nonces

    func claimNonce(_ nonce: String, accessKeyID: String, at date: Date) async throws -> Bool {
        // A nonce used before is no error (nothing is inserted); any other failure fails the write.
        let inserted = try await db.executeOrFail(
            "INSERT INTO signature_nonces (access_key_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING nonce",
            [.text(accessKeyID), .text(nonce), .integer(date.epochSeconds)]
        )
        return !inserted.isEmpty
    }

    func purgeNonces(before date: Date) async throws {
        try await db.execute("DELETE FROM signature_nonces WHERE seen_at < $1", [.integer(date.epochSeconds)])
    }

    // MARK: Helpers

    /// Moves the usage counter by `delta`; the CHECK constraint refuses going over `quota` or below zero.
    func adjustQuota(accountID: String, regionID: String, resource: String, by delta: Int, quota: Int?) async throws(StoreError) {
        if let quota {
            try await db.execute(
                """
                INSERT INTO quota_usage (account_id, region_id, resource, used, quota) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (account_id, region_id, resource) DO UPDATE SET used = quota_usage.used + $4, quota = $5
                """,
                [.text(accountID), .text(regionID), .text(resource), .integer(Int64(delta)), .integer(Int64(quota))]
            )
        } else {
            try await db.execute(
                "UPDATE quota_usage SET used = CASE WHEN used + $1 < 0 THEN 0 ELSE used + $1 END WHERE account_id = $2 AND region_id = $3 AND resource = $4",
                [.integer(Int64(delta)), .text(accountID), .text(regionID), .text(resource)]
            )
        }
    }

    /// `*` wildcards as a LIKE pattern, with LIKE's own metacharacters escaped.
    static func likePattern(_ pattern: String) -> String {
        pattern.split(separator: "*", omittingEmptySubsequences: false).map { likeLiteral(String($0)) }.joined(separator: "%")
    }

    /// `text` matched literally inside a LIKE pattern (the statement says `ESCAPE '\'`).
    static func likeLiteral(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}

