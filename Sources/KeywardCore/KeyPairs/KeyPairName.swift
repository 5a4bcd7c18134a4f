/// A validated key pair name.
///
/// Both origins: 2–128 characters, starting with a letter, not starting with `http://` or `https://`.
/// Created key pairs allow ASCII letters, digits, `:`, `_` and `-`; imported ones also Unicode letters
/// and digits (Chinese characters among them) and `.`.
public struct KeyPairName: Sendable, Hashable {
    public enum Origin: Sendable {
        case created
        case imported
    }

    public let value: String

    public init(_ value: String, origin: Origin) throws(DomainError) {
        guard (2...128).contains(value.count) else { throw .invalidKeyPairName(value) }
        let lower = value.lowercased()
        guard !lower.hasPrefix("http://"), !lower.hasPrefix("https://") else { throw .invalidKeyPairName(value) }
        guard let first = value.unicodeScalars.first else { throw .invalidKeyPairName(value) }
        switch origin {
        case .created:
            guard first.isASCIILetter, value.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || ":_-".unicodeScalars.contains($0) })
            else { throw .invalidKeyPairName(value) }
        case .imported:
            guard first.properties.isAlphabetic, value.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType == .decimal || ":_.-".unicodeScalars.contains($0) })
            else { throw .invalidKeyPairName(value) }
        }
        self.value = value
    }

    /// A name a dialect has checked against its own vendor's rule (Tencent's differ from the rule above).
    public init(checkedByDialect value: String) {
        self.value = value
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
