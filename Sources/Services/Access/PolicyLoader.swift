import KeywardCore
import Policy
import Store

/// Gathers the policies that bind a principal: its identity policies, its session policy, and the control policies
/// on its account's path in the resource directory.
struct PolicyLoader {
    let systemPolicies: SystemPolicies

    func policies(for principal: Principal, in tx: any StoreTransaction) async throws -> PolicySet {
        let accountID = principal.accountID
        var identity: [PolicyDocument] = []
        switch principal.identity {
        case .root:
            break
        case .user(let name, _):
            identity += try await documents(attachedTo: .user(name), accountID: accountID, tx: tx)
            for (group, _) in try await tx.groups(ofUser: name, accountID: accountID) {
                identity += try await documents(attachedTo: .group(group.name), accountID: accountID, tx: tx)
            }
        case .roleSession(let role, _, _):
            identity += try await documents(attachedTo: .role(role), accountID: accountID, tx: tx)
        }
        let session = try principal.sessionPolicy.map { text in
            do { return try PolicyDocument.parse(text, kind: .session) } catch { throw DomainError.internalFailure("stored session policy: \(error)") }
        }
        let control = principal.isRoot ? [] : try await controlLevels(accountID: accountID, tx: tx)
        return PolicySet(controlLevels: control, sessionPolicy: session, identityPolicies: identity, isRoot: principal.isRoot)
    }

    private func documents(attachedTo target: PolicyTarget, accountID: String, tx: any StoreTransaction) async throws -> [PolicyDocument] {
        var documents: [PolicyDocument] = []
        for (origin, name, text) in try await tx.attachedPolicyDocuments(of: target, accountID: accountID) {
            switch origin {
            case .system:
                if let entry = systemPolicies.entry(named: name) { documents.append(entry.parsed) }
            case .custom:
                guard let text else { continue }
                do {
                    documents.append(try PolicyDocument.parse(text, kind: .identity))
                } catch {
                    throw DomainError.internalFailure("stored policy \(name): \(error)")
                }
            }
        }
        return documents
    }

    /// One level per node from the root folder down to the account; none for the management account, an account outside
    /// any directory, or a directory without control policies.
    private func controlLevels(accountID: String, tx: any StoreTransaction) async throws -> [[PolicyDocument]] {
        guard let directory = try await tx.directory(ofAccount: accountID), directory.controlPoliciesEnabled,
              directory.managementAccountID != accountID,
              let member = try await tx.member(accountID: accountID)
        else { return [] }
        var path: [String] = [accountID]
        var folderID: String? = member.folderID
        while let id = folderID, path.count < 32 {
            path.insert(id, at: 0)
            folderID = try await tx.folder(id: id, directoryID: directory.id)?.parentID
        }
        var levels: [[PolicyDocument]] = []
        for node in path {
            var level: [PolicyDocument] = []
            for (policyID, _) in try await tx.controlPolicyAttachments(targetID: node, directoryID: directory.id) {
                if policyID == ResourceDirectory.fullAccessPolicyID {
                    level.append(SystemPolicies.fullAccessControlPolicy)
                } else if let policy = try await tx.controlPolicy(id: policyID, directoryID: directory.id) {
                    do {
                        level.append(try PolicyDocument.parse(policy.document, kind: .control))
                    } catch {
                        throw DomainError.internalFailure("stored control policy \(policy.id): \(error)")
                    }
                }
            }
            levels.append(level)
        }
        return levels
    }
}
