/// How `keyward serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Directory holding the SQLite database and the server key; nil keeps everything in memory (tests).
    public var dataDirectory: String?
    /// Root AccessKey of the default account, from the environment; generated on first start when nil.
    public var rootAccessKey: (id: String, secret: String)?

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String? = "keyward-data", rootAccessKey: (id: String, secret: String)? = nil) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.rootAccessKey = rootAccessKey
    }

    /// Parses `HOST:PORT` (or `[V6]:PORT`).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
