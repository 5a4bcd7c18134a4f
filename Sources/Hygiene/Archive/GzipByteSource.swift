import CompressNIO
import NIOCore

/// The decompressed bytes of a gzip stream (several concatenated members are read as one), inflated in
/// process with zlib through CompressNIO.
///
/// Input goes to zlib 1 KiB at a time into a 2 MiB output window: deflate expands at most about 1032:1, so one
/// step's output always fits and zlib never has to hold output back for a call without input.
final class GzipByteSource: ByteSource {
    private static let inputStep = 1024
    private static let outputCapacity = 2 << 20

    private let inner: any ByteSource
    private let decompressor: ZlibDecompressor
    private var output: ByteBuffer
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var finished = false

    init(wrapping inner: any ByteSource) throws(SourceError) {
        let decompressor: ZlibDecompressor
        do {
            decompressor = try ZlibDecompressor(algorithm: .gzip, windowSize: 15)
        } catch {
            throw SourceError(description: "cannot start gzip decompression: \(error)")
        }
        self.inner = inner
        self.decompressor = decompressor
        self.output = ByteBufferAllocator().buffer(capacity: Self.outputCapacity)
    }

    func nextChunk() throws(SourceError) -> [UInt8] {
        while !finished {
            if pendingOffset == pending.count {
                pending = try inner.nextChunk()
                pendingOffset = 0
                if pending.isEmpty {
                    finished = true
                    break
                }
            }
            let step = min(Self.inputStep, pending.count - pendingOffset)
            var input = ByteBuffer(bytes: pending[pendingOffset..<pendingOffset + step])
            output.clear()
            do {
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError {
                // bufferOverflow: the output window is full; inputBufferOverflow: zlib wants more input. Both
                // leave what was produced in `output`; anything else means the data is damaged.
                if error != .bufferOverflow && error != .inputBufferOverflow {
                    throw SourceError(description: "gzip data is corrupt (\(error))")
                }
            } catch {
                throw SourceError(description: "gzip decompression failed: \(error)")
            }
            let consumed = step - input.readableBytes
            pendingOffset += consumed
            if output.readableBytes > 0 { return Array(output.readableBytesView) }
            if consumed == 0 {
                // zlib has reached the end of a member. Another member may follow; other trailing bytes
                // (padding) are ignored.
                let rest = pending[pendingOffset...]
                if rest.count >= 2 && rest[rest.startIndex] == 0x1f && rest[rest.startIndex + 1] == 0x8b {
                    do {
                        try decompressor.reset()
                    } catch {
                        throw SourceError(description: "gzip decompression failed: \(error)")
                    }
                    continue
                }
                finished = true
            }
        }
        return []
    }
}
