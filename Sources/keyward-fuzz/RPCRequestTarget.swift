import DialectWire

extension FuzzTarget {
    /// Signed Alibaba RPC and Tencent requests: the form decoder, the request decoder and both vendors' canonical
    /// forms. The input is `query \n headers (name: value, one per line) \n\n body`.
    static let rpcRequest = FuzzTarget(name: "rpc-request", summary: "the RPC request decoder and the signature canonicalisers") { bytes in
        let (queryBytes, rest) = split(bytes, at: UInt8(ascii: "\n"))
        let (headerBytes, body) = splitHeaders(rest)
        let headers = String(decoding: headerBytes, as: UTF8.self).split(separator: "\n").compactMap { line -> (name: String, value: String)? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        let query = String(decoding: queryBytes, as: UTF8.self)
        let message = HTTPRequestMessage(method: body.isEmpty ? "GET" : "POST", path: "/", rawQuery: query, headers: headers, body: body)

        if let request = try? RPCRequest.decode(message) {
            switch request.scheme {
            case .v1:
                _ = AlibabaSignature.v1Signature(stringToSign: AlibabaSignature.v1StringToSign(method: message.method, parameters: request.signedPairs),
                                                 secret: "secret")
            case .v3(let authorization):
                let canonical = AlibabaSignature.v3CanonicalRequest(
                    method: message.method, path: message.path, query: request.queryPairs, signedHeaders: authorization.signedHeaders,
                    headerValues: message.headerValues, payloadHash: AlibabaSignature.sha256Hex(message.body)
                )
                _ = AlibabaSignature.v3Signature(stringToSign: AlibabaSignature.v3StringToSign(algorithm: authorization.algorithm, canonicalRequest: canonical),
                                                 secret: "secret")
            }
        }
        if let header = message.header("authorization"), let authorization = TencentSignature.TC3Authorization(header: header) {
            let canonical = TencentSignature.tc3CanonicalRequest(
                method: message.method, path: message.path, rawQuery: query, signedHeaders: authorization.signedHeaders,
                headerValue: message.header, payload: message.body
            )
            let stringToSign = TencentSignature.tc3StringToSign(timestamp: "1700000000", date: authorization.date, service: authorization.service,
                                                                canonicalRequest: canonical)
            _ = TencentSignature.tc3Signature(secret: "secret", date: authorization.date, service: authorization.service, stringToSign: stringToSign)
        }
        // Encoding then decoding a form value gives it back.
        for pair in PercentEncoding.formPairs(query) ?? [] {
            let encoded = PercentEncoding.rfc3986(pair.name) + "=" + PercentEncoding.rfc3986(pair.value)
            guard let decoded = PercentEncoding.formPairs(encoded), decoded.count == 1, decoded[0].name == pair.name, decoded[0].value == pair.value else {
                preconditionFailure("a form pair changed in a round trip: \(encoded)")
            }
        }
    }

    private static func splitHeaders(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "\n"), bytes[index + 1] == UInt8(ascii: "\n") {
                return (Array(bytes[..<index]), Array(bytes[(index + 2)...]))
            }
            index += 1
        }
        return (bytes, [])
    }
}
