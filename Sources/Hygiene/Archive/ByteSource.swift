#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a byte stream stopped early.
struct SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    let description: String
}

/// A stream of bytes read front to back once: an archive file, or its decompressed content.
protocol ByteSource: AnyObject {
    /// The next bytes of the stream (any non-zero amount), or none at the end.
    func nextChunk() throws(SourceError) -> [UInt8]
}

/// The bytes of a host file, 64 KiB at a time.
final class FileByteSource: ByteSource {
    private let descriptor: Int32
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(path: String) throws(SourceError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SourceError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    func nextChunk() throws(SourceError) -> [UInt8] {
        while true {
            let request = chunk.count
            let count = chunk.withUnsafeMutableBytes { buffer in read(descriptor, buffer.baseAddress, request) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError(description: "read failed: \(String(cString: strerror(errno)))")
            }
            return Array(chunk[0..<count])
        }
    }
}

/// Exact-size reads and skips over a byte source, counting the bytes consumed.
/// An archive held in memory, handed out in chunks as a file's would be.
final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func nextChunk() throws(SourceError) -> [UInt8] {
        let end = min(bytes.count, offset + 64 * 1024)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

struct StreamReader {
    private let source: any ByteSource
    private var buffer: [UInt8] = []
    private var offset = 0
    private var exhausted = false
    /// Bytes consumed so far.
    private(set) var position: Int64 = 0

    init(source: any ByteSource) {
        self.source = source
    }

    /// Up to `count` bytes; fewer only at the end of the stream.
    mutating func read(_ count: Int) throws(SourceError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(max(0, count))
        while result.count < count {
            if offset == buffer.count {
                guard try refill() else { break }
            }
            let take = min(count - result.count, buffer.count - offset)
            result.append(contentsOf: buffer[offset..<offset + take])
            offset += take
            position += Int64(take)
        }
        return result
    }

    /// Skips up to `count` bytes without keeping them; returns how many were skipped.
    mutating func skip(_ count: Int64) throws(SourceError) -> Int64 {
        var skipped: Int64 = 0
        while skipped < count {
            if offset == buffer.count {
                guard try refill() else { break }
            }
            let take = Int(min(count - skipped, Int64(buffer.count - offset)))
            offset += take
            skipped += Int64(take)
            position += Int64(take)
        }
        return skipped
    }

    private mutating func refill() throws(SourceError) -> Bool {
        guard !exhausted else { return false }
        let chunk = try source.nextChunk()
        guard !chunk.isEmpty else {
            exhausted = true
            return false
        }
        buffer = chunk
        offset = 0
        return true
    }
}
