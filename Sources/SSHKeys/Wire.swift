/// Writes the SSH wire encoding (RFC 4251 §5): `uint32`, `uint64`, `string`, `mpint`.
public struct SSHWireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// `string`: a `uint32` length followed by the bytes.
    public mutating func writeString<C: Collection>(_ value: C) where C.Element == UInt8 {
        writeUInt32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// `string` holding the UTF-8 bytes of `value`.
    public mutating func writeString(_ value: String) {
        writeString(Array(value.utf8))
    }

    /// `mpint` of a non-negative number given as unsigned big-endian bytes: leading zeros dropped,
    /// and one `0x00` prepended when the top bit is set, so the encoding is minimal and positive.
    public mutating func writeMPInt<C: Collection>(unsignedBigEndian magnitude: C) where C.Element == UInt8 {
        var minimal = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = minimal.first, first & 0x80 != 0 { minimal.insert(0, at: 0) }
        writeString(minimal)
    }

    /// Bytes appended as they are, without a length.
    public mutating func writeRaw<C: Collection>(_ raw: C) where C.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }
}

/// Raised by ``SSHWireReader`` when a field runs past the end of the input.
public enum SSHWireError: Error, Sendable, Equatable {
    /// `needed` more bytes were required where only `available` were left.
    case truncated(needed: Int, available: Int)
}

/// Reads the SSH wire encoding. Every length is checked against the bytes left before anything
/// is sliced, so a hostile length field never causes an allocation or a trap.
public struct SSHWireReader: Sendable {
    private let bytes: [UInt8]
    private var index: Int

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.bytes = Array(bytes)
        self.index = 0
    }

    /// Bytes not read yet.
    public var remainingCount: Int { bytes.count - index }

    public var isAtEnd: Bool { index == bytes.count }

    /// Offset of the next byte to be read.
    public var offset: Int { index }

    public mutating func readBytes(_ count: Int) throws(SSHWireError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remainingCount else {
            throw .truncated(needed: count, available: remainingCount)
        }
        defer { index += count }
        return bytes[index..<index + count]
    }

    public mutating func readUInt32() throws(SSHWireError) -> UInt32 {
        try readBytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws(SSHWireError) -> UInt64 {
        try readBytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `string`: a `uint32` length followed by that many bytes.
    public mutating func readString() throws(SSHWireError) -> ArraySlice<UInt8> {
        let start = index
        let length = Int(try readUInt32())
        guard length <= remainingCount else {
            let available = remainingCount
            index = start
            throw .truncated(needed: length, available: available)
        }
        return try readBytes(length)
    }
}
