/// A condition value read for its operator's family. Policy and request sides differ only for dates
/// (a request may also give epoch seconds) and IPs (a policy gives ranges, a request an address).
enum ConditionValue {
    case text(String)
    case number(Double)
    case instant(Double)
    case flag(Bool)
    case range(IPRange)
    case address(IPAddress)

    enum Side {
        case policy, request
    }

    init?(_ text: String, family: ConditionOperator.Family, side: Side) {
        switch family {
        case .string:
            self = .text(text)
        case .numeric:
            guard let number = Self.decimal(text) else { return nil }
            self = .number(number)
        case .date:
            if let seconds = ISODate.seconds(text) {
                self = .instant(seconds)
            } else if side == .request, !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let seconds = Double(text) {
                self = .instant(seconds)
            } else {
                return nil
            }
        case .bool:
            switch text.lowercased() {
            case "true": self = .flag(true)
            case "false": self = .flag(false)
            default: return nil
            }
        case .ip:
            switch side {
            case .policy:
                guard let range = IPRange(text) else { return nil }
                self = .range(range)
            case .request:
                guard let address = IPAddress(text) else { return nil }
                self = .address(address)
            }
        }
    }

    /// A finite decimal number (`-1`, `2.5`, `1e3`); not hex, `nan` or `inf`, which `Double(_:)` would take.
    private static func decimal(_ text: String) -> Double? {
        let allowed = Set("0123456789+-.eE".utf8)
        guard !text.isEmpty, text.utf8.allSatisfy(allowed.contains), let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
