/// The IPv4 network of a sandbox bridge: the host takes its first address, instances follow from the eleventh.
/// Written as the first three octets of a /24 (`10.213.0`) or as a network of /16 to /24 (`10.213.0.0/20`: 4,080
/// instances).
public struct IPv4Subnet: Sendable, Hashable, CustomStringConvertible {
    /// The network address, host bits zero.
    public let network: UInt32
    public let prefixLength: Int

    public static let prefixLengths = 16...24

    /// Parses `text`; nil if it is neither form, or if its address has host bits set.
    public init?(_ text: String) {
        let (address, length): (Substring, Int)
        if let slash = text.firstIndex(of: "/") {
            guard let parsed = Int(text[text.index(after: slash)...]), Self.prefixLengths.contains(parsed) else { return nil }
            (address, length) = (text[..<slash], parsed)
        } else {
            (address, length) = (Substring(text + ".0"), 24)
        }
        let octets = address.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        let values = octets.compactMap { UInt8($0) }
        guard values.count == 4 else { return nil }
        let network = values.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard network & ~Self.mask(length) == 0 else { return nil }
        self.network = network
        self.prefixLength = length
    }

    private static func mask(_ length: Int) -> UInt32 { UInt32.max << (32 - length) }

    /// Whether this network shares an address with the network of `address` and `prefixLength` (0…32), as an
    /// interface's address and mask give it.
    public func overlaps(address: UInt32, prefixLength: Int) -> Bool {
        let mask = Self.mask(min(self.prefixLength, max(prefixLength, 0)))
        return network & mask == address & mask
    }

    /// The addresses of the network, its own and its broadcast address included.
    public var size: Int { 1 << (32 - prefixLength) }
    /// The host's address on the bridge.
    public var hostAddress: String { Self.text(network + 1) }
    /// How many instances fit: every address from the eleventh but the last few (the broadcast address among them).
    public var instanceCapacity: Int { size - 16 }

    /// The address of the instance with `index` (1 … `instanceCapacity`).
    public func address(index: Int) -> String {
        precondition((1...instanceCapacity).contains(index), "instance index \(index) outside \(self)")
        return Self.text(network + 10 + UInt32(index))
    }

    /// A name for locks and interface names: `10.213.0` for a /24, `10.213.0.0-20` otherwise.
    public var name: String {
        prefixLength == 24 ? Self.text(network).split(separator: ".").prefix(3).joined(separator: ".") : "\(Self.text(network))-\(prefixLength)"
    }

    public var description: String { "\(Self.text(network))/\(prefixLength)" }

    static func text(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String((address >> UInt32($0)) & 0xFF) }.joined(separator: ".")
    }
}
