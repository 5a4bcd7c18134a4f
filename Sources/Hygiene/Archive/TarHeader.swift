/// Why an archive stream could not be read further.
enum TarError: Error, Sendable, Hashable, CustomStringConvertible {
    case source(String)
    case truncated(offset: Int64)
    case badChecksum(offset: Int64)
    case badHeader(offset: Int64, reason: String)

    var description: String {
        switch self {
        case .source(let reason): reason
        case .truncated(let offset): "the archive ends early (at byte \(offset))"
        case .badChecksum(let offset): "header checksum mismatch at byte \(offset)"
        case .badHeader(let offset, let reason): "invalid header at byte \(offset): \(reason)"
        }
    }
}

/// The fields of one 512-byte tar header block (POSIX ustar, GNU and v7), before GNU long names and pax
/// records are applied.
struct TarHeaderBlock: Sendable, Hashable {
    static let size = 512

    let name: String
    let mode: UInt32
    let uid: UInt32
    let gid: UInt32
    let size: Int64
    let typeFlag: UInt8
    let linkName: String

    /// Parses a non-zero block. Numbers are octal text or GNU base-256; the checksum must match.
    static func parse(_ block: [UInt8], offset: Int64) throws(TarError) -> TarHeaderBlock {
        guard block.count == size else { throw .truncated(offset: offset) }
        guard hasValidChecksum(block) else { throw .badChecksum(offset: offset) }
        guard let size = number(block, 124, 12), size >= 0 else { throw .badHeader(offset: offset, reason: "size field") }
        var name = string(block, 0, 100)
        // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU ("ustar  ") uses that space otherwise.
        if block[257..<263].elementsEqual(Array("ustar\0".utf8)) {
            let prefix = string(block, 345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        return TarHeaderBlock(
            name: name,
            mode: UInt32(truncatingIfNeeded: number(block, 100, 8) ?? 0o644),
            uid: UInt32(truncatingIfNeeded: number(block, 108, 8) ?? 0),
            gid: UInt32(truncatingIfNeeded: number(block, 116, 8) ?? 0),
            size: size,
            typeFlag: block[156],
            linkName: string(block, 157, 100)
        )
    }

    /// The sum of the header bytes with the checksum field taken as spaces equals the stored checksum
    /// (unsigned, or signed as some old tars computed it).
    static func hasValidChecksum(_ block: [UInt8]) -> Bool {
        guard block.count == size, let stored = number(block, 148, 8) else { return false }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value: UInt8 = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// A NUL-terminated text field.
    static func string(_ block: [UInt8], _ start: Int, _ length: Int) -> String {
        let field = block[start..<(start + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[start..<end], as: UTF8.self)
    }

    /// An octal number field (spaces and NULs around it), or GNU base-256 when the top bit is set;
    /// nil for garbage, negative or out-of-range values.
    static func number(_ block: [UInt8], _ start: Int, _ length: Int) -> Int64? {
        let field = block[start..<(start + length)]
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return nil }  // negative
            var value = Int64(first & 0x3f)
            for byte in field.dropFirst() {
                guard value <= (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for byte in field {
            if byte == 0 || byte == 0x20 {
                if seenDigit { break }
                continue
            }
            guard byte >= 0x30 && byte <= 0x37 else { return nil }
            guard value <= (Int64.max >> 3) else { return nil }
            value = value << 3 | Int64(byte - 0x30)
            seenDigit = true
        }
        return value
    }

    /// `key=value` records of a pax extended header (`"<length> <key>=<value>\n"` each); malformed records end
    /// the parse and keep what came before.
    static func paxRecords(_ data: [UInt8]) -> [String: String] {
        var records: [String: String] = [:]
        var start = 0
        while start < data.count {
            var cursor = start
            var length = 0
            while cursor < data.count, data[cursor] >= 0x30, data[cursor] <= 0x39 {
                length = length * 10 + Int(data[cursor] - 0x30)
                guard length <= data.count else { return records }
                cursor += 1
            }
            let end = start + length
            guard cursor < data.count, data[cursor] == 0x20, length > 0, end <= data.count, cursor + 1 <= end else { break }
            var record = data[(cursor + 1)..<end]
            if record.last == 0x0A { record = record.dropLast() }
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                let value = String(decoding: record[(equals + 1)...], as: UTF8.self)
                records[key] = value
            }
            start = end
        }
        return records
    }
}
