/// One archive member as the reader presents it: GNU long names and pax `path`/`linkpath`/`size`/`uid`/`gid`
/// records already applied.
struct TarMember: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case regular
        case hardLink
        case symlink
        case directory
        case other(String)
    }

    let name: String
    let linkName: String
    let kind: Kind
    let size: Int64
    let mode: UInt32
    let uid: UInt32
    let gid: UInt32
}

/// Reads a tar stream member by member, never trusting a header's size beyond the bytes that arrive:
/// data is read or skipped through the stream, and an early end is an error, not a crash or a hang.
struct TarReader {
    /// GNU long names and pax headers larger than this are refused.
    static let maximumMetadataBytes = 1 << 20

    private var stream: StreamReader
    private var remaining: Int64 = 0
    private var padding: Int64 = 0
    /// True once the end-of-archive zero block was read.
    private(set) var sawEndMarker = false
    /// Oddities met on the way that did not stop the reading.
    private(set) var warnings: [String] = []

    init(source: any ByteSource) {
        stream = StreamReader(source: source)
    }

    /// Bytes consumed so far.
    var position: Int64 { stream.position }

    /// The next member, or nil at the end of the archive (marker or end of stream). The data of the previous
    /// member is skipped if it was not read.
    mutating func nextMember() throws(TarError) -> TarMember? {
        try finishMember()
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            let offset = stream.position
            let block = try readBytes(TarHeaderBlock.size)
            if block.isEmpty { return nil }
            guard block.count == TarHeaderBlock.size else { throw .truncated(offset: stream.position) }
            if block.allSatisfy({ $0 == 0 }) {
                sawEndMarker = true
                return nil
            }
            let header = try TarHeaderBlock.parse(block, offset: offset)
            begin(dataSize: header.size)
            switch header.typeFlag {
            case UInt8(ascii: "L"):
                longName = try metadataText(offset: offset)
                continue
            case UInt8(ascii: "K"):
                longLink = try metadataText(offset: offset)
                continue
            case UInt8(ascii: "x"):
                let data = try metadata(offset: offset)
                pax.merge(TarHeaderBlock.paxRecords(data)) { _, new in new }
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "V"), UInt8(ascii: "M"), UInt8(ascii: "N"):
                try finishMember()  // global pax records, volume labels, continuation and old long-name members
                continue
            default:
                break
            }
            var size = header.size
            if let text = pax["size"] {
                guard let value = Int64(text), value >= 0 else { throw .badHeader(offset: offset, reason: "pax size") }
                size = value
                begin(dataSize: size)
            }
            let kind = Self.kind(of: header.typeFlag)
            if header.typeFlag == UInt8(ascii: "S") {
                warnings.append("\(pax["path"] ?? longName ?? header.name): GNU sparse member read as stored")
            }
            return TarMember(
                name: pax["path"] ?? longName ?? header.name,
                linkName: pax["linkpath"] ?? longLink ?? header.linkName,
                kind: kind,
                size: size,
                mode: header.mode & 0o7777,
                uid: pax["uid"].flatMap { UInt32($0) } ?? header.uid,
                gid: pax["gid"].flatMap { UInt32($0) } ?? header.gid
            )
        }
    }

    /// Up to `limit` bytes of the current member's data, and whether more is left.
    mutating func readData(limit: Int) throws(TarError) -> FileData {
        let wanted = Int(min(Int64(max(0, limit)), remaining))
        let bytes = try readBytes(wanted)
        remaining -= Int64(bytes.count)
        guard bytes.count == wanted else { throw .truncated(offset: stream.position) }
        return FileData(bytes: bytes, truncated: remaining > 0)
    }

    private static func kind(of flag: UInt8) -> TarMember.Kind {
        switch flag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"), UInt8(ascii: "S"): .regular
        case UInt8(ascii: "1"): .hardLink
        case UInt8(ascii: "2"): .symlink
        case UInt8(ascii: "5"), UInt8(ascii: "D"): .directory
        case UInt8(ascii: "3"): .other("character device")
        case UInt8(ascii: "4"): .other("block device")
        case UInt8(ascii: "6"): .other("fifo")
        default: .other("tar member type \(String(decoding: [flag], as: UTF8.self))")
        }
    }

    private mutating func begin(dataSize: Int64) {
        remaining = dataSize
        padding = (Int64(TarHeaderBlock.size) - dataSize % Int64(TarHeaderBlock.size)) % Int64(TarHeaderBlock.size)
    }

    /// Skips what is left of the current member's data and its padding.
    private mutating func finishMember() throws(TarError) {
        if remaining > 0 {
            let skipped = try skipBytes(remaining)
            guard skipped == remaining else { throw .truncated(offset: stream.position) }
        }
        remaining = 0
        if padding > 0 { _ = try skipBytes(padding) }  // a missing final padding only ends the stream
        padding = 0
    }

    private mutating func metadata(offset: Int64) throws(TarError) -> [UInt8] {
        guard remaining <= Int64(Self.maximumMetadataBytes) else {
            throw .badHeader(offset: offset, reason: "extended header of \(remaining) bytes")
        }
        let data = try readData(limit: Self.maximumMetadataBytes)
        try finishMember()
        return data.bytes
    }

    private mutating func metadataText(offset: Int64) throws(TarError) -> String {
        let bytes = try metadata(offset: offset)
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    private mutating func readBytes(_ count: Int) throws(TarError) -> [UInt8] {
        do {
            return try stream.read(count)
        } catch {
            throw .source("\(error)")
        }
    }

    private mutating func skipBytes(_ count: Int64) throws(TarError) -> Int64 {
        do {
            return try stream.skip(count)
        } catch {
            throw .source("\(error)")
        }
    }
}
