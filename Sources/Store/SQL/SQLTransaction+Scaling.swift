import Foundation
import KeywardCore

/// A record with a creation time and an id.
protocol CreatedRecord {
    var id: String { get }
    var creationTime: Date { get }
}

extension ScalingGroup: CreatedRecord {}
extension ScalingConfiguration: CreatedRecord {}
extension ScalingRule: CreatedRecord {}

/// Auto Scaling records: searchable columns beside each record's JSON body.
extension SQLTransaction {
    /// In the order they were made: the body keeps sub-second times, the column whole seconds.
    static func oldestFirst(_ a: some CreatedRecord, _ b: some CreatedRecord) -> Bool {
        (a.creationTime, a.id) < (b.creationTime, b.id)
    }

    // MARK: Groups

    func insertScalingGroup(_ group: ScalingGroup, quota: Int) async throws {
        do {
            try await db.execute(
                "INSERT INTO scaling_groups (id, account_id, region_id, name, state, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [.text(group.id), .text(group.accountID), .text(group.regionID), .text(group.name), .text(group.state.rawValue),
                 .integer(group.creationTime.epochSeconds), .text(try Self.json(group))]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.scalingGroupNameTaken(group.name)
        }
        do {
            try await adjustQuota(accountID: group.accountID, regionID: group.regionID, resource: "scaling-group", by: 1, quota: quota)
        } catch StoreError.checkViolation {
            throw DomainError.scalingGroupQuotaExceeded(limit: quota)
        }
    }

    func updateScalingGroup(_ group: ScalingGroup) async throws {
        do {
            try await db.execute(
                "UPDATE scaling_groups SET name = $1, state = $2, body = $3 WHERE id = $4",
                [.text(group.name), .text(group.state.rawValue), .text(try Self.json(group)), .text(group.id)]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.scalingGroupNameTaken(group.name)
        }
    }

    func scalingGroup(id: String, accountID: String?) async throws -> ScalingGroup? {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_groups WHERE id = \(binds.add(id))"
        if let accountID { sql += " AND account_id = \(binds.add(accountID))" }
        return try await db.execute(sql, binds.values).first.map { try Self.decode(ScalingGroup.self, try $0.text("body")) }
    }

    func scalingGroups(accountID: String, regionID: String, ids: [String]?, names: [String]?) async throws -> [ScalingGroup] {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_groups WHERE account_id = \(binds.add(accountID)) AND region_id = \(binds.add(regionID))"
        for (column, values) in [("id", ids), ("name", names)] {
            guard let values else { continue }
            guard !values.isEmpty else { return [] }
            sql += " AND \(column) IN (\(values.map { binds.add($0) }.joined(separator: ", ")))"
        }
        return try await db.execute(sql, binds.values).map { try Self.decode(ScalingGroup.self, try $0.text("body")) }.sorted(by: Self.oldestFirst)
    }

    func scalingGroups(inStates states: [ScalingGroup.State]) async throws -> [ScalingGroup] {
        guard !states.isEmpty else { return [] }
        var binds = SQLBinds()
        let list = states.map { binds.add($0.rawValue) }.joined(separator: ", ")
        return try await db.execute("SELECT body FROM scaling_groups WHERE state IN (\(list))", binds.values).map {
            try Self.decode(ScalingGroup.self, try $0.text("body"))
        }.sorted(by: Self.oldestFirst)
    }

    func deleteScalingGroup(id: String) async throws {
        guard let group = try await scalingGroup(id: id, accountID: nil) else { return }
        for member in try await scalingMembers(groupID: id) { try await deleteScalingMember(instanceID: member.instanceID) }
        for table in ["scaling_activities", "scaling_rules", "scaling_configurations"] {
            try await db.execute("DELETE FROM \(table) WHERE group_id = $1", [.text(id)])
        }
        try await db.execute("DELETE FROM scaling_groups WHERE id = $1", [.text(id)])
        try await db.execute("DELETE FROM quota_usage WHERE resource = $1", [.text(Self.configurationQuota(id))])
        try await adjustQuota(accountID: group.accountID, regionID: group.regionID, resource: "scaling-group", by: -1, quota: nil)
    }

    // MARK: Configurations

    func insertScalingConfiguration(_ configuration: ScalingConfiguration, quota: Int) async throws {
        do {
            try await db.execute(
                """
                INSERT INTO scaling_configurations (id, group_id, account_id, region_id, name, created_at, body)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [.text(configuration.id), .text(configuration.groupID), .text(configuration.accountID), .text(configuration.regionID),
                 .text(configuration.name), .integer(configuration.creationTime.epochSeconds), .text(try Self.json(configuration))]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.scalingConfigurationNameTaken(configuration.name)
        }
        do {
            try await adjustQuota(
                accountID: configuration.accountID, regionID: configuration.regionID, resource: Self.configurationQuota(configuration.groupID), by: 1,
                quota: quota
            )
        } catch StoreError.checkViolation {
            throw DomainError.scalingConfigurationQuotaExceeded(limit: quota)
        }
    }

    /// Configurations are counted per group.
    private static func configurationQuota(_ groupID: String) -> String { "scaling-configuration/" + groupID }

    func updateScalingConfiguration(_ configuration: ScalingConfiguration) async throws {
        do {
            try await db.execute(
                "UPDATE scaling_configurations SET name = $1, body = $2 WHERE id = $3",
                [.text(configuration.name), .text(try Self.json(configuration)), .text(configuration.id)]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.scalingConfigurationNameTaken(configuration.name)
        }
    }

    func scalingConfiguration(id: String, accountID: String?) async throws -> ScalingConfiguration? {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_configurations WHERE id = \(binds.add(id))"
        if let accountID { sql += " AND account_id = \(binds.add(accountID))" }
        return try await db.execute(sql, binds.values).first.map { try Self.decode(ScalingConfiguration.self, try $0.text("body")) }
    }

    func scalingConfigurations(accountID: String, regionID: String, groupID: String?, ids: [String]?, names: [String]?) async throws -> [ScalingConfiguration] {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_configurations WHERE account_id = \(binds.add(accountID)) AND region_id = \(binds.add(regionID))"
        if let groupID { sql += " AND group_id = \(binds.add(groupID))" }
        for (column, values) in [("id", ids), ("name", names)] {
            guard let values else { continue }
            guard !values.isEmpty else { return [] }
            sql += " AND \(column) IN (\(values.map { binds.add($0) }.joined(separator: ", ")))"
        }
        return try await db.execute(sql, binds.values).map { try Self.decode(ScalingConfiguration.self, try $0.text("body")) }.sorted(by: Self.oldestFirst)
    }

    func deleteScalingConfiguration(id: String) async throws {
        guard let configuration = try await scalingConfiguration(id: id, accountID: nil) else { return }
        try await db.execute("DELETE FROM scaling_configurations WHERE id = $1", [.text(id)])
        try await adjustQuota(
            accountID: configuration.accountID, regionID: configuration.regionID, resource: Self.configurationQuota(configuration.groupID), by: -1, quota: nil
        )
    }

    // MARK: Rules

    func insertScalingRule(_ rule: ScalingRule) async throws {
        try await db.execute(
            "INSERT INTO scaling_rules (id, group_id, account_id, region_id, created_at, body) VALUES ($1, $2, $3, $4, $5, $6)",
            [.text(rule.id), .text(rule.groupID), .text(rule.accountID), .text(rule.regionID), .integer(rule.creationTime.epochSeconds),
             .text(try Self.json(rule))]
        )
    }

    func scalingRule(id: String, accountID: String) async throws -> ScalingRule? {
        try await db.execute("SELECT body FROM scaling_rules WHERE id = $1 AND account_id = $2", [.text(id), .text(accountID)]).first.map {
            try Self.decode(ScalingRule.self, try $0.text("body"))
        }
    }

    func scalingRules(accountID: String, regionID: String, groupID: String?, ids: [String]?) async throws -> [ScalingRule] {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_rules WHERE account_id = \(binds.add(accountID)) AND region_id = \(binds.add(regionID))"
        if let groupID { sql += " AND group_id = \(binds.add(groupID))" }
        if let ids {
            guard !ids.isEmpty else { return [] }
            sql += " AND id IN (\(ids.map { binds.add($0) }.joined(separator: ", ")))"
        }
        return try await db.execute(sql, binds.values).map { try Self.decode(ScalingRule.self, try $0.text("body")) }.sorted(by: Self.oldestFirst)
    }

    func deleteScalingRule(id: String) async throws {
        try await db.execute("DELETE FROM scaling_rules WHERE id = $1", [.text(id)])
    }

    // MARK: Activities

    func insertScalingActivity(_ activity: ScalingActivity) async throws {
        do {
            try await db.execute(
                "INSERT INTO scaling_activities (id, group_id, account_id, status, started_at, body) VALUES ($1, $2, $3, $4, $5, $6)",
                [.text(activity.id), .text(activity.groupID), .text(activity.accountID), .text(activity.status.rawValue),
                 .integer(activity.startTime.epochSeconds), .text(try Self.json(activity))]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.scalingActivityInProgress
        }
    }

    func updateScalingActivity(_ activity: ScalingActivity) async throws {
        try await db.execute(
            "UPDATE scaling_activities SET status = $1, body = $2 WHERE id = $3",
            [.text(activity.status.rawValue), .text(try Self.json(activity)), .text(activity.id)]
        )
    }

    func scalingActivity(id: String, accountID: String?) async throws -> ScalingActivity? {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_activities WHERE id = \(binds.add(id))"
        if let accountID { sql += " AND account_id = \(binds.add(accountID))" }
        return try await db.execute(sql, binds.values).first.map { try Self.decode(ScalingActivity.self, try $0.text("body")) }
    }

    func scalingActivities(accountID: String, groupID: String?, ids: [String]?) async throws -> [ScalingActivity] {
        var binds = SQLBinds()
        var sql = "SELECT body FROM scaling_activities WHERE account_id = \(binds.add(accountID))"
        if let groupID { sql += " AND group_id = \(binds.add(groupID))" }
        if let ids {
            guard !ids.isEmpty else { return [] }
            sql += " AND id IN (\(ids.map { binds.add($0) }.joined(separator: ", ")))"
        }
        // Newest first, by the body's sub-second start times.
        return try await db.execute(sql, binds.values).map { try Self.decode(ScalingActivity.self, try $0.text("body")) }
            .sorted { ($0.startTime, $0.id) > ($1.startTime, $1.id) }
    }

    func scalingActivityInProgress(groupID: String) async throws -> ScalingActivity? {
        try await db.execute("SELECT body FROM scaling_activities WHERE group_id = $1 AND status = 'InProgress'", [.text(groupID)]).first.map {
            try Self.decode(ScalingActivity.self, try $0.text("body"))
        }
    }

    func scalingActivitiesInProgress() async throws -> [ScalingActivity] {
        try await db.execute("SELECT body FROM scaling_activities WHERE status = 'InProgress' ORDER BY started_at, id").map {
            try Self.decode(ScalingActivity.self, try $0.text("body"))
        }
    }

    // MARK: Members

    func insertScalingMember(_ member: ScalingMember) async throws {
        do {
            try await db.execute(
                "INSERT INTO scaling_members (instance_id, group_id, account_id, created_at, body) VALUES ($1, $2, $3, $4, $5)",
                [.text(member.instanceID), .text(member.groupID), .text(member.accountID), .integer(member.creationTime.epochSeconds),
                 .text(try Self.json(member))]
            )
        } catch StoreError.uniqueViolation {
            throw DomainError.instanceInOtherScalingGroup(member.instanceID)
        }
    }

    func updateScalingMember(_ member: ScalingMember) async throws {
        try await db.execute("UPDATE scaling_members SET body = $1 WHERE instance_id = $2", [.text(try Self.json(member)), .text(member.instanceID)])
    }

    func scalingMember(instanceID: String) async throws -> ScalingMember? {
        try await db.execute("SELECT body FROM scaling_members WHERE instance_id = $1", [.text(instanceID)]).first.map {
            try Self.decode(ScalingMember.self, try $0.text("body"))
        }
    }

    func scalingMembers(groupID: String) async throws -> [ScalingMember] {
        try await db.execute("SELECT body FROM scaling_members WHERE group_id = $1", [.text(groupID)]).map {
            try Self.decode(ScalingMember.self, try $0.text("body"))
        }.sorted { ($0.creationTime, $0.instanceID) < ($1.creationTime, $1.instanceID) }
    }

    func deleteScalingMember(instanceID: String) async throws {
        try await db.execute("DELETE FROM scaling_members WHERE instance_id = $1", [.text(instanceID)])
        try await removeTags(keys: [Tag.scalingGroup("").key], resourceType: ResourceType.instance, resourceID: instanceID)
    }
}
