/// SSH wire encoding (RFC 4251): big-endian uint32 and length-prefixed strings.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        let value = bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        offset += 4
        return value
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32(), Int(length) <= bytes.count - offset else { return nil }
        let value = Array(bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return value
    }
}

struct WireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func string(_ value: [UInt8]) {
        let length = UInt32(value.count)
        bytes += [UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        bytes += value
    }

    mutating func string(_ value: String) {
        string(Array(value.utf8))
    }
}

/// Just enough DER to find the public half of a private key: tag, length, content.
struct DERReader {
    struct Element {
        let tag: UInt8
        let content: [UInt8]
    }

    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    /// The next element, or nil at the end or on malformed encoding.
    mutating func next() -> Element? {
        guard offset + 2 <= bytes.count else { return nil }
        let tag = bytes[offset]
        var cursor = offset + 1
        let first = bytes[cursor]
        cursor += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4, cursor + count <= bytes.count else { return nil }
            for byte in bytes[cursor..<cursor + count] { length = length << 8 | Int(byte) }
            cursor += count
        }
        guard length >= 0, cursor + length <= bytes.count else { return nil }
        offset = cursor + length
        return Element(tag: tag, content: Array(bytes[cursor..<cursor + length]))
    }

    /// The content of a SEQUENCE read as its own elements.
    static func children(of element: Element) -> [Element] {
        var reader = DERReader(element.content)
        var children: [Element] = []
        while let child = reader.next() { children.append(child) }
        return children
    }

    static let sequence: UInt8 = 0x30
    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let bitString: UInt8 = 0x03
    static let objectIdentifier: UInt8 = 0x06
}

/// Object identifiers (DER content bytes) of the key algorithms and curves a private key may name.
enum KeyOID {
    static let rsaEncryption: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
    static let ecPublicKey: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    static let dsa: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]
    static let ed25519: [UInt8] = [0x2b, 0x65, 0x70]
    static let p256: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
    static let p384: [UInt8] = [0x2b, 0x81, 0x04, 0x00, 0x22]
    static let p521: [UInt8] = [0x2b, 0x81, 0x04, 0x00, 0x23]

    /// The SSH curve name for an EC curve OID.
    static func curveName(_ oid: [UInt8]) -> String? {
        switch oid {
        case p256: "nistp256"
        case p384: "nistp384"
        case p521: "nistp521"
        default: nil
        }
    }
}
