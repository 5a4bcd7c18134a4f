import Foundation
import Hummingbird

/// The benchmark's ceiling: a bare Hummingbird route that answers every request with the same bytes a Keyward call
/// returns, so that Keyward's figures are read as a fraction of what the HTTP stack itself reaches on this machine.
/// Usage: keyward-bench-ceiling BODY_FILE CONTENT_TYPE PORT
let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[3]), let body = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: keyward-bench-ceiling BODY_FILE CONTENT_TYPE PORT\n".utf8))
    exit(2)
}
let contentType = arguments[2]
let bytes = ByteBuffer(bytes: body)
let router = Router()
let answer: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
    Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: bytes))
}
router.get("/", use: answer)
router.post("/", use: answer)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "ceiling"),
                      onServerRunning: { _ in
                          FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(port)\n".utf8))
                      })
try await app.runService()
