/// Whether `trust`, a role's trust policy, lets the caller assume the role: some `Allow` statement covering
/// `sts:AssumeRole` names the caller and its conditions hold in `context`, and no such `Deny` does.
///
/// `callerARN` is `acs:ram::<id>:user/<name>`, `acs:ram::<id>:role/<name>`… for RAM identities, and
/// `service:<service>` (e.g. `service:ecs.aliyuncs.com`) for a cloud service.
public func trusts(_ trust: PolicyDocument, callerAccountID: String, callerARN: String, context: RequestContext) -> Bool {
    let caller = TrustCaller(accountID: callerAccountID, arn: callerARN)
    var assumeContext = context
    assumeContext.action = "sts:AssumeRole"
    let matching = trust.statements.filter { statement in
        statement.covers(action: "sts:AssumeRole")
            && (statement.principal.map(caller.isNamed) ?? false)
            && statement.conditionsHold(in: assumeContext)
    }
    return matching.contains { $0.effect == .allow } && !matching.contains { $0.effect == .deny }
}

/// A caller of AssumeRole, as trust policy principals name it.
struct TrustCaller {
    static let ramPrefix = "acs:ram::"
    static let servicePrefix = "service:"

    let accountID: String
    /// The caller's ARN with the `acs:ram::` prefix in lower case.
    let arn: String

    init(accountID: String, arn: String) {
        self.accountID = accountID
        self.arn = Self.normalised(arn)
    }

    var isService: Bool { arn.lowercased().hasPrefix(Self.servicePrefix) }

    func isNamed(by principal: PolicyStatement.Principal) -> Bool {
        if isService {
            let service = String(arn.dropFirst(Self.servicePrefix.count))
            return principal.service.contains { Wildcard.matches($0, service, ignoringCase: true) }
        }
        return principal.ram.contains(where: namesAccountOrIdentity) || principal.federated.contains { Wildcard.matches($0, arn) }
    }

    /// A `RAM` entry names the caller as its account (`acs:ram::<id>:root` or `<id>`), as itself, or by a `*`/`?` pattern.
    private func namesAccountOrIdentity(_ entry: String) -> Bool {
        let entry = Self.normalised(entry)
        let accountRoot = "\(Self.ramPrefix)\(accountID):root"
        return entry == accountID || Wildcard.matches(entry, accountRoot) || Wildcard.matches(entry, arn)
    }

    private static func normalised(_ arn: String) -> String {
        arn.lowercased().hasPrefix(ramPrefix) ? ramPrefix + arn.dropFirst(ramPrefix.count) : arn
    }
}
